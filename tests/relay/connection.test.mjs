// RelayConnection (the package's WebSocket driver) against the relay in workerd, over real
// WebSockets on 127.0.0.1 with the `ws` package (Node 20 has no global WebSocket):
// connect, publish acked and delivered in order, health, relay restarts with reconnecting
// and failed, sendFailed and retryFailed, rate limits, a refused signature, bad options.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RelayConnection } from 'hybrid-edge';
import { freePort, installation, memoryOutboxStore, startRelay, until } from './harness.mjs';

/** Fast retries, so that the test waits in ms rather than seconds. */
const fast = {
  connection: {
    timeout: 5000,
    retry: { maxAttempts: 50, initialDelay: 20, maxDelay: 200, backoffMultiplier: 2, jitter: /** @type {const} */ ('full') },
    keepAlive: { enabled: true, interval: 1000, timeout: 1000 },
  },
  health: { interval: 500, timeout: 1000 },
};

/** A RelayConnection with every event recorded in `events`. */
function open(url, options = {}) {
  const conn = new RelayConnection({ url, ...installation(), WebSocket, ...fast, ...options });
  const events = [];
  for (const type of /** @type {const} */ (['connected', 'disconnected', 'reconnecting', 'failed', 'rateLimited', 'sendFailed', 'health', 'message', 'acked', 'unauthorized', 'error'])) {
    conn.on(type, (e) => events.push(e));
  }
  const of = (type) => events.filter((e) => e.type === type);
  return { conn, events, of };
}

const text = (e) => new TextDecoder().decode(e.payload);

test('RelayConnection against the relay in workerd', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-connection-'));
  const port = await freePort();
  let relay = await startRelay({ folder, port });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const shard = `${relay.url}/group-connection`;
  const topic = 'group/connection';

  const alice = open(shard);
  const bob = open(shard);
  t.after(() => { alice.conn.dispose(); bob.conn.dispose(); });

  await t.test('connects, publishes (acked with its seq) and delivers in order', async () => {
    bob.conn.subscribe(topic, 0);
    await Promise.all([alice.conn.connect(), bob.conn.connect()]);
    assert.equal(alice.conn.state, 'connected');
    const receipts = await Promise.all([1, 2, 3, 4, 5].map((i) => alice.conn.publish(topic, `m${i}`)));
    assert.deepEqual(receipts.map((r) => r.seq), [1, 2, 3, 4, 5]);
    assert.ok(receipts.every((r) => r.id instanceof Uint8Array && r.id.length === 16));
    await until('five messages', () => bob.of('message').length === 5);
    assert.deepEqual(bob.of('message').map((e) => [e.topic, e.seq, text(e)]), [1, 2, 3, 4, 5].map((i) => [topic, i, `m${i}`]));
    assert.equal(bob.conn.cursor(topic), 5);
    assert.equal(alice.conn.outboxSize, 0);
  });

  await t.test('health is measured through the relay and reported on change', async () => {
    await until('a healthy status', () => alice.conn.getHealthStatus().healthy);
    const h = alice.conn.getHealthStatus();
    assert.deepEqual(h.checks, { transport: true, relayRoundTrip: true, processing: true });
    assert.equal(typeof h.lastRoundTripMs, 'number');
    assert.equal(h.outboxSize, 0);
    assert.ok(Math.abs(h.timestamp - Date.now()) < 1000);
    assert.ok(alice.of('health').some((e) => e.healthy), 'a health event when it became healthy');
  });

  await t.test('a relay restart: disconnected, reconnecting with backoff, resumed without loss or duplicate', async () => {
    await relay.mf.dispose();
    await until('both disconnected', () => alice.of('disconnected').length >= 1 && bob.of('disconnected').length >= 1);
    assert.equal(alice.conn.getHealthStatus().checks.transport, false);
    // Published while the relay is down: kept in the outbox, pending.
    const during = [6, 7, 8].map((i) => alice.conn.publish(topic, `m${i}`));
    assert.equal(alice.conn.outboxSize, 3);
    relay = await startRelay({ folder, port });
    assert.deepEqual((await Promise.all(during)).map((r) => r.seq), [6, 7, 8]);
    await until('eight messages', () => bob.of('message').length === 8);
    assert.deepEqual(bob.of('message').map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
    const r = alice.of('reconnecting');
    assert.ok(r.length >= 1);
    assert.ok(r.every((e) => e.attempt >= 1 && e.delayMs >= 0 && e.delayMs <= 200), JSON.stringify(r));
    assert.ok(alice.conn.getHealthStatus().reconnects >= 1);
  });

  await t.test('failed after maxAttempts, messages marked sendFailed; reconnect() and retryFailed() recover', async () => {
    const carol = open(shard, { connection: { ...fast.connection, retry: { ...fast.connection.retry, maxAttempts: 2 } } });
    t.after(() => carol.conn.dispose());
    await carol.conn.connect();
    await relay.mf.dispose();
    const pending = carol.conn.publish(topic, 'm9');
    let settled = false;
    pending.then(() => { settled = true; });
    await until('failed', () => carol.of('failed').length === 1);
    assert.equal(carol.conn.state, 'failed');
    assert.equal(carol.of('sendFailed').length, 1);
    assert.equal(carol.of('sendFailed')[0].topic, topic);
    assert.equal(carol.conn.getHealthStatus().checks.processing, false, 'a failed message is unhealthy');
    relay = await startRelay({ folder, port });
    carol.conn.reconnect();
    await until('connected again', () => carol.conn.state === 'connected');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(settled, false, 'a failed message waits for retryFailed');
    assert.equal(carol.conn.outboxSize, 1);
    carol.conn.retryFailed();
    assert.equal((await pending).seq, 9);
    await until('m9 delivered', () => bob.of('message').length === 9);
    assert.deepEqual(bob.of('message').map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(text(bob.of('message')[8]), 'm9');
    await until('alice and bob back', () => alice.conn.state === 'connected' && bob.conn.state === 'connected');
  });

  await t.test('a refused signature rejects connect() with Unauthorized and emits failed', async () => {
    const mallory = open(shard, { sign: () => new Uint8Array(64) });
    t.after(() => mallory.conn.dispose());
    await assert.rejects(mallory.conn.connect(), { name: 'HybridEdgeError', code: 'Unauthorized' });
    assert.equal(mallory.conn.state, 'failed');
    assert.equal(mallory.of('failed').length, 1);
  });

  await t.test('a sign callback that throws fails that attempt, with an error event', async () => {
    let calls = 0;
    const keys = installation();
    const flaky = open(shard, {
      ...keys,
      sign: (nonce) => {
        calls += 1;
        if (calls === 1) throw new Error('key locked');
        return keys.sign(nonce);
      },
    });
    t.after(() => flaky.conn.dispose());
    await flaky.conn.connect();
    assert.equal(flaky.of('error').length, 1);
    assert.equal(/** @type {any} */ (flaky.of('error')[0]).error.message, 'key locked');
    assert.equal(calls, 2);
  });

  await t.test('a listener may dispose of the connection', async () => {
    const short = open(shard);
    const seen = [];
    short.conn.on('connected', () => { seen.push(short.conn.state); short.conn.dispose(); });
    await short.conn.connect();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seen, ['connected']);
    short.conn.dispose(); // a second dispose is harmless
  });

  await t.test('bad options throw InvalidConfig', () => {
    const base = { url: shard, ...installation(), WebSocket };
    assert.throws(() => new RelayConnection({ ...base, connection: { retry: { maxAttempts: 0 } } }), { code: 'InvalidConfig', message: /retry\.maxAttempts/ });
    assert.throws(() => new RelayConnection({ ...base, connection: { timeout: -1 } }), { code: 'InvalidConfig', message: /connection\.timeout/ });
    // @ts-expect-error: not a jitter mode
    assert.throws(() => new RelayConnection({ ...base, connection: { retry: { jitter: 'half' } } }), { code: 'InvalidConfig', message: /retry\.jitter/ });
    if (globalThis.WebSocket === undefined) {
      assert.throws(() => new RelayConnection({ ...base, WebSocket: undefined }), { code: 'InvalidConfig', message: /WebSocket/ });
    }
  });
});

