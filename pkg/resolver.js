// Resolver: the fetch driver of the sans-IO ResolverCore (Rust, in the wasm). It only moves
// bytes: what to request, the batching, CCIP-Read, retries and their backoff, which
// redirects to follow, the size caps and the cache all live in the core. Works with the
// global fetch and AbortSignal.timeout of browsers, Workers and Node ≥ 20.
import { ResolverCore } from './hybrid_edge.js';
import { hybridEdgeError } from './common.js';

const CHAIN_IDS = { mainnet: 1, base: 8453 };
const STORE_KEY = 'hybrid-edge:resolver-cache:v1';
const KINDS = { address: 0, name: 1, text: 2, avatar: 3 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Workers refuse some RequestInit fields (`credentials`); elsewhere credentials are omitted. */
const isWorkerd = typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers';
const noCredentials = isWorkerd ? {} : { credentials: 'omit' };

/** The body as bytes, or `null` once it passes `max` bytes (the rest is not read). */
async function readCapped(res, max) {
  const declared = Number(res.headers.get('content-length'));
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    return null;
  }
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

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
  #core;
  /** @type {Map<number, string[]>} */
  #rpc = new Map();
  #timeoutMs;
  #fetch;
  #store;
  #storeKey;
  #loaded;
  #saving;
  #queued = false;
  #merge;
  /** @type {Map<number, { promise: Promise<any>, resolve: Function, reject: Function }>} */
  #inflight = new Map();

  constructor(options = {}) {
    const { rpc = {}, cache = {}, timeoutMs = 10_000, fetch: fetchFn, multicall, baseL2Resolver, ...rest } = options;
    const { store, storeKey = STORE_KEY, ...cacheSettings } = cache;
    for (const [key, urls] of Object.entries(rpc)) {
      const list = [urls].flat().filter(Boolean);
      if (list.length) this.#rpc.set(chainId(key), list);
    }
    if (!this.#rpc.has(1)) throw hybridEdgeError('InvalidResolverOptions', 'invalid resolver option: rpc.mainnet is required');
    const multicallById = {};
    for (const [key, address] of Object.entries(multicall ?? {})) multicallById[chainId(key)] = address;
    this.#core = new ResolverCore(JSON.stringify({
      ...rest,
      multicall: multicallById,
      chains: [...this.#rpc.keys()],
      baseL2Resolver: baseL2Resolver === null ? '' : baseL2Resolver,
      cache: cacheSettings,
    }));
    this.#timeoutMs = timeoutMs;
    this.#fetch = fetchFn ?? ((url, init) => globalThis.fetch(url, init));
    this.#store = store;
    this.#storeKey = storeKey;
    if (store) this.#loaded = this.#load();
  }

  resolveAddress(identifier, { coinType = 60 } = {}) {
    return this.#one('address', identifier, '', coinType);
  }

  lookupName(address, { chain = 'mainnet' } = {}) {
    return this.#one('name', address, chain, 0);
  }

  async getDisplayName(address, { chain = 'mainnet' } = {}) {
    const name = await this.lookupName(address, { chain });
    return this.#core.displayName(address, name ?? undefined);
  }

  getText(name, key) {
    return this.#one('text', name, String(key), 0);
  }

  getAvatar(name) {
    return this.#one('avatar', name, '', 0);
  }

  resolveMany(names, { coinType = 60 } = {}) {
    return this.#many(names.map((name) => ['address', name, '', coinType]));
  }

  /**
   * Every name's own outcome: `{ name, address }` (an address or `null`) or `{ name, error }`.
   * One batch as `resolveMany`; a failing lookup (a gateway down, an invalid name) affects
   * only its own entry. Never rejects.
   */
  async resolveManySettled(names, { coinType = 60 } = {}) {
    if (this.#loaded) {
      await this.#loaded;
      this.#loaded = undefined;
    }
    const now = Date.now();
    const leads = [];
    const pending = names.map((name) => {
      try {
        return this.#start('address', name, '', coinType, now, leads);
      } catch (err) {
        return Promise.reject(err);
      }
    });
    if (leads.length) this.#run(leads);
    const settled = await Promise.allSettled(pending);
    return settled.map((s, i) => (s.status === 'fulfilled'
      ? { name: names[i], address: s.value }
      : { name: names[i], error: s.reason }));
  }

  async resolveNamesInText(text, { coinType = 60 } = {}) {
    const found = this.#core.findNames(text);
    const addresses = await this.#many(found.map((f) => ['address', f.name, '', coinType]));
    return {
      text: this.#core.annotate(text, addresses.map((a) => a ?? '')),
      names: found.map((f, i) => ({ name: f.name, address: addresses[i], start: f.start, end: f.end })),
    };
  }

  clearCache() {
    this.#core.clearCache();
    this.#save(false);
  }

  getCacheStats() {
    return this.#core.stats();
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

  async #load() {
    try {
      const json = await this.#store.get(this.#storeKey);
      if (typeof json === 'string') this.#core.restore(json, Date.now());
    } catch {
      // An unreadable store is an empty cache.
    }
  }

  /**
   * Queues a write of the cache to the store. Writes merge the stored copy first (another
   * tab's or isolate's answers; the core keeps whichever entry expires later), except after
   * `clearCache`. One write at a time; calls while one is queued join it.
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
      if (merge && typeof stored === 'string') this.#core.restore(stored, Date.now());
      return this.#core.snapshot(Date.now());
    };
    if (this.#store.update) return this.#store.update(this.#storeKey, merged); // atomic (IndexedDB)
    if (merge) {
      const stored = await this.#store.get(this.#storeKey);
      if (typeof stored === 'string') this.#core.restore(stored, Date.now());
    }
    await this.#store.put(this.#storeKey, this.#core.snapshot(Date.now()));
  }

  /** One lookup; a fresh cache entry answers without another await. */
  #one(kind, a, b, coinType) {
    if (this.#loaded) return this.#many([[kind, a, b, coinType]]).then((r) => r[0]);
    try {
      const leads = [];
      const out = this.#start(kind, a, b, coinType, Date.now(), leads);
      if (leads.length) this.#run(leads);
      return Promise.resolve(out);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Begins one lookup: its value (cache) or a promise of it; new tickets go to `leads`. */
  #start(kind, a, b, coinType, now, leads) {
    const r = this.#core.begin(KINDS[kind], String(a), b, coinType, now);
    if (r === null || typeof r === 'string') return r; // fresh from the cache
    if (r.state === 'stale') {
      if (r.ticket !== undefined) {
        leads.push(r.ticket);
        this.#deferred(r.ticket);
      }
      return r.value;
    }
    if (r.state === 'lead') {
      leads.push(r.ticket);
      return this.#deferred(r.ticket).promise;
    }
    return this.#inflight.get(r.ticket)?.promise ?? this.#one(kind, a, b, coinType);
  }

  #deferred(ticket) {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    promise.catch(() => {}); // stale refreshes may fail with nobody waiting
    const entry = { promise, resolve, reject };
    this.#inflight.set(ticket, entry);
    return entry;
  }

  async #many(specs) {
    if (this.#loaded) {
      await this.#loaded;
      this.#loaded = undefined;
    }
    const now = Date.now();
    const leads = [];
    let pending;
    try {
      pending = specs.map(([kind, a, b, coinType]) => this.#start(kind, a, b, coinType, now, leads));
    } catch (err) {
      this.#abandon(leads, err);
      throw err;
    }
    if (leads.length) this.#run(leads);
    return Promise.all(pending);
  }

  #abandon(tickets, err) {
    const left = tickets.filter((t) => this.#inflight.has(t));
    if (!left.length) return;
    this.#core.cancel(Uint32Array.from(left));
    for (const t of left) {
      this.#inflight.get(t).reject(err);
      this.#inflight.delete(t);
    }
  }

  #settle(job) {
    for (const { ticket, value, error } of this.#core.settle(job, Date.now())) {
      const entry = this.#inflight.get(ticket);
      if (!entry) continue;
      this.#inflight.delete(ticket);
      if (error) entry.reject(error);
      else entry.resolve(value);
    }
  }

  async #run(tickets) {
    const job = this.#core.job(Uint32Array.from(tickets));
    try {
      for (;;) {
        const batch = [];
        for (let t = job.pollTransmit(); t !== undefined; t = job.pollTransmit()) batch.push(t);
        if (!batch.length) break;
        await Promise.all(batch.map((t) => this.#perform(job, t)));
      }
      this.#settle(job);
    } catch (err) {
      this.#abandon(tickets, err);
    } finally {
      this.#abandon(tickets, hybridEdgeError('RpcUnavailable', 'the lookup ended without an answer'));
      job.free();
      this.#save();
    }
  }

  async #perform(job, t) {
    if (t.kind === 'rpc') {
      const out = await this.#post(t.chainId, t.body);
      if (out.body) job.rpcResponse(t.id, out.body);
      else job.rpcFailure(t.id, t.chainId, out.status);
    } else {
      const out = await this.#http(t.method, t.url, t.body);
      if (out.body) job.httpResponse(t.id, out.status, out.body);
      else job.httpFailure(t.id);
    }
    this.#settle(job);
  }

  /** JSON-RPC POST over the chain's endpoints in order, each retried as the core says. */
  async #post(chain, body) {
    let lastStatus;
    for (const url of this.#rpc.get(chain) ?? []) {
      for (let attempt = 1; ; attempt++) {
        let status;
        let retryAfter;
        try {
          const res = await this.#fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            redirect: 'manual', // a redirect is a failure of this endpoint ('error' is not in workerd)
            signal: AbortSignal.timeout(this.#timeoutMs),
            ...noCredentials,
          });
          status = res.status;
          if (res.ok) {
            const bytes = await readCapped(res, this.#core.maxBodyBytes);
            if (bytes) return { body: bytes };
            status = undefined;
          } else {
            retryAfter = res.headers.get('retry-after') ?? undefined;
            await res.body?.cancel().catch(() => {});
          }
        } catch {
          status = undefined;
        }
        lastStatus = status ?? lastStatus;
        const delay = this.#core.retryDelay(attempt, status, retryAfter, Math.random());
        if (delay === undefined) break;
        await sleep(delay);
      }
    }
    return { status: lastStatus };
  }

  /** A gateway or metadata request; redirects followed one by one as the core allows. */
  async #http(method, url, body) {
    let current = url;
    for (let redirects = 0; ; redirects++) {
      let res;
      try {
        res = await this.#fetch(current, {
          method,
          body: body ?? undefined,
          headers: body ? { 'content-type': 'application/json' } : undefined,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.#timeoutMs),
          ...noCredentials,
        });
      } catch {
        return {};
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel().catch(() => {});
        const next = this.#core.redirect(current, location, redirects);
        if (next === undefined) return {};
        current = next;
        continue;
      }
      if (res.type === 'opaqueredirect') return {}; // browsers hide the target
      try {
        const bytes = await readCapped(res, this.#core.maxBodyBytes);
        return bytes ? { status: res.status, body: bytes } : {};
      } catch {
        return {};
      }
    }
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
