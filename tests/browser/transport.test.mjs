// A shorter chaos run in headless Chromium: two RelayConnections in a page (the browser's own
// WebSocket, WebCrypto Ed25519 signing, the packed package's browser entry) exchange
// messages through the fault-injecting proxy in front of the relay in workerd, while Node
// drops connections (some mid-frame) and restarts the relay once.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serve } from './support.mjs';
import { freePort, startRelay } from '../relay/harness.mjs';
import { chaosProxy } from '../chaos/chaos.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const pkg = join(here, '../node_modules/hybrid-edge');
const MESSAGES = Number(process.env.CHAOS_BROWSER_MESSAGES ?? 1000);
const DROPS = Number(process.env.CHAOS_BROWSER_DROPS ?? 20);

// The page: the package's browser entry, and a workload the test starts with `run(url, n)`.
const PAGE = `<!doctype html><meta charset="utf-8"><title>chaos</title>
<script type="module">
import { IndexedDbOutbox, RelayConnection } from '/pkg/browser.js';
const progress = { delivered: 0, acked: 0, done: false };
window.progress = progress;
window.run = async (url, n) => {
  const side = async (name) => {
    const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    const installationKey = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey));
    const conn = new RelayConnection({
      url, installationKey,
      sign: async (nonce) => new Uint8Array(await crypto.subtle.sign('Ed25519', keys.privateKey, nonce)),
      connection: { timeout: 5000, retry: { maxAttempts: 100, initialDelay: 20, maxDelay: 250 },
        keepAlive: { interval: 2000, timeout: 2000 } },
      health: { interval: 1000, timeout: 2000 },
    });
    conn.on('failed', () => conn.reconnect());
    conn.on('sendFailed', () => queueMicrotask(() => conn.retryFailed()));
    return { name, conn, topic: 'group/browser-' + name, got: [] };
  };
  const sides = [await side('a'), await side('b')];
  sides.forEach((s, i) => {
    const other = sides[1 - i];
    s.conn.on('message', (e) => {
      if (e.topic !== other.topic) return;
      s.got.push([e.seq, Number(new TextDecoder().decode(e.payload))]);
      progress.delivered += 1;
    });
    s.conn.subscribe(other.topic, 0);
  });
  await Promise.all(sides.map((s) => s.conn.connect()));
  const half = n / 2;
  await Promise.all(sides.map(async (s) => {
    for (let i = 1; i <= half; i++) {
      s.conn.publish(s.topic, String(i)).then(() => { progress.acked += 1; });
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
  }));
  while (progress.delivered < n || progress.acked < n) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));
  let lost = 0, duplicated = 0, reordered = 0;
  for (const s of sides) {
    const seen = new Set();
    let last = 0;
    for (const [seq, index] of s.got) {
      if (seen.has(index)) { duplicated += 1; continue; }
      seen.add(index);
      if (index < last) reordered += 1;
      last = Math.max(last, index);
    }
    for (let i = 1; i <= half; i++) if (!seen.has(i)) lost += 1;
  }
  const health = sides.map((s) => s.conn.getHealthStatus());
  sides.forEach((s) => s.conn.dispose());
  return { delivered: progress.delivered, lost, duplicated, reordered, reconnects: health.map((h) => h.reconnects) };
};
// Offline: one connection, left in window.offline for the test to inspect.
window.startOffline = async (url) => {
  const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const conn = new RelayConnection({
    url, installationKey: new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey)),
    sign: async (nonce) => new Uint8Array(await crypto.subtle.sign('Ed25519', keys.privateKey, nonce)),
    connection: { retry: { initialDelay: 20, maxDelay: 100 } },
  });
  const log = [];
  for (const type of ['connected', 'disconnected', 'reconnecting', 'failed']) conn.on(type, (e) => log.push(e.type));
  await conn.connect();
  window.offline = { conn, log, acked: undefined };
};
// A durable outbox in IndexedDB: window.durable counts what is stored and acknowledged.
window.durable = { stored: 0, acked: 0, loaded: undefined, conn: undefined };
window.openDurable = async (url, name) => {
  const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const idb = new IndexedDbOutbox(name);
  const d = window.durable;
  const outbox = {
    load: async () => { const all = await idb.load(); d.loaded = all.length; return all; },
    put: async (m) => { await idb.put(m); d.stored += 1; },
    delete: (id) => idb.delete(id),
  };
  d.idb = idb;
  d.conn = new RelayConnection({
    url, installationKey: new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey)),
    sign: async (nonce) => new Uint8Array(await crypto.subtle.sign('Ed25519', keys.privateKey, nonce)),
    outbox, connection: { retry: { initialDelay: 20, maxDelay: 200 } },
  });
  d.conn.on('acked', () => { d.acked += 1; });
  await d.conn.connect();
};
// Publishes messages "1".."n" (each stored in IndexedDB before it is sent).
window.publishDurably = (n) => {
  for (let i = 1; i <= n; i++) window.durable.conn.publish('group/durable', String(i)).catch(() => {});
};
window.durableLeft = async () => ({ outbox: window.durable.conn.outboxSize, stored: (await window.durable.idb.load()).length });
document.body.dataset.ready = 'true';
</script>`;

