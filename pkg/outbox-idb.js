// IndexedDbOutbox: a RelayOutboxStore in the browser's IndexedDB, so that messages published
// through a RelayConnection survive a reload: each is stored (durably committed) before it
// is sent, deleted once the relay acknowledges it, and loaded and resent, oldest first, by
// the next RelayConnection given the same store name.
import { hex, hybridEdgeError, idbCommitted, idbRequest } from './common.js';

const STORE = 'messages';

export class IndexedDbOutbox {
  #name;
  #idb;
  /** @type {Promise<IDBDatabase> | undefined} */
  #db;

  /**
   * @param {string} [name] the database name: one per RelayConnection or RelayPool (for
   *   example per installation and relay URL), since a connection resends everything its
   *   store holds (a pool's connections each their own shard's share)
   * @param {{ indexedDB?: IDBFactory }} [options] another IndexedDB (tests, workers)
   */
  constructor(name = 'hybrid-edge-outbox', { indexedDB = globalThis.indexedDB } = {}) {
    if (!indexedDB) throw hybridEdgeError('InvalidConfig', 'invalid configuration: IndexedDB is not available here; give RelayConnection another outbox');
    if (typeof name !== 'string' || name === '') throw hybridEdgeError('InvalidConfig', 'invalid configuration: the outbox name must be a non-empty string');
    this.#name = name;
    this.#idb = indexedDB;
  }

  #open() {
    this.#db ??= new Promise((resolve, reject) => {
      const request = this.#idb.open(this.#name, 1);
      request.onupgradeneeded = () => {
        // Keys in insertion order (the resend order); the id index finds a message to delete.
        const store = request.result.createObjectStore(STORE, { autoIncrement: true });
        store.createIndex('id', 'key', { unique: true });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(`outbox database ${this.#name} is blocked by another tab`));
    });
    return this.#db;
  }

  async #transaction(mode) {
    const db = await this.#open();
    return db.transaction(STORE, mode, { durability: 'strict' });
  }

  /** Every stored message, oldest first. */
  async load() {
    const tx = await this.#transaction('readonly');
    const rows = await idbRequest(tx.objectStore(STORE).getAll());
    return rows.map((r) => ({ id: new Uint8Array(r.id), topic: r.topic, payload: new Uint8Array(r.payload) }));
  }

  /** Stores a message; resolves once the transaction is committed. A repeated id keeps its place. */
  async put({ id, topic, payload }) {
    const tx = await this.#transaction('readwrite');
    const store = tx.objectStore(STORE);
    const key = hex(id);
    const existing = await idbRequest(store.index('id').getKey(key));
    const row = { key, id: id.slice(), topic, payload: payload.slice() };
    if (existing === undefined) store.add(row);
    else store.put(row, existing);
    await idbCommitted(tx);
  }

  /** Deletes the message with this id (nothing if there is none). */
  async delete(id) {
    const tx = await this.#transaction('readwrite');
    const store = tx.objectStore(STORE);
    const existing = await idbRequest(store.index('id').getKey(hex(id)));
    if (existing !== undefined) store.delete(existing);
    await idbCommitted(tx);
  }

  /** Closes the database connection (the messages stay). */
  async close() {
    const db = await this.#db;
    this.#db = undefined;
    db?.close();
  }
}
