// The packed package in workerd, through Miniflare's API. The Worker is bundled the way
// wrangler bundles one (esbuild with the workerd/worker/browser conditions; .wasm imports
// kept as CompiledWasm modules), so this is what a deployed Worker runs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

const here = fileURLToPath(new URL('.', import.meta.url));
// The shared bundler in scripts/ of the repo (this file runs from .scratch/consumer/workerd).
const repo = process.env.HYBRID_EDGE_REPO ?? join(here, '../../..');
const { bundleWorker, workerOptions } = await import(join(repo, 'scripts/bundle-worker.mjs'));

test('the package runs in workerd', async (t) => {
  const scriptPath = await bundleWorker(join(here, 'worker.js'));
  const mf = new Miniflare(workerOptions(scriptPath));
  t.after(() => mf.dispose());

  /** @returns {Promise<any>} */
  const ask = async (q) => (await mf.dispatchFetch(`http://worker/?q=${encodeURIComponent(q)}`)).json();

  const addr = await ask('0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359');
  assert.deepEqual(addr.checksum, { ok: '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359' });
  assert.deepEqual(addr.short, { ok: '0xfB69…d359' });

  const name = await ask('test.eth');
  assert.deepEqual(name.dns, { ok: '0x04746573740365746800' });
  assert.deepEqual((await ask('foo.eth')).namehash, {
    ok: '0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f',
  });
  assert.deepEqual(name.checksum, { error: { code: 'InvalidAddress', name: 'HybridEdgeError', isError: true } });

  const typo = await ask('0xFB6916095ca1df60bB79Ce92cE3Ea74c37c5d359');
  assert.equal(typo.checksum.error.code, 'InvalidAddressChecksum');
  assert.equal((await ask('a..eth')).namehash.error.code, 'InvalidName');
});

test('RelayConnection in workerd: the global WebSocket to the relay, WebCrypto signatures', async (t) => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { startRelay } = await import('../relay/harness.mjs');
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-workerd-relay-'));
  const relay = await startRelay({ folder });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const scriptPath = await bundleWorker(join(here, 'relay-client-worker.js'));
  const mf = new Miniflare(workerOptions(scriptPath));
  t.after(() => mf.dispose());
  const res = await mf.dispatchFetch(`http://worker/?n=5&relay=${encodeURIComponent(relay.url)}`);
  /** @type {any} */
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.state, 'connected');
  assert.deepEqual(body.seqs, [1, 2, 3, 4, 5]);
  assert.deepEqual(body.messages, [1, 2, 3, 4, 5].map((i) => [i, `w${i}`]));
  assert.equal(body.outboxSize, 0);
  assert.ok(body.events.includes('connected'), JSON.stringify(body.events));
});
