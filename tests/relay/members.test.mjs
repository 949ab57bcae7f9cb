// Group member lists on the relay in workerd: connections authenticate with their MLS
// installation keys (`client.relayCredentials()`), the group's creator hands the relay the
// members' installation ids, and a removed member can then neither read the group's topic
// nor take an epoch's place with a made-up commit (which would leave every member's
// commits `StaleEpoch` for good). The list survives a restart of the relay.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { Client, RelayConnection } from 'hybrid-edge';
import { startRelay, until } from './harness.mjs';

const fast = { watchNetwork: false, connection: { timeout: 5000, retry: { initialDelay: 50, maxDelay: 200 } } };
const newClient = () => Client.create({ signer: privateKeyToAccount(generatePrivateKey()), confirmCommits: true });

/** A connection as `client`'s installation; every event of `topic` kept, deliveries processed in order. */
async function member(url, topic, client, group) {
  /** @type {any[]} */
  const events = [];
  /** @type {any[]} */
  const relayEvents = [];
  const conn = new RelayConnection({ url, WebSocket, ...client.relayCredentials(), ...fast });
  let queue = Promise.resolve();
  conn.on('message', (e) => {
    queue = queue.then(() => group?.process(e.payload).then((ev) => events.push(ev), (err) => events.push({ type: 'error', err })));
  });
  conn.on('members', (e) => relayEvents.push(e));
  conn.on('unauthorized', (e) => relayEvents.push(e));
  if (group) conn.subscribe(topic, 0);
  await conn.connect();
  return {
    conn,
    group,
    of: (/** @type {string} */ type) => events.filter((e) => e.type === type),
    relay: (/** @type {string} */ type) => relayEvents.filter((e) => e.type === type && e.topic === topic),
  };
}

/** `commit` with the epoch of its clear header replaced (what anyone who saw it can make). */
function withEpoch(commit, groupId, epoch) {
  const at = 4 + 1 + (groupId.length - 2) / 2; // version, wire format, group id<V>
  const forged = commit.slice();
  new DataView(forged.buffer).setBigUint64(at, BigInt(epoch));
  return forged;
}

test('a removed member can neither read the group topic nor take an epoch; the list survives a restart', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'hybrid-edge-members-'));
  let relay = await startRelay({ folder });
  t.after(async () => { await relay.mf.dispose(); rmSync(folder, { recursive: true, force: true }); });
  const [alice, bob, carol, dave] = await Promise.all([newClient(), newClient(), newClient(), newClient()]);
  const created = await alice.createGroup([...(await bob.createKeyPackages(1)), ...(await carol.createKeyPackages(1))]);
  const welcome = /** @type {Uint8Array} */ (created.welcome);
  const [bobGroup, carolGroup] = [await bob.joinFromWelcome(welcome), await carol.joinFromWelcome(welcome)];
  const topic = `group/${created.group.id}`;
  const url = `${relay.url}/groups`;

  // The creator names the members (their ids as the group shows them).
  const a = await member(url, topic, alice, created.group);
  const ids = created.group.members().map((m) => m.installationId);
  assert.deepEqual(ids.sort(), [alice, bob, carol].map((c) => c.installationId).sort());
  await a.conn.updateMembers(topic, { add: ids });
  const b = await member(url, topic, bob, bobGroup);
  const c = await member(url, topic, carol, carolGroup);
  const d = await member(url, topic, dave, undefined);
  t.after(() => { for (const m of [a, b, c, d]) m.conn.dispose(); });
  await until('Bob sees the member list', () => b.relay('members').length === 1);
  assert.deepEqual([...b.relay('members')[0].add].sort(), ids);

  // Alice removes Carol: the commit, then the list.
  const removal = await a.group.removeMembers([carol.address]);
  await a.conn.publish(topic, removal.commit);
  assert.equal(await a.group.mergePendingCommit(), 2);
  await a.conn.updateMembers(topic, { remove: [carol.installationId] });
  await until("Carol's subscription ends", () => c.relay('unauthorized').length === 1);
  await until('Bob at epoch 2', () => b.group.epoch === 2);

  // Carol knows the group id and its epoch. Her made-up commit for epoch 2 is refused, and so
  // is anything else she or Dave (never a member) sends or asks for.
  const forged = withEpoch(removal.commit, created.group.id, 2);
  await assert.rejects(c.conn.publish(topic, forged), { code: 'Unauthorized' });
  await assert.rejects(c.conn.updateMembers(topic, { add: [carol.installationId] }), { code: 'Unauthorized' });
  await assert.rejects(d.conn.publish(topic, forged), { code: 'Unauthorized' });
  d.conn.subscribe(topic, 0);
  await until("Dave's subscription refused", () => d.relay('unauthorized').length === 1);
  await assert.rejects(a.conn.updateMembers(topic, { add: ['0x1234'] }), { code: 'InvalidInstallationId' });

  // So epoch 2 is still the members' to commit: Bob's rotation is taken.
  const rotation = await b.group.rotateKeys();
  await b.conn.publish(topic, rotation.commit);
  assert.equal(await b.group.mergePendingCommit(), 3);
  await until('Alice at epoch 3', () => a.group.epoch === 3);

  // After a restart of the relay the list still holds.
  for (const m of [a, b, c, d]) m.conn.dispose();
  await relay.mf.dispose();
  relay = await startRelay({ folder });
  const url2 = `${relay.url}/groups`;
  const c2 = await member(url2, topic, carol, undefined);
  const b2 = await member(url2, topic, bob, undefined);
  t.after(() => { c2.conn.dispose(); b2.conn.dispose(); });
  await assert.rejects(c2.conn.publish(topic, withEpoch(removal.commit, created.group.id, 3)), { code: 'Unauthorized' });
  const text = await b.group.encrypt('still ours');
  assert.ok((await b2.conn.publish(topic, text)).seq > 0);
  // The same made-up bytes from a member do take the epoch: only the list stopped Carol.
  assert.ok((await b2.conn.publish(topic, withEpoch(removal.commit, created.group.id, 3))).seq > 0);
  assert.deepEqual(a.of('error'), []);
  assert.deepEqual(b.of('error'), []);
});
