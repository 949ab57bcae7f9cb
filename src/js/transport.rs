//! The transport for JS. [`RelayCore`], for a Durable Object, wraps one [`Relay`] over a
//! [`JournalStore`]: the object keeps it in memory, persists the changes it reports
//! (`takeChanges`) into its SQLite storage after each input, and rebuilds it with the
//! `restore*` methods in its constructor (see `relay/src/worker.js`). [`TransportClient`]
//! wraps the sans-IO [`Client`] for a JS WebSocket driver.

use wasm_bindgen::prelude::*;

use super::convert::{
    change_to_js, event_to_js, message_id, sends_to_js, to_js_error, topic, transmit_to_js,
};
use crate::transport::relay::{Handshake, Identity, JournalStore, Relay, RelayConfig, RelayHooks};
use crate::transport::{Client, ClientConfig, ConnId, MemoryOutbox};

/// The relay state machine of one Durable Object (one or more topics).
#[wasm_bindgen]
pub struct RelayCore {
    relay: Relay<JournalStore>,
}

/// Answers the signature check with the result the caller computed for this frame.
struct Verified(Option<String>);

impl RelayHooks for Verified {
    fn verify(
        &self,
        installation: &[u8],
        _nonce: &[u8; 32],
        _signature: &[u8],
    ) -> Option<Identity> {
        self.0.clone().map(|address| Identity {
            installation: installation.to_vec(),
            address,
        })
    }

    fn classify(&self, _payload: &[u8]) -> Option<Handshake> {
        None
    }
}

#[wasm_bindgen]
impl RelayCore {
    /// An empty relay with the default limits, except the token bucket when given
    /// (`rateCapacity` frames at once, refilled at `ratePerSecond`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = rateCapacity)] rate_capacity: Option<u32>,
        #[wasm_bindgen(js_name = ratePerSecond)] rate_per_second: Option<u32>,
    ) -> RelayCore {
        let mut config = RelayConfig::default();
        config.rate_capacity = rate_capacity.unwrap_or(config.rate_capacity);
        config.rate_per_second = rate_per_second.unwrap_or(config.rate_per_second);
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

    /// Handles one binary message from `conn` at `now` (ms). `authAddress` is the proven
    /// wallet address when the frame is the `Auth` that `pendingAuth` named and the caller
    /// verified it (`''` for a verified key without a wallet binding); leave it out
    /// otherwise. Returns the frames to send, `[{ conn, bytes }]`, in order. Never throws:
    /// bad input is answered with an error frame.
    #[wasm_bindgen(js_name = handleFrame, unchecked_return_type = "{ conn: number, bytes: Uint8Array }[]")]
    pub fn handle_frame(
        &mut self,
        conn: u32,
        bytes: &[u8],
        now: f64,
        #[wasm_bindgen(js_name = authAddress)] auth_address: Option<String>,
    ) -> js_sys::Array {
        let hooks = Verified(auth_address);
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
    /// `{ kind: 'epoch', topic, epoch }`, `{ kind: 'keyPackages', owner, oneTime,
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

    /// Restores a stored message. Throws `InvalidTopic` or `Malformed` (id not 16 bytes).
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
        self.relay
            .store_mut()
            .restore_message(&topic, seq as u64, id, payload, at as u64);
        Ok(())
    }

    /// Restores a topic's head (last seq given out) and epoch. Throws `InvalidTopic`.
    #[wasm_bindgen(js_name = restoreTopic)]
    pub fn restore_topic(
        &mut self,
        name: &str,
        head: f64,
        epoch: Option<f64>,
    ) -> Result<(), JsValue> {
        let topic = topic(name)?;
        self.relay
            .store_mut()
            .restore_topic(&topic, head as u64, epoch.map(|e| e as u64));
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
  | { kind: 'claim'; owner: Uint8Array }
  | { kind: 'prune'; before: number };

/** A socket action from `TransportClient.pollTransmit`. */
export type TransportTransmit =
  | { kind: 'connect'; conn: number }
  | { kind: 'send'; conn: number; bytes: Uint8Array }
  | { kind: 'close'; conn: number };

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
  | { type: 'expired'; topic: string; from: number; through: number }
  | { type: 'keyPackage'; request: number; keyPackage: Uint8Array; lastResort: boolean }
  | { type: 'relayError'; code: string }
  | { type: 'health'; healthy: boolean; checks: { transport: boolean; relayRoundTrip: boolean; processing: boolean };
      lastRoundTripMs?: number; reconnects: number; outboxSize: number; timestamp: number };
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
    /// A client for the installation whose Ed25519 public key is `installation`, with the
    /// documented defaults and an in-memory outbox; `seed` (fresh randomness from the
    /// caller) drives the backoff jitter and message ids.
    #[wasm_bindgen(constructor)]
    pub fn new(installation: Vec<u8>, seed: f64) -> Result<TransportClient, JsValue> {
        let config = ClientConfig {
            seed: seed as u64,
            ..ClientConfig::default()
        };
        let client = Client::new(config, installation, Box::new(MemoryOutbox::new()))
            .map_err(to_js_error)?;
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

    /// Answers the `authChallenge` event with the signature over its nonce.
    pub fn authenticate(&mut self, signature: Vec<u8>, now: f64) {
        self.client.authenticate(signature, now as u64);
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
