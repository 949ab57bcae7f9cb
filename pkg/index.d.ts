// Types for every runtime entry (browser.js, node.js, workerd.js): each one instantiates
// the wasm at import, so the functions are ready to call.
export * from './hybrid_edge.js';
import type { TransportConfig, TransportHealth, TransportState, TransportEvent, HybridEdgeError } from './hybrid_edge.js';

/**
 * A WebSocket constructor: the global `WebSocket` of browsers, Workers and Node ≥ 22, or the
 * `ws` package's default export on Node 20. It is called as
 * `new WebSocket(url, [], { perMessageDeflate: false })`; a constructor may ignore the last
 * two arguments.
 */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string[],
  options?: { perMessageDeflate?: boolean },
) => {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
};

/** Options of {@link RelayConnection}: where to connect, how to sign in, and the client settings. */
export interface RelayConnectionOptions extends TransportConfig {
  /**
   * The relay WebSocket URL, path included: the relay routes each socket to the shard named
   * by the path (normally one topic or group), e.g. `wss://relay.example.com/group-42`.
   * All topics of one connection live in that shard.
   */
  url: string | URL;
  /** The installation's Ed25519 public key (32 bytes), sent in `Hello`. */
  installationKey: Uint8Array;
  /**
   * The installation's wallet binding: the MLS credential identity of `docs/identity.md`
   * (address, this installation key, issue time and the wallet's EIP-191 signature over the
   * statement). The relay verifies it and proves the connection's address from it; only
   * then may the connection read that address's inbox topic (`inbox/<lower-case address>`).
   * Without it the connection is authenticated by its key alone (group topics only).
   */
  binding?: Uint8Array;
  /**
   * Signs the relay's 32-byte nonce with the installation's Ed25519 private key (a 64-byte
   * signature). Called once per connection; may be asynchronous (WebCrypto, a hardware key).
   * A signature finished after its socket died is dropped, never sent to the next socket.
   * A throw or rejection fails that attempt (an `error` event, then the usual backoff).
   */
  sign: (nonce: Uint8Array) => Uint8Array | Promise<Uint8Array>;
  /**
   * The WebSocket constructor. Defaults to the global `WebSocket`; Node 20 has none, so pass
   * the `ws` package's: `import WebSocket from 'ws'` then `{ WebSocket }`. It is called as
   * `new WebSocket(url, [], { perMessageDeflate: false })`: `ws` then offers no
   * compression (the frames carry ciphertext, which does not compress); browsers,
   * Workers and Node's own global WebSocket (undici) ignore the third argument and offer it.
   */
  WebSocket?: WebSocketConstructor;
  /** Seed of the backoff jitter and message ids. Defaults to fresh `crypto.getRandomValues`; set only for reproducible tests. */
  seed?: number;
  /**
   * Follow the browser's `online`/`offline` events (no retries spent while offline) and probe
   * on `visibilitychange` (background tabs throttle timers). Default `true`; ignored where
   * there are no such events (Node, Workers).
   */
  watchNetwork?: boolean;
  /**
   * Where unacknowledged messages are kept across restarts of the app. Without it they are
   * kept in memory only (lost with the process). Store errors surface as `error` events.
   */
  outbox?: RelayOutboxStore;
}

/** A message kept in a {@link RelayOutboxStore} until the relay acknowledges it. */
export interface OutboxMessage {
  /** Its idempotency id (16 bytes): the key to store it under. */
  id: Uint8Array;
  /** Its topic. */
  topic: string;
  /** Its bytes. */
  payload: Uint8Array;
}

/**
 * A durable outbox the caller provides (a key-value store, IndexedDB, a file, a Durable
 * Object's storage), so that messages survive a restart of the app. Calls are made one at
 * a time, in order; each may return a promise.
 */
export interface RelayOutboxStore {
  /** Every stored message, oldest first; called once, when the connection is created. They are sent again (the relay stores each id once). */
  load(): OutboxMessage[] | Promise<OutboxMessage[]>;
  /** Stores a new message; it is sent only once this has resolved, so it must be durable by then. A rejection rejects the publish with `OutboxFailed`. */
  put(message: OutboxMessage): void | Promise<void>;
  /** Deletes a message the relay acknowledged (or refused). */
  delete(id: Uint8Array): void | Promise<void>;
}

