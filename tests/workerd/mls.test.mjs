// MLS in workerd through Miniflare: two clients in a Durable Object with their encrypted
// state in its storage, persisted to disk; the runtime is stopped and started again, and the
// clients come back from storage and keep talking both ways.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = process.env.HYBRID_EDGE_REPO ?? join(here, '../../..');
const { bundleWorker, workerOptions } = await import(join(repo, 'scripts/bundle-worker.mjs'));

test('MLS clients in a Durable Object survive a restart of workerd', async (t) => {
  const scriptPath = await bundleWorker(join(here, 'mls-worker.js'), { nodePaths: [join(here, '../node_modules')] });
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-mls-do-'));
  const start = () =>
    new Miniflare(workerOptions(scriptPath, {
      durableObjects: { PEERS: { className: 'Peers', useSQLite: true } },
      durableObjectsPersist: folder,
    }));
  let mf = start();
  t.after(async () => {
    await mf.dispose();
    rmSync(folder, { recursive: true, force: true });
  });
  const input = {
    alice: generatePrivateKey(),
    bob: generatePrivateKey(),
    secret: `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}`,
  };
  const [a, b] = [privateKeyToAccount(input.alice).address, privateKeyToAccount(input.bob).address];
  /** @param {string} step @param {any} [body] @returns {Promise<any>} */
  const call = async (step, body = input) => {
    const res = await mf.dispatchFetch(`http://worker/${step}`, { method: 'POST', body: JSON.stringify(body) });
    const json = await res.json();
    assert.equal(res.status, 200, JSON.stringify(json));
    return json;
  };
  const expected = (label) =>
    [0, 1].flatMap((i) => [`${label}: alice→bob ${i}`, `${label}: bob→alice ${i}`, a, b]);

  const setup = await call('setup');
  assert.deepEqual(setup.addresses, [a, b]);
  assert.deepEqual(setup.got, expected('setup'));

  await mf.dispose();
  mf = start();
  const resumed = await call('resume');
  assert.equal(resumed.late, 'sent before the restart');
  assert.deepEqual(resumed.groupIds, [setup.groupId, setup.groupId]);
  assert.deepEqual(resumed.got, [...expected('resume'), ...expected('rotated')]);
  assert.equal(resumed.epoch, setup.epoch + 1);

  // Why Workers take a CryptoKey rather than a passphrase: workerd caps PBKDF2 iterations.
  const pbkdf2 = await call('pbkdf2', { iterations: 600_000 });
  t.diagnostic(`PBKDF2 at 600,000 iterations in workerd: ${JSON.stringify(pbkdf2)}`);
});
