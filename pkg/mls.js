// MLS for JS: `Client` and `Group` drive the synchronous wasm core (`MlsClientCore`) and make
// its state durable. State lives in wasm memory; after every mutating call the core's change
// set is encrypted (AES-256-GCM, WebCrypto) and written to the caller's storage as one atomic
// batch, and the call's promise resolves only after that write. Writes run in call order; if
// one fails, the client refuses further changes (create it again from storage: the storage
// holds the last consistent state).
import { MlsClientCore, MlsIdentityRequest } from './hybrid_edge.js';
import { hybridEdgeError, idbCommitted, idbRequest } from './common.js';

/** Storage names: `mls/<hex of the core's record key>` and the passphrase KDF parameters. */
const RECORD_PREFIX = 'mls/';
const KDF_RECORD = 'meta/kdf';
/** First byte of every encrypted value: the format (1: IV(12) ‖ AES-256-GCM ciphertext+tag). */
const SEALED_V1 = 1;
const PBKDF2_MIN_ITERATIONS = 600_000;

const encoder = new TextEncoder();
/** Reused: constructing a decoder per message cost more than the decode. */
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Gives an application event its `text` (`content` as UTF-8, or undefined), decoded on first
 * read: most binary payloads are never read as text, and a failed strict decode throws. The
 * first read or write leaves a plain data property, so the event behaves as a plain object.
 */