/** What {@link RelayConnection.publish} resolves with: the relay stored the message. */
export interface PublishReceipt {
  /** The message's idempotency id (16 bytes). */
  id: Uint8Array;
  /** Its sequence number in its topic. */
  seq: number;
}

/** The events of {@link RelayConnection}, by name, with what the listener receives. */
export interface RelayConnectionEvents {
  /** Authenticated: subscriptions resumed from their cursors, the outbox being resent. */
  connected: Extract<TransportEvent, { type: 'connected' }>;
  /** The connection was lost (or closed). */
  disconnected: Extract<TransportEvent, { type: 'disconnected' }>;
  /** Waiting `delayMs` (full-jitter backoff) before attempt `attempt`. */
  reconnecting: Extract<TransportEvent, { type: 'reconnecting' }>;
  /** `connection.retry.maxAttempts` attempts failed; the connection stays usable: call `reconnect()`. */
  failed: Extract<TransportEvent, { type: 'failed' }>;
  /** The relay rate-limited this connection; sending pauses `retryAfterMs` (with jitter). */
  rateLimited: Extract<TransportEvent, { type: 'rateLimited' }>;
  /**
   * A message used up its retry budget: it stays in the outbox, marked failed, and its
   * `publish` promise stays pending; `retryFailed()` sends it again. The hook for alerting an operator.
   */
  sendFailed: Extract<TransportEvent, { type: 'sendFailed' }>;
  /** The health status changed (`healthy` or one of the checks). */
  health: Extract<TransportEvent, { type: 'health' }>;
  /** A message of a subscribed topic: each (topic, seq) once, in seq order. Persist `seq` as the cursor. */
  message: Extract<TransportEvent, { type: 'message' }>;
  /**
   * A change of a group topic's member list (see `updateMembers`), in the topic's order in
   * place of a message: installation ids added and removed. Persist `seq` as the cursor too.
   */
  members: Extract<TransportEvent, { type: 'members' }>;
  /** The relay stored a message of this connection (its `publish` promise resolves). */
  acked: Extract<TransportEvent, { type: 'acked' }>;
  /** Messages expired on the relay (retention) before this client read them; delivery goes on after `through`. */
  expired: Extract<TransportEvent, { type: 'expired' }>;
  /** The relay refused a commit for a past epoch (its `publish` rejects with `StaleEpoch`): refetch, reprocess, retry. */
  staleEpoch: Extract<TransportEvent, { type: 'staleEpoch' }>;
  /** The relay refused a publish (it rejects with `Unauthorized`), a subscription, or the authentication (then `failed`). */
  unauthorized: Extract<TransportEvent, { type: 'unauthorized' }>;
  /** A claimed key package. */
  keyPackage: Extract<TransportEvent, { type: 'keyPackage' }>;
  /** Another error frame from the relay. */
  relayError: Extract<TransportEvent, { type: 'relayError' }>;
  /** `sign` threw or rejected (that attempt counts as failed), or the outbox store failed. */
  error: { type: 'error'; error: unknown };
}

/**
 * A resilient connection to the hybrid-edge relay over a WebSocket: the driver of the
 * sans-IO {@link TransportClient}. The client (Rust) decides everything — full-jitter
 * backoff, keep-alive, the outbox, exactly-once in-order delivery per topic, rate limits,
 * health — and this class only carries its frames, timer and events.
 *
 * ```ts
 * import WebSocket from 'ws'; // Node 20 only; elsewhere the global WebSocket is used
 * const relay = new RelayConnection({ url: 'wss://relay.example.com/group-42', installationKey, sign, WebSocket });
 * relay.on('message', ({ topic, seq, payload }) => save(topic, seq, payload));
 * relay.subscribe('group/42', lastSavedSeq);
 * await relay.connect();
 * const { seq } = await relay.publish('group/42', bytes);
 * ```
 *
 * Messages live in the outbox until the relay acknowledges them, and are resent after every
 * reconnect (the relay stores each idempotency id once); pass `outbox` to keep them across
 * restarts of the app.
 */
