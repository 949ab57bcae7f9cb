// Shared by the RelayConnection and chaos tests: the relay Worker (relay/src/worker.js,
// bundled with the packed package) in workerd through Miniflare, listening on a real
// 127.0.0.1 port, with Durable Objects persisted to a folder so that a restart keeps the logs.
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

const here = fileURLToPath(new URL('.', import.meta.url));
// These files run from .scratch/consumer/<folder>; the relay and the bundler are in the repo.
const repo = process.env.HYBRID_EDGE_REPO ?? join(here, '../../..');
const { bundleWorker, workerOptions } = await import(join(repo, 'scripts/bundle-worker.mjs'));

let bundled;
/** The relay bundled once per process (its wasm beside it). */
async function relayScript() {
  bundled ??= bundleWorker(join(repo, 'relay/src/worker.js'), { nodePaths: [join(here, '../node_modules')] });
  return bundled;
}

/** A port free on 127.0.0.1 right now. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return port;
}

/**
 * Starts the relay on `127.0.0.1:port` (0 for any), its Durable Objects stored in `folder`.
 * @param {{ folder: string, port?: number, bindings?: Record<string, string> }} options
 * @returns {Promise<{ mf: Miniflare, url: string }>} `url` is `ws://127.0.0.1:<port>`
 */
export async function startRelay({ folder, port = 0, bindings = {} }) {
  const scriptPath = await relayScript();
  const mf = new Miniflare(workerOptions(scriptPath, {
    durableObjects: { RELAY: { className: 'RelayObject', useSQLite: true } },
    durableObjectsPersist: folder,
    bindings,
    host: '127.0.0.1',
    port,
  }));
  const ready = await mf.ready;
  return { mf, url: `ws://127.0.0.1:${ready.port}` };
}

/** A fresh Ed25519 installation key: `installationKey` (raw public key) and `sign(nonce)`. */
export function installation() {
  const keys = generateKeyPairSync('ed25519');
  return {
    installationKey: new Uint8Array(Buffer.from(/** @type {string} */ (keys.publicKey.export({ format: 'jwk' }).x), 'base64url')),
    /** @param {Uint8Array} nonce */
    sign: async (nonce) => new Uint8Array(sign(null, nonce, keys.privateKey)),
  };
}

/** Waits until `check()` is true, polling every 10 ms. */
export async function until(what, check, ms = 20000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A caller's durable outbox store for the tests: rows kept in insertion order behind
 * asynchronous calls (each `put` takes a timer tick, as a real store's write would).
 * `rows` is the backing map, so a test can look inside or hand it to the next run.
 */
export function memoryOutboxStore() {
  const key = (/** @type {Uint8Array} */ id) => Buffer.from(id).toString('hex');
  /** @type {Map<string, any>} */
  const rows = new Map();
  return {
    rows,
    load: async () => [...rows.values()],
    /** @param {any} m */
    put: async (m) => { await new Promise((r) => setTimeout(r, 1)); rows.set(key(m.id), m); },
    /** @param {Uint8Array} id */
    delete: async (id) => { rows.delete(key(id)); },
  };
}
