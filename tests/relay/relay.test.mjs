// The relay (relay/src/worker.js) in workerd through Miniflare, with the packed package and
// Durable Objects persisted to a temp folder: authentication, subscriptions, ordered and
// idempotent delivery, a relay restart resumed from the cursor, rate limiting and malformed
// frames. The client side speaks the wire format directly (a small postcard codec below),
// which also pins the bytes the Rust frames put on the wire.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { TransportClient } from 'hybrid-edge';

const here = fileURLToPath(new URL('.', import.meta.url));
// This file runs from .scratch/consumer/relay; the relay and the shared bundler are in the repo.
const repo = process.env.HYBRID_EDGE_REPO ?? join(here, '../../..');
const { bundleWorker, workerOptions } = await import(join(repo, 'scripts/bundle-worker.mjs'));

// ── The wire format: a version byte, then postcard (varints, length-prefixed bytes). ──
const VERSION = 1;
const TAG = { Hello: 0, Challenge: 1, Auth: 2, Welcome: 3, Subscribe: 4, Publish: 6, Ack: 8, Deliver: 9, Ping: 10, Pong: 11, Error: 17, Expired: 18, BoundHello: 19 };
const ERRORS = ['RateLimited', 'StaleEpoch', 'Unauthorized', 'FrameTooLarge', 'Malformed', 'UnsupportedVersion', 'TooManySubscriptions', 'NoKeyPackage'];

const varint = (n) => {
  const out = [];
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
  out.push(n);
  return out;
};
const bytes = (b) => [...varint(b.length), ...b];
const text = (s) => bytes(new TextEncoder().encode(s));
const frame = (tag, ...fields) => new Uint8Array([VERSION, ...varint(tag), ...fields.flat()]);

const hello = (installation) => frame(TAG.Hello, bytes(installation));
const boundHello = (installation, binding) => frame(TAG.BoundHello, bytes(installation), bytes(binding));
const auth = (signature) => frame(TAG.Auth, bytes(signature));
const subscribe = (topic, cursor) => frame(TAG.Subscribe, text(topic), varint(cursor));
const publish = (topic, id, payload) => frame(TAG.Publish, text(topic), [...id], bytes(payload));
const ping = (nonce) => frame(TAG.Ping, varint(nonce));

function decode(buf) {
  const b = new Uint8Array(buf);
  let at = 0;
  const uv = () => {
    let n = 0;
    for (let scale = 1; ; scale *= 0x80) {
      const byte = b[at++];
      n += (byte & 0x7f) * scale;
      if (byte < 0x80) return n;
    }
  };
  const raw = (len) => b.slice(at, (at += len));
  const str = () => new TextDecoder().decode(raw(uv()));
  assert.equal(b[at++], VERSION);
  const tag = uv();
  switch (tag) {
    case TAG.Challenge: return { type: 'Challenge', nonce: raw(32) };
    case TAG.Welcome: return { type: 'Welcome' };
    case TAG.Ack: return { type: 'Ack', id: raw(16), seq: uv() };
    case TAG.Deliver: return { type: 'Deliver', topic: str(), seq: uv(), payload: new TextDecoder().decode(raw(uv())) };
    case TAG.Pong: return { type: 'Pong', nonce: uv() };
    case TAG.Expired: return { type: 'Expired', topic: str(), through: uv() };
    case TAG.Error: {
      const code = ERRORS[uv()];
      if (code === 'RateLimited') return { type: 'Error', code, retryAfterMs: uv() };
      if (code === 'StaleEpoch') return { type: 'Error', code, id: raw(16), topic: str() };
      if (code === 'Unauthorized' && b[at] === 1) {
        // A refused publish names the message (an `Option`: 1 then the value).
        at++;
        const id = raw(16);
        return { type: 'Error', code, id, topic: b[at++] === 1 ? str() : undefined };
      }
      return { type: 'Error', code };
    }
    default: return { type: `tag ${tag}` };
  }
}

const id = (n) => new Uint8Array(16).fill(n);

// ── A relay in Miniflare, and clients over its WebSockets. ──
const persist = mkdtempSync(join(tmpdir(), 'hybrid-edge-relay-'));
const scriptPath = await bundleWorker(join(repo, 'relay/src/worker.js'), {
  nodePaths: [join(here, '../node_modules')],
});