function withLazyText(event) {
  const settle = (value) => {
    Object.defineProperty(event, 'text', { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  return Object.defineProperty(event, 'text', {
    enumerable: true,
    configurable: true,
    get() {
      try {
        return settle(strictDecoder.decode(event.content));
      } catch {
        return settle(undefined);
      }
    },
    set: settle,
  });
}

const invalidArgument = (message) => hybridEdgeError('MlsInvalidArgument', message);

/** `now` (a `Date` or milliseconds since 1970) as Unix seconds. */
function unixSeconds(now) {
  const ms = now instanceof Date ? now.getTime() : now ?? Date.now();
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw invalidArgument('now must be a Date or a number of milliseconds');
  return Math.floor(ms / 1000);
}

function hexToBytes(hex) {
  const h = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw invalidArgument('expected hex bytes');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toBase64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Application content: a string (UTF-8) or bytes. */
function contentBytes(content) {
  if (typeof content === 'string') return encoder.encode(content);
  if (content instanceof Uint8Array) return content;
  throw invalidArgument('content must be a string or a Uint8Array');
}

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw hybridEdgeError('MlsStorage', 'WebCrypto (globalThis.crypto.subtle) is not available');
  return s;
}

function isCryptoKey(value) {
  if (typeof globalThis.CryptoKey === 'function' && value instanceof globalThis.CryptoKey) return true;
  return typeof value === 'object' && value !== null && value.type === 'secret' && typeof value.algorithm === 'object';
}

// --- Encryption at rest ---------------------------------------------------------------------

/**
 * `node:crypto` when running in Node (set by the Node entry): the same AES-256-GCM, computed
 * synchronously. WebCrypto's `encrypt` costs a thread-pool round trip per call in Node, more
 * than the MLS operation whose record it seals; the records are identical either way.
 */
let nodeCrypto;
/** @type {WeakMap<CryptoKey, any>} each `CryptoKey` as a Node `KeyObject` (same key, same handle). */
const nodeKeys = new WeakMap();

/** @internal Called once by `node.js` with `node:crypto`. */
export function _useNodeCrypto(module) {
  nodeCrypto = module;
}

function nodeKey(key) {
  let object = nodeKeys.get(key);
  if (!object) {
    object = nodeCrypto.KeyObject.from(key);
    nodeKeys.set(key, object);
  }
  return object;
}

/** Random IVs drawn 256 at a time: one `getRandomValues` call costs more than sealing a record. */
let ivPool = new Uint8Array(0);
let ivNext = 0;
function freshIv() {
  if (ivNext + 12 > ivPool.length) {
    ivPool = crypto.getRandomValues(new Uint8Array(12 * 256));
    ivNext = 0;
  }
  ivNext += 12;
  // A view, not a copy: a pool is never written again once drawn.
  return ivPool.subarray(ivNext - 12, ivNext);
}

/**
 * Encrypts one record: `1 ‖ IV(12) ‖ AES-256-GCM(value)`, with the record's storage name as
 * additional data, so that a value moved to another name does not decrypt.
 */
async function seal(key, name, value) {
  const iv = freshIv();
  const aad = encoder.encode(name);
  let parts;
  if (nodeCrypto) {
    const cipher = nodeCrypto.createCipheriv('aes-256-gcm', nodeKey(key), iv);
    cipher.setAAD(aad);
    parts = [cipher.update(value), cipher.final(), cipher.getAuthTag()];
  } else {
    parts = [new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, value))];
  }
  const out = new Uint8Array(1 + iv.length + parts.reduce((n, p) => n + p.length, 0));
  out[0] = SEALED_V1;
  out.set(iv, 1);
  let at = 1 + iv.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function unseal(key, name, sealed) {
  const bytes = sealed instanceof Uint8Array ? sealed : sealed instanceof ArrayBuffer ? new Uint8Array(sealed) : null;
  if (!bytes || bytes.length < 1 + 12 + 16 || bytes[0] !== SEALED_V1) {
    throw hybridEdgeError('MlsStorage', `record ${name} is not an encrypted hybrid-edge record`);
  }
  const iv = bytes.subarray(1, 13);
  const aad = encoder.encode(name);
  try {
    if (nodeCrypto) {
      const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', nodeKey(key), iv);
      decipher.setAAD(aad);
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      const head = decipher.update(bytes.subarray(13, bytes.length - 16));
      const tail = decipher.final();
      const plain = new Uint8Array(head.length + tail.length);
      plain.set(head);
      plain.set(tail, head.length);
      return plain;
    }
    const plain = await subtle().decrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, bytes.subarray(13));
    return new Uint8Array(plain);
  } catch (cause) {
    throw hybridEdgeError(
      'MlsStorage',
      `record ${name} cannot be decrypted: wrong encryption key, or the record was altered or moved`,
      cause,
    );
  }
}

/**
 * The AES-256-GCM key for the records: a caller's `CryptoKey`, a passphrase stretched with
 * PBKDF2-HMAC-SHA256 (salt and iterations kept in the plain `meta/kdf` record), or the
 * storage's own default key (`MemoryStore`, `IndexedDbStore`). Returns the key and, for a
 * new passphrase, the KDF record to write with the first batch.
 */
async function encryptionKeyFor(option, storage, kdfRecord) {
  if (option === undefined || option === null) {
    if (typeof storage.defaultEncryptionKey === 'function') return { key: await storage.defaultEncryptionKey() };
    throw invalidArgument('this storage has no default key: pass encryptionKey (a CryptoKey or { passphrase })');
  }
  if (isCryptoKey(option)) {
    const alg = option.algorithm;
    if (alg?.name !== 'AES-GCM' || alg.length !== 256 || !option.usages.includes('encrypt') || !option.usages.includes('decrypt')) {
      throw invalidArgument('encryptionKey must be an AES-GCM 256-bit CryptoKey usable to encrypt and decrypt');
    }
    return { key: option };
  }
  if (typeof option === 'object' && typeof option.passphrase === 'string') {
    if (option.passphrase.length === 0) throw invalidArgument('the passphrase is empty');
    let params;
    let kdfPut;
    if (kdfRecord) {
      try {
        params = JSON.parse(new TextDecoder().decode(kdfRecord));
      } catch (cause) {
        throw hybridEdgeError('MlsStorage', `${KDF_RECORD} is not valid JSON`, cause);
      }
      if (params?.v !== 1 || params.kdf !== 'PBKDF2-HMAC-SHA256' || typeof params.salt !== 'string' || !(params.iterations >= PBKDF2_MIN_ITERATIONS)) {
        throw hybridEdgeError('MlsStorage', `${KDF_RECORD} has unknown or weak parameters`);
      }
    } else {
      const iterations = option.iterations ?? PBKDF2_MIN_ITERATIONS;
      if (!Number.isSafeInteger(iterations) || iterations < PBKDF2_MIN_ITERATIONS) {
        throw invalidArgument(`PBKDF2 needs at least ${PBKDF2_MIN_ITERATIONS} iterations`);
      }
      params = { v: 1, kdf: 'PBKDF2-HMAC-SHA256', iterations, salt: toBase64(crypto.getRandomValues(new Uint8Array(16))) };
      kdfPut = encoder.encode(JSON.stringify(params));
    }
    const material = await subtle().importKey('raw', encoder.encode(option.passphrase), 'PBKDF2', false, ['deriveKey']);
    const key = await subtle().deriveKey(
      { name: 'PBKDF2', hash: 'SHA-256', salt: fromBase64(params.salt), iterations: params.iterations },
      material,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
    return { key, kdfPut };
  }
  throw invalidArgument('encryptionKey must be a CryptoKey or { passphrase }');
}

function newDefaultKey() {
  return subtle().generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/**
 * Takes the Web Lock `name` (`navigator.locks`, browsers) and holds it until the returned
 * release function is called; `null` if another holder has it; `undefined` where there are
 * no Web Locks.
 */
function takeLock(name) {
  const locks = globalThis.navigator?.locks;
  if (!locks) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        return new Promise((release) => resolve(() => release(undefined)));
      })
      .catch(reject);
  });
}

