//! The transport for JS. [`RelayCore`], for a Durable Object, wraps one [`Relay`] over a
//! [`JournalStore`]: the object keeps it in memory, persists the changes it reports
//! (`takeChanges`) into its SQLite storage after each input, and rebuilds it with the
//! `restore*` methods in its constructor (see `relay/src/worker.js`). [`TransportClient`]
//! wraps the sans-IO [`Client`] for a JS WebSocket driver.

use wasm_bindgen::prelude::*;

use super::convert::{
    change_to_js, client_config, event_to_js, health_to_js, message_id, sends_to_js, stored_u64,
    to_js_error, topic, transmit_to_js,
};
use crate::transport::membership::{ids_from_concatenated, MembershipChange};
use crate::transport::pool::Pool;
use crate::transport::relay::{JournalStore, PackageHooks, Relay, RelayConfig};
use crate::transport::{Client, ConnId, ConnectionState, MemoryOutbox};

/// The relay state machine of one Durable Object (one or more topics).
#[wasm_bindgen]
pub struct RelayCore {
    relay: Relay<JournalStore>,
}

#[wasm_bindgen]
impl RelayCore {
    /// An empty relay with the default limits, except the token bucket when given
    /// (`rateCapacity` frames at once, refilled at `ratePerSecond`). With `requireBinding`,
    /// a connection that presents no wallet binding (a plain `Hello`) is refused.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = rateCapacity)] rate_capacity: Option<u32>,
        #[wasm_bindgen(js_name = ratePerSecond)] rate_per_second: Option<u32>,
        #[wasm_bindgen(js_name = requireBinding)] require_binding: Option<bool>,
    ) -> RelayCore {
        let mut config = RelayConfig::default();
        config.rate_capacity = rate_capacity.unwrap_or(config.rate_capacity);
        config.rate_per_second = rate_per_second.unwrap_or(config.rate_per_second);
        config.require_binding = require_binding.unwrap_or(false);
        RelayCore {
            relay: Relay::new(config, JournalStore::new()),
        }
    }

    /// A socket was accepted; `nonce` (32 random bytes, drawn in the handler) is what it
    /// must sign. Throws `Malformed` if `nonce` is not 32 bytes.
    pub fn open(&mut self, conn: u32, nonce: &[u8], now: f64) -> Result<(), JsValue> {
        let nonce = <[u8; 32]>::try_from(nonce).map_err(|_| {
            to_js_error(crate::transport::TransportError::Malformed {
                reason: "the nonce must be 32 bytes",
            })
        })?;
        self.relay.open(ConnId(conn.into()), nonce, now as u64);
        Ok(())
    }

    /// A socket closed.
    pub fn close(&mut self, conn: u32) {
        self.relay.close(ConnId(conn.into()));
    }

    /// If `bytes` are the `Auth` frame `conn` must send next: `{ installation, nonce,
    /// signature }` for the caller to verify before `handleFrame`; else `undefined`.
    #[wasm_bindgen(js_name = pendingAuth, unchecked_return_type = "{ installation: Uint8Array, nonce: Uint8Array, signature: Uint8Array } | undefined")]
    pub fn pending_auth(&self, conn: u32, bytes: &[u8]) -> JsValue {
        super::convert::auth_to_js(self.relay.pending_auth(ConnId(conn.into()), bytes))
    }

    /// Handles one binary message from `conn` at `now` (ms). `signatureValid` is the
    /// caller's Ed25519 check of the `Auth` that `pendingAuth` named (true only if that
    /// signature verified; leave it out for other frames). The wallet binding a `BoundHello`
    /// presented is verified here (EIP-191 recovery, `docs/identity.md`) and gives the
    /// connection its address; a connection without one gets no address (no inbox). MLS
    /// commits are ordered by their clear header (first commit of an epoch wins, later
    /// ones get `StaleEpoch`). Returns the frames to send, `[{ conn, bytes }]`, in order.
    /// Never throws: bad input is answered with an error frame.
    #[wasm_bindgen(js_name = handleFrame, unchecked_return_type = "{ conn: number, bytes: Uint8Array }[]")]
    pub fn handle_frame(
        &mut self,
        conn: u32,
        bytes: &[u8],
        now: f64,
        #[wasm_bindgen(js_name = signatureValid)] signature_valid: Option<bool>,
    ) -> js_sys::Array {
        let hooks = PackageHooks::new(signature_valid == Some(true));
        sends_to_js(
            self.relay
                .handle_frame(ConnId(conn.into()), bytes, now as u64, &hooks),
        )
    }

    /// Applies retention (30 days) at `now` (ms).
    pub fn prune(&mut self, now: f64) {
        self.relay.prune(now as u64);
    }

    /// The state changes since the last call, oldest first, to write before sending the
    /// frames of the same input: `{ kind: 'append', topic, seq, id, payload, at }`,
    /// `{ kind: 'epoch', topic, epoch }`, `{ kind: 'members', topic, members }` (the
    /// topic's member list now: 16-byte installation ids one after the other),
    /// `{ kind: 'keyPackages', owner, oneTime,
    /// lastResort? }`, `{ kind: 'claim', owner }` (delete the owner's oldest one-time
    /// package), `{ kind: 'prune', before }`.
    #[wasm_bindgen(js_name = takeChanges, unchecked_return_type = "RelayChange[]")]
    pub fn take_changes(&mut self) -> js_sys::Array {
        self.relay
            .store_mut()
            .take_changes()
            .into_iter()
            .map(change_to_js)
            .collect()
    }

    /// Restores a stored message. Throws `InvalidTopic` or `Malformed` (id not 16 bytes, or
    /// a seq or time that is not a whole number in 0 ..= 2^53 − 1).
    #[wasm_bindgen(js_name = restoreMessage)]
    pub fn restore_message(
        &mut self,
        name: &str,
        seq: f64,
        id: &[u8],
        payload: Vec<u8>,
        at: f64,
    ) -> Result<(), JsValue> {
        let (topic, id) = (topic(name)?, message_id(id)?);
        let (seq, at) = (stored_u64(seq)?, stored_u64(at)?);
        self.relay
            .store_mut()
            .restore_message(&topic, seq, id, payload, at);
        Ok(())
    }

    /// Restores a topic's head (last seq given out) and epoch. Throws `InvalidTopic`, or
    /// `Malformed` for a head or epoch that is not a whole number in 0 ..= 2^53 − 1.
    #[wasm_bindgen(js_name = restoreTopic)]
    pub fn restore_topic(
        &mut self,
        name: &str,
        head: f64,
        epoch: Option<f64>,
    ) -> Result<(), JsValue> {
        let topic = topic(name)?;
        let head = stored_u64(head)?;
        let epoch = epoch.map(stored_u64).transpose()?;
        self.relay.store_mut().restore_topic(&topic, head, epoch);
        Ok(())
    }

    /// Restores a group topic's member list: `members` is its installation ids, 16 bytes
    /// each, one after the other. Throws `InvalidTopic`, or `Malformed` for a length that
    /// is not a multiple of 16.
    #[wasm_bindgen(js_name = restoreMembers)]
    pub fn restore_members(&mut self, name: &str, members: &[u8]) -> Result<(), JsValue> {
        let topic = topic(name)?;
        let ids = ids_from_concatenated(members).map_err(to_js_error)?;
        self.relay
            .store_mut()
            .restore_members(&topic, ids.into_iter().collect());
        Ok(())
    }

    /// Restores one one-time key package of `owner` (call oldest first), or its last-resort
    /// one when `lastResort` is true.
    #[wasm_bindgen(js_name = restoreKeyPackage)]
    pub fn restore_key_package(
        &mut self,
        owner: &[u8],
        #[wasm_bindgen(js_name = keyPackage)] key_package: Vec<u8>,
        #[wasm_bindgen(js_name = lastResort)] last_resort: bool,
    ) {
        let store = self.relay.store_mut();
        if last_resort {
            store.restore_key_packages(owner, Vec::new(), Some(key_package));
        } else {
            store.restore_key_packages(owner, vec![key_package], None);
        }
    }

    /// Open connections.
    #[wasm_bindgen(getter, js_name = connectionCount)]
    pub fn connection_count(&self) -> u32 {
        u32::try_from(self.relay.connection_count()).unwrap_or(u32::MAX)
    }
}

