// Types of mls.js: the MLS `Client`, its `Group`s and the storage backends.
import type { MlsMember, HybridEdgeError } from './hybrid_edge.js';

/**
 * Anything that signs like viem's `account.signMessage({ message })` (EIP-191
 * `personal_sign`): a viem `privateKeyToAccount(...)`, a local account, or a `WalletClient`
 * with an account. The address comes from `address` or `account.address`.
 */
export interface MlsSigner {
  /** The wallet address (when the signer is an account). */
  address?: string;
  /** The hoisted account of a viem `WalletClient`. */
  account?: { address: string };
  /** Signs `message` with EIP-191 `personal_sign`: 65 bytes as `0x` hex (or bytes). */
  signMessage(args: { message: string }): Promise<string | Uint8Array>;
}

/**
 * The records to write in one atomic batch: all of `put` and `delete`, or none of them.
 * Values are opaque bytes (already encrypted); names are short ASCII strings.
 */
export interface MlsWriteBatch {
  /** Records to create or overwrite. */
  put: Map<string, Uint8Array>;
  /** Records to delete. */
  delete: string[];
}

/**
 * The storage a `Client` writes its state to. Implement it over any store that can write
 * several records atomically:
 *
 * - Durable Object storage: `getAll` = `storage.list()`; `writeBatch` =
 *   `storage.transaction(async (txn) => { await txn.put(Object.fromEntries(put)); await txn.delete(del) })`
 *   (chunks of 128 keys per call).
 * - Node: a `Map` behind a file written to a temporary name and renamed over the old one
 *   (`fs.rename` is atomic), or a database transaction.
 *
 * One store holds one client. `writeBatch` must resolve only once the batch is durable, and
 * leave the previous records untouched if it fails.
 */
export interface MlsKeyValueStore {
  /** Every record the store holds (read once, by `Client.create`). */
  getAll(): Promise<Iterable<[string, Uint8Array | ArrayBuffer]>>;
  /** Writes one batch atomically; resolves once it is durable. */
  writeBatch(batch: MlsWriteBatch): Promise<void>;
  /**
   * Optional: the AES-256-GCM key to use when `Client.create` gets no `encryptionKey`
   * (`MemoryStore` and `IndexedDbStore` keep a non-extractable one).
   */
  defaultEncryptionKey?(): Promise<CryptoKey>;
  /**
   * Optional: a Web Lock (`navigator.locks`) name. Where Web Locks exist, a `Client` holds it
   * from `create` to `close`, and a second `Client.create` on the store (another tab) fails
   * with `IdentityLocked` instead of corrupting the state.
   */
  lockName?: string;
}

/**
 * Records in memory, lost with the process (the default storage). Its default encryption
 * key is a non-extractable key created on first use and held by this object.
 */
export declare class MemoryStore implements MlsKeyValueStore {
  getAll(): Promise<Map<string, Uint8Array>>;
  writeBatch(batch: MlsWriteBatch): Promise<void>;
  defaultEncryptionKey(): Promise<CryptoKey>;
  /** The records as stored (values encrypted), for inspection and export. */
  entries(): IterableIterator<[string, Uint8Array]>;
}

/**
 * Records in IndexedDB (browsers): one `strict`-durability readwrite transaction per batch.
 * Its default encryption key is a non-extractable `CryptoKey` created once and kept in the
 * same database, so the key's bytes never leave the browser's key store.
 */
export declare class IndexedDbStore implements MlsKeyValueStore {
  private constructor(db: IDBDatabase);
  /** `hybrid-edge/indexeddb/<database name>`: one client per database, across tabs. */
  readonly lockName: string;
  /**
   * Opens or creates the database `name` (default `'hybrid-edge'`); one database per client.
   * @throws {HybridEdgeError} `MlsStorage` where IndexedDB is missing.
   */
  static open(name?: string): Promise<IndexedDbStore>;
  getAll(): Promise<Map<string, Uint8Array>>;
  writeBatch(batch: MlsWriteBatch): Promise<void>;
  defaultEncryptionKey(): Promise<CryptoKey>;
  /** Closes the database connection. */
  close(): void;
}

