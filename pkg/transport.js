// RelayConnection: the WebSocket driver of the sans-IO TransportClient (Rust, in the wasm).
// It only moves bytes, timers and events: backoff, keep-alive, the outbox, deduplication and
// ordering all happen in the client. Works with the global WebSocket (browsers, Workers,
// Node ≥ 22) or an injected constructor (the `ws` package on Node 20).
import { TransportClient, membershipChange } from './hybrid_edge.js';
import { Listeners } from './listeners.js';
import { checkOutbox, delayUntil, hex, hybridEdgeError } from './common.js';

const OPEN = 1;

/** The third argument of the WebSocket constructor: the `ws` package's client options. */
const NO_COMPRESSION = Object.freeze({ perMessageDeflate: false });

/** Bytes of a WebSocket message: ArrayBuffer (browsers, Workers, `ws` with binaryType
 * 'arraybuffer'), a view (Node Buffer) or text. */
function messageBytes(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (Array.isArray(data)) return messageBytes(new Uint8Array(data.flatMap((b) => [...messageBytes(b)])));
  return new Uint8Array(0);
}

/** Fresh entropy for the client's jitter and message ids (53 bits, exact as a JS number). */
function randomSeed() {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi & 0x1fffff) * 0x100000000 + lo;
}

export class RelayConnection {
  #client;
  #url;
  #sign;
  #WebSocket;
  /** @type {Map<number, any>} open sockets by the client's connection id */
  #sockets = new Map();
  #current;
  #timer;
  #timerAt;
  #pumping = false;
  #again = false;
  #listeners = new Listeners();
  /** @type {Map<string, { topic: string, resolve: Function, reject: Function }>} publishes by id (hex) */
  #pending = new Map();
  /** @type {Array<{ resolve: Function, reject: Function }>} `connect()` promises */
  #connecting = [];
  #network;
  #disposed = false;
  /** The caller's durable outbox, if any, and the chain that keeps its writes in order. */
  #store;
  #writes = Promise.resolve();