#[wasm_bindgen(typescript_custom_section)]
const RELAY_TYPES: &'static str = r#"
/** A relay state change to persist; see `RelayCore.takeChanges`. */
export type RelayChange =
  | { kind: 'append'; topic: string; seq: number; id: Uint8Array; payload: Uint8Array; at: number }
  | { kind: 'epoch'; topic: string; epoch: number }
  | { kind: 'keyPackages'; owner: Uint8Array; oneTime: Uint8Array[]; lastResort?: Uint8Array }
  | { kind: 'members'; topic: string; members: Uint8Array }
  | { kind: 'claim'; owner: Uint8Array }
  | { kind: 'prune'; before: number };

/** A socket action from `TransportClient.pollTransmit`. */
export type TransportTransmit =
  | { kind: 'connect'; conn: number }
  | { kind: 'send'; conn: number; bytes: Uint8Array }
  | { kind: 'close'; conn: number };

/** `TransportClient.state`: where the connection stands. */
export type TransportState = 'idle' | 'connecting' | 'authenticating' | 'connected' | 'backoff' | 'offline' | 'failed';

/** The truth about a connection: `getHealthStatus()`, and the `health` event. */
export interface TransportHealth {
  /** All checks pass. */
  healthy: boolean;
  /** `transport`: socket open and authenticated; `relayRoundTrip`: the last probe through the
   *  relay came back within `health.timeout`; `processing`: no failed message, no topic stuck
   *  on a gap. */
  checks: { transport: boolean; relayRoundTrip: boolean; processing: boolean };
  /** Round-trip time of the last answered probe, in ms. */
  lastRoundTripMs?: number;
  /** Connections lost since the client started. */
  reconnects: number;
  /** Messages not yet acknowledged by the relay (failed ones included). */
  outboxSize: number;
  /** When this status was computed (ms, the driver's clock). */
  timestamp: number;
}

