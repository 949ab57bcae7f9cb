// `npm run bench:transport`: one sender → one receiver through the relay Worker in workerd
// (Miniflare, Durable Objects on SQLite) over WebSockets on 127.0.0.1, both sides the
// package's RelayConnection (the `ws` package as the socket). Numbers only: nothing fails.
//
// Phases, each with plain and "encrypted" payloads:
//   throughput: N messages published as fast as the client takes them (default batching:
//     10 ms / 10 messages per frame, 100 in flight); msgs/s = N / (last delivery − first
//     publish), counted at the receiver; three runs, the median counts (all are printed).
//   latency: messages paced at a fixed rate well below the throughput; per message, the
//     time from `publish()` to the receiver's `message` event (same process, one clock).
//     This includes the batching delay (up to 10 ms by design).
//
// "Encrypted": every payload is an MLS application message of the package's own `Client`
// (a DM between two clients, default suite, default encrypted MemoryStore): the sender
// `encrypt`s each message before publishing it, and the receiver opens deliveries in order
// with `processMany` (what arrived while it was busy, in one call: one write, signatures
// checked together), so both ends pay what a real conversation costs, persistence included. A second throughput run
// uses larger batches than the defaults.
//
// The sender and the receiver are two parties: the receiver runs in a worker thread with its
// own wasm instance, MLS client and RelayConnection, as it would on its own machine. Each
// payload carries its number and its send time (`performance.timeOrigin + now()`, a clock
// both threads share), so the receiver measures every latency itself.
//
// The relay's per-connection rate limit (100 frames/s by default) is lifted for the bench
// (RATE_CAPACITY / RATE_PER_SECOND), otherwise it would be what is measured.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { Client, RelayConnection } from 'hybrid-edge';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { installation, startRelay, until } from './harness.mjs';

const repo = process.env.HYBRID_EDGE_REPO ?? join(new URL('.', import.meta.url).pathname, '../../..');
const N = Number(process.env.BENCH_MESSAGES ?? 10000);
const PACED = Number(process.env.BENCH_PACED ?? 2000);
const PACE_PER_SEC = Number(process.env.BENCH_PACE ?? 500);
const SIZE = Number(process.env.BENCH_PAYLOAD ?? 256);
const FLOODS = Number(process.env.BENCH_FLOODS ?? 3);
/** A second throughput run with larger batches than the defaults (10 per frame, 100 in flight). */
const TUNED = { maxBatchSize: 100, maxInFlight: 1000 };

/** Milliseconds on a clock that both threads share. */
const now = () => performance.timeOrigin + performance.now();
const newClient = () => Client.create({ signer: privateKeyToAccount(generatePrivateKey()) });

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The receiving party, in a worker thread: answers the sender's requests one at a time. */
function receiverThread() {
  const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
  /** @type {any} */ let client;
  /** @type {any} */ let group;
  /** @type {RelayConnection | undefined} */ let conn;
  const latencies = [];
  let delivered = 0;
  let lastAt = 0;
  const handlers = {
    /** An MLS client and one key package for the sender's group. */
    keyPackage: async () => {
      client = await newClient();
      const [keyPackage] = await client.createKeyPackages(1);
      return { keyPackage };
    },
    welcome: async (/** @type {any} */ msg) => {
      group = await client.joinFromWelcome(msg.welcome);
      return {};
    },
    /**
     * Connects and subscribes. Deliveries are opened in order, as a receiver under load
     * would: whatever has arrived while the previous `processMany` ran goes into the next.
     */
    subscribe: async (/** @type {any} */ msg) => {
      conn = new RelayConnection({ url: msg.url, WebSocket, watchNetwork: false, ...installation() });
      /** @type {Uint8Array[]} */
      let arrived = [];
      let opening = false;
      const received = (/** @type {Uint8Array} */ content) => {
        const sentAt = new DataView(content.buffer, content.byteOffset).getFloat64(4);
        const at = now();
        latencies.push(at - sentAt);
        delivered++;
        lastAt = at;
      };
      const open = async () => {
        opening = true;
        while (arrived.length > 0) {
          const batch = arrived;
          arrived = [];
          for (const outcome of await group.processMany(batch)) {
            if (outcome.error) throw outcome.error;
            if (outcome.event.type !== 'application') throw new Error(`expected an application message, got ${outcome.event.type}`);
            received(outcome.event.content);
          }
        }
        opening = false;
      };
      conn.on('message', (e) => {
        if (!group) return received(e.payload);
        arrived.push(e.payload);
        if (!opening) open().catch((err) => port.postMessage({ error: String(err?.stack ?? err) }));
      });
      conn.subscribe(msg.topic, 0);
      await conn.connect();
      return {};
    },
    results: async (/** @type {any} */ msg) => {
      await until(`${msg.count} deliveries`, () => delivered === msg.count, 120000);
      conn?.dispose();
      return { latencies, lastAt };
    },
  };
  port.on('message', async (msg) => {
    try {
      port.postMessage(await handlers[/** @type {keyof typeof handlers} */ (msg.type)](msg));
    } catch (err) {
      port.postMessage({ error: String(err?.stack ?? err) });
    }
  });
}

