// The resolver in Chromium: the packed package's browser entry, the browser's fetch, and an
// IndexedDB cache that survives a page reload (0 RPC requests for cached names after it).
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serve } from './support.mjs';
import { startEnsChain } from '../resolver/harness.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));

const PAGE = `<!doctype html><meta charset="utf-8"><title>resolver</title>
<script type="module">
  import { Resolver, indexedDbStore } from './hybrid-edge/browser.js';
  window.lookup = async (options, names) => {
    const resolver = new Resolver({ ...options, cache: { store: indexedDbStore('resolver-test') } });
    await resolver.ready();
    const restored = resolver.getCacheStats().size;
    const addresses = await resolver.resolveMany(names);
    const name = await resolver.lookupName(addresses[0]);
    await resolver.flush();
    return { restored, addresses, name, stats: resolver.getCacheStats() };
  };
  document.body.dataset.ready = 'true';
</script><body></body>`;

test('resolver in Chromium: IndexedDB cache survives a reload with 0 RPC requests', async (t) => {
  const env = await startEnsChain();
  t.after(() => env.close());
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-edge-resolver-'));
  cpSync(join(here, '..', 'node_modules', 'hybrid-edge'), join(dir, 'hybrid-edge'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), PAGE);
  const url = await serve(t, { mounts: { '/': dir } });

  const browser = await launchChromium(t);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });

  const options = env.options();
  const names = ['alice.eth', ...env.many.slice(0, 20).map(([name]) => name)];
  const expected = [env.accounts.alice, ...env.many.slice(0, 20).map(([, address]) => address)];
  env.mainnet.reset();
  const first = await page.evaluate(([o, n]) => /** @type {any} */ (window).lookup(o, n), [options, names]);
  assert.equal(first.restored, 0);
  assert.deepEqual(first.addresses, expected);
  assert.equal(first.name, 'alice.eth');
  assert.equal(env.mainnet.count, 2); // one batch of 21 names, one reverse lookup

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  env.mainnet.reset();
  const second = await page.evaluate(([o, n]) => /** @type {any} */ (window).lookup(o, n), [options, names]);
  assert.equal(second.restored, 22);
  assert.deepEqual(second.addresses, expected);
  assert.equal(second.name, 'alice.eth');
  assert.equal(env.mainnet.count, 0);
  assert.equal(second.stats.hits, 22);

  // Another tab of the same origin adds answers; a reload of the first sees both tabs'.
  const tab = await context.newPage(); // same context: same IndexedDB
  await tab.goto(url);
  await tab.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  const other = await tab.evaluate(([o, n]) => /** @type {any} */ (window).lookup(o, n), [options, ['bob.eth']]);
  assert.equal(other.restored, 22);
  assert.deepEqual(other.addresses, [env.accounts.bob]);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  const third = await page.evaluate(([o, n]) => /** @type {any} */ (window).lookup(o, n), [options, ['bob.eth']]);
  assert.equal(third.restored, 24); // bob.eth and bob's (absent) primary name from the other tab
  assert.deepEqual(errors, []);
});
