// Reconnect storm: 100 RelayConnections on one relay, the relay restarted. Every client must
// resume, and with full jitter (the default) the reconnect attempts spread over time instead
// of arriving together; the same run without jitter shows the spike it avoids. Attempts are
// counted where they arrive: at the proxy in front of the relay.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RelayConnection } from 'hybrid-edge';
import { freePort, installation, startRelay, until } from '../relay/harness.mjs';
import { chaosProxy } from './chaos.mjs';

const CLIENTS = Number(process.env.STORM_CLIENTS ?? 100);
const BUCKET_MS = 100;
const WINDOW_MS = 200;

/** Restarts the relay under `CLIENTS` connected clients; returns the attempts' spread. */
async function storm(jitter) {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-storm-'));
  const port = await freePort();
  let relay = await startRelay({ folder, port });
  const proxy = await chaosProxy(port, Math.random);
  const clients = Array.from({ length: CLIENTS }, () => new RelayConnection({
    url: `ws://127.0.0.1:${proxy.port}/storm`, ...installation(), WebSocket,
    // The documented defaults (1 s initial delay, doubling, 30 s cap), jitter as given.
    connection: { retry: { jitter } },
  }));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const resumed = clients.map((c) => new Promise((resolve) => c.on('connected', () => resolve(undefined))));
    const before = proxy.stats.connectedAt.length;
    const t0 = Date.now();
    await relay.mf.dispose();
    relay = await startRelay({ folder, port });
    const up = Date.now() - t0;
    let resumedCount = 0;
    for (const r of resumed) r.then(() => { resumedCount += 1; });
    await until('all resumed', () => resumedCount === CLIENTS, 60000);
    const all = Date.now() - t0;
    const attempts = proxy.stats.connectedAt.slice(before).map((at) => at - t0);
    const buckets = new Map();
    for (const at of attempts) buckets.set(Math.floor(at / BUCKET_MS), (buckets.get(Math.floor(at / BUCKET_MS)) ?? 0) + 1);
    // The most attempts within any WINDOW_MS (sliding).
    const sorted = [...attempts].sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0, j = 0; i < sorted.length; i++) {
      while (sorted[i] - sorted[j] >= WINDOW_MS) j++;
      peak = Math.max(peak, i - j + 1);
    }
    const spread = [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([b, n]) => `${b * BUCKET_MS}:${n}`).join(' ');
    return { attempts: attempts.length, peak, relayDownMs: up, allResumedMs: all, resumed: clients.filter((c) => c.state === 'connected').length, spread };
  } finally {
    for (const c of clients) c.dispose();
    await proxy.close();
    await relay.mf.dispose();
    rmSync(folder, { recursive: true, force: true });
  }
}

test(`reconnect storm: ${CLIENTS} clients, relay restarted`, async (t) => {
  const full = await storm('full');
  t.diagnostic(`storm (full jitter): clients=${CLIENTS} resumed=${full.resumed} attempts=${full.attempts} peak=${full.peak} in ${WINDOW_MS} ms, relay back after ${full.relayDownMs} ms, all resumed after ${full.allResumedMs} ms; attempts per ${BUCKET_MS} ms from the restart: ${full.spread}`);
  const none = await storm('none');
  t.diagnostic(`storm (no jitter):   clients=${CLIENTS} resumed=${none.resumed} attempts=${none.attempts} peak=${none.peak} in ${WINDOW_MS} ms, all resumed after ${none.allResumedMs} ms; ${none.spread}`);
  assert.equal(full.resumed, CLIENTS, 'every client resumes');
  assert.equal(none.resumed, CLIENTS);
  // Without jitter the whole herd comes back in one window; full jitter spreads it. (The
  // relay starts in this process, so timers due while it boots fire together: some
  // clustering remains with jitter too, hence the loose bound.)
  assert.ok(none.peak >= CLIENTS * 0.8, `no jitter: peak ${none.peak}`);
  assert.ok(full.peak <= CLIENTS * 0.6, `full jitter: peak ${full.peak} of ${full.attempts} attempts within ${WINDOW_MS} ms`);
});