/** Client settings; every field is optional and defaults to the value in brackets (ms). */
export interface TransportConfig {
  connection?: {
    /** From connect to authenticated [30000]. */
    timeout?: number;
    retry?: {
      /** Reconnect attempts before `failed`, and sends of a message before it is marked failed [10]. */
      maxAttempts?: number;
      /** [2] */
      backoffMultiplier?: number;
      /** [1000] */
      initialDelay?: number;
      /** [30000] */
      maxDelay?: number;
      /** `'full'`: uniform in [0, capped exponential delay]; `'none'` for debugging ['full']. */
      jitter?: 'full' | 'none';
    };
    keepAlive?: {
      /** App-level ping/pong [true]. */
      enabled?: boolean;
      /** Between pings [30000]. */
      interval?: number;
      /** A pong later than this means the connection is dead [10000]. */
      timeout?: number;
    };
    pool?: {
      /** Sockets, one per relay shard in use [10]. */
      maxConnections?: number;
      /** An unused socket is closed after this [300000]. */
      idleTimeout?: number;
    };
  };
  batching?: {
    /** How long the first queued message waits for company [10]. */
    maxBatchDelay?: number;
    /** Messages per frame [10]. */
    maxBatchSize?: number;
    /** Payload bytes per frame [262144]. */
    maxBatchBytes?: number;
    /** Messages sent and not yet acknowledged [100]. */
    maxInFlight?: number;
  };
  health?: {
    /** Between probes through the relay [30000]. */
    interval?: number;
    /** A probe unanswered this long marks the relay unhealthy [10000]. */
    timeout?: number;
  };
  /** Largest frame sent or accepted, in bytes [1048576]. */
  maxFrameSize?: number;
}

/** An event from `TransportClient.pollEvent`. */
export type TransportEvent =
  | { type: 'connected' }
  | { type: 'disconnected' }
  | { type: 'reconnecting'; attempt: number; delayMs: number }
  | { type: 'failed'; attempts: number }
  | { type: 'authChallenge'; nonce: Uint8Array }
  | { type: 'rateLimited'; retryAfterMs: number }
  | { type: 'acked'; id: Uint8Array; seq: number }
  | { type: 'sendFailed'; id: Uint8Array; topic: string }
  | { type: 'staleEpoch'; id: Uint8Array; topic: string }
  | { type: 'unauthorized'; id?: Uint8Array; topic?: string }
  | { type: 'message'; topic: string; seq: number; payload: Uint8Array }
  | { type: 'members'; topic: string; seq: number; add: string[]; remove: string[] }
  | { type: 'expired'; topic: string; from: number; through: number }
  | { type: 'keyPackage'; request: number; keyPackage: Uint8Array; lastResort: boolean }
  | { type: 'relayError'; code: string }
  | ({ type: 'health' } & TransportHealth);
