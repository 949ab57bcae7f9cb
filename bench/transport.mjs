// `npm run bench:transport`: one sender → one receiver through the relay Worker in workerd
// (Miniflare, Durable Objects on SQLite) over WebSockets on 127.0.0.1, both sides the
// package's RelayConnection (the `ws` package as the socket). Numbers only: nothing fails.
//
// Phases, each with plain and "encrypted" payloads:
//   throughput: N messages published as fast as the client takes them (default batching:
//     10 ms / 10 messages per frame, 100 in flight); msgs/s = N / (last delivery − first
//     publish), counted at the receiver.
//   latency: messages paced at a fixed rate well below the throughput; per message, the
//     time from `publish()` to the receiver's `message` event (same process, one clock).
//     This includes the batching delay (up to 10 ms by design).
//
// "Encrypted": no JS MLS client exists on this branch yet, so each payload goes through a
// stand-in of the same size and per-message cost as an MLS application message of the AES
// suite: the sender signs the content with Ed25519 and seals it with AES-128-GCM (node:crypto,
// a fresh 12-byte nonce per message, a 40-byte clear header as AAD standing for the MLS
// framing); the receiver opens it and verifies the signature. The JSON says
// `encryption: 'aead-stand-in'`; swap in the MLS client when it lands. A second throughput
// run uses larger batches than the defaults.
//
// The relay's per-connection rate limit (100 frames/s by default) is lifted for the bench
// (RATE_CAPACITY / RATE_PER_SECOND), otherwise it would be what is measured.
import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { RelayConnection } from 'hybrid-edge';
import { installation, startRelay, until } from './harness.mjs';

const repo = process.env.HYBRID_EDGE_REPO ?? join(new URL('.', import.meta.url).pathname, '../../..');
const N = Number(process.env.BENCH_MESSAGES ?? 10000);
const PACED = Number(process.env.BENCH_PACED ?? 2000);
const PACE_PER_SEC = Number(process.env.BENCH_PACE ?? 500);
const SIZE = Number(process.env.BENCH_PAYLOAD ?? 256);
/** A second throughput run with larger batches than the defaults (10 per frame, 100 in flight). */
const TUNED = { maxBatchSize: 100, maxInFlight: 1000 };

/**
 * The MLS stand-in: Ed25519 signature + AES-128-GCM with a clear header as AAD, with
 * node:crypto's synchronous calls (as the wasm MLS client will compute in-line; WebCrypto's
 * asynchronous calls would add a thread-pool round trip per operation that MLS does not have).
 */
function standIn() {
  const aes = randomBytes(16);
  const keys = generateKeyPairSync('ed25519');
  const header = Buffer.alloc(40, 7); // group id, epoch, content type, sender data
  return {
    seal(/** @type {Uint8Array} */ content) {
      const signature = sign(null, content, keys.privateKey);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-128-gcm', aes, iv);
      cipher.setAAD(header);
      const body = Buffer.concat([cipher.update(content), cipher.update(signature), cipher.final(), cipher.getAuthTag()]);
      return new Uint8Array(Buffer.concat([header, iv, body]));
    },
    open(/** @type {Uint8Array} */ bytes) {
      const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const iv = b.subarray(40, 52);
      const decipher = createDecipheriv('aes-128-gcm', aes, iv);
      decipher.setAAD(b.subarray(0, 40));
      decipher.setAuthTag(b.subarray(b.length - 16));
      const plain = Buffer.concat([decipher.update(b.subarray(52, b.length - 16)), decipher.final()]);
      const content = plain.subarray(0, plain.length - 64);
      if (!verify(null, content, keys.publicKey, plain.subarray(plain.length - 64))) throw new Error('bad signature');
      return content;
    },
  };
}