// --- Storage backends -----------------------------------------------------------------------

/**
 * Records in memory (lost with the process). Its default encryption key is a non-extractable
 * key created on first use and held by this object.
 */
export class MemoryStore {
  #records = new Map();
  #key;

  async getAll() {
    return new Map([...this.#records].map(([k, v]) => [k, v.slice()]));
  }

  async writeBatch({ put, delete: deletes }) {
    for (const name of deletes ?? []) this.#records.delete(name);
    for (const [name, value] of put ?? []) this.#records.set(name, value.slice());
  }

  defaultEncryptionKey() {
    this.#key ??= newDefaultKey();
    return this.#key;
  }

  /** The stored (encrypted) records, as they sit in the store. */
  entries() {
    return this.#records.entries();
  }
}

/**
 * Records in an IndexedDB database (browsers): one readwrite transaction with `strict`
 * durability per batch. Its default encryption key is a non-extractable `CryptoKey` created
 * once and kept in the same database: the key's bytes never leave the browser's key store.
 */
export class IndexedDbStore {
  #db;

  constructor(db) {
    this.#db = db;
    /** The Web Lock a `Client` holds while it uses this database. */
    this.lockName = `hybrid-edge/indexeddb/${db.name}`;
  }

  /** Opens (or creates) the database `name`. */
  static async open(name = 'hybrid-edge') {
    if (!globalThis.indexedDB) throw hybridEdgeError('MlsStorage', 'IndexedDB is not available here');
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('records');
      req.result.createObjectStore('keys');
    };
    return new IndexedDbStore(await idbRequest(req));
  }

  async getAll() {
    const tx = this.#db.transaction('records', 'readonly');
    const store = tx.objectStore('records');
    const [keys, values] = await Promise.all([idbRequest(store.getAllKeys()), idbRequest(store.getAll())]);
    return new Map(keys.map((k, i) => [String(k), values[i]]));
  }

  async writeBatch({ put, delete: deletes }) {
    const tx = this.#db.transaction('records', 'readwrite', { durability: 'strict' });
    const done = idbCommitted(tx);
    const store = tx.objectStore('records');
    for (const name of deletes ?? []) store.delete(name);
    for (const [name, value] of put ?? []) store.put(value, name);
    await done;
  }

  async defaultEncryptionKey() {
    const read = async () => idbRequest(this.#db.transaction('keys', 'readonly').objectStore('keys').get('default'));
    const existing = await read();
    if (existing) return existing;
    const key = await newDefaultKey();
    const tx = this.#db.transaction('keys', 'readwrite', { durability: 'strict' });
    const done = idbCommitted(tx);
    // `add`, not `put`: if another tab stored a key meanwhile, keep that one.
    tx.objectStore('keys').add(key, 'default');
    try {
      await done;
      return key;
    } catch {
      const other = await read();
      if (other) return other;
      throw hybridEdgeError('MlsStorage', 'cannot store the encryption key in IndexedDB');
    }
  }

  /** Closes the database connection. */
  close() {
    this.#db.close();
  }
}

/**
 * Records in Durable Object storage (Cloudflare Workers), under `prefix` (several clients can
 * share one object). A batch is one storage transaction, in chunks of 128 keys per call.
 */
export class DurableObjectStore {
  #storage;
  #prefix;

  constructor(storage, prefix = '') {
    this.#storage = storage;
    this.#prefix = prefix;
  }

  async getAll() {
    const records = await this.#storage.list({ prefix: this.#prefix });
    return [...records].map(([name, value]) => [name.slice(this.#prefix.length), value]);
  }

  async writeBatch({ put, delete: deletes }) {
    const puts = [...(put ?? [])].map(([name, value]) => [this.#prefix + name, value]);
    const dels = (deletes ?? []).map((name) => this.#prefix + name);
    await this.#storage.transaction(async (txn) => {
      for (let i = 0; i < puts.length; i += 128) await txn.put(Object.fromEntries(puts.slice(i, i + 128)));
      for (let i = 0; i < dels.length; i += 128) await txn.delete(dels.slice(i, i + 128));
    });
  }
}

// --- Client and Group -----------------------------------------------------------------------

function signerAddress(signer) {
  const address = signer?.address ?? signer?.account?.address;
  return typeof address === 'string' ? address : undefined;
}

/** An MLS client: one installation of a wallet, its key packages and groups. */
export class Client {
  #core;
  #storage;
  #key;
  #groups = new Map();
  #tail = Promise.resolve();
  #failed;
  #release;

  /** @private Use `Client.create`. */
  constructor(core, storage, key) {
    this.#core = core;
    this.#storage = storage;
    this.#key = key;
  }

  static async create(options) {
    const { signer, storage = new MemoryStore(), encryptionKey } = options ?? {};
    if (typeof storage?.getAll !== 'function' || typeof storage.writeBatch !== 'function') {
      throw invalidArgument('storage must have getAll() and writeBatch({ put, delete })');
    }
    let release;
    if (typeof storage.lockName === 'string') {
      release = await takeLock(storage.lockName);
      if (release === null) {
        throw hybridEdgeError('IdentityLocked', `another instance (tab) holds this identity: ${storage.lockName}`);
      }
    }
    try {
      const client = await Client.#open(options, storage, encryptionKey, signer);
      client.#release = release;
      client.#core.setConfirmCommits(options?.confirmCommits === true);
      return client;
    } catch (err) {
      release?.();
      throw err;
    }
  }

  static async #open(options, storage, encryptionKey, signer) {
    const raw = new Map(await storage.getAll());
    const { key, kdfPut } = await encryptionKeyFor(encryptionKey, storage, raw.get(KDF_RECORD));
    const names = [...raw.keys()].filter((name) => name.startsWith(RECORD_PREFIX));
    const address = signerAddress(signer);
    if (names.length > 0) {
      const records = await Promise.all(
        names.map(async (name) => [name.slice(RECORD_PREFIX.length), await unseal(key, name, raw.get(name))]),
      );
      const core = MlsClientCore.restore(records);
      if (address !== undefined && address.toLowerCase() !== core.address.toLowerCase()) {
        const stored = core.address;
        core.free();
        throw invalidArgument(`the storage holds the identity of ${stored}, the signer is ${address}`);
      }
      return new Client(core, storage, key);
    }
    if (typeof signer?.signMessage !== 'function' || address === undefined) {
      throw invalidArgument('signer must have an address and signMessage({ message }), like a viem account');
    }
    const request = new MlsIdentityRequest(
      address,
      unixSeconds(),
      options.ciphersuite,
      options.maxPastEpochs,
      options.keyRotationInterval === undefined ? undefined : options.keyRotationInterval / 1000,
      options.keyPackageLifetime === undefined ? undefined : options.keyPackageLifetime / 1000,
    );
    let signature;
    try {
      signature = await signer.signMessage({ message: request.statement });
    } catch (cause) {
      request.free();
      throw hybridEdgeError('WalletSignatureMismatch', 'the signer refused or failed to sign the identity statement', cause);
    }
    const bytes = typeof signature === 'string' ? hexToBytes(signature) : signature;
    const core = request.complete(bytes, options.dangerouslySkipSignerCheck === true);
    const client = new Client(core, storage, key);
    await client.#write(core.takeChanges(), kdfPut);
    return client;
  }

  get address() {
    return this.#core.address;
  }

  get installationId() {
    return this.#core.installationId;
  }

  relayCredentials() {
    const core = this.#core;
    return {
      installationKey: core.installationKey,
      binding: core.binding,
      sign: (nonce) => core.signRelayNonce(nonce),
    };
  }

  get ciphersuite() {
    return this.#core.ciphersuite;
  }

  createKeyPackages(count) {
    return this.#mutate((core) => core.createKeyPackages(count, unixSeconds()));
  }

  createLastResortKeyPackage() {
    return this.#mutate((core) => core.createLastResortKeyPackage(unixSeconds()));
  }

  async createGroup(keyPackages = [], options) {
    const out = await this.#mutate((core) => core.createGroup(keyPackages, options?.dm === true, unixSeconds()));
    return { group: this.#group(out.groupId), commit: out.commit, welcome: out.welcome };
  }

  async joinFromWelcome(welcome) {
    const event = await this.#mutate((core) => core.joinFromWelcome(welcome, unixSeconds()));
    return this.#group(event.groupId);
  }

  async process(bytes) {
    return this.#event(await this.#mutate((core) => core.process(bytes, unixSeconds())));
  }

  async processMany(messages) {
    if (!Array.isArray(messages)) throw invalidArgument('processMany takes an array of Uint8Array');
    const outcomes = await this.#mutate((core) => core.processMany(messages, unixSeconds()));
    return outcomes.map((o) => (o.error ? { error: o.error } : { event: this.#event(o.event) }));
  }

  groups() {
    return this.#core.groupIds().map((id) => this.#group(id));
  }

  group(id) {
    return this.#core.groupIds().includes(id) ? this.#group(id) : undefined;
  }

  groupsDueForRotation(now) {
    return this.#core.groupsDueForRotation(unixSeconds(now)).map((id) => this.#group(id));
  }

  get stateSizeBytes() {
    return this.#core.stateSizeBytes;
  }

  async flush() {
    await this.#tail;
    if (this.#failed) throw this.#failed;
  }

  async close() {
    await this.#tail.catch(() => {});
    this.#core.free();
    this.#groups.clear();
    this.#release?.();
  }

  /** @internal For `Group`. */
  _mutate(f) {
    return this.#mutate(f);
  }

  /** @internal For `Group`. */
  get _core() {
    return this.#core;
  }

  #group(id) {
    let group = this.#groups.get(id);
    if (!group) {
      group = new Group(this, id);
      this.#groups.set(id, group);
    }
    return group;
  }

  #event(event) {
    if (event.type === 'application') {
      return withLazyText({ ...event, group: this.#group(event.groupId) });
    }
    if (event.type === 'commit' && event.selfRemoved) {
      this.#groups.delete(event.groupId);
      return event;
    }
    if (event.groupId !== undefined && this.#core.groupIds().includes(event.groupId)) {
      return { ...event, group: this.#group(event.groupId) };
    }
    return event;
  }

  /**
   * Runs one synchronous core call now (so calls apply in call order), then writes its change
   * set. Resolves with the call's result once the write is durable; a call that throws still
   * writes what it changed (a refused welcome consumes its key package) and then rejects.
   */
  async #mutate(f) {
    if (this.#failed) throw this.#failed;
    let result;
    let error;
    let failed = false;
    try {
      result = f(this.#core);
    } catch (err) {
      error = err;
      failed = true;
    }
    await this.#write(this.#core.takeChanges());
    if (failed) throw error;
    return result;
  }

  /** Queues one change set: encrypted and written as one batch, after the ones before it. */
  #write(changes, kdfPut) {
    const run = async () => {
      if (this.#failed) throw this.#failed;
      if (changes.puts.length === 0 && changes.deletes.length === 0 && !kdfPut) return;
      try {
        const sealed = await Promise.all(
          changes.puts.map(async ([hexKey, value]) => {
            const name = RECORD_PREFIX + hexKey;
            return [name, await seal(this.#key, name, value)];
          }),
        );
        const put = new Map(sealed);
        if (kdfPut) put.set(KDF_RECORD, kdfPut);
        await this.#storage.writeBatch({ put, delete: changes.deletes.map((k) => RECORD_PREFIX + k) });
      } catch (cause) {
        this.#failed =
          cause?.name === 'HybridEdgeError'
            ? cause
            : hybridEdgeError('MlsStorage', `writing the state failed; create the client again from storage: ${cause?.message ?? cause}`, cause);
        throw this.#failed;
      }
    };
    const done = this.#tail.then(run, run);
    this.#tail = done.catch(() => {});
    return done;
  }
}

/** One group (or DM) of a `Client`. */
export class Group {
  #client;

  /** @private Use `Client.createGroup`, `joinFromWelcome`, `groups()`. */
  constructor(client, id) {
    this.#client = client;
    this.id = id;
  }

  get epoch() {
    return this.#client._core.epoch(this.id);
  }

  get dm() {
    return this.#client._core.isDm(this.id);
  }

  members() {
    return this.#client._core.members(this.id);
  }

  encrypt(content) {
    const bytes = contentBytes(content);
    return this.#client._mutate((core) => core.encrypt(this.id, bytes));
  }

  process(bytes) {
    return this.#client.process(bytes);
  }

  processMany(messages) {
    return this.#client.processMany(messages);
  }

  async addMembers(keyPackages, options) {
    const selfUpdate = options?.selfUpdate === true;
    return commitResult(await this.#client._mutate((core) => core.addMembers(this.id, keyPackages, selfUpdate, unixSeconds())));
  }

  async removeMembers(addresses) {
    return commitResult(await this.#client._mutate((core) => core.removeMembers(this.id, addresses)));
  }

  async rotateKeys() {
    return commitResult(await this.#client._mutate((core) => core.rotateKeys(this.id, unixSeconds())));
  }

  async commitPendingProposals() {
    return commitResult(await this.#client._mutate((core) => core.commitPendingProposals(this.id)));
  }

  leave() {
    return this.#client._mutate((core) => core.leave(this.id));
  }

  get hasPendingCommit() {
    return this.#client._core.hasPendingCommit(this.id);
  }

  mergePendingCommit() {
    return this.#client._mutate((core) => core.mergePendingCommit(this.id, unixSeconds()));
  }

  async clearPendingCommit() {
    await this.#client._mutate((core) => core.clearPendingCommit(this.id));
  }

  rotationDue(now) {
    return this.#client._core.rotationDue(this.id, unixSeconds(now));
  }
}

function commitResult({ commit, welcome, epoch, pending }) {
  return { commit, welcome, epoch, pending };
}
