// Resolver: the JS surface of the resolver. The fetch driver (JSON-RPC with endpoint
// fallbacks and retries, CCIP-Read requests and redirects, timeouts, body caps, coalescing,
// stale-while-revalidate) and the whole sans-IO core run in Rust (src/platform/resolver.rs,
// gloo-net); this file parses options and keeps the cache in a caller's store (IndexedDB,
// Workers KV, a Durable Object).
import { ResolverDriver } from './hybrid_edge.js';
import { hybridEdgeError } from './common.js';

const CHAIN_IDS = { mainnet: 1, base: 8453 };
const STORE_KEY = 'hybrid-edge:resolver-cache:v1';

function chainId(key) {
  const id = CHAIN_IDS[key] ?? Number(key);
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw hybridEdgeError('InvalidResolverOptions', `invalid resolver option: unknown chain ${JSON.stringify(key)}`);
  }
  return id;
}

/**
 * ENS and Basenames resolution with batching, CCIP-Read, coalescing and a cache. See
 * `index.d.ts` for the options and every method.
 */
export class Resolver {
  #driver;
  #store;
  #storeKey;
  #loaded;
  #saving;
  #queued = false;
  #merge;

  constructor(options = {}) {
    const { rpc = {}, cache = {}, fetch: fetchFn, multicall, baseL2Resolver, ...rest } = options;
    const { store, storeKey = STORE_KEY, ...cacheSettings } = cache;
    const endpoints = {};
    for (const [key, urls] of Object.entries(rpc)) {
      const list = [urls].flat().filter(Boolean);
      if (list.length) endpoints[chainId(key)] = list;
    }
    if (!endpoints[1]) throw hybridEdgeError('InvalidResolverOptions', 'invalid resolver option: rpc.mainnet is required');
    const multicallById = {};
    for (const [key, address] of Object.entries(multicall ?? {})) multicallById[chainId(key)] = address;
    // The driver keeps the hook; a weak reference back lets an unused Resolver (and then its
    // driver, through wasm-bindgen's FinalizationRegistry) be collected.
    const self = new WeakRef(this);
    this.#driver = new ResolverDriver(
      JSON.stringify({
        ...rest,
        rpc: endpoints,
        multicall: multicallById,
        baseL2Resolver: baseL2Resolver === null ? '' : baseL2Resolver,
        cache: cacheSettings,
      }),
      fetchFn,
      store ? () => { const r = self.deref(); if (r) r.#save(); } : undefined,
    );
    this.#store = store;
    this.#storeKey = storeKey;
    if (store) this.#loaded = this.#load();
  }

  resolveAddress(identifier, { coinType = 60 } = {}) {
    return this.#call((d) => d.lookup('address', String(identifier), '', coinType));
  }

  lookupName(address, { chain = 'mainnet' } = {}) {
    return this.#call((d) => d.lookup('name', String(address), chain, 0));
  }

  getDisplayName(address, { chain = 'mainnet' } = {}) {
    return this.#call((d) => d.getDisplayName(String(address), chain));
  }

  getText(name, key) {
    return this.#call((d) => d.lookup('text', String(name), String(key), 0));
  }

  getAvatar(name) {
    return this.#call((d) => d.lookup('avatar', String(name), '', 0));
  }

  resolveMany(names, { coinType = 60 } = {}) {
    return this.#call((d) => d.resolveMany(names.map(String), coinType));
  }

  /**
   * Every name's own outcome: `{ name, address }` (an address or `null`) or `{ name, error }`.
   * One batch as `resolveMany`; a failing lookup (a gateway down, an invalid name) affects
   * only its own entry. Never rejects.
   */
  resolveManySettled(names, { coinType = 60 } = {}) {
    return this.#call((d) => d.resolveManySettled(names.map(String), coinType));
  }

  resolveNamesInText(text, { coinType = 60 } = {}) {
    return this.#call((d) => d.resolveNamesInText(String(text), coinType));
  }

  clearCache() {
    this.#driver.clearCache();
    this.#save(false);
  }

  getCacheStats() {
    return this.#driver.stats();
  }

  /** Writes the cache to the store now (Workers: `ctx.waitUntil(resolver.flush())`). */
  async flush() {
    await this.ready();
    await this.#saving;
    if (this.#store) await this.#write(true);
  }

  /** Resolves once a persistent cache has been loaded (lookups wait for it anyway). */
  async ready() {
    await this.#loaded;
    this.#loaded = undefined;
  }

  /** A call to the driver, after the store's cache was loaded; a cache hit settles at once. */
  #call(f) {
    return this.#loaded ? this.ready().then(() => f(this.#driver)) : f(this.#driver);
  }

  async #load() {
    try {
      const json = await this.#store.get(this.#storeKey);
      if (typeof json === 'string') this.#driver.restore(json);
    } catch {
      // An unreadable store is an empty cache.
    }
  }

  /**
   * Queues a write of the cache to the store (after each finished lookup job). Writes merge
   * the stored copy first (another tab's or isolate's answers; the core keeps whichever entry
   * expires later), except after `clearCache`. One write at a time; calls while one is queued
   * join it.
   */
  #save(merge = true) {
    if (!this.#store) return;
    this.#merge = (this.#merge ?? true) && merge;
    if (this.#queued) return;
    this.#queued = true;
    this.#saving = (this.#saving ?? Promise.resolve()).then(async () => {
      this.#queued = false;
      const m = this.#merge;
      this.#merge = undefined;
      try {
        await this.#write(m);
      } catch {
        // The cache stays in memory; the next write tries again.
      }
    });
  }

  async #write(merge) {
    const merged = (stored) => {
      if (merge && typeof stored === 'string') this.#driver.restore(stored);
      return this.#driver.snapshot();
    };
    if (this.#store.update) return this.#store.update(this.#storeKey, merged); // atomic (IndexedDB)
    if (merge) {
      const stored = await this.#store.get(this.#storeKey);
      if (typeof stored === 'string') this.#driver.restore(stored);
    }
    await this.#store.put(this.#storeKey, this.#driver.snapshot());
  }
}

/** A `Resolver`; same as `new Resolver(options)`. */
export function createResolver(options) {
  return new Resolver(options);
}

/**
 * A cache store in IndexedDB (browsers): the cache survives reloads and is shared by tabs;
 * each write merges what other tabs stored, in one transaction.
 */
export function indexedDbStore(name = 'hybrid-edge-resolver') {
  let db;
  const open = () => (db ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('kv');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }));
  const run = async (mode, f) => {
    const tx = (await open()).transaction('kv', mode);
    const req = f(tx.objectStore('kv'));
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  };
  return {
    get: (key) => run('readonly', (s) => s.get(key)),
    put: (key, value) => run('readwrite', (s) => s.put(value, key)),
    /** Read, merge and write in one transaction, so that tabs never drop each other's answers. */
    update: (key, f) => run('readwrite', (s) => {
      const read = s.get(key);
      read.onsuccess = () => s.put(f(read.result), key);
      return read;
    }),
  };
}
