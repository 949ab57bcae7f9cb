// RelayPool against the relay in workerd over real WebSockets on 127.0.0.1 (the `ws`
// package): one connection per shard in use, at most maxConnections, PoolFull beyond,
// idle connections closed after idleTimeout (never one with a subscription or unacked
// messages), and room made for a new shard once one went idle.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RelayPool } from 'hybrid-edge';
import { installation, startRelay, until } from './harness.mjs';

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
