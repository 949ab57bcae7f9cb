// MLS through the packed package in Node: real viem accounts sign the identity statements,
// state is written behind to real stores (memory and a file store), encrypted at rest.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { Client, MemoryStore } from 'hybrid-edge';

/** Asserts that `promise` rejects with a hybrid-edge Error with `code`. */
async function rejectsCode(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Error, 'an Error instance');
    assert.equal(err.name, 'HybridEdgeError');
    assert.equal(/** @type {any} */ (err).code, code, err.message);
    return true;
  });
}

/** A viem account that counts its signatures. */
function account() {
  const acct = privateKeyToAccount(generatePrivateKey());
  let signatures = 0;
  return {
    address: acct.address,
    signMessage: (/** @type {{ message: string }} */ args) => {
      signatures++;
      return acct.signMessage(args);
    },
    get signatures() {
      return signatures;
    },
  };
}

const aesKey = () => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

/**
 * A Node store: every record in one JSON file, replaced atomically (write to a temporary
 * file, then rename over the old one) on every batch.
 */
class FileStore {
  constructor(path) {
    this.path = path;
    this.batches = 0;
  }
  read() {
    if (!existsSync(this.path)) return new Map();
    const json = JSON.parse(readFileSync(this.path, 'utf8'));
    return new Map(Object.entries(json).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]));
  }
  async getAll() {
    return this.read();
  }
  async writeBatch({ put, delete: deletes }) {
    const records = this.read();
    for (const k of deletes) records.delete(k);
    for (const [k, v] of put) records.set(k, v);
    const json = Object.fromEntries([...records].map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    writeFileSync(`${this.path}.tmp`, JSON.stringify(json));
    renameSync(`${this.path}.tmp`, this.path);
    this.batches++;
  }
}

