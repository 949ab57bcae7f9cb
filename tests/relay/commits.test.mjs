// Concurrent MLS commits through the relay in workerd: three of the package's `Client`s
// with `confirmCommits`, each on its own RelayConnection. Two members rotate keys at once;
// the relay takes the first and answers the second with StaleEpoch; the loser processes the
// winner's commit (its own is dropped), commits again, and everyone keeps talking.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { Client, RelayConnection } from 'hybrid-edge';
import { installation, startRelay, until } from './harness.mjs';

const fast = { watchNetwork: false, connection: { timeout: 5000, retry: { initialDelay: 50, maxDelay: 200 } } };

/**
 * One member: its MLS client, its group handle, and a connection whose deliveries it
 * processes in order (every event kept).
 */
async function member(url, topic, group) {
  /** @type {any[]} */
  const events = [];
  /** @type {unknown[]} */
  const errors = [];
  const conn = new RelayConnection({ url, WebSocket, ...installation(), ...fast });
  let queue = Promise.resolve();
  conn.on('message', (e) => {
    queue = queue.then(() => group.process(e.payload).then((ev) => events.push(ev), (err) => errors.push(err)));
  });
  conn.subscribe(topic, 0);
  await conn.connect();
  return { conn, group, events, errors, of: (/** @type {string} */ type) => events.filter((e) => e.type === type) };
}

test('concurrent commits through the relay: StaleEpoch, the loser reprocesses and retries, no fork', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-commits-'));
  const relay = await startRelay({ folder });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const newClient = () => Client.create({ signer: privateKeyToAccount(generatePrivateKey()), confirmCommits: true });
  const [alice, bob, carol] = await Promise.all([newClient(), newClient(), newClient()]);
  const kps = [...(await bob.createKeyPackages(1)), ...(await carol.createKeyPackages(1))];
  const created = await alice.createGroup(kps);
  assert.equal(created.group.hasPendingCommit, false, "a new group's first commit is applied at once");
  const welcome = /** @type {Uint8Array} */ (created.welcome);
  const [bobGroup, carolGroup] = [await bob.joinFromWelcome(welcome), await carol.joinFromWelcome(welcome)];
  const topic = `group/${created.group.id}`;
  const url = `${relay.url}/groups`;
  const a = await member(url, topic, created.group);
  const b = await member(url, topic, bobGroup);
  const c = await member(url, topic, carolGroup);
  t.after(() => { for (const m of [a, b, c]) m.conn.dispose(); });

  // Alice and Bob rotate at the same time: both commits wait for the relay.
  const aliceCommit = await a.group.rotateKeys();
  const bobCommit = await b.group.rotateKeys();
  assert.deepEqual([aliceCommit.pending, bobCommit.pending, aliceCommit.epoch, bobCommit.epoch], [true, true, 2, 2]);
  assert.equal(a.group.epoch, 1);
  await assert.rejects(a.group.removeMembers([bob.address]), { code: 'CommitPending' });

  // The relay takes Alice's (she merges), refuses Bob's.
  await a.conn.publish(topic, aliceCommit.commit);
  assert.equal(await a.group.mergePendingCommit(), 2);
  await assert.rejects(b.conn.publish(topic, bobCommit.commit), { code: 'StaleEpoch' });

  // Bob processes the winner: his own commit is dropped, he is at epoch 2 with the others.
  await until("Bob's view of Alice's commit", () => b.of('commit').length === 1);
  assert.equal(b.of('commit')[0].ownCommitDiscarded, true);
  assert.equal(b.group.hasPendingCommit, false);
  await until("Carol's view of Alice's commit", () => c.of('commit').length === 1);
  assert.equal(c.of('commit')[0].ownCommitDiscarded, false);
  assert.deepEqual([a.group.epoch, b.group.epoch, c.group.epoch], [2, 2, 2]);

  // Bob commits again at the new epoch; the relay takes it.
  const retry = await b.group.rotateKeys();
  await b.conn.publish(topic, retry.commit);
  assert.equal(await b.group.mergePendingCommit(), 3);
  await until('everyone at epoch 3', () => a.group.epoch === 3 && c.group.epoch === 3);

  // No fork: a message from each reaches the two others.
  for (const { from, text } of [{ from: a, text: 'from alice' }, { from: b, text: 'from bob' }, { from: c, text: 'from carol' }]) {
    await from.conn.publish(topic, await from.group.encrypt(text));
  }
  const texts = (m) => m.of('application').map((e) => e.text).sort();
  await until('every message', () => [a, b, c].every((m) => m.of('application').length === 2));
  assert.deepEqual(texts(a), ['from bob', 'from carol']);
  assert.deepEqual(texts(b), ['from alice', 'from carol']);
  assert.deepEqual(texts(c), ['from alice', 'from bob']);
  // Each member's own deliveries came back as `own` (Alice: her commit and her message;
  // Bob: his second commit and his message; Carol: her message); nothing failed.
  await until('the echoes', () => a.of('own').length === 2 && b.of('own').length === 2 && c.of('own').length === 1);
  assert.deepEqual(a.of('own').map((e) => [e.contentType, e.epoch]), [['commit', 1], ['application', 3]]);
  assert.deepEqual([a.errors, b.errors, c.errors], [[], [], []]);
});