export declare class RelayConnection {
  /** Throws `InvalidConfig` (a `HybridEdgeError`) for missing options or out-of-range settings. */
  constructor(options: RelayConnectionOptions);
  /**
   * Starts connecting. Resolves once authenticated; rejects with `NotConnected` on `failed`
   * or `close()`, with `Unauthorized` if the relay refused the signature.
   */
  connect(): Promise<void>;
  /** Subscribes to `topic` after `cursor` (the last seq already processed; default 0: everything). Throws `InvalidTopic`. */
  subscribe(topic: string, cursor?: number): void;
  /** Stops delivering `topic`. Throws `InvalidTopic`. */
  unsubscribe(topic: string): void;
  /**
   * Stores `payload` (a string is sent as UTF-8) in the outbox under a fresh idempotency id
   * and sends it (batched) when connected. Resolves on the relay's ack. Stays pending while
   * the message waits (offline, failed: see `sendFailed`); rejects with `StaleEpoch` or
   * `Unauthorized` when the relay refused it, at once with `InvalidTopic`,
   * `PayloadTooLarge` or `OutboxFailed`.
   */
  publish(topic: string, payload: Uint8Array | string): Promise<PublishReceipt>;
  /**
   * Changes who may use a group topic (`group/<id>`) on the relay. Until a topic's first
   * change anyone authenticated may read and write it; the first change makes its sender a
   * member, and from then on only members may publish, subscribe or change the list (a
   * removed installation's subscription ends with `unauthorized`). Ids are the MLS layer's
   * `installationId`s: grant the group's members after `createGroup`, the added ones with
   * each `addMembers` commit, and remove the removed ones with each `removeMembers` commit,
   * so that nobody outside the group (including a removed member) can take an epoch's place
   * with a made-up commit. Sent as a message of the topic (queued, resent, acknowledged
   * like one; members get it as a `members` event). Rejects at once with
   * `InvalidInstallationId`, and like `publish` otherwise.
   */
  updateMembers(topic: string, change: { add?: string[]; remove?: string[] }): Promise<PublishReceipt>;
  /** Drops the socket and connects now with a fresh retry budget; always works, also after `failed`. */
  reconnect(): void;
  /** Sends every message marked failed again, with a fresh retry budget. */
  retryFailed(): void;
  /** The truth about the connection now (checked by a periodic round trip through the relay). */
  getHealthStatus(): TransportHealth;
  /** The last seq delivered in `topic` (what to persist and resume from), or `undefined`. */
  cursor(topic: string): number | undefined;
  /** Where the connection stands. */
  readonly state: TransportState;
  /** Messages not yet acknowledged by the relay. */
  readonly outboxSize: number;
  /** Closes the socket and stops reconnecting; the outbox keeps its messages for the next `connect()`. */
  close(): void;
  /**
   * `close()`, then releases the wasm memory and the network listeners; the object is unusable
   * after. Publishes still pending reject with `NotConnected` (the in-memory outbox is gone).
   */
  dispose(): void;
  /** Calls `listener` for every event of `type`; returns a function that removes it. */
  on<K extends keyof RelayConnectionEvents>(type: K, listener: (event: RelayConnectionEvents[K]) => void): () => void;
  /** Removes a listener added with `on`. */
  off<K extends keyof RelayConnectionEvents>(type: K, listener: (event: RelayConnectionEvents[K]) => void): void;
}
// MLS: `Client`, `Group` and the storage backends (hand-written JS around the wasm core).
export { MemoryStore, IndexedDbStore, DurableObjectStore, Client, Group } from './mls.js';
export type {
  MlsSigner,
  MlsWriteBatch,
  MlsKeyValueStore,
  MlsEncryptionKey,
  MlsClientOptions,
  MlsCommitResult,
  MlsChanges,
  MlsEvent,
  MlsOutcome,
} from './mls.js';

/** Options of {@link RelayPool}: those of {@link RelayConnection}, with a base URL and a shard function. */
export interface RelayPoolOptions extends Omit<RelayConnectionOptions, 'url' | 'outbox'> {
  /** The relay's base WebSocket URL; a shard's connection goes to `<url>/<encodeURIComponent(shard)>`. */
  url: string | URL;
  /** The relay shard (Durable Object) a topic lives in. Default: the topic itself. */
  shardOf?: (topic: string) => string;
  /**
   * One durable outbox for every shard (for example an {@link IndexedDbOutbox}), so that
   * messages published through the pool survive a restart of the app. Each shard's
   * connection writes its messages to it and, when created, loads the stored messages of
   * its own shard (those whose `shardOf(topic)` is that shard) and sends them again. A new
   * pool loads the store once and opens a connection for every shard with stored messages
   * (an `error` event if `maxConnections` leaves no room: those wait until the shard is
   * used). The pool makes its calls to the store one at a time, in order. Without it each
   * connection keeps its messages in memory.
   *
   * ```ts
   * const pool = new RelayPool({ url, installationKey, sign, outbox: new IndexedDbOutbox(`outbox-${installationId}`) });
   * ```
   */
  outbox?: RelayOutboxStore;
}

