// The hybrid-edge relay: a Worker that routes each WebSocket to the Durable Object of its
// shard (the URL path, normally one topic), and the Durable Object, which runs the relay
// core from the hybrid-edge package (`RelayCore`, Rust compiled to wasm) in memory and
// persists its changes in the object's SQLite storage. The protocol and the scaling model
// are in ../README.md.
import { DurableObject } from 'cloudflare:workers';
import { RelayCore } from 'hybrid-edge';

const DAY_MS = 24 * 3600 * 1000;

export default {
  /** @param {Request} request @param {{ RELAY: DurableObjectNamespace }} env */
  async fetch(request, env) {
    if (request.headers.get('Upgrade') !== 'websocket') {
      return new Response('hybrid-edge relay: open a WebSocket to /<topic>\n', { status: 426 });
    }
    const shard = decodeURIComponent(new URL(request.url).pathname.slice(1)) || 'default';
    return env.RELAY.get(env.RELAY.idFromName(shard)).fetch(request);
  },
};

/** One shard of the relay: its topics' logs, its key packages, and its sockets. */
export class RelayObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    const limit = (v) => (v === undefined || v === '' ? undefined : Number(v));
    // REQUIRE_BINDING = "true": every connection must present its wallet binding.
    this.core = new RelayCore(limit(env.RATE_CAPACITY), limit(env.RATE_PER_SECOND), env.REQUIRE_BINDING === 'true');
    /** @type {Map<number, WebSocket>} open sockets by connection id */
    this.sockets = new Map();
    /** @type {Map<number, Promise<void>>} per-connection processing, kept in order */
    this.queues = new Map();
    /** @type {{ conn: number, bytes: Uint8Array }[]} frames waiting for the next commit */
    this.outgoing = [];
    this.flushing = false;
    this.sql = ctx.storage.sql;
    // Text "ping" is answered by the runtime without waking the object; the protocol's
    // own Ping/Probe frames go through the core.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
    ctx.blockConcurrencyWhile(async () => {
      this.migrate();
      this.restore();
      // Sockets that outlived the previous incarnation (hibernation, eviction) have no
      // authentication or subscriptions in this one: close them so that their clients
      // reconnect and resume from their cursors.
      for (const ws of ctx.getWebSockets()) {
        try { ws.close(1012, 'relay restarted'); } catch { /* already closing */ }
      }
      if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now() + DAY_MS);
    });
  }

  migrate() {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      topic TEXT NOT NULL, seq INTEGER NOT NULL, id BLOB NOT NULL, payload BLOB NOT NULL,
      at INTEGER NOT NULL, PRIMARY KEY (topic, seq))`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS topics (
      topic TEXT PRIMARY KEY, head INTEGER NOT NULL, epoch INTEGER)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS key_packages (
      owner BLOB NOT NULL, key_package BLOB NOT NULL, last_resort INTEGER NOT NULL)`);
    // A group topic's member list: its installation ids, 16 bytes each, concatenated.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS members (
      topic TEXT PRIMARY KEY, ids BLOB NOT NULL)`);
  }

  /** Rebuilds the core's memory copy from SQLite. */
  restore() {
    for (const t of this.sql.exec('SELECT topic, head, epoch FROM topics')) {
      this.core.restoreTopic(t.topic, t.head, t.epoch ?? undefined);
    }
    for (const m of this.sql.exec('SELECT topic, seq, id, payload, at FROM messages ORDER BY topic, seq')) {
      this.core.restoreMessage(m.topic, m.seq, new Uint8Array(m.id), new Uint8Array(m.payload), m.at);
    }
    for (const k of this.sql.exec('SELECT owner, key_package, last_resort FROM key_packages ORDER BY rowid')) {
      this.core.restoreKeyPackage(new Uint8Array(k.owner), new Uint8Array(k.key_package), k.last_resort === 1);
    }
    for (const m of this.sql.exec('SELECT topic, ids FROM members')) {
      this.core.restoreMembers(m.topic, new Uint8Array(m.ids));
    }
  }

  /** Writes the core's changes in one transaction (before the frames that depend on them go out). */
  persist() {
    const changes = this.core.takeChanges();
    if (changes.length === 0) return;
    const blob = (u8) => u8.slice().buffer;
    this.ctx.storage.transactionSync(() => {
      // Appends go out in multi-row inserts (at most 100 bound values per statement) and
      // each topic's head once, at the end: per-statement cost dominates small messages.
      /** @type {unknown[]} */
      let rows = [];
      /** @type {Map<string, number>} */
      const heads = new Map();
      const flushAppends = () => {
        if (rows.length === 0) return;
        const n = rows.length / 5;
        this.sql.exec(`INSERT INTO messages (topic, seq, id, payload, at) VALUES ${Array(n).fill('(?, ?, ?, ?, ?)').join(', ')}`, ...rows);
        rows = [];
      };
      for (const c of changes) {
        if (c.kind === 'append') {
          rows.push(c.topic, c.seq, blob(c.id), blob(c.payload), c.at);
          heads.set(c.topic, Math.max(heads.get(c.topic) ?? 0, c.seq));
          if (rows.length >= 100) flushAppends();
          continue;
        }
        // Other changes keep their order relative to the appends before them.
        flushAppends();
        switch (c.kind) {
          case 'epoch':
            this.sql.exec(`INSERT INTO topics (topic, head, epoch) VALUES (?, 0, ?)
              ON CONFLICT (topic) DO UPDATE SET epoch = excluded.epoch`, c.topic, c.epoch);
            break;
          case 'keyPackages':
            for (const kp of c.oneTime) {
              this.sql.exec('INSERT INTO key_packages VALUES (?, ?, 0)', blob(c.owner), blob(kp));
            }
            if (c.lastResort) {
              this.sql.exec('DELETE FROM key_packages WHERE owner = ? AND last_resort = 1', blob(c.owner));
              this.sql.exec('INSERT INTO key_packages VALUES (?, ?, 1)', blob(c.owner), blob(c.lastResort));
            }
            break;
          case 'members':
            this.sql.exec(`INSERT INTO members (topic, ids) VALUES (?, ?)
              ON CONFLICT (topic) DO UPDATE SET ids = excluded.ids`, c.topic, blob(c.members));
            break;
          case 'claim':
            this.sql.exec(`DELETE FROM key_packages WHERE rowid = (SELECT rowid FROM key_packages
              WHERE owner = ? AND last_resort = 0 ORDER BY rowid LIMIT 1)`, blob(c.owner));
            break;
          case 'prune':
            this.sql.exec('DELETE FROM messages WHERE at < ?', c.before);
            break;
        }
      }
      flushAppends();
      for (const [topic, head] of heads) {
        this.sql.exec(`INSERT INTO topics (topic, head) VALUES (?, ?)
          ON CONFLICT (topic) DO UPDATE SET head = MAX(head, excluded.head)`, topic, head);
      }
    });
  }

  async fetch(request) {
    if (request.headers.get('Upgrade') !== 'websocket') {
      return new Response('expected a WebSocket upgrade\n', { status: 426 });
    }
    const pair = new WebSocketPair();
    const server = pair[1];
    // Random ids, so that a close from a previous incarnation never hits a new socket.
    let conn;
    do conn = crypto.getRandomValues(new Uint32Array(1))[0]; while (conn === 0 || this.sockets.has(conn));
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ conn });
    this.sockets.set(conn, server);
    this.core.open(conn, crypto.getRandomValues(new Uint8Array(32)), Date.now());
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async webSocketMessage(ws, message) {
    const conn = ws.deserializeAttachment()?.conn;
    if (!this.sockets.has(conn)) return;
    const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : new Uint8Array(message);
    const done = (this.queues.get(conn) ?? Promise.resolve()).then(() => this.handle(conn, bytes));
    this.queues.set(conn, done.catch(() => {}));
    await done;
  }

  async handle(conn, bytes) {
    // The Ed25519 check is asynchronous (WebCrypto), so it runs before the core sees the
    // Auth frame; the core takes its verdict, verifies the wallet binding the connection
    // presented (EIP-191, in the package) and reads the connection's address from it.
    const auth = this.core.pendingAuth(conn, bytes);
    const signatureValid = auth ? await verifyEd25519(auth) : undefined;
    if (!this.sockets.has(conn)) return;
    const sends = this.core.handleFrame(conn, bytes, Date.now(), signatureValid);
    // Group commit: frames that arrive before the next turn share one transaction (one
    // commit to disk instead of one per frame); nothing they cause goes out before it.
    for (const send of sends) this.outgoing.push(send);
    if (!this.flushing) {
      this.flushing = true;
      setTimeout(() => this.flush(), 0);
    }
  }

  /** Persists every change since the last flush, then sends the frames that depend on them. */
  flush() {
    this.flushing = false;
    this.persist();
    const out = this.outgoing;
    this.outgoing = [];
    for (const { conn: to, bytes: frame } of out) {
      try { this.sockets.get(to)?.send(frame); } catch { /* closing; its close event follows */ }
    }
  }

  async webSocketClose(ws, code, reason) {
    this.forget(ws);
    try { ws.close(code, reason); } catch { /* already closed */ }
  }

  async webSocketError(ws) {
    this.forget(ws);
  }

  forget(ws) {
    const conn = ws.deserializeAttachment()?.conn;
    if (!this.sockets.has(conn)) return;
    this.sockets.delete(conn);
    this.queues.delete(conn);
    this.core.close(conn);
  }

  /** Daily retention (30 days by default). */
  async alarm() {
    this.core.prune(Date.now());
    this.persist();
    await this.ctx.storage.setAlarm(Date.now() + DAY_MS);
  }
}

/**
 * Checks the installation's Ed25519 signature over the relay nonce (the wallet binding is
 * checked by the core, in Rust).
 */
async function verifyEd25519({ installation, nonce, signature }) {
  try {
    const key = await crypto.subtle.importKey('raw', installation, { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify('Ed25519', key, signature, nonce);
  } catch {
    return false;
  }
}
