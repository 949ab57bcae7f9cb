// The Resolver in workerd (Miniflare): the runtime's fetch against the ENS contracts on
// anvil (tests/resolver/harness.mjs), and Workers KV as the caller's cache store.
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { startEnsChain } from '../resolver/harness.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = process.env.HYBRID_EDGE_REPO ?? join(here, '../../..');
const { bundleWorker, workerOptions } = await import(join(repo, 'scripts/bundle-worker.mjs'));

test('Resolver in workerd: batched lookups over the runtime fetch, Workers KV as the cache', async (t) => {
  const env = await startEnsChain();
  t.after(() => env.close());
  const scriptPath = await bundleWorker(join(here, 'resolver-worker.js'));
  const mf = new Miniflare(workerOptions(scriptPath, {
    kvNamespaces: ['KV'],
    bindings: { RPC: env.mainnet.url },
  }));
  t.after(() => mf.dispose());

  const query = `?name=alice.eth&name=nobody.eth&name=${env.many[0][0]}&text=${encodeURIComponent('gm dave.eth')}`;
  env.mainnet.reset();
  /** @type {any} */
  const first = await (await mf.dispatchFetch(`http://worker/${query}`)).json();
  assert.deepEqual(first.error, undefined);
  assert.deepEqual(first.addresses, [env.accounts.alice, null, env.many[0][1]]);
  assert.equal(first.text, `gm dave.eth (${env.accounts.dave})`);
  assert.equal(env.mainnet.count, 2); // one batch for the names, one for the text
  // Let waitUntil(flush) land in KV, then a new isolate-like Resolver answers from KV.
  for (let i = 0; i < 50 && !(await /** @type {any} */ (await mf.getKVNamespace('KV')).get('hybrid-edge:resolver-cache:v1')); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  env.mainnet.reset();
  /** @type {any} */
  const second = await (await mf.dispatchFetch(`http://worker/${query}`)).json();
  assert.deepEqual(second.addresses, first.addresses);
  assert.equal(env.mainnet.count, 0);
  assert.equal(second.stats.hits, 4);
});