/** @param {string} [folder] @param {Record<string, string>} [bindings] */
function startRelay(folder = persist, bindings = { RATE_CAPACITY: '20', RATE_PER_SECOND: '1' }) {
  return new Miniflare(workerOptions(scriptPath, {
    durableObjects: { RELAY: { className: 'RelayObject', useSQLite: true } },
    durableObjectsPersist: folder,
    // By default a small bucket so the test can run it dry: 20 writes at once, 1 more per second.
    bindings,
  }));
}

/** A connection: frames arrive in `inbox`; `next()` waits for the next one. */
async function connect(mf, shard) {
  const res = await mf.dispatchFetch(`http://relay/${shard}`, { headers: { Upgrade: 'websocket' } });
  assert.equal(res.status, 101);
  const ws = res.webSocket;
  ws.accept();
  const inbox = [];
  const waiting = [];
  ws.addEventListener('message', (e) => {
    const f = decode(e.data);
    const w = waiting.shift();
    if (w) w(f); else inbox.push(f);
  });
  const next = () => (inbox.length ? Promise.resolve(inbox.shift()) :
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame within 5 s')), 5000);
      waiting.push((f) => { clearTimeout(timer); resolve(f); });
    }));
  const take = async (n) => { const out = []; while (out.length < n) out.push(await next()); return out; };
  /** Round trip through the object: everything sent before has been answered. */
  const sync = async (nonce) => {
    ws.send(ping(nonce));
    const before = [];
    for (let f = await next(); f.type !== 'Pong'; f = await next()) before.push(f);
    return before;
  };
  return { ws, send: (b) => ws.send(b), next, take, sync, close: () => { try { ws.close(1000, 'done'); } catch { /* the relay is gone */ } } };
}

const keys = generateKeyPairSync('ed25519');
const installation = Buffer.from(keys.publicKey.export({ format: 'jwk' }).x, 'base64url');

async function login(client) {
  client.send(hello(installation));
  const challenge = await client.next();
  assert.equal(challenge.type, 'Challenge');
  client.send(auth(sign(null, challenge.nonce, keys.privateKey)));
  assert.deepEqual(await client.next(), { type: 'Welcome' });
}

const TOPIC = 'group/demo';
const payloads = (frames) => frames.map((f) => [f.type, f.seq, f.payload]);