"#;

/// The reconnecting transport client (sans-IO) for one relay connection: the JS driver
/// opens and closes WebSockets on `pollTransmit()`, feeds socket events and frames in with
/// the `handle*` methods, calls `handleTimeout` at `pollTimeout()`, and reads `pollEvent()`.
/// After every input, drain in this order: `pollTransmit` until `undefined`, then
/// `pollTimeout`, then `pollEvent` until `undefined`. Times are ms (`Date.now()`).
#[wasm_bindgen]
pub struct TransportClient {
    client: Client,
}

#[wasm_bindgen]
impl TransportClient {
    /// A client for the installation whose Ed25519 public key is `installation`, with an
    /// in-memory outbox; `seed` (fresh randomness from the caller) drives the backoff jitter
    /// and message ids. `config` overrides the documented defaults (`TransportConfig`:
    /// `connection: { timeout, retry, keepAlive, pool }`, `batching`, `health`,
    /// `maxFrameSize`). `binding`, the installation's wallet binding (the credential
    /// identity of `docs/identity.md`), is presented to the relay on every connection so
    /// that it proves the connection's address (needed to read the address's inbox).
    /// Throws `InvalidConfig` naming the first bad field.
    #[wasm_bindgen(constructor)]
    pub fn new(
        installation: Vec<u8>,
        seed: f64,
        config: Option<js_sys::Object>,
        binding: Option<Vec<u8>>,
    ) -> Result<TransportClient, JsValue> {
        let config = client_config(
            &config.map_or(JsValue::UNDEFINED, JsValue::from),
            seed as u64,
        )?;
        let client = Client::new(config, installation, Box::new(MemoryOutbox::new()))
            .map_err(to_js_error)?;
        let client = match binding {
            Some(binding) => client.with_binding(binding).map_err(to_js_error)?,
            None => client,
        };
        Ok(TransportClient { client })
    }

    /// Starts connecting.
    pub fn connect(&mut self, now: f64) {
        self.client.connect(now as u64);
    }

    /// Starts over now, whatever the state (also after `failed`).
    pub fn reconnect(&mut self, now: f64) {
        self.client.reconnect(now as u64);
    }

    /// Closes the connection and stops reconnecting.
    pub fn close(&mut self, now: f64) {
        self.client.close(now as u64);
    }

    /// Answers the `authChallenge` event with the signature over its nonce. With `nonce`
    /// (the event's), the signature is sent only if that challenge is still the pending one:
    /// drivers that sign asynchronously pass it, so that a signature finished after its
    /// socket was replaced is dropped instead of being refused by the next socket.
    pub fn authenticate(&mut self, signature: Vec<u8>, now: f64, nonce: Option<Vec<u8>>) {
        match nonce {
            None => self.client.authenticate(signature, now as u64),
            Some(nonce) => {
                if let Ok(nonce) = <[u8; 32]>::try_from(nonce.as_slice()) {
                    self.client
                        .authenticate_challenge(&nonce, signature, now as u64);
                }
            }
        }
    }

    /// Stops delivering `topic`. Throws `InvalidTopic`.
    pub fn unsubscribe(&mut self, name: &str, now: f64) -> Result<(), JsValue> {
        self.client.unsubscribe(&topic(name)?, now as u64);
        Ok(())
    }

    /// Sends every message marked failed again, with a fresh retry budget. Throws
    /// `OutboxFailed`.
    #[wasm_bindgen(js_name = retryFailed)]
    pub fn retry_failed(&mut self, now: f64) -> Result<(), JsValue> {
        self.client.retry_failed(now as u64).map_err(to_js_error)
    }

    /// The platform lost the network (browser `offline`): drop the socket and wait for
    /// `handleOnline` instead of spending retries.
    #[wasm_bindgen(js_name = handleOffline)]
    pub fn handle_offline(&mut self, now: f64) {
        self.client.handle_offline(now as u64);
    }