/** The events of {@link RelayPool}: every {@link RelayConnection} event, with the shard it came from, and `idleClosed`. */
export type RelayPoolEvents = {
  [K in Exclude<keyof RelayConnectionEvents, 'error'>]: RelayConnectionEvents[K] & { shard: string };
} & {
  /** A connection's error (with its `shard`), or the pool's own (reading its outbox store: no `shard`). */
  error: RelayConnectionEvents['error'] & { shard?: string };
  /** A connection was closed after `connection.pool.idleTimeout` without use. */
  idleClosed: { type: 'idleClosed'; shard: string };
};

/**
 * Connections to several relay shards: one {@link RelayConnection} per shard in use, at most
 * `connection.pool.maxConnections` (default 10), each closed after `idleTimeout` (default
 * 300000 ms) with no subscription, nothing unacknowledged and no traffic. Messages are kept
 * in each connection's in-memory outbox, or in the `outbox` store given (then a new pool
 * resends what a previous one left unacknowledged).
 *
 * ```ts
 * const pool = new RelayPool({ url: 'wss://relay.example.com', installationKey, sign, binding });
 * pool.on('message', ({ topic, seq, payload }) => save(topic, seq, payload));
 * pool.subscribe(`inbox/${address}`, lastSeq);
 * await pool.publish('group/42', bytes);
 * ```
 */
export declare class RelayPool {
  /** Throws `InvalidConfig` for missing options or out-of-range settings. */
  constructor(options: RelayPoolOptions);
  /** Subscribes to `topic` after `cursor` on its shard's connection (opened if needed). Throws `PoolFull` or `InvalidTopic`. */
  subscribe(topic: string, cursor?: number): void;
  /** Stops delivering `topic`; its connection may then go idle. */
  unsubscribe(topic: string): void;
  /** Publishes on `topic`'s shard connection; rejects with `PoolFull` when every connection is busy, else as {@link RelayConnection.publish}. */
  publish(topic: string, payload: Uint8Array | string): Promise<PublishReceipt>;
  /**
   * Changes who may use a group topic (`group/<id>`) on the relay. Until a topic's first
   * change anyone authenticated may read and write it; the first change makes its sender a
   * member, and from then on only members may publish, subscribe or change the list (a
   * removed installation's subscription ends with `unauthorized`). Ids are the MLS layer's
   * `installationId`s: grant the group's members after `createGroup`, the added ones with
   * each `addMembers` commit, and remove the removed ones with each `removeMembers` commit,
   * so that nobody outside the group (including a removed member) can take an epoch's place
   * with a made-up commit. Sent as a message of the topic (queued, resent, acknowledged
   * like one; members get it as a `members` event). Rejects at once with
   * `InvalidInstallationId`, and like `publish` otherwise.
   */
  updateMembers(topic: string, change: { add?: string[]; remove?: string[] }): Promise<PublishReceipt>;
  /** The open connection of `topic`'s shard, if any. */
  connectionFor(topic: string): RelayConnection | undefined;
  /** Open connections. */
  readonly size: number;
  /** The shards with an open connection. */
  readonly shards: string[];
  /** Calls `listener` for every event of `type` from any connection; returns a function that removes it. */
  on<K extends keyof RelayPoolEvents>(type: K, listener: (event: RelayPoolEvents[K]) => void): () => void;
  /** Removes a listener added with `on`. */
  off<K extends keyof RelayPoolEvents>(type: K, listener: (event: RelayPoolEvents[K]) => void): void;
  /** Closes every connection for good. */
  dispose(): void;
}

/**
 * A {@link RelayOutboxStore} in the browser's IndexedDB: a message is stored (the
 * transaction committed with `durability: 'strict'`) before it is sent, deleted once the
 * relay acknowledges it, and after a reload the next {@link RelayConnection} given a store
 * of the same name sends again, oldest first, whatever was not acknowledged (the relay
 * stores each idempotency id once, so nothing is delivered twice).
 *
 * ```ts
 * const relay = new RelayConnection({ url, installationKey, sign, outbox: new IndexedDbOutbox(`outbox-${installationId}`) });
 * ```
 */