test('a DM and a group, both ways, with membership changes and key rotation', async () => {
  const [a, b, c] = [account(), account(), account()];
  const alice = await Client.create({ signer: a });
  const bob = await Client.create({ signer: b });
  const carol = await Client.create({ signer: c });
  assert.equal(alice.address, a.address);
  assert.match(alice.installationId, /^0x[0-9a-f]{32}$/);
  assert.equal(alice.ciphersuite, 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519');
  const addresses = (g) => g.members().map((m) => m.address).sort();

  // DM, both ways.
  const [bobKp] = await bob.createKeyPackages(1);
  const { group: dm, welcome, commit } = await alice.createGroup([bobKp], { dm: true });
  assert.ok(welcome instanceof Uint8Array && commit instanceof Uint8Array);
  const bobDm = await bob.joinFromWelcome(welcome);
  assert.equal(bobDm.id, dm.id);
  assert.equal(bobDm.epoch, dm.epoch);
  assert.ok(dm.dm && bobDm.dm);
  assert.deepEqual(addresses(bobDm), [a.address, b.address].sort());
  assert.deepEqual(bobDm.members().find((m) => m.address === a.address)?.installationId, alice.installationId);

  let ev = await bobDm.process(await dm.encrypt('gm bob'));
  assert.equal(ev.type, 'application');
  if (ev.type !== 'application') return;
  assert.equal(ev.sender, a.address);
  assert.equal(ev.senderInstallationId, alice.installationId);
  assert.equal(ev.text, 'gm bob');
  assert.equal(ev.group, bobDm);
  // `text` is decoded on first read, and the event still behaves as a plain object.
  const copy = { ...(await bobDm.process(await dm.encrypt('copied'))) };
  assert.equal(copy.type === 'application' && copy.text, 'copied');
  const json = JSON.parse(JSON.stringify(await bobDm.process(await dm.encrypt('as json'))));
  assert.equal(json.text, 'as json');
  const edited = await bobDm.process(await dm.encrypt('before'));
  if (edited.type !== 'application') return;
  edited.text = 'after';
  assert.equal(edited.text, 'after');
  assert.deepEqual(Object.keys(edited).includes('text'), true);
  ev = await alice.process(await bobDm.encrypt(new Uint8Array([0xff, 0, 1])));
  assert.equal(ev.type, 'application');
  if (ev.type !== 'application') return;
  assert.equal(ev.sender, b.address);
  assert.deepEqual([...ev.content], [0xff, 0, 1]);
  assert.equal(ev.text, undefined, 'not UTF-8');

  // A third member never joins a DM.
  await rejectsCode(dm.addMembers(await carol.createKeyPackages(1)), 'DmMemberLimit');

  // A group: Alice with Bob, then Carol; everyone talks.
  const created = await alice.createGroup([(await bob.createKeyPackages(1))[0]]);
  const group = created.group;
  const bobGroup = await bob.joinFromWelcome(/** @type {Uint8Array} */ (created.welcome));
  assert.equal(group.dm, false);
  const added = await group.addMembers(await carol.createKeyPackages(1));
  ev = await bobGroup.process(added.commit);
  assert.equal(ev.type, 'commit');
  if (ev.type !== 'commit') return;
  assert.deepEqual(ev.added.map((m) => m.address), [c.address]);
  assert.deepEqual(ev.updated, [], 'an add renews no keys unless asked');
  assert.equal(ev.epoch, added.epoch);
  const welcomeEvent = await carol.process(/** @type {Uint8Array} */ (added.welcome));
  assert.equal(welcomeEvent.type, 'welcome');
  const carolGroup = carol.group(group.id);
  assert.ok(carolGroup);
  assert.deepEqual(addresses(carolGroup), [a.address, b.address, c.address].sort());
  /** @type {[import('hybrid-edge').Group, import('hybrid-edge').Group[]][]} */
  const pairs = [
    [bobGroup, [group, carolGroup]],
    [carolGroup, [group, bobGroup]],
    [group, [bobGroup, carolGroup]],
  ];
  for (const [from, to] of pairs) {
    const ct = await from.encrypt('hello all');
    for (const g of to) {
      const got = await g.process(ct);
      assert.equal(got.type === 'application' && got.text, 'hello all');
    }
  }

  // Key rotation: due after the interval, not right after a rotation.
  assert.equal(group.rotationDue(), false);
  assert.equal(group.rotationDue(Date.now() + 25 * 3600 * 1000), true);
  assert.ok(alice.groupsDueForRotation(Date.now() + 25 * 3600 * 1000).includes(group));
  const epoch = group.epoch;
  const rotated = await group.rotateKeys();
  assert.equal(rotated.epoch, epoch + 1);
  for (const g of [bobGroup, carolGroup]) {
    const got = await g.process(rotated.commit);
    assert.equal(got.type === 'commit' && got.updated[0]?.address, a.address);
    assert.equal(g.epoch, epoch + 1);
  }
  assert.equal(group.rotationDue(Date.now() + 23 * 3600 * 1000), false);

  // Bob is removed: he learns it and forgets the group; Carol and Alice carry on.
  const removed = await group.removeMembers([b.address]);
  ev = await bobGroup.process(removed.commit);
  assert.equal(ev.type === 'commit' && ev.selfRemoved, true);
  assert.equal(bob.group(group.id), undefined);
  ev = await carolGroup.process(removed.commit);
  assert.deepEqual(ev.type === 'commit' && ev.removed.map((m) => m.address), [b.address]);
  await rejectsCode(group.removeMembers([b.address]), 'MemberNotFound');
  const after = await carolGroup.process(await group.encrypt('without bob'));
  assert.equal(after.type === 'application' && after.text, 'without bob');

  // Carol leaves: a proposal that Alice commits.
  const proposal = await carolGroup.leave();
  ev = await group.process(proposal);
  assert.equal(ev.type, 'proposal');
  const leaveCommit = await group.commitPendingProposals();
  ev = await carolGroup.process(leaveCommit.commit);
  assert.equal(ev.type === 'commit' && ev.selfRemoved, true);
  assert.deepEqual(addresses(group), [a.address]);
  assert.equal(carol.groups().length, 0);
  assert.deepEqual(bob.groups(), [bobDm]);
});

test('tampered, replayed, unknown and malformed messages are typed errors', async () => {
  const alice = await Client.create({ signer: account() });
  const bob = await Client.create({ signer: account() });
  const { group, welcome } = await alice.createGroup(await bob.createKeyPackages(1), { dm: true });
  const bobDm = await bob.joinFromWelcome(/** @type {Uint8Array} */ (welcome));

  const ct = await group.encrypt('once');
  const tampered = ct.slice();
  tampered[tampered.length - 5] ^= 1;
  await rejectsCode(bobDm.process(tampered), 'TamperedMessage');
  const ok = await bobDm.process(ct);
  assert.equal(ok.type === 'application' && ok.text, 'once');
  await rejectsCode(bobDm.process(ct), 'ReplayedMessage');

  const carol = await Client.create({ signer: account() });
  await rejectsCode(carol.process(await group.encrypt('not for carol')), 'MessageForUnknownGroup');
  await rejectsCode(bob.process(new Uint8Array([0, 1, 2, 3])), 'MalformedMlsMessage');
  await rejectsCode(bob.joinFromWelcome(await group.encrypt('not a welcome')), 'MalformedMlsMessage');
  await rejectsCode(bob.createKeyPackages(0), 'MlsInvalidArgument');
  await rejectsCode(Client.create({ signer: account(), ciphersuite: 'MLS_256_DHKEMP384_AES256GCM_SHA384_P384' }), 'UnsupportedCiphersuite');
  // The client is still usable after all of that.
  const fine = await bobDm.process(await group.encrypt('still fine'));
  assert.equal(fine.type === 'application' && fine.text, 'still fine');
});

test('processMany: one outcome per message in order, errors in place, one write for all', async () => {
  const alice = await Client.create({ signer: account() });
  const carol = await Client.create({ signer: account() });
  /** @type {number} */
  let batches = 0;
  const store = new MemoryStore();
  const counting = {
    getAll: () => store.getAll(),
    writeBatch: (/** @type {any} */ b) => {
      batches++;
      return store.writeBatch(b);
    },
  };
  const bob = await Client.create({ signer: account(), storage: counting, encryptionKey: await aesKey() });
  const { group, welcome } = await alice.createGroup(await bob.createKeyPackages(1));
  await bob.joinFromWelcome(/** @type {Uint8Array} */ (welcome));
  // An add that also renews Alice's keys (an update path in the commit).
  const added = await group.addMembers(await carol.createKeyPackages(1), { selfUpdate: true });
  const carolGroup = await carol.joinFromWelcome(/** @type {Uint8Array} */ (added.welcome));

  const texts = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
  const backlog = [/** @type {Uint8Array} */ (added.commit)];
  for (const t of texts) backlog.push(await (t.length % 2 ? group : carolGroup).encrypt(t));
  // Before the fourth message: a tampered copy of it (which must not cost its key), a replay
  // of the second, junk.
  const tampered = backlog[4].slice();
  tampered[tampered.length - 5] ^= 1;
  backlog.splice(4, 0, tampered, backlog[2], new Uint8Array([1, 2, 3]));

  const before = batches;
  const outcomes = await bob.processMany(backlog);
  assert.equal(batches - before, 1, 'the state is written once');
  assert.equal(outcomes.length, backlog.length);
  const commit = outcomes[0].event;
  assert.equal(commit?.type, 'commit');
  assert.deepEqual(commit?.type === 'commit' && commit.updated.map((m) => m.address), [alice.address]);
  assert.deepEqual(
    outcomes.filter((o) => o.event?.type === 'application').map((o) => o.event?.type === 'application' && o.event.text),
    texts,
  );
  assert.deepEqual(
    outcomes.filter((o) => o.error).map((o) => o.error?.code),
    ['TamperedMessage', 'ReplayedMessage', 'MalformedMlsMessage'],
  );
  assert.ok(outcomes[4].error instanceof Error && outcomes[4].error.name === 'HybridEdgeError');
  const first = outcomes[1].event;
  assert.ok(first?.type === 'application' && first.group.id === group.id && first.sender === alice.address);

  // The same through a group handle; an empty list is fine; a non-array is an argument error.
  const more = await bob.group(group.id)?.processMany([await carolGroup.encrypt('later')]);
  assert.equal(more?.[0].event?.type === 'application' && more[0].event.text, 'later');
  assert.deepEqual(await bob.processMany([]), []);
  await rejectsCode(bob.processMany(/** @type {any} */ ('not an array')), 'MlsInvalidArgument');
  await rejectsCode(bob.processMany(/** @type {any} */ ([new Uint8Array(1), 'x'])), 'MlsInvalidArgument');
});

test('a forged wallet binding is refused: locally, and by every peer', async () => {
  const victim = privateKeyToAccount(generatePrivateKey());
  const mallory = privateKeyToAccount(generatePrivateKey());
  // Mallory claims the victim's address but signs with her own key.
  const liar = { address: victim.address, signMessage: mallory.signMessage };
  await rejectsCode(Client.create({ signer: liar }), 'WalletSignatureMismatch');

  const forger = await Client.create({ signer: liar, dangerouslySkipSignerCheck: true });
  const forged = await forger.createKeyPackages(1);
  const alice = await Client.create({ signer: account() });
  await rejectsCode(alice.createGroup(forged), 'InvalidIdentityBinding');
  const { group } = await alice.createGroup();
  await rejectsCode(group.addMembers(forged), 'InvalidIdentityBinding');
  assert.deepEqual(group.members().map((m) => m.address), [alice.address]);
});

test('restart: both clients come back from their stores and keep talking both ways', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-edge-mls-'));
  try {
    const [a, b] = [account(), account()];
    const key = await aesKey();
    const aliceStore = new FileStore(join(dir, 'alice.json'));
    const bobStore = new FileStore(join(dir, 'bob.json'));
    const aliceOptions = { signer: a, storage: aliceStore, encryptionKey: key };
    const bobOptions = { signer: b, storage: bobStore, encryptionKey: { passphrase: 'correct horse battery staple' } };

    let alice = await Client.create(aliceOptions);
    let bob = await Client.create(bobOptions);
    const { group: dm, welcome } = await alice.createGroup(await bob.createKeyPackages(1));
    let bobGroup = await bob.joinFromWelcome(/** @type {Uint8Array} */ (welcome));
    const before = await bobGroup.process(await dm.encrypt('before the restart'));
    assert.equal(before.type === 'application' && before.text, 'before the restart');
    const epoch = dm.epoch;
    const id = dm.id;
    const installation = alice.installationId;
    // A message in flight across the restart.
    const inFlight = await bobGroup.encrypt('sent before, read after');
    await alice.close();
    await bob.close();

    alice = await Client.create(aliceOptions);
    bob = await Client.create(bobOptions);
    assert.equal(a.signatures, 1, 'restoring asks the wallet for nothing');
    assert.equal(alice.installationId, installation);
    const [aliceGroup] = alice.groups();
    bobGroup = /** @type {any} */ (bob.group(id));
    assert.equal(aliceGroup.id, id);
    assert.equal(aliceGroup.epoch, epoch);
    assert.equal(bobGroup.epoch, epoch);

    const late = await aliceGroup.process(inFlight);
    assert.equal(late.type === 'application' && late.text, 'sent before, read after');
    for (let i = 0; i < 3; i++) {
      const x = await bobGroup.process(await aliceGroup.encrypt(`a→b ${i}`));
      assert.equal(x.type === 'application' && x.text, `a→b ${i}`);
      const y = await aliceGroup.process(await bobGroup.encrypt(`b→a ${i}`));
      assert.equal(y.type === 'application' && y.text, `b→a ${i}`);
    }
    // Rotate after the restart, restart again, and talk.
    const rotated = await bobGroup.rotateKeys();
    await aliceGroup.process(rotated.commit);
    await alice.close();
    await bob.close();
    alice = await Client.create(aliceOptions);
    bob = await Client.create(bobOptions);
    const again = await bob.groups()[0].process(await alice.groups()[0].encrypt('after two restarts'));
    assert.equal(again.type === 'application' && again.text, 'after two restarts');
    assert.equal(alice.groups()[0].epoch, epoch + 1);

    // The wrong key, a wrong passphrase or another wallet cannot open the stores.
    await rejectsCode(Client.create({ ...aliceOptions, encryptionKey: await aesKey() }), 'MlsStorage');
    await rejectsCode(Client.create({ ...bobOptions, encryptionKey: { passphrase: 'wrong' } }), 'MlsStorage');
    await rejectsCode(Client.create({ ...aliceOptions, signer: account() }), 'MlsInvalidArgument');
    // A caller-supplied store needs a key.
    await rejectsCode(Client.create({ signer: account(), storage: new FileStore(join(dir, 'x.json')) }), 'MlsInvalidArgument');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the stored records hold neither the signature private key nor any plaintext', async () => {
  const key = await aesKey();
  const storage = new MemoryStore();
  const alice = await Client.create({ signer: account(), storage, encryptionKey: key });
  const bob = await Client.create({ signer: account() });
  const { group, welcome } = await alice.createGroup(await bob.createKeyPackages(1), { dm: true });
  const bobDm = await bob.joinFromWelcome(/** @type {Uint8Array} */ (welcome));
  const secretOut = 'the launch code is 0451';
  const secretIn = 'the vault opens at 0600';
  await bobDm.process(await group.encrypt(secretOut));
  await alice.process(await bobDm.encrypt(secretIn));

  // Decrypt the records the documented way (AES-256-GCM, IV after a version byte, the record
  // name as additional data) to find the installation's private key.
  const raw = [...storage.entries()];
  assert.ok(raw.length > 3);
  /** @type {Uint8Array | undefined} */
  let privateKey;
  /** @type {Buffer[]} */
  const plain = [];
  for (const [name, value] of raw) {
    assert.equal(value[0], 1);
    const pt = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: value.slice(1, 13), additionalData: new TextEncoder().encode(name) },
        key,
        value.slice(13),
      ),
    );
    plain.push(Buffer.from(pt));
    // openmls's key pair record (storage key "SignatureKeyPair" ‖ …) is postcard: the
    // private key (a one-byte varint length and its bytes), then the 32-byte public key.
    if (name.startsWith(`mls/${Buffer.from('SignatureKeyPair').toString('hex')}`)) {
      privateKey = pt.slice(1, 1 + pt[0]);
      assert.equal(pt[1 + pt[0]], 32, 'the public key follows the private key');
    }
  }
  assert.ok(privateKey, 'one record holds the key pair');
  assert.ok(privateKey.length >= 32);

  const haystack = Buffer.concat(raw.flatMap(([name, value]) => [Buffer.from(name), Buffer.from(value)]));
  const needles = [
    Buffer.from(privateKey),
    Buffer.from(Buffer.from(privateKey).toString('hex')),
    Buffer.from(Buffer.from(privateKey).toString('base64')),
    Buffer.from(JSON.stringify([...privateKey])),
    Buffer.from(secretOut),
    Buffer.from(secretIn),
  ];
  for (const needle of needles) assert.equal(haystack.indexOf(needle), -1);
  // Plaintext is not kept in the state at all, even decrypted.
  assert.ok(!plain.some((p) => p.includes(secretOut) || p.includes(secretIn)));

  // Each record is bound to its name: two values swapped do not open.
  const swapped = new MemoryStore();
  const records = new Map(raw);
  const [n1, n2] = [...records.keys()].filter((n) => n.startsWith('mls/'));
  await swapped.writeBatch({ put: new Map([...records, [n1, records.get(n2)], [n2, records.get(n1)]]), delete: [] });
  await rejectsCode(Client.create({ signer: account(), storage: swapped, encryptionKey: key }), 'MlsStorage');
});