test('RelayConnection asks for no permessage-deflate, which the relay would otherwise use', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-deflate-'));
  const relay = await startRelay({ folder });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const shard = `${relay.url}/group-deflate`;
  // A `ws` socket that records what it negotiated.
  const negotiated = [];
  /** @type {any} `ws`'s class, whose types this project does not install */
  const Ws = WebSocket;
  class Recording extends Ws {
    /** @param {any[]} args */
    constructor(...args) {
      super(...args);
      this.on('open', () => negotiated.push(this.extensions));
    }
  }
  // The relay compresses for a client that offers it (workerd negotiates by default)…
  const offering = new Recording(shard);
  await until('a plain ws socket open', () => negotiated.length === 1);
  offering.close();
  assert.equal(negotiated[0], 'permessage-deflate');
  // …and RelayConnection does not offer it: its frames carry ciphertext.
  const { conn } = open(shard, { WebSocket: Recording });
  t.after(() => conn.dispose());
  await conn.connect();
  assert.deepEqual(negotiated, ['permessage-deflate', '']);
  assert.equal((await conn.publish('group/deflate', 'still delivered')).seq, 1);
});

test('RelayConnection under the relay rate limit: rateLimited, then everything once, in send order', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-connection-rl-'));
  const relay = await startRelay({ folder, bindings: { RATE_CAPACITY: '10', RATE_PER_SECOND: '50' } });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const shard = `${relay.url}/group-limited`;
  const topic = 'group/limited';
  const sender = open(shard);
  const reader = open(shard);
  t.after(() => { sender.conn.dispose(); reader.conn.dispose(); });
  reader.conn.subscribe(topic);
  await Promise.all([sender.conn.connect(), reader.conn.connect()]);
  const N = 100;
  const receipts = await Promise.all(Array.from({ length: N }, (_, i) => sender.conn.publish(topic, `r${i + 1}`)));
  // The relay keeps refusing writes until the time it named, so none overtakes a refused one:
  // seqs follow the order of the publish calls.
  assert.deepEqual(receipts.map((r) => r.seq), Array.from({ length: N }, (_, i) => i + 1));
  await until('all delivered', () => reader.of('message').length === N);
  assert.ok(sender.of('rateLimited').length >= 1, 'the relay limited the burst');
  assert.ok(sender.of('rateLimited').every((e) => e.retryAfterMs > 0));
  assert.deepEqual(reader.of('message').map((e) => e.seq), Array.from({ length: N }, (_, i) => i + 1));
  assert.deepEqual(reader.of('message').map(text), Array.from({ length: N }, (_, i) => `r${i + 1}`), 'each once, in send order');
});