    /// The network is back (browser `online`): connect now with a fresh retry budget.
    #[wasm_bindgen(js_name = handleOnline)]
    pub fn handle_online(&mut self, now: f64) {
        self.client.handle_online(now as u64);
    }

    /// The page became visible (`visibilitychange`): probe the connection now, or cut a
    /// backoff short (background tabs throttle timers).
    #[wasm_bindgen(js_name = handleVisible)]
    pub fn handle_visible(&mut self, now: f64) {
        self.client.handle_visible(now as u64);
    }

    /// `getHealthStatus()` as of `now`.
    #[wasm_bindgen(js_name = healthStatus, unchecked_return_type = "TransportHealth")]
    pub fn health_status(&self, now: f64) -> JsValue {
        health_to_js(self.client.health(now as u64))
    }

    /// Where the connection stands: `'idle' | 'connecting' | 'authenticating' |
    /// 'connected' | 'backoff' | 'offline' | 'failed'`.
    #[wasm_bindgen(getter, unchecked_return_type = "TransportState")]
    pub fn state(&self) -> JsValue {
        match self.client.state() {
            ConnectionState::Idle => "idle",
            ConnectionState::Connecting => "connecting",
            ConnectionState::Authenticating => "authenticating",
            ConnectionState::Connected => "connected",
            ConnectionState::Backoff => "backoff",
            ConnectionState::Offline => "offline",
            ConnectionState::Failed => "failed",
        }
        .into()
    }

    /// Subscribes to `topic` after `cursor` (the last seq already processed; 0 for all).
    /// Throws `InvalidTopic`.
    pub fn subscribe(&mut self, name: &str, cursor: f64, now: f64) -> Result<(), JsValue> {
        self.client
            .subscribe(topic(name)?, cursor as u64, now as u64);
        Ok(())
    }

    /// Queues `payload` for `topic` in the outbox and returns its 16-byte idempotency id.
    /// Throws `InvalidTopic`, `PayloadTooLarge` or `OutboxFailed`.
    pub fn send(&mut self, name: &str, payload: Vec<u8>, now: f64) -> Result<Vec<u8>, JsValue> {
        let id = self
            .client
            .send(topic(name)?, payload, now as u64)
            .map_err(to_js_error)?;
        Ok(id.0.to_vec())
    }

    /// A fresh idempotency id (16 bytes), for a driver that stores a message durably (for
    /// example in IndexedDB, asynchronously) before handing it to `sendWithId`.
    #[wasm_bindgen(js_name = newMessageId)]
    pub fn new_message_id(&mut self) -> Vec<u8> {
        self.client.new_message_id().0.to_vec()
    }

    /// `send` with a caller-chosen idempotency id (from `newMessageId`, or reloaded from a
    /// durable outbox after a restart: the relay stores one message per id). Throws
    /// `Malformed` (id not 16 bytes), `InvalidTopic`, `PayloadTooLarge` or `OutboxFailed`.
    #[wasm_bindgen(js_name = sendWithId)]
    pub fn send_with_id(
        &mut self,
        id: &[u8],
        name: &str,
        payload: Vec<u8>,
        now: f64,
    ) -> Result<(), JsValue> {
        let (id, topic) = (message_id(id)?, topic(name)?);
        self.client
            .send_with_id(id, topic, payload, now as u64)
            .map_err(to_js_error)
    }

    /// The socket `conn` (from a `connect` transmit) opened.
    #[wasm_bindgen(js_name = handleOpen)]
    pub fn handle_open(&mut self, conn: u32, now: f64) {
        self.client.handle_open(ConnId(conn.into()), now as u64);
    }

    /// The socket `conn` closed or failed.
    #[wasm_bindgen(js_name = handleClosed)]
    pub fn handle_closed(&mut self, conn: u32, now: f64) {
        self.client.handle_closed(ConnId(conn.into()), now as u64);
    }

    /// A binary message arrived on `conn`.
    #[wasm_bindgen(js_name = handleFrame)]
    pub fn handle_frame(&mut self, conn: u32, bytes: &[u8], now: f64) {
        self.client
            .handle_frame(ConnId(conn.into()), bytes, now as u64);
    }