export declare class IndexedDbOutbox implements RelayOutboxStore {
  /**
   * `name` is the database name: use one per connection or pool (for example per
   * installation and relay URL), since a connection resends everything its store holds (a
   * pool's connections each their own shard's share). Throws `InvalidConfig` where there is
   * no IndexedDB.
   */
  constructor(name?: string, options?: { indexedDB?: IDBFactory });
  load(): Promise<OutboxMessage[]>;
  put(message: OutboxMessage): Promise<void>;
  delete(id: Uint8Array): Promise<void>;
  /** Closes the database connection; the messages stay. */
  close(): Promise<void>;
}

/** An RPC endpoint URL or several, tried in order (each retried on 429/5xx/network errors). */
export type RpcEndpoints = string | string[];

/**
 * A persistent store for the resolver cache: Workers KV and Durable Object storage fit as
 * they are; {@link indexedDbStore} is the browser's. The cache is one JSON value under one key.
 */
export interface ResolverCacheStore {
  get(key: string): Promise<string | null | undefined>;
  put(key: string, value: string): Promise<unknown>;
  /**
   * Optional: read, transform and write atomically (`merge` is synchronous). Without it, a
   * write is `get`, merge, `put`: writers at the same moment may drop each other's latest
   * answers (never correctness, only cache hits).
   */
  update?(key: string, merge: (stored: string | null | undefined) => string): Promise<unknown>;
}

/** Options of {@link Resolver}. Every field but `rpc.mainnet` is optional. */
export interface ResolverOptions {
  /**
   * JSON-RPC endpoints by chain: `mainnet` (required; the Universal Resolver lives there),
   * `base` (the Basenames L2 reverse fallback), or a numeric chain id (NFT avatars on that chain).
   */
  rpc: { mainnet: RpcEndpoints; base?: RpcEndpoints; [chainId: string]: RpcEndpoints | undefined };
  /** The Universal Resolver (default `0xeeeeeeee14d718c2b47d9923deab1335e144eeee`). */
  universalResolver?: string;
  /** Multicall3 by chain (`mainnet`, `base` or a chain id; default `0xcA11bde05977b3631167028862bE2a173976CA11`). */
  multicall?: { [chain: string]: string };
  /** The Basenames L2 resolver on Base (default `0xC6d566A56A1aFf6508b41f6c90ff131615583BCD`); `null` turns the fallback off. */
  baseL2Resolver?: string | null;
  /** ENSIP-12 gateways (defaults `https://ipfs.io`, `https://arweave.net`). */
  gateways?: { ipfs?: string; arweave?: string };
  /** Cache lifetimes in ms, bound, and an optional persistent store (default: memory only). */
  cache?: {
    /** Name → address (default 1 h; text records too). */
    forwardTtlMs?: number;
    /** Address → name (default 1 h). */
    reverseTtlMs?: number;
    /** Avatars (default 1 h). */
    avatarTtlMs?: number;
    /** "Not found" answers (default 60 s). Errors are never cached. */
    negativeTtlMs?: number;
    /** How long an expired entry is still served while it is refreshed (default 1 h). */
    staleMs?: number;
    /** LRU bound (default 10,000). */
    maxEntries?: number;
    /** Where the cache persists ({@link indexedDbStore}, Workers KV, a Durable Object's storage). */
    store?: ResolverCacheStore;
    /** The store key (default `hybrid-edge:resolver-cache:v1`). */
    storeKey?: string;
  };
  /** RPC retries per endpoint (defaults: 3 attempts, 250 ms first backoff ceiling, 10 s max; full jitter; `Retry-After` honoured). */
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Per-request timeout in ms (default 10,000). */
  timeoutMs?: number;
  /**
   * The `fetch` to use (default: the global one). It is called as `fetch(request)` with a
   * `Request` (method, headers, body, `redirect: 'manual'`, the timeout's `signal`) and
   * returns a `Response` or a promise of one.
   */
  fetch?: typeof fetch;
  /** Allow `http://127.0.0.1` and `http://localhost` CCIP-Read gateways and metadata (tests only). */
  dangerouslyAllowHttpLocalhost?: boolean;
}

/** Cache counters of {@link Resolver.getCacheStats}. */
export interface ResolverCacheStats {
  size: number;
  hits: number;
  misses: number;
  staleServed: number;
  inflightJoined: number;
}