/**
 * Records in Durable Object storage (Cloudflare Workers) under `prefix`; one storage
 * transaction per batch (values up to 128 KiB in KV-backed objects, 2 MB in SQLite-backed
 * ones). Pass an `encryptionKey` with it, best a `CryptoKey` imported from a secret: a
 * passphrase costs 600,000 PBKDF2 iterations of CPU time per start, and Cloudflare has capped
 * PBKDF2 at 100,000 iterations (workerd issue #1346).
 */
export declare class DurableObjectStore implements MlsKeyValueStore {
  /** `storage` is the object's `ctx.storage` (`DurableObjectStorage`). */
  constructor(
    storage: {
      list(options: { prefix: string }): Promise<Map<string, unknown>>;
      transaction<T>(closure: (txn: any) => Promise<T>): Promise<T>;
    },
    prefix?: string,
  );
  getAll(): Promise<[string, Uint8Array][]>;
  writeBatch(batch: MlsWriteBatch): Promise<void>;
}

/** How the stored records are encrypted (AES-256-GCM, the record name as additional data). */
export type MlsEncryptionKey =
  /** An AES-GCM 256-bit key with the `encrypt` and `decrypt` usages (extractable or not). */
  | CryptoKey
  /**
   * A passphrase stretched with PBKDF2-HMAC-SHA256 (`iterations` ≥ 600,000, the default);
   * the random salt and the iteration count are stored beside the records (`meta/kdf`).
   */
  | { passphrase: string; iterations?: number };

/**
 * Options of {@link Client.create}. `ciphersuite`, `maxPastEpochs`, `keyRotationInterval` and
 * `keyPackageLifetime` are fixed when the identity is created and stored with it; when the
 * storage already holds an identity they are ignored.
 */
export interface MlsClientOptions {
  /**
   * The wallet: it signs the statement binding the new installation key to its address
   * (once, when the storage holds no identity yet). When the storage holds one, the signer
   * is not asked to sign; if it names an address, it must be the stored identity's.
   */
  signer: MlsSigner;
  /** Where the state lives (default: a new `MemoryStore`). */
  storage?: MlsKeyValueStore;
  /**
   * The key of the records at rest. Optional with `MemoryStore` and `IndexedDbStore` (their
   * default key); required with other stores.
   */
  encryptionKey?: MlsEncryptionKey;
  /**
   * The ciphersuite of every group (RFC 9420 name). Default
   * `MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519`; also
   * `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519` and `MLS_128_DHKEMP256_AES128GCM_SHA256_P256`.
   * Any other is `UnsupportedCiphersuite`.
   */
  ciphersuite?: string;
  /** Past epochs whose keys are kept to decrypt late messages (default 3, at most 100). */
  maxPastEpochs?: number;
  /** Milliseconds between self-updates of a group, see `Group.rotationDue` (default 24 h). */
  keyRotationInterval?: number;
  /** Milliseconds a new key package stays valid (default 30 days; 1 h to 84 days). */
  keyPackageLifetime?: number;
  /**
   * Own commits wait for the relay (RFC 9420 §14): `addMembers`, `removeMembers`,
   * `rotateKeys` and `commitPendingProposals` return a commit that is not applied yet
   * (`pending: true`, `Group.hasPendingCommit`). Publish it; when the relay acknowledges
   * it, call `Group.mergePendingCommit()` and only then send the welcome. When the publish
   * rejects with `StaleEpoch`, another member's commit won: processing that commit drops
   * this one (its event has `ownCommitDiscarded: true`), or `clearPendingCommit()` drops it
   * at once; then commit again. Meanwhile other commits and `leave` throw `CommitPending`.
   *
   * After a restart `hasPendingCommit` may be true: the echo of that commit (an `own` event
   * with `contentType: 'commit'` at the group's epoch) means the relay took it.
   *
   * Default `false`: own commits are applied at once, which is right only where no two
   * members commit concurrently (a member whose commit loses is left in an epoch nobody
   * else has). Not stored: pass it every time.
   */
  confirmCommits?: boolean;
  /**
   * Dangerous: do not check locally that the wallet's signature recovers to its address.
   * Every peer refuses an identity whose binding does not verify (`InvalidIdentityBinding`).
   */
  dangerouslySkipSignerCheck?: boolean;
}

