// The chaos run: two RelayConnections (the packed package, `ws` sockets) exchange messages
// through a fault-injecting TCP proxy on 127.0.0.1 in front of the relay in workerd
// (Miniflare, Durable Objects persisted to a temp folder). The proxy drops connections at
// random points, half of them mid-frame (it forwards only part of a chunk, then cuts both
// sides), and the relay is restarted a few times. Every message must arrive exactly once, in
// order per topic.
//
// `node chaos/chaos.mjs` (from .scratch/consumer; `npm run test:chaos` does it) runs the full
// scale and ends with one line:
//   chaos: sent=N delivered=N lost=L duplicated=D reordered=R drops=K restarts=M
// Scale: CHAOS_MESSAGES (10000), CHAOS_DROPS (100), CHAOS_RESTARTS (3); CHAOS_SEED to replay.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { RelayConnection } from 'hybrid-edge';
import { freePort, installation, startRelay } from '../relay/harness.mjs';

/** A small seedable PRNG (mulberry32), so that a failing run can be replayed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A TCP proxy that carries WebSocket connections to `upstreamPort` and cuts them on demand.
 * @param {number} upstreamPort
 * @param {() => number} random
 */
export async function chaosProxy(upstreamPort, random) {
  /** @type {Set<{ client: import('node:net').Socket, upstream: import('node:net').Socket, upgraded: boolean, dead: boolean, cut?: 'up' | 'down' }>} */
  const pairs = new Set();
  /** @type {{ connections: number, drops: number, midFrame: number, connectedAt: number[] }} */
  const stats = { connections: 0, drops: 0, midFrame: 0, connectedAt: [] };
  const kill = (pair) => {
    if (pair.dead) return;
    pair.dead = true;
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  };
  const forward = (pair, dir, chunk) => {
    if (pair.dead) return;
    const to = dir === 'up' ? pair.upstream : pair.client;
    if (dir === 'down') pair.upgraded = true; // the 101 response came back
    if (pair.cut === dir && chunk.length > 1) {
      // Part of the chunk (so part of a WebSocket frame), then the cut.
      const part = chunk.subarray(0, 1 + Math.floor(random() * (chunk.length - 1)));
      stats.midFrame += 1;
      pair.dead = true;
      pairs.delete(pair);
      to.write(part, () => { pair.client.destroy(); pair.upstream.destroy(); });
      return;
    }
    to.write(chunk);
  };
  const server = createServer((client) => {
    stats.connections += 1;
    stats.connectedAt.push(Date.now());
    const upstream = tcpConnect(upstreamPort, '127.0.0.1');
    const pair = { client, upstream, upgraded: false, dead: false, cut: undefined };
    pairs.add(pair);
    client.on('data', (c) => forward(pair, 'up', c));
    upstream.on('data', (c) => forward(pair, 'down', c));
    for (const s of [client, upstream]) {
      s.on('error', () => kill(pair));
      s.on('close', () => kill(pair));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    stats,
    /** Live WebSocket connections (past the upgrade). */
    live: () => [...pairs].filter((p) => p.upgraded && !p.dead).length,
    /**
     * Drops one random live connection: at once, or (half the time) mid-frame, when its
     * next chunk in a random direction has been partly forwarded (or after 100 ms).
     * Returns false if there was nothing to drop.
     */
    drop() {
      const live = [...pairs].filter((p) => p.upgraded && !p.dead && !p.cut);
      if (live.length === 0) return false;
      const pair = live[Math.floor(random() * live.length)];
      stats.drops += 1;
      if (random() < 0.5) {
        kill(pair);
      } else {
        pair.cut = random() < 0.5 ? 'up' : 'down';
        setTimeout(() => kill(pair), 100);
      }
      return true;
    },
    close: () => new Promise((resolve) => {
      for (const p of [...pairs]) kill(p);
      server.close(() => resolve(undefined));
    }),
  };
}

/**
 * Runs the chaos scenario.
 * @param {{ messages?: number, drops?: number, restarts?: number, seed?: number, log?: (line: string) => void, timeoutMs?: number }} [options]
 */
export async function runChaos(options = {}) {
  const {
    messages = 10000, drops = 100, restarts = 3,
    seed = Math.floor(Math.random() * 2 ** 31), log = () => {}, timeoutMs = 600000,
  } = options;
  const random = rng(seed);
  const started = Date.now();
  log(`chaos: seed=${seed} messages=${messages} drops=${drops} restarts=${restarts}`);

  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-chaos-'));
  const relayPort = await freePort();
  // A generous token bucket: the rate limit has its own test; here the faults are the point.
  const bindings = { RATE_CAPACITY: '100000', RATE_PER_SECOND: '100000' };
  let relay = await startRelay({ folder, port: relayPort, bindings });
  const proxy = await chaosProxy(relayPort, random);
  const shard = `ws://127.0.0.1:${proxy.port}/chaos`;

  const config = {
    connection: {
      timeout: 5000,
      retry: { maxAttempts: 100, initialDelay: 20, maxDelay: 250, backoffMultiplier: 2, jitter: /** @type {const} */ ('full') },
      keepAlive: { enabled: true, interval: 2000, timeout: 2000 },
    },
    health: { interval: 1000, timeout: 2000 },
  };

  // Two clients, each publishing to its own topic and reading the other's.
  const sides = ['a', 'b'].map((name) => {
    const conn = new RelayConnection({ url: shard, ...installation(), WebSocket, ...config });
    return {
      name,
      conn,
      topic: `group/chaos-${name}`,
      sent: 0,
      acked: 0,
      outstanding: 0,
      /** payload index of each delivery of the other side's topic, with its seq */
      got: /** @type {{ seq: number, index: number }[]} */ ([]),
      counts: { reconnecting: 0, failed: 0, sendFailed: 0, rateLimited: 0 },
    };
  });
  const [a, b] = sides;
  const half = [Math.ceil(messages / 2), Math.floor(messages / 2)];
  for (const [i, side] of sides.entries()) {
    const other = sides[1 - i];
    side.conn.on('message', (e) => {
      const [topic, index] = new TextDecoder().decode(e.payload.subarray(0, 32)).split(' ', 2);
      if (e.topic === other.topic && topic === other.topic) side.got.push({ seq: e.seq, index: Number(index) });
    });
    side.conn.on('reconnecting', () => { side.counts.reconnecting += 1; });
    // The operator hooks: a failed connection or message is retried at once.
    side.conn.on('failed', () => { side.counts.failed += 1; side.conn.reconnect(); });
    side.conn.on('sendFailed', () => { side.counts.sendFailed += 1; queueMicrotask(() => side.conn.retryFailed()); });
    side.conn.on('rateLimited', () => { side.counts.rateLimited += 1; });
    side.conn.subscribe(other.topic, 0);
  }
  await Promise.all(sides.map((s) => s.conn.connect()));

  /** Payload: "<topic> <index> " then 0–2000 bytes of filler, so frames vary in size. */
  const payload = (side, index) => {
    const head = new TextEncoder().encode(`${side.topic} ${index} `);
    const out = new Uint8Array(head.length + Math.floor(random() * 2000));
    out.set(head);
    for (let i = head.length; i < out.length; i++) out[i] = 97 + (i % 26);
    return out;
  };
  const window = 300; // unacknowledged publishes per client, so that faults meet traffic
  // Faults at random points of the delivery progress; sending waits for a fault that is due,
  // so that every fault meets traffic in flight.
  const points = (n) => Array.from({ length: n }, () => Math.floor(random() * messages * 0.95)).sort((x, y) => x - y);
  const dropAt = points(drops);
  const restartAt = points(restarts);
  const gate = () => Math.min(dropAt[0] ?? Infinity, restartAt[0] ?? Infinity) + 2 * window;
  const pumpSends = () => {
    for (const [i, side] of sides.entries()) {
      while (side.sent < half[i] && side.outstanding < window && a.sent + b.sent < gate()) {
        side.sent += 1;
        side.outstanding += 1;
        side.conn.publish(side.topic, payload(side, side.sent)).then(() => {
          side.outstanding -= 1;
          side.acked += 1;
          pumpSends();
        }, (err) => { log(`chaos: publish rejected: ${err}`); });
      }
    }
  };

  const delivered = () => a.got.length + b.got.length;
  let restarting = false;
  let restartsDone = 0;
  let dropsDone = 0;

  pumpSends();
  const done = () => delivered() >= messages && a.acked + b.acked >= messages && !dropAt.length && !restartAt.length;
  let lastProgress = -1;
  let lastLog = Date.now();
  while (!done()) {
    if (Date.now() - started > timeoutMs) { log('chaos: timed out'); break; }
    if (!restarting && restartAt.length && delivered() >= restartAt[0]) {
      restartAt.shift();
      restarting = true;
      await relay.mf.dispose();
      await new Promise((r) => setTimeout(r, 100 + random() * 400));
      relay = await startRelay({ folder, port: relayPort, bindings });
      restartsDone += 1;
      restarting = false;
      log(`chaos: relay restarted (${restartsDone}) at ${delivered()} delivered`);
    }
    while (dropAt.length && delivered() >= dropAt[0] && proxy.live() > 0) {
      if (!proxy.drop()) break;
      dropAt.shift();
      dropsDone += 1;
    }
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      if (delivered() === lastProgress) log(`chaos: no progress: ${JSON.stringify(sides.map((s) => ({ s: s.conn.state, out: s.conn.outboxSize, sent: s.sent, acked: s.acked, got: s.got.length })))}`);
      lastProgress = delivered();
      log(`chaos: ${delivered()}/${messages} delivered, ${dropsDone} drops, ${restartsDone} restarts, ${Math.round((Date.now() - started) / 1000)} s`);
    }
    pumpSends();
    await new Promise((r) => setTimeout(r, 5));
  }
  // Room for a stray duplicate to show up.
  await new Promise((r) => setTimeout(r, 500));

  // The verdict, per topic (each side received the other's).
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  for (const [i, side] of sides.entries()) {
    const sender = sides[1 - i];
    const seen = new Set();
    let lastIndex = 0;
    let lastSeq = 0;
    for (const { seq, index } of side.got) {
      if (seen.has(index)) { duplicated += 1; continue; }
      seen.add(index);
      if (index < lastIndex || seq <= lastSeq) reordered += 1;
      lastIndex = Math.max(lastIndex, index);
      lastSeq = Math.max(lastSeq, seq);
    }
    for (let index = 1; index <= sender.sent; index++) if (!seen.has(index)) lost += 1;
  }
  const sent = a.sent + b.sent;
  const health = sides.map((s) => s.conn.getHealthStatus());
  const summary = {
    seed,
    seconds: (Date.now() - started) / 1000,
    sent,
    delivered: delivered() - duplicated,
    lost,
    duplicated,
    reordered,
    drops: dropsDone,
    midFrameCuts: proxy.stats.midFrame,
    restarts: restartsDone,
    proxiedConnections: proxy.stats.connections,
    reconnects: health.map((h) => h.reconnects),
    events: sides.map((s) => s.counts),
    line: '',
  };
  summary.line = `chaos: sent=${sent} delivered=${summary.delivered} lost=${lost} duplicated=${duplicated} reordered=${reordered} drops=${dropsDone} restarts=${restartsDone}`;
  for (const s of sides) s.conn.dispose();
  await proxy.close();
  await relay.mf.dispose();
  rmSync(folder, { recursive: true, force: true });
  return summary;
}

// `node chaos/chaos.mjs`: the full run, details on stderr, the verdict as the last line.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
  const summary = await runChaos({
    messages: env('CHAOS_MESSAGES', 10000),
    drops: env('CHAOS_DROPS', 100),
    restarts: env('CHAOS_RESTARTS', 3),
    seed: process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : undefined,
    log: (line) => console.error(line),
  });
  const { line, ...details } = summary;
  console.error(`chaos: ${JSON.stringify(details)}`);
  console.log(line);
  const ok = summary.lost === 0 && summary.duplicated === 0 && summary.reordered === 0 && summary.delivered === summary.sent;
  process.exit(ok ? 0 : 1);
}