    /// The time from `pollTimeout` has come.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) {
        self.client.handle_timeout(now as u64);
    }

    /// The next socket action: `{ kind: 'connect' | 'send' | 'close', conn, bytes? }`, or
    /// `undefined`.
    #[wasm_bindgen(js_name = pollTransmit, unchecked_return_type = "TransportTransmit | undefined")]
    pub fn poll_transmit(&mut self) -> JsValue {
        self.client
            .poll_transmit()
            .map_or(JsValue::UNDEFINED, transmit_to_js)
    }

    /// When to call `handleTimeout` next (ms), or `undefined`.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.client.poll_timeout().map(|t| t as f64)
    }

    /// The next event (`{ type: 'connected' | 'message' | 'acked' | … }`), or `undefined`.
    #[wasm_bindgen(js_name = pollEvent, unchecked_return_type = "TransportEvent | undefined")]
    pub fn poll_event(&mut self) -> JsValue {
        self.client
            .poll_event()
            .map_or(JsValue::UNDEFINED, event_to_js)
    }

    /// The last seq delivered in `topic` (what to persist and resume from).
    pub fn cursor(&self, name: &str) -> Result<Option<f64>, JsValue> {
        Ok(self.client.cursor(&topic(name)?).map(|c| c as f64))
    }

    /// Messages not yet acknowledged by the relay.
    #[wasm_bindgen(getter, js_name = outboxSize)]
    pub fn outbox_size(&self) -> u32 {
        u32::try_from(self.client.outbox().len()).unwrap_or(u32::MAX)
    }
}

/// The bookkeeping of a connection pool (one connection per relay shard in use, at most
/// `connection.pool.maxConnections`, closed after `idleTimeout` without use) for a JS driver
/// that holds the connections themselves (`RelayPool`). Times are ms.
#[wasm_bindgen]
pub struct TransportPool {
    pool: Pool<()>,
}

#[wasm_bindgen]
impl TransportPool {
    /// A pool with the settings of `config` (`TransportConfig`; only `connection.pool` is
    /// used, the rest is checked). Throws `InvalidConfig` naming the first bad field.
    #[wasm_bindgen(constructor)]
    pub fn new(config: Option<js_sys::Object>) -> Result<TransportPool, JsValue> {
        let config = client_config(&config.map_or(JsValue::UNDEFINED, JsValue::from), 0)?;
        config.validate().map_err(to_js_error)?;
        Ok(TransportPool {
            pool: Pool::new(config.pool),
        })
    }

    /// Marks `shard` used; returns true if it was not in the pool and the caller must open
    /// a connection for it now. Throws `PoolFull` when `maxConnections` are in use.
    pub fn acquire(&mut self, shard: &str, now: f64) -> Result<bool, JsValue> {
        let mut opened = false;
        self.pool
            .get_or_open(shard, now as u64, || {
                opened = true;
                Ok(())
            })
            .map_err(to_js_error)?;
        Ok(opened)
    }

    /// Traffic on `shard` (or work still pending on it): not idle as of `now`.
    pub fn touch(&mut self, shard: &str, now: f64) {
        self.pool.touch(shard, now as u64);
    }

    /// When the next connection becomes idle (ms), or `undefined`.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.pool.poll_timeout().map(|t| t as f64)
    }

    /// Removes the shards idle since `idleTimeout` and returns them: close their connections.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) -> Vec<String> {
        self.pool
            .handle_timeout(now as u64)
            .into_iter()
            .map(|(shard, ())| shard)
            .collect()
    }

    /// Connections in the pool.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.pool.len()).unwrap_or(u32::MAX)
    }
}

/// The payload of a message that changes a group topic's member list on the relay: publish
/// it to the topic like any message (`RelayConnection.updateMembers` does). Ids are the MLS
/// layer's `installationId`s (`0x` and 32 hex digits).
///
/// @throws {HybridEdgeError} `InvalidInstallationId`.
#[wasm_bindgen(js_name = membershipChange)]
pub fn membership_change(add: Vec<String>, remove: Vec<String>) -> Result<Vec<u8>, JsValue> {
    MembershipChange::parse(&add, &remove)
        .map(|change| change.to_payload())
        .map_err(to_js_error)
}