/** What a commit of this client produced: send `commit` to the group, `welcome` to new members. */
export interface MlsCommitResult {
  /** The commit (`MLSMessage`, a PrivateMessage). */
  commit: Uint8Array;
  /** The welcome for the members added, if any. */
  welcome?: Uint8Array;
  /** The group's epoch after the commit (once merged, when it is pending). */
  epoch: number;
  /**
   * True when the commit waits for `Group.mergePendingCommit()` (`confirmCommits`): send the
   * welcome only after merging.
   */
  pending: boolean;
}

/** Membership changes of a commit or proposal. */
export interface MlsChanges {
  /** Installations added. */
  added: MlsMember[];
  /** Installations removed. */
  removed: MlsMember[];
  /** Installations that replaced their leaf keys. */
  updated: MlsMember[];
  /** True when this client was removed (it left, or was removed): the group is gone. */
  selfRemoved: boolean;
}

/** What `process` made of an incoming message. */
export type MlsEvent =
  | {
      type: 'application';
      /** The group's id (`0x` hex) and handle. */
      groupId: string;
      group: Group;
      /** The epoch it was sent in. */
      epoch: number;
      /** The sender's wallet address (EIP-55), verified by signature recovery. */
      sender: string;
      senderInstallationId: string;
      /** The decrypted content. */
      content: Uint8Array;
      /** `content` as text when it is valid UTF-8. */
      text: string | undefined;
    }
  | ({
      /** A commit that was verified and applied: the group is now at `epoch`. */
      type: 'commit';
      groupId: string;
      /** Absent when this client was removed. */
      group?: Group;
      epoch: number;
      sender: string;
      senderInstallationId: string;
      /**
       * True when this client had a commit pending for the same epoch (`confirmCommits`):
       * it lost and was dropped; make it again if it is still wanted.
       */
      ownCommitDiscarded: boolean;
    } & MlsChanges)
  | ({
      /** A proposal that was verified and queued; it takes effect with the next commit. */
      type: 'proposal';
      groupId: string;
      group: Group;
      sender: string;
      senderInstallationId: string;
    } & MlsChanges)
  | {
      /** A welcome that was verified: this client joined the group. */
      type: 'welcome';
      groupId: string;
      group: Group;
      epoch: number;
      members: MlsMember[];
      dm: boolean;
    }
  | {
      /** This client's own message, echoed back (nothing to apply). */
      type: 'own';
      groupId: string;
      group: Group;
      /** The epoch it was sent in. */
      epoch: number;
      /**
       * What it carries. After a restart with `Group.hasPendingCommit`, the echo of a
       * `commit` at the group's epoch means the relay took it: merge it.
       */
      contentType: 'application' | 'proposal' | 'commit';
    };

/**
 * One message's outcome in `processMany`, in the order of the messages: its event, or the
 * error `process` would have thrown for it.
 */
export type MlsOutcome =
  | { event: MlsEvent; error?: undefined }
  | { error: HybridEdgeError; event?: undefined };

/**
 * An MLS client: one installation of a wallet (its own Ed25519 key, bound to the address by
 * a wallet signature), its key packages and groups.
 *
 * Every method that changes state resolves only after the change is durably written to the
 * storage (one atomic batch); calls apply in the order they are made. If a write fails, the
 * client rejects further changes with `MlsStorage`: create it again from the storage.
 *
 * Errors are `HybridEdgeError`s; messages from the network fail with the untrusted-input codes
 * (`TamperedMessage`, `ReplayedMessage`, `WrongEpoch`, `MessageForUnknownGroup`, `NotAMember`,
 * `InvalidIdentityBinding`, `MalformedMlsMessage`, ...): drop the message and carry on.
 */