const plainCodec = { seal: (c) => c, open: (b) => b };

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** One run: a fresh topic, a sender and a receiver; returns msgs/s or latencies. */
async function run(url, topic, codec, { count, paced, batching }) {
  const opts = { url, WebSocket, watchNetwork: false };
  const sender = new RelayConnection({ ...opts, ...installation(), batching });
  const receiver = new RelayConnection({ ...opts, ...installation() });
  const sentAt = new Float64Array(count + 1);
  const latencies = [];
  let delivered = 0;
  let lastAt = 0;
  receiver.on('message', (e) => {
    const content = codec.open(e.payload);
    const n = new DataView(content.buffer, content.byteOffset).getUint32(0);
    const now = performance.now();
    latencies.push(now - sentAt[n]);
    delivered++;
    lastAt = now;
  });
  receiver.subscribe(topic, 0);
  await Promise.all([sender.connect(), receiver.connect()]);
  const content = new Uint8Array(SIZE);
  crypto.getRandomValues(content);
  const start = performance.now();
  const acks = [];
  for (let n = 1; n <= count; n++) {
    if (paced) {
      const due = start + ((n - 1) * 1000) / PACE_PER_SEC;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    new DataView(content.buffer).setUint32(0, n);
    sentAt[n] = performance.now();
    const payload = codec.seal(content);
    acks.push(sender.publish(topic, payload));
    // Yield now and then so that socket events are handled while publishing.
    if (!paced && n % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(acks);
  await until(`${count} deliveries`, () => delivered === count, 120000);
  sender.dispose();
  receiver.dispose();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    msgsPerSec: count / ((lastAt - start) / 1000),
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1],
  };
}

const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-bench-'));
const relay = await startRelay({ folder, bindings: { RATE_CAPACITY: '1000000000', RATE_PER_SECOND: '1000000000' } });
const results = {};
try {
  const url = `${relay.url}/bench`;
  const codec = standIn();
  // Warm-up: the relay's wasm, the object, the JIT.
  await run(url, 'group/warmup', codec, { count: 500, paced: false });
  for (const [name, c] of [['plain', plainCodec], ['encrypted', codec]]) {
    const flood = await run(url, `group/${name}-flood`, c, { count: N, paced: false });
    const paced = await run(url, `group/${name}-paced`, c, { count: PACED, paced: true });
    const tuned = await run(url, `group/${name}-tuned`, c, { count: N, paced: false, batching: TUNED });
    results[name] = { flood, paced, tuned };
    const f = (x) => x.toFixed(1);
    console.error(`${name.padEnd(9)} throughput ${Math.round(flood.msgsPerSec)} msgs/s (p50 ${f(flood.p50Ms)} ms, p99 ${f(flood.p99Ms)} ms under load); ` +
      `paced at ${PACE_PER_SEC}/s: p50 ${f(paced.p50Ms)} ms, p99 ${f(paced.p99Ms)} ms, max ${f(paced.maxMs)} ms; ` +
      `larger batches (${TUNED.maxBatchSize}/frame, ${TUNED.maxInFlight} in flight): ${Math.round(tuned.msgsPerSec)} msgs/s`);
  }
} finally {
  await relay.mf.dispose();
  rmSync(folder, { recursive: true, force: true });
}

const round = (x, d = 2) => Number(x.toFixed(d));
const out = {
  encryptedMsgsPerSec: Math.round(results.encrypted.flood.msgsPerSec),
  plainMsgsPerSec: Math.round(results.plain.flood.msgsPerSec),
  p50Ms: round(results.encrypted.paced.p50Ms),
  p99Ms: round(results.encrypted.paced.p99Ms),
  encryption: 'aead-stand-in',
  encryptionNote: 'No JS MLS client on this branch: each encrypted payload is Ed25519-signed and sealed with AES-128-GCM (node:crypto, synchronous) with a 40-byte clear header, the per-message work of an MLS application message in the AES suite; replace with the MLS client when it exists.',
  latency: `p50Ms/p99Ms: encrypted messages paced at ${PACE_PER_SEC}/s, publish() to the receiver's message event, default batching (up to 10 ms wait)`,
  plain: { p50Ms: round(results.plain.paced.p50Ms), p99Ms: round(results.plain.paced.p99Ms) },
  largerBatches: {
    batching: TUNED,
    encryptedMsgsPerSec: Math.round(results.encrypted.tuned.msgsPerSec),
    plainMsgsPerSec: Math.round(results.plain.tuned.msgsPerSec),
  },
  underLoad: {
    encrypted: { p50Ms: round(results.encrypted.flood.p50Ms), p99Ms: round(results.encrypted.flood.p99Ms) },
    plain: { p50Ms: round(results.plain.flood.p50Ms), p99Ms: round(results.plain.flood.p99Ms) },
  },
  messages: N,
  pacedMessages: PACED,
  payloadBytes: SIZE,
  relay: 'relay/src/worker.js in workerd (Miniflare), 127.0.0.1, rate limit lifted',
  client: 'RelayConnection (ws), default batching',
  node: process.version,
  cpus: cpus().length,
  loadAverage1m: round(loadavg()[0]),
  date: new Date().toISOString(),
};
mkdirSync(join(repo, 'bench/results'), { recursive: true });
writeFileSync(join(repo, 'bench/results/transport.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`transport: encrypted ${out.encryptedMsgsPerSec} msgs/s, plain ${out.plainMsgsPerSec} msgs/s, p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms (encryption: aead-stand-in) → bench/results/transport.json`);
