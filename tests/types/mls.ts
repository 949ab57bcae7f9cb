// Type-checked with `tsc --noEmit` against the packed package: the MLS API as users see it.
import { Client, Group, MemoryStore, IndexedDbStore, RelayConnection } from 'hybrid-edge';
import type { MlsEvent, MlsKeyValueStore, MlsMember, MlsOutcome, MlsSigner, HybridEdgeError } from 'hybrid-edge';
import { privateKeyToAccount } from 'viem/accounts';

// A viem account is a signer as is.
const signer: MlsSigner = privateKeyToAccount('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');

// A caller's store: a Map behind an async interface.
const records = new Map<string, Uint8Array>();
const store: MlsKeyValueStore = {
  async getAll() {
    return records;
  },
  async writeBatch({ put, delete: deletes }) {
    for (const k of deletes) records.delete(k);
    for (const [k, v] of put) records.set(k, v);
  },
};

async function usage(key: CryptoKey): Promise<void> {
  const alice = await Client.create({ signer, storage: store, encryptionKey: key });
  const bob = await Client.create({ signer, storage: new MemoryStore(), encryptionKey: { passphrase: 'pw' } });
  const address: string = alice.address;
  const installation: string = alice.installationId;
  const kps: Uint8Array[] = await bob.createKeyPackages(5);
  const { group, welcome, commit } = await alice.createGroup([kps[0]], { dm: true });
  const bobGroup: Group = await bob.joinFromWelcome(welcome!);
  const ct: Uint8Array = await group.encrypt('gm');
  await group.encrypt(new Uint8Array([1]));
  const ev: MlsEvent = await bobGroup.process(ct);
  if (ev.type === 'application') {
    const sender: string = ev.sender;
    const content: Uint8Array = ev.content;
    const text: string | undefined = ev.text;
    void [sender, content, text];
  } else if (ev.type === 'commit') {
    const added: MlsMember[] = ev.added;
    const lost: boolean = ev.ownCommitDiscarded;
    void [added, lost];
  } else if (ev.type === 'own') {
    const carried: 'application' | 'proposal' | 'commit' = ev.contentType;
    const sentIn: number = ev.epoch;
    void [carried, sentIn];
  }
  const outcomes: MlsOutcome[] = await bob.processMany([ct, ct]);
  for (const outcome of await bobGroup.processMany(outcomes.length ? [ct] : [])) {
    if (outcome.error) {
      const code: HybridEdgeError['code'] = outcome.error.code;
      void code;
    } else {
      const event: MlsEvent = outcome.event;
      void event;
    }
  }
  const credentials: { installationKey: Uint8Array; binding: Uint8Array; sign(nonce: Uint8Array): Uint8Array } =
    alice.relayCredentials();
  const relay = new RelayConnection({ url: 'wss://relay.example.com/g', ...alice.relayCredentials() });
  void [credentials, relay];
  const id: string = group.id;
  const epoch: number = group.epoch;
  const members: { address: string; installationId: string }[] = group.members();
  const added = await group.addMembers(kps.slice(1, 2));
  await group.addMembers(kps.slice(2, 3), { selfUpdate: true });
  const w: Uint8Array | undefined = added.welcome;
  await group.removeMembers([address]);
  await group.rotateKeys();
  const proposal: Uint8Array = await group.leave();
  const due: boolean = group.rotationDue(Date.now());
  const confirming = await Client.create({ signer, confirmCommits: true });
  const confirmingGroup = (await confirming.createGroup()).group;
  const staged = await confirmingGroup.rotateKeys();
  const pending: boolean = staged.pending && confirmingGroup.hasPendingCommit;
  const newEpoch: number = await confirmingGroup.mergePendingCommit();
  await confirmingGroup.rotateKeys();
  await confirmingGroup.clearPendingCommit();
  const pendingCode: HybridEdgeError['code'] = 'CommitPending';
  void [pending, newEpoch, pendingCode];
  const groups: Group[] = alice.groups();
  const again: Group | undefined = alice.group(id);
  alice.groupsDueForRotation(new Date());
  const idb: MlsKeyValueStore = await IndexedDbStore.open('app');
  void [installation, commit, epoch, members, w, proposal, due, groups, again, idb];
  try {
    await bob.process(ct);
  } catch (err) {
    if ((err as HybridEdgeError).code === 'ReplayedMessage') return;
  }
  // @ts-expect-error: content is a string or bytes.
  await group.encrypt(42);
  // @ts-expect-error: processMany takes an array of messages.
  await bob.processMany(ct);
  // @ts-expect-error: a signer must sign.
  await Client.create({ signer: { address } });
}

export { usage };