test('a caller outbox keeps unacknowledged messages across a restart of the app', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-connection-outbox-'));
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}/group-outbox`;
  const topic = 'group/outbox';
  // A durable store: rows kept in insertion order behind asynchronous calls.
  const store = memoryOutboxStore();
  const { rows } = store;
  const keys = installation();

  // First run: the relay is down, three messages wait in the store, the app stops.
  const first = new RelayConnection({ url, ...keys, WebSocket, ...fast, outbox: store });
  first.connect().catch(() => {});
  const pending = ['o1', 'o2', 'o3'].map((m) => first.publish(topic, m));
  await until('three stored', () => rows.size === 3);
  first.dispose();
  const settled = await Promise.allSettled(pending);
  assert.ok(settled.every((s) => s.status === 'rejected' && s.reason.code === 'NotConnected'));
  assert.equal(rows.size, 3, 'disposing keeps the stored messages');

  // Second run, the relay up: the stored messages go out first, in order, then a new one.
  const relay = await startRelay({ folder, port });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const reader = open(url);
  const second = new RelayConnection({ url, ...keys, WebSocket, ...fast, outbox: store });
  t.after(() => { reader.conn.dispose(); second.dispose(); });
  reader.conn.subscribe(topic);
  await Promise.all([reader.conn.connect(), second.connect()]);
  assert.equal((await second.publish(topic, 'o4')).seq, 4);
  await until('four delivered', () => reader.of('message').length === 4);
  assert.deepEqual(reader.of('message').map((e) => [e.seq, text(e)]), [[1, 'o1'], [2, 'o2'], [3, 'o3'], [4, 'o4']]);
  await until('the store emptied by the acks', () => rows.size === 0);

  // A store that cannot write: the publish rejects with OutboxFailed and nothing is sent.
  const broken = new RelayConnection({
    url, ...installation(), WebSocket, ...fast,
    outbox: { load: () => [], put: () => { throw new Error('disk full'); }, delete: () => {} },
  });
  t.after(() => broken.dispose());
  await broken.connect();
  await assert.rejects(broken.publish(topic, 'o5'), { name: 'HybridEdgeError', code: 'OutboxFailed', message: /disk full/ });
  assert.equal(broken.outboxSize, 0);
});

test('RelayConnection with a wallet binding reads its address\'s inbox', async (t) => {
  const { createPrivateKey, sign } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const repo = process.env.HYBRID_EDGE_REPO ?? join(fileURLToPath(new URL('.', import.meta.url)), '../../..');
  // Bindings for the Ed25519 keys of fixed seeds (kept current by the native tests).
  const { parties } = JSON.parse(readFileSync(join(repo, 'tests/relay/bindings.json'), 'utf8'));
  const fromSeed = (name, byte) => {
    const key = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, byte)]),
      format: 'der', type: 'pkcs8',
    });
    return {
      installationKey: new Uint8Array(Buffer.from(parties[name].installation, 'hex')),
      binding: new Uint8Array(Buffer.from(parties[name].binding, 'hex')),
      sign: (/** @type {Uint8Array} */ nonce) => new Uint8Array(sign(null, nonce, key)),
    };
  };
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-connection-bound-'));
  const relay = await startRelay({ folder });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const shard = `${relay.url}/inboxes`;
  const inbox = `inbox/${parties.alice.address}`;
  const alice = open(shard, fromSeed('alice', 0x11));
  const bob = open(shard, fromSeed('bob', 0x22));
  const keyOnly = open(shard); // a fresh key, no binding
  t.after(() => { for (const c of [alice, bob, keyOnly]) c.conn.dispose(); });
  alice.conn.subscribe(inbox, 0);
  keyOnly.conn.subscribe(inbox, 0);
  await Promise.all([alice.conn.connect(), bob.conn.connect(), keyOnly.conn.connect()]);
  assert.equal((await bob.conn.publish(inbox, 'a welcome for alice')).seq, 1);
  await until('the welcome', () => alice.of('message').length === 1);
  assert.equal(text(alice.of('message')[0]), 'a welcome for alice');
  await until('the refusal', () => keyOnly.of('unauthorized').length >= 1);
  assert.equal(keyOnly.of('unauthorized')[0].topic, inbox);
  assert.equal(keyOnly.of('message').length, 0);
  assert.throws(() => open(shard, { binding: 'not bytes' }), { code: 'InvalidConfig' });
});
