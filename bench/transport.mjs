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
// "Encrypted": every payload is an MLS application message of the package's own `Client`
// (a DM between two clients, default suite, default encrypted MemoryStore): the sender
// `encrypt`s before publishing and the receiver `process`es each delivery in order, so both
// ends pay what a real conversation costs, persistence included. A second throughput run
// uses larger batches than the defaults.
//
// The relay's per-connection rate limit (100 frames/s by default) is lifted for the bench
// (RATE_CAPACITY / RATE_PER_SECOND), otherwise it would be what is measured.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Client, RelayConnection } from 'hybrid-edge';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { installation, startRelay, until } from './harness.mjs';

const repo = process.env.HYBRID_EDGE_REPO ?? join(new URL('.', import.meta.url).pathname, '../../..');
const N = Number(process.env.BENCH_MESSAGES ?? 10000);
const PACED = Number(process.env.BENCH_PACED ?? 2000);
const PACE_PER_SEC = Number(process.env.BENCH_PACE ?? 500);
const SIZE = Number(process.env.BENCH_PAYLOAD ?? 256);
/** A second throughput run with larger batches than the defaults (10 per frame, 100 in flight). */
const TUNED = { maxBatchSize: 100, maxInFlight: 1000 };

/** MLS: a fresh DM between two of the package's clients; `seal` encrypts, `open` decrypts;
 * its messages go to the group's own topic (`group/` and its id in `0x` hex), the only one
 * the relay takes them on. */
async function mlsCodec() {
  const client = () => Client.create({ signer: privateKeyToAccount(generatePrivateKey()) });
  const [alice, bob] = await Promise.all([client(), client()]);
  const [keyPackage] = await bob.createKeyPackages(1);
  const { group, welcome } = await alice.createGroup([keyPackage], { dm: true });
  const received = await bob.joinFromWelcome(/** @type {Uint8Array} */ (welcome));
  return {
    topic: `group/${group.id}`,
    seal: (/** @type {Uint8Array} */ content) => group.encrypt(content),
    open: async (/** @type {Uint8Array} */ bytes) => {
      const event = await received.process(bytes);
      if (event.type !== 'application') throw new Error(`expected an application message, got ${event.type}`);
      return event.content;
    },
  };
}

/** Payloads as they are; async like the MLS codec so both take the same path. */
const plainCodec = { seal: async (c) => c, open: async (b) => b };

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
  // Deliveries are opened one after the other, in order (MLS needs it).
  let opening = Promise.resolve();
  receiver.on('message', (e) => {
    opening = opening.then(async () => {
      const content = await codec.open(e.payload);
      const n = new DataView(content.buffer, content.byteOffset).getUint32(0);
      const now = performance.now();
      latencies.push(now - sentAt[n]);
      delivered++;
      lastAt = now;
    });
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
    const payload = await codec.seal(content);
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
  // Each run a fresh topic: plain payloads get a name, MLS ones a fresh group (its topic).
  let runs = 0;
  /** @param {string} name @param {(c: any) => Promise<any>} go */
  const fresh = async (name, go) => {
    if (name === 'plain') return go({ ...plainCodec, topic: `group/plain-${++runs}` });
    return go(await mlsCodec());
  };
  // Warm-up: the relay's wasm, the object, the JIT.
  await fresh('encrypted', (c) => run(url, c.topic, c, { count: 500, paced: false }));
  for (const name of ['plain', 'encrypted']) {
    const flood = await fresh(name, (c) => run(url, c.topic, c, { count: N, paced: false }));
    const paced = await fresh(name, (c) => run(url, c.topic, c, { count: PACED, paced: true }));
    const tuned = await fresh(name, (c) => run(url, c.topic, c, { count: N, paced: false, batching: TUNED }));
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
  encryption: 'mls',
  encryptionNote: 'Each encrypted payload is an MLS application message of the package\'s Client (DM, MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519, encrypted MemoryStore): encrypted by the sender before publish, processed in order by the receiver, in the same Node process.',
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
console.log(`transport: encrypted ${out.encryptedMsgsPerSec} msgs/s, plain ${out.plainMsgsPerSec} msgs/s, p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms (encryption: MLS) → bench/results/transport.json`);