test('write-behind: a call resolves only after its batch is durable; a failed write stops the client', async () => {
  const inner = new MemoryStore();
  let gate = Promise.resolve();
  let fail = false;
  const batches = [];
  const store = {
    getAll: () => inner.getAll(),
    defaultEncryptionKey: () => inner.defaultEncryptionKey(),
    async writeBatch(batch) {
      await gate;
      if (fail) throw new Error('disk full');
      batches.push(batch);
      await inner.writeBatch(batch);
    },
  };
  const signer = account();
  const alice = await Client.create({ signer, storage: store });
  const { group } = await alice.createGroup();

  let open = () => {};
  gate = new Promise((resolve) => (open = resolve));
  let resolved = false;
  const first = group.encrypt('one').then(() => (resolved = true));
  const second = group.encrypt('two');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(resolved, false, 'not before the write');
  const count = batches.length;
  open();
  await first;
  await second;
  assert.equal(batches.length, count + 2, 'one batch per call, in order');

  fail = true;
  await rejectsCode(group.encrypt('lost'), 'MlsStorage');
  fail = false;
  await rejectsCode(group.encrypt('refused'), 'MlsStorage');
  await rejectsCode(alice.flush(), 'MlsStorage');

  // The store holds the last consistent state.
  const again = await Client.create({ signer, storage: store });
  assert.equal(again.groups()[0].id, group.id);
  await again.groups()[0].encrypt('works');
});