export declare class Client {
  private constructor();
  /**
   * Restores the client whose state `storage` holds, or creates a new identity (the signer
   * signs its binding statement once) when the storage is empty.
   *
   * @throws {HybridEdgeError} `WalletSignatureMismatch` (the signature is not the signer's
   * address's), `MlsInvalidArgument` (bad options, another identity in the storage),
   * `UnsupportedCiphersuite`, `MlsStorage` (records that do not decrypt: wrong key, altered
   * or moved records), `InvalidIdentityBinding` (a stored identity that does not verify),
   * `IdentityLocked` (another tab holds the storage's Web Lock).
   */
  static create(options: MlsClientOptions): Promise<Client>;
  /** The wallet address (EIP-55). */
  readonly address: string;
  /** `0x` + 32 hex digits naming this installation. */
  readonly installationId: string;
  /**
   * What a `RelayConnection` or `RelayPool` needs to authenticate as this installation:
   * `new RelayConnection({ url, ...client.relayCredentials() })`. The relay then knows the
   * connection by the same `installationId` as the group's members (its member lists,
   * `updateMembers`, use them) and, through the verified binding, by its wallet address
   * (which lets it read `inbox/<address>`). `sign` signs the relay's 32-byte nonce with the
   * installation key, inside the package.
   * @throws {HybridEdgeError} `MlsInvalidArgument` (from `sign`) when the installation key
   * is not Ed25519 (the P-256 suite).
   */
  relayCredentials(): { installationKey: Uint8Array; binding: Uint8Array; sign(nonce: Uint8Array): Uint8Array };
  /** The ciphersuite's RFC 9420 name. */
  readonly ciphersuite: string;
  /** Bytes of MLS state (before encryption). */
  readonly stateSizeBytes: number;
  /**
   * `count` (1 to 100) single-use key packages (`MLSMessage` bytes) to publish.
   * @throws {HybridEdgeError} `MlsInvalidArgument`.
   */
  createKeyPackages(count: number): Promise<Uint8Array[]>;
  /** A last-resort key package: it stays usable after a welcome used it. */
  createLastResortKeyPackage(): Promise<Uint8Array>;
  /**
   * Creates a group with the owners of `keyPackages` (a DM with `dm: true`: exactly one key
   * package). Send `welcome` to the new members; `commit` needs no sending (nobody else is
   * in the group yet) but orders the epoch. Both are absent without key packages.
   *
   * @throws {HybridEdgeError} `DmMemberLimit`, `MalformedMlsMessage`, `InvalidKeyPackage`,
   * `InvalidIdentityBinding`.
   */
  createGroup(
    keyPackages?: Uint8Array[],
    options?: { dm?: boolean },
  ): Promise<{ group: Group; commit?: Uint8Array; welcome?: Uint8Array }>;
  /**
   * Joins a group from a welcome addressed to one of this client's key packages, after
   * verifying every member's wallet binding.
   * @throws {HybridEdgeError} `MalformedMlsMessage`, `InvalidWelcome`, `InvalidIdentityBinding`.
   */
  joinFromWelcome(welcome: Uint8Array): Promise<Group>;
  /**
   * Processes any incoming `MLSMessage` (application message, proposal or commit of one of
   * this client's groups, or a welcome).
   * @throws {HybridEdgeError} the untrusted-input codes.
   */
  process(bytes: Uint8Array): Promise<MlsEvent>;
  /**
   * Processes several messages in order, each as `process` would, and resolves with one
   * outcome per message (an error for one message does not stop the others). The state is
   * written once for all of them. The signatures of consecutive application messages of a
   * group are checked together, about 0.4 of the cost each for ten or more, so a receiver
   * under load should pass what has arrived here rather than call `process` per message.
   *
   * If a signature in such a run does not hold, the run is processed again one message at a
   * time: the outcomes and the state are always those of calling `process` on each. (A batch
   * checks RFC 8032's cofactored equation; it can accept a signature with a small-order
   * component in `R`, which only the key's owner can make, that `process` refuses.)
   * @throws {HybridEdgeError} `MlsInvalidArgument` if `messages` is not an array of
   * `Uint8Array`; `MlsStorage` if the write fails.
   */
  processMany(messages: Uint8Array[]): Promise<MlsOutcome[]>;
  /** The groups this client is in (after a restart too). */
  groups(): Group[];
  /** The group with this id (`0x` hex), if this client is in it. */
  group(id: string): Group | undefined;
  /** The groups whose key rotation is due at `now` (a `Date` or ms; default now). */
  groupsDueForRotation(now?: Date | number): Group[];
  /** Waits until every write so far is durable; rejects if one failed. */
  flush(): Promise<void>;
  /**
   * Waits for pending writes, then releases the wasm memory and the storage's Web Lock; the
   * client is unusable after.
   */
  close(): Promise<void>;
}