test('the relay in workerd: auth, order, idempotency, restart, limits', async (t) => {
  t.after(() => rmSync(persist, { recursive: true, force: true }));
  let mf = startRelay();

  await t.test('a wrong signature is refused, a right one welcomed', async () => {
    const c = await connect(mf, TOPIC);
    c.send(hello(installation));
    assert.equal((await c.next()).type, 'Challenge');
    c.send(auth(new Uint8Array(64)));
    assert.deepEqual(await c.next(), { type: 'Error', code: 'Unauthorized' });
    // The nonce is spent: even the right key cannot authenticate on this socket now.
    c.send(subscribe(TOPIC, 0));
    assert.deepEqual(await c.next(), { type: 'Error', code: 'Unauthorized' });
    c.close();
  });

  const sender = await connect(mf, TOPIC);
  const receiver = await connect(mf, TOPIC);
  await login(sender);
  await login(receiver);

  await t.test('publishes are acked and delivered live, in order', async () => {
    receiver.send(subscribe(TOPIC, 0));
    assert.deepEqual(await receiver.sync(1), [], 'an empty topic has no backlog');
    for (let i = 1; i <= 5; i++) sender.send(publish(TOPIC, id(i), new TextEncoder().encode(`m${i}`)));
    const acks = await sender.take(5);
    assert.deepEqual(acks.map((a) => [a.type, a.id[0], a.seq]), [1, 2, 3, 4, 5].map((i) => ['Ack', i, i]));
    assert.deepEqual(payloads(await receiver.take(5)), [1, 2, 3, 4, 5].map((i) => ['Deliver', i, `m${i}`]));
  });

  await t.test('a repeated id is acked again with its seq and stored once', async () => {
    sender.send(publish(TOPIC, id(3), new TextEncoder().encode('m3 again, other bytes')));
    const ack = await sender.next();
    assert.deepEqual([ack.type, ack.id[0], ack.seq], ['Ack', 3, 3]);
    sender.send(publish(TOPIC, id(6), new TextEncoder().encode('m6')));
    assert.equal((await sender.next()).seq, 6);
    assert.deepEqual(payloads(await receiver.take(1)), [['Deliver', 6, 'm6']], 'no second copy of m3');
  });

  await t.test('malformed frames get error frames and the connection lives on', async () => {
    sender.send(new Uint8Array([VERSION, 0xff, 0xff, 0xff]));
    assert.deepEqual(await sender.next(), { type: 'Error', code: 'Malformed' });
    sender.send(new Uint8Array([9, 0]));
    assert.deepEqual(await sender.next(), { type: 'Error', code: 'UnsupportedVersion' });
    sender.send(new Uint8Array(0));
    assert.deepEqual(await sender.next(), { type: 'Error', code: 'Malformed' });
    sender.send('not a frame'); // a text message: its first byte is no version we speak
    assert.deepEqual(await sender.next(), { type: 'Error', code: 'UnsupportedVersion' });
    assert.deepEqual(await sender.sync(2), []);
  });

  await t.test('a restarted relay resumes from the cursor: nothing lost, nothing twice', async () => {
    const cursor = 6; // the last seq the receiver got
    await mf.dispose();
    mf = startRelay();
    const s = await connect(mf, TOPIC);
    const r = await connect(mf, TOPIC);
    await login(s);
    await login(r);
    // A retry of m6 (its ack may have been lost with the relay) and a new message.
    s.send(publish(TOPIC, id(6), new TextEncoder().encode('m6')));
    s.send(publish(TOPIC, id(7), new TextEncoder().encode('m7')));
    assert.deepEqual((await s.take(2)).map((a) => a.seq), [6, 7]);
    r.send(subscribe(TOPIC, cursor));
    assert.deepEqual(payloads(await r.sync(3)), [['Deliver', 7, 'm7']], 'the backlog after the cursor');
    s.send(publish(TOPIC, id(8), new TextEncoder().encode('m8')));
    assert.equal((await s.next()).seq, 8);
    assert.deepEqual(payloads(await r.take(1)), [['Deliver', 8, 'm8']], 'then live');
    // A fresh reader gets the whole log once, in order.
    const all = await connect(mf, TOPIC);
    await login(all);
    all.send(subscribe(TOPIC, 0));
    assert.deepEqual(payloads(await all.sync(4)), [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ['Deliver', i, `m${i}`]));
    for (const c of [s, r, all]) c.close();
  });

  await t.test('a burst beyond the token bucket gets RateLimited, and nothing refused is stored', async (t) => {
    const c = await connect(mf, 'group/burst');
    await login(c);
    const burst = 30;
    for (let i = 1; i <= burst; i++) c.send(publish('group/burst', id(i), new TextEncoder().encode(`b${i}`)));
    const answers = await c.take(burst);
    const acked = answers.filter((f) => f.type === 'Ack');
    const limited = answers.filter((f) => f.code === 'RateLimited');
    t.diagnostic(`burst of ${burst}: ${acked.length} acked, ${limited.length} RateLimited (retryAfterMs ${limited.map((f) => f.retryAfterMs).join(',')})`);
    assert.equal(acked.length + limited.length, burst);
    assert.ok(acked.length >= 20 && acked.length < burst, `acked ${acked.length} of ${burst}`);
    assert.ok(limited.every((f) => f.retryAfterMs > 0 && f.retryAfterMs <= 1000), JSON.stringify(limited));
    assert.deepEqual(acked.map((a) => a.seq), acked.map((_, i) => i + 1), 'acked ones got consecutive seqs');
    c.send(subscribe('group/burst', 0));
    const stored = await c.sync(5);
    assert.deepEqual(stored.map((f) => f.seq), acked.map((a) => a.seq));
    c.close();
  });

  for (const c of [sender, receiver]) c.close();
  await mf.dispose();
});

/**
 * Drives a `TransportClient` (the package's sans-IO client) over Miniflare WebSockets: the
 * loop every JS adapter runs (transmits, then the timer, then events).
 */
