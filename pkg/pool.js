// RelayPool: one RelayConnection per relay shard in use, at most
// `connection.pool.maxConnections`, each closed after `idleTimeout` without use. The
// bookkeeping (which shard is open, which is idle, when) is the package's TransportPool
// (Rust, in the wasm); this file holds the connections and the one timer. With an `outbox`
// store, each shard's connection sees the store's messages of its own shard (by
// `shardOf(topic)`), and the shards a previous run left messages in are opened at once.
import { TransportPool, membershipChange } from './hybrid_edge.js';
import { Listeners } from './listeners.js';
import { RelayConnection } from './transport.js';
import { checkOutbox, delayUntil, hybridEdgeError } from './common.js';

const EVENTS = ['connected', 'disconnected', 'reconnecting', 'failed', 'rateLimited', 'sendFailed', 'health',
  'message', 'members', 'acked', 'expired', 'staleEpoch', 'unauthorized', 'keyPackage', 'relayError', 'error'];

export class RelayPool {
  #pool;
  #options;
  #base;
  #shardOf;
  /** @type {Map<string, { conn: RelayConnection, topics: Set<string>, pending: number }>} */
  #shards = new Map();
  #listeners = new Listeners();
  #timer;
  #disposed = false;
  /** The caller's durable outbox, shared by the shards, and the chain that runs its calls one at a time. */
  #store;
  #storeCalls = Promise.resolve();

  /** @param {object} options see RelayPoolOptions in index.d.ts */
  constructor(options) {
    const { url, shardOf = (topic) => topic, outbox, ...rest } = options ?? {};
    if (typeof url !== 'string' && !(url instanceof URL)) {
      throw hybridEdgeError('InvalidConfig', 'invalid configuration: url must be the relay WebSocket base URL');
    }
    if (typeof shardOf !== 'function') {
      throw hybridEdgeError('InvalidConfig', 'invalid configuration: shardOf must be a function (topic) => shard');
    }
    if (outbox !== undefined) checkOutbox(outbox);
    const { installationKey, binding, sign, WebSocket, seed, watchNetwork, ...config } = rest;
    this.#pool = new TransportPool(config);
    this.#options = rest;
    this.#base = String(url).replace(/\/+$/, '');
    this.#shardOf = shardOf;
    if (outbox !== undefined) {
      this.#store = outbox;
      // Reopen every shard a previous run left unacknowledged messages in; its connection
      // loads them from its view of the store and sends them again.
      this.#storeCall(() => outbox.load())
        .then((messages) => {
          const topics = new Map();
          for (const m of messages ?? []) {
            const shard = this.#shardName(m?.topic);
            if (shard !== undefined && !topics.has(shard)) topics.set(shard, m.topic);
          }
          for (const topic of topics.values()) {
            if (this.#disposed) return;
            try {
              this.#acquire(topic);
            } catch (error) {
              // PoolFull: that shard's messages wait in the store until it is used.
              this.#emit('error', { type: 'error', error, shard: this.#shardOf(topic) });
            }
          }
        })
        .catch((error) => this.#emit('error', { type: 'error', error }));
    }
  }

  /**
   * Runs a call of the shared store after the previous one (one at a time, in order).
   * @param {() => any} call
   * @returns {Promise<any>}
   */
  #storeCall(call) {
    const result = this.#storeCalls.then(call);
    this.#storeCalls = result.catch(() => {});
    return result;
  }

  /** `shardOf(topic)`, or undefined for what is not a topic or throws. */
  #shardName(topic) {
    if (typeof topic !== 'string') return undefined;
    try {
      return this.#shardOf(topic);
    } catch {
      return undefined;
    }
  }