  /**
   * @param {object} options see RelayConnectionOptions in index.d.ts
   */
  constructor(options) {
    const { url, installationKey, binding, sign, WebSocket: ctor, seed, watchNetwork = true, outbox, ...config } = options ?? {};
    const WebSocketCtor = ctor ?? globalThis.WebSocket;
    if (typeof WebSocketCtor !== 'function') {
      throw hybridEdgeError('InvalidConfig', 'invalid configuration: WebSocket must be given where there is no global WebSocket (Node 20: `WebSocket: ws` from the ws package)');
    }
    if (typeof url !== 'string' && !(url instanceof URL)) {
      throw hybridEdgeError('InvalidConfig', 'invalid configuration: url must be the relay WebSocket URL');
    }
    if (typeof sign !== 'function') {
      throw hybridEdgeError('InvalidConfig', 'invalid configuration: sign must be a function (nonce) => signature');
    }
    if (!(installationKey instanceof Uint8Array)) {
      throw hybridEdgeError('InvalidConfig', 'invalid configuration: installationKey must be a Uint8Array');
    }
    if (binding !== undefined && !(binding instanceof Uint8Array)) {
      throw hybridEdgeError('InvalidConfig', 'invalid configuration: binding must be a Uint8Array (the wallet binding of docs/identity.md)');
    }
    this.#client = new TransportClient(installationKey, seed ?? randomSeed(), config, binding);
    this.#url = String(url);
    this.#sign = sign;
    this.#WebSocket = WebSocketCtor;
    if (outbox !== undefined) {
      checkOutbox(outbox);
      this.#store = outbox;
      // What a previous run left unacknowledged goes first, in its order; publishes queue
      // behind it (`#writes` keeps the store's writes in call order).
      this.#writes = Promise.resolve()
        .then(() => outbox.load())
        .then((messages) => {
          for (const m of messages ?? []) {
            try {
              this.#client.sendWithId(m.id, m.topic, m.payload, Date.now());
            } catch (error) {
              // A record this client can never send (bad id, topic or size): reported, dropped.
              this.#emit('error', { type: 'error', error });
              this.#forget(m.id);
            }
          }
          this.#pump();
        })
        .catch((error) => this.#emit('error', { type: 'error', error }));
    }
    if (watchNetwork) this.#watchNetwork();
  }

  // ── Commands ──────────────────────────────────────────────────────────────────────

  /** Starts connecting; resolves once authenticated, rejects on `failed` or `close()`. */
  connect() {
    const done = new Promise((resolve, reject) => this.#connecting.push({ resolve, reject }));
    if (this.#client.state === 'connected') this.#settleConnect(null);
    else {
      this.#client.connect(Date.now());
      this.#pump();
    }
    return done;
  }

  /** Subscribes to `topic` after `cursor` (the last seq already processed; 0 for all). */
  subscribe(topic, cursor = 0) {
    this.#client.subscribe(topic, cursor, Date.now());
    this.#pump();
  }

  /** Stops delivering `topic`. */
  unsubscribe(topic) {
    this.#client.unsubscribe(topic, Date.now());
    this.#pump();
  }

  /** Queues `payload` in the outbox; resolves with `{ id, seq }` on the relay's ack. */
  publish(topic, payload) {
    try {
      const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
      if (this.#store) return this.#publishDurably(topic, bytes);
      const id = this.#client.send(topic, bytes, Date.now());
      const acked = new Promise((resolve, reject) => this.#pending.set(hex(id), { topic, resolve, reject }));
      this.#pump();
      return acked;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Changes who may use a group topic on the relay (installation ids, as `group.members()`
   * gives them): a message of the topic, so it is queued, resent and acknowledged like one.
   */
  updateMembers(topic, { add = [], remove = [] } = {}) {
    try {
      return this.publish(topic, membershipChange(add, remove));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** With a caller's outbox: stored there first (in call order), handed to the client after. */
  #publishDurably(topic, bytes) {
    const id = this.#client.newMessageId();
    const acked = new Promise((resolve, reject) => this.#pending.set(hex(id), { topic, resolve, reject }));
    const store = this.#store;
    this.#writes = this.#writes.then(async () => {
      try {
        await store.put({ id, topic, payload: bytes });
      } catch (err) {
        const p = this.#pending.get(hex(id));
        this.#pending.delete(hex(id));
        p?.reject(hybridEdgeError('OutboxFailed', `outbox storage failed: ${err?.message ?? err}`));
        return;
      }
      if (this.#disposed) return;
      try {
        this.#client.sendWithId(id, topic, bytes, Date.now());
      } catch (err) {
        // Refused (bad topic, too large): it must not be resent from the store either.
        this.#forget(id);
        const p = this.#pending.get(hex(id));
        this.#pending.delete(hex(id));
        p?.reject(err);
        return;
      }
      this.#pump();
    });
    return acked;
  }

  /** Deletes a message the relay stored or refused from the caller's outbox. */
  #forget(id) {
    const store = this.#store;
    if (!store) return;
    this.#writes = this.#writes
      .then(() => store.delete(id))
      .catch((error) => this.#emit('error', { type: 'error', error }));
  }

  /** Drops the socket and connects now with a fresh retry budget (also after `failed`). */
  reconnect() {
    this.#client.reconnect(Date.now());
    this.#pump();
  }

  /** Sends every message marked failed again, with a fresh retry budget. */
  retryFailed() {
    this.#client.retryFailed(Date.now());
    this.#pump();
  }

  /** The connection's health as of now. */
  getHealthStatus() {
    return this.#client.healthStatus(Date.now());
  }

  /** The last seq delivered in `topic`, or `undefined` if not subscribed. */
  cursor(topic) {
    return this.#client.cursor(topic);
  }

  /** Where the connection stands. */
  get state() {
    return this.#client.state;
  }

  /** Messages not yet acknowledged by the relay. */
  get outboxSize() {
    return this.#client.outboxSize;
  }

  /** Closes the socket and stops reconnecting; the outbox keeps its messages for `connect()`. */
  close() {
    this.#client.close(Date.now());
    this.#pump();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#settleConnect(hybridEdgeError('NotConnected', 'not connected: closed'));
  }

  /** Closes for good and releases the wasm memory and the network listeners. */
  dispose() {
    if (this.#disposed) return;
    this.close();
    this.#disposed = true;
    // Called from a listener, close() could not run the loop: close the sockets here.
    for (const ws of this.#sockets.values()) {
      try { ws.close(1000, 'disposed'); } catch { /* already closed */ }
    }
    this.#sockets.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#network?.remove();
    this.#network = undefined;
    // The in-memory outbox goes with the client (a caller's outbox keeps its copy).
    const gone = hybridEdgeError('NotConnected', this.#store
      ? 'not connected: disposed before the relay acknowledged it (kept in the outbox given)'
      : 'not connected: disposed before the relay acknowledged it');
    for (const p of this.#pending.values()) p.reject(gone);
    this.#pending.clear();
    this.#client.free();
  }

  // ── Events ────────────────────────────────────────────────────────────────────────

  /** Calls `listener` for each event of `type`; returns a function that removes it. */
  on(type, listener) {
    return this.#listeners.on(type, listener);
  }

  /** Removes a listener added with `on`. */
  off(type, listener) {
    this.#listeners.off(type, listener);
  }

  #emit(type, detail) {
    this.#listeners.emit(type, detail);
  }


  // ── The driving loop ──────────────────────────────────────────────────────────────

  /** After every input: transmits, then events, then the one timer. Re-entrant calls (a
   * listener that publishes) make the outer loop go round once more. */
  #pump() {
    if (this.#pumping) { this.#again = true; return; }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        for (let t; (t = this.#client.pollTransmit());) this.#transmit(t);
        const events = [];
        for (let e; (e = this.#client.pollEvent());) events.push(e);
        for (const e of events) this.#dispatch(e);
        if (this.#disposed) return; // a listener disposed of the connection
        this.#arm();
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  #arm() {
    const at = this.#client.pollTimeout();
    if (at === this.#timerAt && this.#timer !== undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === undefined) return;
    const delay = delayUntil(at);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = undefined;
      this.#client.handleTimeout(Date.now());
      this.#pump();
    }, delay);
  }

  #transmit(t) {
    if (t.kind === 'connect') {
      this.#open(t.conn);
    } else if (t.kind === 'send') {
      const ws = this.#sockets.get(t.conn);
      if (ws?.readyState === OPEN) {
        try { ws.send(t.bytes); } catch { /* closing: its close event follows */ }
      }
    } else {
      const ws = this.#sockets.get(t.conn);
      this.#sockets.delete(t.conn);
      try { ws?.close(1000, 'client'); } catch { /* already closed */ }
    }
  }

  #open(conn) {
    this.#current = conn;
    let ws;
    try {
      // No permessage-deflate where the constructor lets us say so (the `ws` package reads
      // this; browsers and Workers ignore the argument): frames carry MLS ciphertext, which
      // does not compress, and deflating it cost a Node client about a third of its CPU.
      // No subprotocols is `[]`: Chromium reads an `undefined` here as the protocol "undefined".
      ws = new this.#WebSocket(this.#url, [], NO_COMPRESSION);
      ws.binaryType = 'arraybuffer';
    } catch {
      // A malformed URL or a refused scheme: a failed attempt like any other.
      queueMicrotask(() => { this.#client.handleClosed(conn, Date.now()); this.#pump(); });
      return;
    }
    this.#sockets.set(conn, ws);
    const closed = () => {
      if (this.#sockets.get(conn) !== ws) return;
      this.#sockets.delete(conn);
      this.#client.handleClosed(conn, Date.now());
      this.#pump();
    };
    ws.addEventListener('open', () => {
      if (this.#sockets.get(conn) !== ws) return;
      this.#client.handleOpen(conn, Date.now());
      this.#pump();
    });
    ws.addEventListener('message', (e) => {
      if (this.#sockets.get(conn) !== ws) return;
      this.#client.handleFrame(conn, messageBytes(e.data), Date.now());
      this.#pump();
    });
    ws.addEventListener('close', closed);
    ws.addEventListener('error', closed);
  }

  #dispatch(e) {
    switch (e.type) {
      case 'authChallenge':
        this.#answer(e.nonce);
        return;
      case 'connected':
        this.#settleConnect(null);
        break;
      case 'failed':
        this.#settleConnect(hybridEdgeError('NotConnected', `not connected: gave up after ${e.attempts} attempts`));
        break;
      case 'acked': {
        this.#forget(e.id);
        const key = hex(e.id);
        const p = this.#pending.get(key);
        this.#pending.delete(key);
        p?.resolve({ id: e.id, seq: e.seq });
        break;
      }
      case 'staleEpoch': {
        this.#forget(e.id);
        const key = hex(e.id);
        this.#pending.get(key)?.reject(hybridEdgeError('StaleEpoch', `stale epoch: the relay refused a commit to ${e.topic}`));
        this.#pending.delete(key);
        break;
      }
      case 'unauthorized':
        if (e.id) {
          this.#forget(e.id);
          const key = hex(e.id);
          const p = this.#pending.get(key);
          p?.reject(hybridEdgeError('Unauthorized', `unauthorized: the relay refused a publish to ${p.topic}`));
          this.#pending.delete(key);
        } else if (!e.topic) {
          this.#settleConnect(hybridEdgeError('Unauthorized', 'unauthorized: the relay refused the authentication'));
        }
        break;
    }
    this.#emit(e.type, e);
  }

  /** Signs the relay nonce; the client sends the signature only if that challenge is still
   * the pending one when the signature is ready. */
  #answer(nonce) {
    const conn = this.#current;
    Promise.resolve()
      .then(() => this.#sign(nonce))
      .then((signature) => {
        if (this.#disposed) return;
        this.#client.authenticate(messageBytes(signature), Date.now(), nonce);
        this.#pump();
      })
      .catch((error) => {
        this.#emit('error', { type: 'error', error });
        // Count it as a failed attempt: close the socket, the client backs off.
        const ws = this.#sockets.get(conn);
        try { ws?.close(1000, 'sign failed'); } catch { /* already closed */ }
      });
  }

  #settleConnect(err) {
    const waiting = this.#connecting.splice(0);
    for (const { resolve, reject } of waiting) err ? reject(err) : resolve();
  }

  #watchNetwork() {
    const g = globalThis;
    if (typeof g.addEventListener !== 'function' || typeof g.navigator?.onLine !== 'boolean') return;
    // In `idle` these only record the network state, for the next `connect()`.
    const online = () => { this.#client.handleOnline(Date.now()); this.#pump(); };
    const offline = () => { this.#client.handleOffline(Date.now()); this.#pump(); };
    const doc = g.document;
    const visible = () => {
      if (doc.visibilityState === 'visible') { this.#client.handleVisible(Date.now()); this.#pump(); }
    };
    if (g.navigator.onLine === false) this.#client.handleOffline(Date.now());
    g.addEventListener('online', online);
    g.addEventListener('offline', offline);
    doc?.addEventListener?.('visibilitychange', visible);
    this.#network = {
      navigator: g.navigator,
      remove: () => {
        g.removeEventListener('online', online);
        g.removeEventListener('offline', offline);
        doc?.removeEventListener?.('visibilitychange', visible);
      },
    };
  }
}