function driveClient(relay, shard, key) {
  const publicKey = Buffer.from(key.publicKey.export({ format: 'jwk' }).x, 'base64url');
  const client = new TransportClient(publicKey, 42);
  const sockets = new Map();
  const events = [];
  let timer;
  const now = () => Date.now();
  const pump = () => {
    for (let more = true; more;) {
      more = false;
      for (let t; (t = client.pollTransmit());) {
        if (t.kind === 'connect') open(t.conn);
        else if (t.kind === 'send') sockets.get(t.conn)?.send(t.bytes);
        else {
          const ws = sockets.get(t.conn);
          sockets.delete(t.conn);
          try { ws?.close(1000, 'client'); } catch { /* gone */ }
        }
      }
      clearTimeout(timer);
      const at = client.pollTimeout();
      if (at !== undefined) timer = setTimeout(() => { client.handleTimeout(now()); pump(); }, Math.max(0, at - now()));
      for (let e; (e = client.pollEvent());) {
        events.push(e);
        if (e.type === 'authChallenge') {
          client.authenticate(sign(null, e.nonce, key.privateKey), now());
          more = true;
        }
      }
    }
  };
  const closed = (conn) => {
    if (sockets.delete(conn)) { client.handleClosed(conn, now()); pump(); }
  };
  async function open(conn) {
    try {
      const res = await relay().dispatchFetch(`http://relay/${shard}`, { headers: { Upgrade: 'websocket' } });
      const ws = res.webSocket;
      ws.accept();
      sockets.set(conn, ws);
      ws.addEventListener('message', (e) => { client.handleFrame(conn, new Uint8Array(e.data), now()); pump(); });
      ws.addEventListener('close', () => closed(conn));
      ws.addEventListener('error', () => closed(conn));
      client.handleOpen(conn, now());
    } catch {
      client.handleClosed(conn, now());
    }
    pump();
  }
  return {
    client, events, pump,
    /** The sockets died with the relay. */
    drop: () => { for (const conn of [...sockets.keys()]) closed(conn); },
    stop: () => { client.close(now()); pump(); clearTimeout(timer); },
  };
}

async function until(what, check, ms = 15000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('two TransportClients through the relay: every message once, in order, across a restart', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-relay-clients-'));
  let mf = startRelay(folder, {});
  t.after(async () => { await mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const topic = 'group/clients';
  const a = driveClient(() => mf, topic, generateKeyPairSync('ed25519'));
  const b = driveClient(() => mf, topic, generateKeyPairSync('ed25519'));
  b.client.subscribe(topic, 0, Date.now());
  for (const c of [a, b]) { c.client.connect(Date.now()); c.pump(); }
  const received = () => b.events.filter((e) => e.type === 'message');
  const acked = () => a.events.filter((e) => e.type === 'acked');
  const N = 200;
  const send = (i) => { a.client.send(topic, new TextEncoder().encode(`c${i}`), Date.now()); a.pump(); };

  await until('both connected', () => [a, b].every((c) => c.events.some((e) => e.type === 'connected')));
  for (let i = 1; i <= N / 2; i++) send(i);
  // The relay restarts while the first half is still in flight (some unacknowledged: the
  // sender resends them, the relay stores each id once); messages sent during the restart
  // wait in the outbox.
  await until('the first messages', () => received().length >= 10);
  const beforeRestart = received().length;
  await mf.dispose();
  mf = startRelay(folder, {});
  for (const c of [a, b]) c.drop();
  for (let i = N / 2 + 1; i <= N; i++) send(i);
  await until('the second half', () => received().length >= N && a.client.outboxSize === 0);
  await new Promise((r) => setTimeout(r, 200)); // room for a stray duplicate to show up

  const got = received().map((e) => [e.seq, new TextDecoder().decode(e.payload)]);
  assert.deepEqual(got, Array.from({ length: N }, (_, i) => [i + 1, `c${i + 1}`]));
  assert.equal(new Set(acked().map((e) => Buffer.from(e.id).toString('hex'))).size, N);
  assert.equal(b.client.cursor(topic), N);
  const reconnects = (c) => c.events.filter((e) => e.type === 'reconnecting').length;
  t.diagnostic(`clients: sent=${N} delivered=${got.length} beforeRestart=${beforeRestart} acks=${acked().length} reconnecting events a=${reconnects(a)} b=${reconnects(b)}`);
  assert.ok(reconnects(a) >= 1 && reconnects(b) >= 1);
  for (const c of [a, b]) c.stop();
});

// ── Wallet bindings and MLS ordering, with fixtures the native tests keep current
// (src/transport/relay/package_tests.rs): bindings signed by test wallets for the Ed25519
// keys of fixed seeds, and real openmls commits and application messages. ──
const fixtures = (name) => JSON.parse(readFileSync(join(repo, 'tests/relay', name), 'utf8'));
const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const { parties, forged } = fixtures('bindings.json');
/** The Ed25519 private key of seed `byte` repeated 32 times (PKCS #8). */
const seedKey = (byte) => createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, byte)]),
  format: 'der', type: 'pkcs8',
});
const party = (name, seed) => ({
  ...parties[name], key: seedKey(seed),
  installation: unhex(parties[name].installation), binding: unhex(parties[name].binding),
});
const alice = party('alice', 0x11);
const bob = party('bob', 0x22);
const mallory = party('mallory', 0x33);

