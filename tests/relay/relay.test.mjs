// The relay (relay/src/worker.js) in workerd through Miniflare, with the packed package and
// Durable Objects persisted to a temp folder: authentication, subscriptions, ordered and
// idempotent delivery, a relay restart resumed from the cursor, rate limiting and malformed
// frames. The client side speaks the wire format directly (a small postcard codec below),
// which also pins the bytes the Rust frames put on the wire.
import test from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

const here = fileURLToPath(new URL('.', import.meta.url));
// This file runs from .scratch/consumer/relay; the relay and the shared bundler are in the repo.
const repo = process.env.HYBRID_EDGE_REPO ?? join(here, '../../..');
const { bundleWorker, bundleModuleRules } = await import(join(repo, 'scripts/bundle-worker.mjs'));

// ── The wire format: a version byte, then postcard (varints, length-prefixed bytes). ──
const VERSION = 1;
const TAG = { Hello: 0, Challenge: 1, Auth: 2, Welcome: 3, Subscribe: 4, Publish: 6, Ack: 8, Deliver: 9, Ping: 10, Pong: 11, Error: 17, Expired: 18 };
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
      return code === 'RateLimited' ? { type: 'Error', code, retryAfterMs: uv() } : { type: 'Error', code };
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

function startRelay() {
  return new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    modulesRules: bundleModuleRules,
    compatibilityDate: '2025-09-01',
    durableObjects: { RELAY: { className: 'RelayObject', useSQLite: true } },
    durableObjectsPersist: persist,
    // A small bucket so the test can run it dry: 20 writes at once, 1 more per second.
    bindings: { RATE_CAPACITY: '20', RATE_PER_SECOND: '1' },
  });
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