/** One run: a fresh topic, a sender here and a receiver in a worker thread; returns msgs/s and latencies. */
async function run(url, name, { count, paced, batching }) {
  const receiver = new Worker(new URL(import.meta.url));
  /** @returns {Promise<any>} the receiver's answer to `msg` */
  const ask = (msg) => new Promise((resolve, reject) => {
    receiver.once('message', (answer) => (answer.error ? reject(new Error(answer.error)) : resolve(answer)));
    receiver.postMessage(msg);
  });
  try {
    let topic = `group/plain-${++runs}`;
    /** @type {(c: Uint8Array) => Promise<Uint8Array>} */
    let seal = async (c) => c;
    if (name === 'encrypted') {
      // MLS: a fresh DM between two of the package's clients; its messages go to the group's
      // own topic (`group/` and its id in `0x` hex), the only one the relay takes them on.
      const { keyPackage } = await ask({ type: 'keyPackage' });
      const { group, welcome } = await (await newClient()).createGroup([keyPackage], { dm: true });
      await ask({ type: 'welcome', welcome });
      topic = `group/${group.id}`;
      seal = (c) => group.encrypt(c);
    }
    await ask({ type: 'subscribe', url, topic });
    const sender = new RelayConnection({ url, WebSocket, watchNetwork: false, ...installation(), batching });
    await sender.connect();
    const content = new Uint8Array(SIZE);
    crypto.getRandomValues(content);
    const view = new DataView(content.buffer);
    const start = now();
    const acks = [];
    for (let n = 1; n <= count; n++) {
      if (paced) {
        const wait = start + ((n - 1) * 1000) / PACE_PER_SEC - now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      view.setUint32(0, n);
      view.setFloat64(4, now());
      acks.push(sender.publish(topic, await seal(content)));
      // Yield now and then so that socket events are handled while publishing.
      if (!paced && n % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(acks);
    const { latencies, lastAt } = await ask({ type: 'results', count });
    sender.dispose();
    const sorted = latencies.sort((/** @type {number} */ a, /** @type {number} */ b) => a - b);
    return {
      msgsPerSec: count / ((lastAt - start) / 1000),
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted[sorted.length - 1],
    };
  } finally {
    await receiver.terminate();
  }
}

let runs = 0;
if (!isMainThread) {
  receiverThread();
} else {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-bench-'));
  const relay = await startRelay({ folder, bindings: { RATE_CAPACITY: '1000000000', RATE_PER_SECOND: '1000000000' } });
  const results = {};
  try {
    const url = `${relay.url}/bench`;
    // Each run a fresh topic: plain payloads get a name, MLS ones a fresh group (its topic).
    // Warm-up: the relay's wasm, the object, the sender's JIT (every run's receiver is a new
    // worker thread, so each run includes the receiver's warm-up).
    await run(url, 'encrypted', { count: 500, paced: false });
    for (const name of ['plain', 'encrypted']) {
      // Three floods, the median counts: one run on two shared cores varies by ±10 %.
      const floods = [];
      for (let i = 0; i < FLOODS; i++) floods.push(await run(url, name, { count: N, paced: false }));
      const flood = [...floods].sort((a, b) => a.msgsPerSec - b.msgsPerSec)[Math.floor(FLOODS / 2)];
      flood.runs = floods.map((f) => Math.round(f.msgsPerSec));
      const paced = await run(url, name, { count: PACED, paced: true });
      const tuned = await run(url, name, { count: N, paced: false, batching: TUNED });
      results[name] = { flood, paced, tuned };
      const f = (x) => x.toFixed(1);
      console.error(`${name.padEnd(9)} throughput ${Math.round(flood.msgsPerSec)} msgs/s (median of ${flood.runs.join(', ')}; p50 ${f(flood.p50Ms)} ms, p99 ${f(flood.p99Ms)} ms under load); ` +
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
    floodRuns: { encrypted: results.encrypted.flood.runs, plain: results.plain.flood.runs },
    p50Ms: round(results.encrypted.paced.p50Ms),
    p99Ms: round(results.encrypted.paced.p99Ms),
    encryption: 'mls',
    encryptionNote: 'Each encrypted payload is an MLS application message of the package\'s Client (DM, MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519, encrypted MemoryStore): encrypted by the sender before publish, processed in order by the receiver (processMany on what has arrived), which runs in its own worker thread (its own wasm instance) of the same Node process.',
    latency: `p50Ms/p99Ms: encrypted messages paced at ${PACE_PER_SEC}/s, from the sender's clock before encrypt() to the receiver's after processMany(), default batching (up to 10 ms wait)`,
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
    client: 'RelayConnection (ws, no permessage-deflate), default batching; sender in the main thread, receiver in a worker thread',
    node: process.version,
    cpus: cpus().length,
    loadAverage1m: round(loadavg()[0]),
    date: new Date().toISOString(),
  };
  mkdirSync(join(repo, 'bench/results'), { recursive: true });
  writeFileSync(join(repo, 'bench/results/transport.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`transport: encrypted ${out.encryptedMsgsPerSec} msgs/s, plain ${out.plainMsgsPerSec} msgs/s, p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms (encryption: MLS) → bench/results/transport.json`);
}
