// RelayPool against the relay in workerd over real WebSockets on 127.0.0.1 (the `ws`
// package): one connection per shard in use, at most maxConnections, PoolFull beyond,
// idle connections closed after idleTimeout (never one with a subscription or unacked
// messages), and room made for a new shard once one went idle; a durable outbox shared by
// the shards, resent by the next pool after a restart of the app.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RelayPool } from 'hybrid-edge';
import { freePort, installation, memoryOutboxStore, startRelay, until } from './harness.mjs';

const text = (e) => new TextDecoder().decode(e.payload);

test('RelayPool: one connection per shard, bounded, idle ones closed', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-pool-'));
  const relay = await startRelay({ folder });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const IDLE = 400;
  const pool = new RelayPool({
    url: relay.url, ...installation(), WebSocket, watchNetwork: false,
    connection: { pool: { maxConnections: 2, idleTimeout: IDLE }, retry: { initialDelay: 20, maxDelay: 200 } },
  });
  const reader = new RelayPool({ url: relay.url, ...installation(), WebSocket, watchNetwork: false });
  t.after(() => { pool.dispose(); reader.dispose(); });
  const idleClosed = [];
  pool.on('idleClosed', (e) => idleClosed.push(e.shard));
  const received = [];
  reader.on('message', (e) => received.push([e.shard, e.topic, e.seq, text(e)]));

  await t.test('topics of one shard share a connection; each shard has its own', async () => {
    // Shard by the part before the first '.', so that two topics live in one shard.
    const byPrefix = new RelayPool({
      url: relay.url, ...installation(), WebSocket, watchNetwork: false,
      shardOf: (topic) => topic.split('.')[0],
    });
    t.after(() => byPrefix.dispose());
    await Promise.all([byPrefix.publish('group/a.1', 'x'), byPrefix.publish('group/a.2', 'y')]);
    assert.deepEqual(byPrefix.shards, ['group/a']);
    await byPrefix.publish('group/b.1', 'z');
    assert.deepEqual(byPrefix.shards.sort(), ['group/a', 'group/b']);
    assert.equal(byPrefix.connectionFor('group/a.2'), byPrefix.connectionFor('group/a.1'));
  });

  await t.test('messages go to the right shard and arrive in order', async () => {
    reader.subscribe('group/one', 0);
    reader.subscribe('group/two', 0);
    const receipts = await Promise.all([pool.publish('group/one', 'o1'), pool.publish('group/two', 't1'), pool.publish('group/one', 'o2')]);
    assert.deepEqual(receipts.map((r) => r.seq), [1, 1, 2]);
    assert.equal(pool.size, 2);
    assert.deepEqual(pool.shards.sort(), ['group/one', 'group/two']);
    await until('three messages', () => received.length === 3);
    const of = (topic) => received.filter((m) => m[1] === topic).map((m) => m[3]);
    assert.deepEqual(of('group/one'), ['o1', 'o2']);
    assert.deepEqual(of('group/two'), ['t1']);
    assert.ok(received.every((m) => m[0] === m[1]), 'each shard is its topic by default');
  });

  await t.test('beyond maxConnections while both are in use: PoolFull', async () => {
    pool.subscribe('group/one', 2); // keeps group/one busy for good
    await assert.rejects(pool.publish('group/three', 'x'), { code: 'PoolFull' });
    assert.equal(pool.size, 2);
  });

  await t.test('an idle connection is closed after idleTimeout; a subscribed one stays', async () => {
    await until('group/two idle-closed', () => idleClosed.includes('group/two'), IDLE * 10);
    assert.deepEqual(pool.shards, ['group/one']);
    assert.ok(!idleClosed.includes('group/one'));
    // The subscribed connection still delivers.
    const got = [];
    pool.on('message', (e) => got.push(text(e)));
    await reader.publish('group/one', 'o3');
    await until('o3 on the pooled subscription', () => got.includes('o3'));
  });

  await t.test('the freed slot serves a new shard', async () => {
    assert.equal((await pool.publish('group/three', 'x3')).seq, 1);
    assert.deepEqual(pool.shards.sort(), ['group/one', 'group/three']);
    // An idle connection makes room at once when a new shard needs it, even before its timer.
    await new Promise((r) => setTimeout(r, IDLE + 50));
    assert.equal((await pool.publish('group/four', 'x4')).seq, 1);
    assert.ok(pool.shards.includes('group/four'));
    assert.ok(pool.size <= 2);
  });

  await t.test('bad options', () => {
    assert.throws(() => new RelayPool(/** @type {any} */ ({ ...installation(), WebSocket })), { code: 'InvalidConfig' });
    assert.throws(() => new RelayPool({ url: relay.url, ...installation(), WebSocket, connection: { pool: { maxConnections: 0 } } }), { code: 'InvalidConfig' });
    assert.throws(() => new RelayPool(/** @type {any} */ ({ url: relay.url, ...installation(), WebSocket, outbox: {} })), { code: 'InvalidConfig' });
  });
});

test('RelayPool with an outbox: what two shards left unacknowledged is resent by the next pool', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-pool-outbox-'));
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}`;
  const fast = { connection: { retry: { initialDelay: 20, maxDelay: 200 } } };
  // A durable store: rows kept in insertion order behind asynchronous calls.
  const store = memoryOutboxStore();
  const { rows } = store;
  const keys = installation();

  // First run: the relay is down; messages to two shards wait in the store; the app stops.
  const first = new RelayPool({ url, ...keys, WebSocket, watchNetwork: false, ...fast, outbox: store });
  const pending = [['group/one', 'o1'], ['group/two', 't1'], ['group/one', 'o2'], ['group/two', 't2']]
    .map(([topic, m]) => first.publish(topic, m));
  await until('four stored', () => rows.size === 4);
  assert.deepEqual(first.shards.sort(), ['group/one', 'group/two']);
  first.dispose();
  const settled = await Promise.allSettled(pending);
  assert.ok(settled.every((s) => s.status === 'rejected' && s.reason.code === 'NotConnected'));
  assert.equal(rows.size, 4, 'disposing keeps the stored messages');

  // Second run, the relay up: the next pool opens both shards by itself and resends.
  const relay = await startRelay({ folder, port });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const reader = new RelayPool({ url, ...installation(), WebSocket, watchNetwork: false });
  const received = [];
  reader.on('message', (e) => received.push([e.topic, e.seq, text(e)]));
  reader.subscribe('group/one', 0);
  reader.subscribe('group/two', 0);
  const second = new RelayPool({ url, ...keys, WebSocket, watchNetwork: false, ...fast, outbox: store });
  t.after(() => { reader.dispose(); second.dispose(); });
  await until('both shards reopened', () => second.size === 2);
  await until('four delivered', () => received.length === 4);
  await until('the store emptied by the acks', () => rows.size === 0);
  // New messages follow the resent ones.
  assert.equal((await second.publish('group/one', 'o3')).seq, 3);
  assert.equal((await second.publish('group/two', 't3')).seq, 3);
  await until('six delivered', () => received.length === 6);
  // Time for any duplicate to show up.
  await new Promise((r) => setTimeout(r, 200));
  const of = (topic) => received.filter((m) => m[0] === topic).map((m) => [m[1], m[2]]);
  assert.deepEqual(of('group/one'), [[1, 'o1'], [2, 'o2'], [3, 'o3']]);
  assert.deepEqual(of('group/two'), [[1, 't1'], [2, 't2'], [3, 't3']]);
  assert.equal(rows.size, 0);
});