/** Headless Chromium on a page that serves the package; `errors` collects page errors. */
async function openPage(t) {
  const browser = await launchChromium(t);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(await serve(t, { pages: { '/': PAGE }, mounts: { '/pkg/': pkg } }));
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  return { context, page, errors };
}

test(`chaos in Chromium: ${MESSAGES} messages, ${DROPS} drops, 1 relay restart`, async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-browser-chaos-'));
  const relayPort = await freePort();
  const bindings = { RATE_CAPACITY: '100000', RATE_PER_SECOND: '100000' };
  let relay = await startRelay({ folder, port: relayPort, bindings });
  let seed = 1;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const proxy = await chaosProxy(relayPort, random);
  t.after(async () => { await proxy.close(); await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });

  const { page, errors } = await openPage(t);

  const result = page.evaluate(([url, n]) => /** @type {any} */ (window).run(url, n), [`ws://127.0.0.1:${proxy.port}/browser-chaos`, MESSAGES]);
  let finished = false;
  result.finally(() => { finished = true; });
  const dropAt = Array.from({ length: DROPS }, (_, i) => Math.floor(((i + 1) / (DROPS + 1)) * MESSAGES * 0.9));
  const restartAt = Math.floor(MESSAGES * 0.5);
  let restarted = false;
  let drops = 0;
  while (!finished) {
    const { delivered } = await page.evaluate(() => /** @type {any} */ (window).progress);
    if (!restarted && delivered >= restartAt) {
      restarted = true;
      await relay.mf.dispose();
      relay = await startRelay({ folder, port: relayPort, bindings });
    }
    while (dropAt.length && delivered >= dropAt[0] && proxy.drop()) { dropAt.shift(); drops += 1; }
    await new Promise((r) => setTimeout(r, 10));
  }
  const out = await result;
  t.diagnostic(`chromium chaos: sent=${MESSAGES} delivered=${out.delivered} lost=${out.lost} duplicated=${out.duplicated} reordered=${out.reordered} drops=${drops} midFrame=${proxy.stats.midFrame} restarts=${restarted ? 1 : 0} reconnects=${out.reconnects}`);
  assert.deepEqual({ lost: out.lost, duplicated: out.duplicated, reordered: out.reordered, delivered: out.delivered },
    { lost: 0, duplicated: 0, reordered: 0, delivered: MESSAGES });
  assert.ok(restarted);
  assert.ok(drops >= DROPS / 2, `${drops} drops`);
  assert.deepEqual(errors, []);
});