/** One group (or DM) of a {@link Client}. Get it from `createGroup`, `joinFromWelcome`, `groups()`. */
export declare class Group {
  private constructor();
  /** The group id, `0x` + hex. */
  readonly id: string;
  /** The current epoch. */
  readonly epoch: number;
  /** Whether this is a DM (two members at most). */
  readonly dm: boolean;
  /** The members: verified wallet addresses (EIP-55) and installation ids, in leaf order. */
  members(): MlsMember[];
  /**
   * Encrypts an application message (UTF-8 for a string): an `MLSMessage` to send to the group.
   * @throws {HybridEdgeError} `UnknownGroup` once this client left the group.
   */
  encrypt(content: string | Uint8Array): Promise<Uint8Array>;
  /** The same as `Client.process`: any message goes to its own group. */
  process(bytes: Uint8Array): Promise<MlsEvent>;
  /** The same as `Client.processMany`: any message goes to its own group. */
  processMany(messages: Uint8Array[]): Promise<MlsOutcome[]>;
  /**
   * Adds the owners of `keyPackages` in one commit. The commit carries no update path unless
   * `selfUpdate` is true (RFC 9420 makes it optional for adds); with it, this member's leaf
   * and path keys are renewed in the same commit, as `rotateKeys` does, and `rotationDue`
   * counts from then.
   * @throws {HybridEdgeError} `DmMemberLimit`, `InvalidKeyPackage`, `InvalidIdentityBinding`,
   * `CommitPending`.
   */
  addMembers(keyPackages: Uint8Array[], options?: { selfUpdate?: boolean }): Promise<MlsCommitResult>;
  /**
   * Removes every installation of `addresses` in one commit.
   * @throws {HybridEdgeError} `MemberNotFound` (not a member, or this client's own address:
   * use `leave`), `InvalidAddress`.
   */
  removeMembers(addresses: string[]): Promise<MlsCommitResult>;
  /** A self-update commit: new leaf keys (post-compromise security). */
  rotateKeys(): Promise<MlsCommitResult>;
  /** Commits the proposals received so far (for example another member's leave). */
  commitPendingProposals(): Promise<MlsCommitResult>;
  /**
   * Proposes to leave: send the returned proposal; this client is out once a member commits
   * it (processing that commit forgets the group).
   */
  leave(): Promise<Uint8Array>;
  /** True when this client's last self-update here is `keyRotationInterval` old at `now`. */
  rotationDue(now?: Date | number): boolean;
  /** Whether a commit of this client waits for `mergePendingCommit` (see `confirmCommits`). */
  readonly hasPendingCommit: boolean;
  /**
   * Applies this client's pending commit once the relay accepted it; resolves with the new
   * epoch. A merged commit that replaced this client's leaf keys (every self-update does)
   * counts as a rotation.
   * @throws {HybridEdgeError} `NoPendingCommit`.
   */
  mergePendingCommit(): Promise<number>;
  /**
   * Drops this client's pending commit (the relay refused it with `StaleEpoch`); the group
   * stays at its epoch.
   * @throws {HybridEdgeError} `NoPendingCommit`.
   */
  clearPendingCommit(): Promise<void>;
}

/**
 * @internal Called once by the Node entry (`node.js`) with `node:crypto`, so that records
 * are sealed with the same AES-256-GCM synchronously. Not part of the API.
 */
export declare function _useNodeCrypto(module: unknown): void;