  /** The store as one shard's connection sees it: its `load` gives that shard's messages. */
  #outboxOf(name) {
    const store = this.#store;
    if (!store) return undefined;
    return {
      load: () => this.#storeCall(() => store.load())
        .then((messages) => (messages ?? []).filter((m) => this.#shardName(m?.topic) === name)),
      put: (message) => this.#storeCall(() => store.put(message)),
      delete: (id) => this.#storeCall(() => store.delete(id)),
    };
  }

  /** Subscribes to `topic` after `cursor` on its shard's connection (opened if needed). */
  subscribe(topic, cursor = 0) {
    const shard = this.#acquire(topic);
    shard.topics.add(topic);
    shard.conn.subscribe(topic, cursor);
  }

  /** Stops delivering `topic`; its connection may then go idle. */
  unsubscribe(topic) {
    const name = this.#shardOf(topic);
    const shard = this.#shards.get(name);
    if (!shard) return;
    shard.topics.delete(topic);
    shard.conn.unsubscribe(topic);
    this.#pool.touch(name, Date.now());
    this.#arm();
  }

  /** Publishes on `topic`'s shard connection; rejects with `PoolFull` when every
   * connection is busy and no idle one can make room. */
  publish(topic, payload) {
    let shard;
    try {
      shard = this.#acquire(topic);
    } catch (err) {
      return Promise.reject(err);
    }
    const name = this.#shardOf(topic);
    shard.pending++;
    const done = () => {
      shard.pending--;
      if (!this.#disposed && this.#shards.get(name) === shard) this.#pool.touch(name, Date.now());
    };
    return shard.conn.publish(topic, payload).finally(done);
  }

  updateMembers(topic, { add = [], remove = [] } = {}) {
    try {
      return this.publish(topic, membershipChange(add, remove));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The connection of `topic`'s shard, if open. */
  connectionFor(topic) {
    return this.#shards.get(this.#shardOf(topic))?.conn;
  }

  /** Open connections. */
  get size() {
    return this.#shards.size;
  }

  /** The shards with an open connection. */
  get shards() {
    return [...this.#shards.keys()];
  }

  /** Calls `listener` for each event of `type` from any connection (with its `shard`). */
  on(type, listener) {
    return this.#listeners.on(type, listener);
  }

  /** Removes a listener added with `on`. */
  off(type, listener) {
    this.#listeners.off(type, listener);
  }

  /** Closes every connection for good. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    clearTimeout(this.#timer);
    for (const { conn } of this.#shards.values()) conn.dispose();
    this.#shards.clear();
    this.#pool.free();
  }

  #emit(type, detail) {
    this.#listeners.emit(type, detail);
  }

  #acquire(topic) {
    if (this.#disposed) throw hybridEdgeError('NotConnected', 'not connected: the pool is disposed');
    const name = this.#shardOf(topic);
    const now = Date.now();
    let opened;
    try {
      opened = this.#pool.acquire(name, now);
    } catch (err) {
      // Full: close what is idle by now (also before its timer fired) and try once more.
      if (err?.code !== 'PoolFull') throw err;
      this.#closeIdle(now);
      opened = this.#pool.acquire(name, now);
    }
    if (opened) {
      const outbox = this.#outboxOf(name);
      const conn = new RelayConnection({ ...this.#options, url: `${this.#base}/${encodeURIComponent(name)}`, ...(outbox && { outbox }) });
      const shard = { conn, topics: new Set(), pending: 0 };
      for (const type of EVENTS) {
        conn.on(type, (e) => {
          if (type === 'message' || type === 'members' || type === 'acked') this.#pool.touch(name, Date.now());
          this.#emit(type, { ...e, shard: name });
        });
      }
      this.#shards.set(name, shard);
      conn.connect().catch(() => { /* reported by the connection's events */ });
    }
    this.#arm();
    return /** @type {NonNullable<ReturnType<Map['get']>>} */ (this.#shards.get(name));
  }

  /** Closes the connections idle at `now`: no subscription, nothing unacknowledged, and
   * no traffic for `idleTimeout`. */
  #closeIdle(now) {
    for (const [name, shard] of this.#shards) {
      if (shard.topics.size > 0 || shard.pending > 0 || shard.conn.outboxSize > 0) this.#pool.touch(name, now);
    }
    for (const name of this.#pool.handleTimeout(now)) {
      const shard = this.#shards.get(name);
      this.#shards.delete(name);
      shard?.conn.dispose();
      this.#emit('idleClosed', { type: 'idleClosed', shard: name });
    }
  }

  #arm() {
    clearTimeout(this.#timer);
    const at = this.#pool.pollTimeout();
    if (at === undefined || this.#disposed) return;
    this.#timer = setTimeout(() => {
      this.#closeIdle(Date.now());
      this.#arm();
    }, delayUntil(at));
    // An idle timer alone does not keep a Node process alive.
    /** @type {any} */ (this.#timer).unref?.();
  }
}