/** One name's outcome in {@link Resolver.resolveManySettled}: an answer or the error of its lookup. */
export type ResolveManyResult =
  | { name: string; address: string | null; error?: undefined }
  | { name: string; address?: undefined; error: HybridEdgeError };

/** A name found by {@link Resolver.resolveNamesInText}; offsets are UTF-16 (`text.slice(start, end)`). */
export interface NameInText {
  name: string;
  address: string | null;
  start: number;
  end: number;
}

/**
 * ENS names and Basenames ⇄ addresses through the Universal Resolver, with CCIP-Read,
 * Multicall3 batching, coalescing of identical lookups and a TTL cache.
 *
 * Lookups return `null` for "not registered / no record"; transport failures reject with a
 * `HybridEdgeError` (`RpcUnavailable`, `CcipGatewayFailed`, `RpcError`, …), never `null`.
 *
 * ```ts
 * const resolver = new Resolver({ rpc: { mainnet: 'https://eth.example', base: 'https://base.example' } });
 * await resolver.resolveAddress('vitalik.eth');            // '0xd8dA…6045' (EIP-55)
 * await resolver.lookupName(addr, { chain: 'base' });      // 'alice.base.eth' or null
 * ```
 */
export declare class Resolver {
  /** @throws {HybridEdgeError} `InvalidResolverOptions`. */
  constructor(options: ResolverOptions);
  /**
   * An EIP-55 address for a name (normalized first; a bare name tries `<name>.eth`, then
   * `<name>.base.eth`), or `null`. A `0x` address passes through checksummed.
   * @throws {HybridEdgeError} `InvalidName`, `InvalidAddress`, `InvalidAddressChecksum`, transport errors.
   */
  resolveAddress(identifier: string, options?: { coinType?: number }): Promise<string | null>;
  /** The forward-verified primary name of an address (ENSIP-19; Base falls back to the Basenames L2 resolver), or `null`. */
  lookupName(address: string, options?: { chain?: 'mainnet' | 'base' }): Promise<string | null>;
  /** The verified name (beautified), else `0x1234…abcd`. */
  getDisplayName(address: string, options?: { chain?: 'mainnet' | 'base' }): Promise<string>;
  /** An ENSIP-5 text record, or `null`. */
  getText(name: string, key: string): Promise<string | null>;
  /** The ENSIP-12 avatar as a URL to load (https, gateway or data URI), or `null`; NFT avatars only when the name's address owns the token. */
  getAvatar(name: string): Promise<string | null>;
  /**
   * Many names in one `aggregate3` batch: an address or `null` per name, in order.
   * Rejects when any lookup fails (the answers that did arrive are cached); use
   * {@link Resolver.resolveManySettled} to keep them.
   * @throws {HybridEdgeError} `InvalidName`, transport errors (`CcipGatewayFailed`, `RpcUnavailable`, …).
   */
  resolveMany(names: string[], options?: { coinType?: number }): Promise<(string | null)[]>;
  /**
   * Like {@link Resolver.resolveMany} (one batch), but each name settles on its own: a gateway
   * that fails or a name that does not normalize affects only its entry. Never rejects.
   *
   * ```ts
   * for (const r of await resolver.resolveManySettled(names)) {
   *   if (r.error) console.warn(r.name, r.error.code);
   *   else use(r.name, r.address); // address or null (not registered / no record)
   * }
   * ```
   */
  resolveManySettled(names: string[], options?: { coinType?: number }): Promise<ResolveManyResult[]>;
  /** Finds names in chat text and resolves them: `{ text: 'pay alice.eth (0x…)', names }`. */
  resolveNamesInText(text: string, options?: { coinType?: number }): Promise<{ text: string; names: NameInText[] }>;
  /** Drops every cache entry (and the stored copy). */
  clearCache(): void;
  getCacheStats(): ResolverCacheStats;
  /** Writes the cache to its store now (Workers: `ctx.waitUntil(resolver.flush())`). */
  flush(): Promise<void>;
  /** Resolves once a persistent cache was loaded. */
  ready(): Promise<void>;
}

/** `new Resolver(options)`. */
export declare function createResolver(options: ResolverOptions): Resolver;

/** A {@link ResolverCacheStore} in IndexedDB (browsers): survives reloads; shared by tabs, each write merging the others' answers in one transaction. */
export declare function indexedDbStore(name?: string): ResolverCacheStore;
