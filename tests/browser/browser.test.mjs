// Headless Chromium (Debian's, driven by playwright-core): the demo page in www/, and the
// packed package bundled by Vite as a user's app would be.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serve } from './support.mjs';
import { build } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = process.env.HYBRID_EDGE_REPO;
const results = join(repo, 'test-results');
mkdirSync(results, { recursive: true });

const FOO_ETH = '0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f';

async function launch(t) {
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  return { page, errors };
}

test('demo page: a name\'s namehash, an address\'s checksum, secrets in a message found and redacted, an encrypted DM', async (t) => {
  const { startServer } = await import(join(repo, 'scripts/serve.mjs'));
  const server = await startServer(0);
  t.after(() => server.close());
  const { page, errors } = await launch(t);
  await page.goto(`http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}/`);
  await page.waitForSelector('body[data-ready="true"]');

  await page.fill('#input', 'foo.eth');
  assert.equal(await page.textContent('#namehash'), FOO_ETH);
  assert.equal(await page.textContent('#dns'), '0x03666f6f0365746800');

  await page.fill('#input', '0xFB6916095ca1df60bB79Ce92cE3Ea74c37c5d359');
  assert.match(await page.textContent('#checksum'), /^InvalidAddressChecksum: /);
  await page.fill('#input', '0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359');
  assert.equal(await page.textContent('#checksum'), '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359');

  // The sanitizer section: the sample message's secrets, found and redacted.
  const kinds = await page.$$eval('#findings tbody tr', (rows) => rows.map((r) => r.children[0].textContent));
  assert.deepEqual(kinds, ['seed_phrase', 'card_number', 'password', 'eth_address', 'email']);
  assert.equal(await page.textContent('#sensitive'), 'yes');
  const redacted = await page.textContent('#redacted');
  assert.match(redacted, /\[REDACTED:seed_phrase\]/);
  assert.match(redacted, /\*\*\*\*4242/);
  assert.doesNotMatch(redacted, /hunter2|abandon/);
  await page.fill('#chat', 'I forgot my password, can you help?');
  assert.equal(await page.textContent('#sensitive'), 'no');
  assert.equal(await page.$$eval('#findings tbody tr', (rows) => rows.length), 0);

  // The DM section: Alice and Bob talk both ways, then Alice rotates her keys.
  const alice = await page.textContent('#alice');
  assert.match(alice, /^0x[0-9a-fA-F]{40}$/);
  await page.click('#from-alice');
  await page.waitForSelector('#log li.message');
  const first = await page.textContent('#log li.message');
  assert.match(first, /^Alice \(0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}, verified\) → Bob: "gm, this is end-to-end encrypted" — \d+ bytes on the wire, epoch 1$/);
  assert.ok(first.includes(alice.slice(0, 6)), 'the verified sender is Alice\'s address');
  await page.fill('#message', 'gm Alice');
  await page.click('#from-bob');
  await page.waitForSelector('#log li.message:nth-child(2)');
  assert.match(await page.textContent('#log li.message:nth-child(2)'), /^Bob .* → Alice: "gm Alice"/);
  await page.click('#rotate');
  await page.waitForSelector('#log li.commit');
  assert.equal(await page.textContent('#log li.commit'), 'Alice rotated her keys: both at epoch 2');
  assert.equal(await page.textContent('#epoch'), '2 (Alice), 2 (Bob)');
  await page.click('#from-alice');
  await page.waitForSelector('#log li:nth-child(4)');
  assert.match(await page.textContent('#log li:nth-child(4)'), /→ Bob: "gm Alice" — \d+ bytes on the wire, epoch 2$/);
  assert.equal(await page.$$eval('#log li.error', (items) => items.length), 0);

  await page.fill('#input', 'foo.eth');
  await page.screenshot({ path: join(results, 'demo.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('the packed package works in a Vite build without plugins', async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'hybrid-edge-vite-'));
  await build({ root: join(here, 'vite-app'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const url = await serve(t, { mounts: { '/': outDir } });
  const { page, errors } = await launch(t);
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('out').textContent.startsWith('{'));
  const out = JSON.parse(await page.textContent('#out'));
  assert.deepEqual(out, {
    namehash: FOO_ETH,
    checksum: '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    typo: 'InvalidAddressChecksum',
  });
  assert.deepEqual(errors, []);
});

test('MLS in Chromium: state in IndexedDB survives closing the page, encrypted with a non-extractable key, one tab per identity', async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'hybrid-edge-vite-mls-'));
  await build({ root: join(here, 'mls-app'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const url = await serve(t, { mounts: { '/': outDir } });
  const browser = await launchChromium(t);
  // One profile for every page: IndexedDB and Web Locks are shared, as between tabs.
  const context = await browser.newContext();
  const { generatePrivateKey, privateKeyToAccount } = await import('viem/accounts');
  const keys = { alice: generatePrivateKey(), bob: generatePrivateKey() };
  const [a, b] = [privateKeyToAccount(keys.alice).address, privateKeyToAccount(keys.bob).address];
  const errors = [];
  /** Opens the app at `phase` in a new page (tab) and returns its result. @returns {Promise<any>} */
  const open = async (phase, { keep = false } = {}) => {
    const page = await context.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${url}?phase=${phase}&alice=${keys.alice}&bob=${keys.bob}`);
    await page.waitForFunction(() => document.getElementById('out').textContent.startsWith('{'), undefined, { timeout: 60_000 });
    const result = JSON.parse(await page.textContent('#out'));
    if (!keep) await page.close();
    return { result, page };
  };
  const expected = (label) => [0, 1].flatMap((i) => [`${label}: alice→bob ${i}`, `${label}: bob→alice ${i}`, a, b]);

  const { result: setup } = await open('setup');
  assert.deepEqual(setup.addresses, [a, b], JSON.stringify(setup));
  assert.deepEqual(setup.got, expected('setup'));

  const { result: resumed } = await open('resume');
  assert.equal(resumed.late, 'sent before the reload', JSON.stringify(resumed));
  assert.deepEqual(resumed.groupIds, [setup.groupId, setup.groupId]);
  assert.deepEqual(resumed.got, [...expected('resume'), ...expected('rotated')]);
  assert.equal(resumed.epoch, setup.epoch + 1);

  const { result: raw } = await open('inspect');
  assert.deepEqual(raw, {
    records: raw.records,
    keyType: 'CryptoKey',
    extractable: false,
    exported: 'refused',
    privateKeyFound: true,
    privateKeyStored: false,
    secretStored: false,
  });
  assert.ok(raw.records > 3);

  // Two tabs on one identity: the second gets IdentityLocked until the first goes away.
  const { result: holder, page: first } = await open('lock', { keep: true });
  assert.equal(holder.holding, a);
  assert.deepEqual((await open('second')).result, { second: 'IdentityLocked' });
  await first.close();
  assert.deepEqual((await open('second')).result, { second: 'opened' });
  assert.deepEqual(errors, []);
});