/** Presents `installation` with `binding`, signs the nonce with `key`; returns the answer. */
async function boundLogin(c, installation, binding, key) {
  c.send(boundHello(installation, binding));
  const challenge = await c.next();
  assert.equal(challenge.type, 'Challenge');
  const signature = sign(null, challenge.nonce, key);
  c.send(auth(signature));
  return { answer: await c.next(), signature };
}

test('wallet bindings in workerd: inboxes for verified addresses only; every forgery refused', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-relay-bindings-'));
  const mf = startRelay(folder, {});
  t.after(async () => { await mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const shard = 'inbox';
  const refused = { type: 'Error', code: 'Unauthorized' };
  const aliceInbox = `inbox/${alice.address}`;

  await t.test('a verified binding reads its own inbox and no other', async () => {
    const c = await connect(mf, shard);
    assert.deepEqual((await boundLogin(c, alice.installation, alice.binding, alice.key)).answer, { type: 'Welcome' });
    c.send(subscribe(aliceInbox, 0));
    assert.deepEqual(await c.sync(1), []);
    c.send(subscribe(`inbox/${bob.address}`, 0));
    assert.deepEqual(await c.sync(2), [refused]);
    c.close();
  });

  await t.test('a key without a binding reads no inbox', async () => {
    const c = await connect(mf, shard);
    c.send(hello(mallory.installation));
    const challenge = await c.next();
    c.send(auth(sign(null, challenge.nonce, mallory.key)));
    assert.deepEqual(await c.next(), { type: 'Welcome' });
    c.send(subscribe(aliceInbox, 0));
    assert.deepEqual(await c.sync(1), [refused]);
    c.close();
  });

  await t.test('a forged binding (Alice\'s address, signed by Mallory\'s wallet) is refused', async () => {
    const c = await connect(mf, shard);
    assert.deepEqual((await boundLogin(c, mallory.installation, unhex(forged), mallory.key)).answer, refused);
    c.send(subscribe(aliceInbox, 0));
    assert.deepEqual(await c.sync(1), [refused]);
    c.close();
  });

  await t.test('a binding for another installation (Alice\'s, with Mallory\'s key) is refused', async () => {
    const c = await connect(mf, shard);
    assert.deepEqual((await boundLogin(c, mallory.installation, alice.binding, mallory.key)).answer, refused);
    c.close();
    // Alice's key and binding, but Mallory cannot sign Alice's nonce.
    const d = await connect(mf, shard);
    assert.deepEqual((await boundLogin(d, alice.installation, alice.binding, mallory.key)).answer, refused);
    d.close();
  });

  await t.test('a binding for another address gets in as that address only', async () => {
    const c = await connect(mf, shard);
    assert.deepEqual((await boundLogin(c, mallory.installation, mallory.binding, mallory.key)).answer, { type: 'Welcome' });
    c.send(subscribe(aliceInbox, 0));
    c.send(subscribe(`inbox/${mallory.address}`, 0));
    assert.deepEqual(await c.sync(1), [refused]);
    c.close();
  });

  await t.test('a replayed auth with a valid binding is refused', async () => {
    const c = await connect(mf, shard);
    const { signature } = await boundLogin(c, alice.installation, alice.binding, alice.key);
    c.send(auth(signature)); // again on the same socket: the nonce is spent
    assert.deepEqual(await c.next(), refused);
    const d = await connect(mf, shard);
    d.send(boundHello(alice.installation, alice.binding));
    assert.equal((await d.next()).type, 'Challenge');
    d.send(auth(signature)); // on a new socket: another nonce
    assert.deepEqual(await d.next(), refused);
    d.send(subscribe(aliceInbox, 0));
    assert.deepEqual(await d.sync(1), [refused]);
    for (const x of [c, d]) x.close();
  });

  await t.test('a welcome to an inbox reaches the address\'s installation', async () => {
    const writer = await connect(mf, shard);
    await boundLogin(writer, bob.installation, bob.binding, bob.key);
    writer.send(publish(aliceInbox, id(1), new TextEncoder().encode('welcome')));
    assert.equal((await writer.next()).type, 'Ack');
    const reader = await connect(mf, shard);
    await boundLogin(reader, alice.installation, alice.binding, alice.key);
    reader.send(subscribe(aliceInbox, 0));
    assert.deepEqual(payloads(await reader.sync(1)), [['Deliver', 1, 'welcome']]);
    for (const x of [writer, reader]) x.close();
  });
});

test('REQUIRE_BINDING: a connection without a wallet binding is refused', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-relay-require-'));
  const mf = startRelay(folder, { REQUIRE_BINDING: 'true' });
  t.after(async () => { await mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const plain = await connect(mf, 'strict');
  plain.send(hello(mallory.installation));
  assert.deepEqual(await plain.next(), { type: 'Error', code: 'Unauthorized' });
  plain.send(subscribe('group/strict', 0));
  assert.deepEqual(await plain.sync(1), [{ type: 'Error', code: 'Unauthorized' }]);
  const bound = await connect(mf, 'strict');
  assert.deepEqual((await boundLogin(bound, alice.installation, alice.binding, alice.key)).answer, { type: 'Welcome' });
  for (const c of [plain, bound]) c.close();
});

test('real MLS commits in workerd: the first of an epoch wins, later ones get StaleEpoch', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-relay-mls-'));
  let mf = startRelay(folder, {});
  t.after(async () => { await mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const { groupId, ...messages } = fixtures('mls-messages.json');
  const m = Object.fromEntries(Object.entries(messages).map(([k, v]) => [k, unhex(v)]));
  // A group's topic is `group/` and its id in lower-case `0x` hex.
  const topic = `group/${groupId}`;
  const c = await connect(mf, topic);
  await boundLogin(c, alice.installation, alice.binding, alice.key);
  const ack = async () => { const f = await c.next(); assert.equal(f.type, 'Ack', JSON.stringify(f)); return f.seq; };
  // On another group's topic, or cut short, a message is refused (and moves no epoch).
  const other = 'group/0x00';
  const o = await connect(mf, other);
  await boundLogin(o, alice.installation, alice.binding, alice.key);
  o.send(publish(other, id(9), m.aliceCommitEpoch1));
  const misplaced = await o.next();
  assert.deepEqual([misplaced.code, misplaced.id?.[0], misplaced.topic], ['Unauthorized', 9, other]);
  o.close();
  c.send(publish(topic, id(8), m.aliceCommitEpoch1.slice(0, -1)));
  const cut = await c.next();
  assert.deepEqual([cut.code, cut.id?.[0], cut.topic], ['Unauthorized', 8, topic]);
  c.send(publish(topic, id(1), m.aliceCommitEpoch1));
  assert.equal(await ack(), 1);
  c.send(publish(topic, id(2), m.bobCommitEpoch1));
  const stale = await c.next();
  assert.deepEqual([stale.code, stale.id[0], stale.topic], ['StaleEpoch', 2, topic]);
  c.send(publish(topic, id(1), m.aliceCommitEpoch1)); // the winner's retry: acked again
  assert.equal(await ack(), 1);
  c.send(publish(topic, id(3), m.aliceAppEpoch2));
  assert.equal(await ack(), 2);
  c.close();
  // The epoch is durable: after a restart the stale commit is still refused, the next taken.
  await mf.dispose();
  mf = startRelay(folder, {});
  const d = await connect(mf, topic);
  await boundLogin(d, bob.installation, bob.binding, bob.key);
  d.send(publish(topic, id(4), m.bobCommitEpoch1));
  assert.equal((await d.next()).code, 'StaleEpoch');
  d.send(publish(topic, id(5), m.aliceCommitEpoch2));
  const f = await d.next();
  assert.deepEqual([f.type, f.seq], ['Ack', 3]);
  d.close();
});