test('offline in Chromium: no retries spent while offline, back on `online`', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-browser-offline-'));
  const relay = await startRelay({ folder });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const { context, page, errors } = await openPage(t);
  await page.evaluate((url) => /** @type {any} */ (window).startOffline(url), `${relay.url}/browser-offline`);
  await context.setOffline(true);
  await page.waitForFunction(() => /** @type {any} */ (window).offline.conn.state === 'offline');
  // A message published while offline waits in the outbox; no attempt is made meanwhile.
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.offline.conn.publish('group/offline', 'while offline').then((r) => { w.offline.acked = r.seq; });
  });
  await new Promise((r) => setTimeout(r, 500));
  const during = await page.evaluate(() => {
    const { conn, log } = /** @type {any} */ (window).offline;
    return { state: conn.state, log: [...log], outbox: conn.outboxSize };
  });
  assert.deepEqual(during, { state: 'offline', log: ['connected', 'disconnected'], outbox: 1 });
  await context.setOffline(false);
  await page.waitForFunction(() => /** @type {any} */ (window).offline.acked === 1);
  const after = await page.evaluate(() => {
    const { conn, log } = /** @type {any} */ (window).offline;
    const seen = { state: conn.state, log: [...log] };
    conn.dispose();
    return seen;
  });
  assert.deepEqual(after, { state: 'connected', log: ['connected', 'disconnected', 'connected'] });
  assert.deepEqual(errors, []);
});

test('IndexedDB outbox in Chromium: a reload mid-send, every message delivered once', async (t) => {
  const { RelayConnection } = await import('hybrid-edge');
  const { default: WebSocket } = await import('ws');
  const { installation, until } = await import('../relay/harness.mjs');
  const N = 300;
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-browser-idb-'));
  // A slow bucket (20 at once, 40/s), so that sending takes seconds and the reload lands mid-send.
  const relay = await startRelay({ folder, bindings: { RATE_CAPACITY: '20', RATE_PER_SECOND: '40' } });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const url = `${relay.url}/browser-durable`;
  // The receiver runs in Node, outside the page that reloads.
  const receiver = new RelayConnection({ url, ...installation(), WebSocket });
  t.after(() => receiver.dispose());
  const got = [];
  receiver.on('message', (e) => got.push([e.seq, new TextDecoder().decode(e.payload)]));
  receiver.subscribe('group/durable', 0);
  await receiver.connect();

  const { page, errors } = await openPage(t);
  await page.evaluate((u) => /** @type {any} */ (window).openDurable(u, 'outbox-test'), url);
  await page.evaluate((n) => /** @type {any} */ (window).publishDurably(n), N);
  // Every message stored, some delivered, many still waiting: reload now.
  await page.waitForFunction((n) => /** @type {any} */ (window).durable.stored === n, N);
  await until('the first deliveries', () => got.length >= 20);
  const before = { delivered: got.length, acked: await page.evaluate(() => /** @type {any} */ (window).durable.acked) };
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  await page.evaluate((u) => /** @type {any} */ (window).openDurable(u, 'outbox-test'), url);
  // The outbox is read asynchronously after the connection is made: wait for that read.
  await page.waitForFunction(() => /** @type {any} */ (window).durable.loaded !== undefined, undefined, { timeout: 20000 });
  const loaded = await page.evaluate(() => /** @type {any} */ (window).durable.loaded);
  await until(`${N} deliveries`, () => got.length >= N, 60000);
  await page.waitForFunction(async () => {
    const left = await /** @type {any} */ (window).durableLeft();
    return left.outbox === 0 && left.stored === 0;
  }, undefined, { timeout: 20000 });
  await new Promise((r) => setTimeout(r, 300)); // room for a stray duplicate to show up
  t.diagnostic(`idb outbox: sent=${N} deliveredBeforeReload=${before.delivered} ackedBeforeReload=${before.acked} loadedAfterReload=${loaded} delivered=${got.length}`);
  assert.ok(before.delivered < N && loaded > 0, 'the reload came mid-send');
  assert.deepEqual(got, Array.from({ length: N }, (_, i) => [i + 1, String(i + 1)]), 'each message once, in order');
  await page.evaluate(() => /** @type {any} */ (window).durable.conn.dispose());
  assert.deepEqual(errors, []);
});
