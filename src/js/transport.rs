//! The relay core for a Durable Object: [`RelayCore`] wraps one [`Relay`] over a
//! [`JournalStore`]. The Durable Object keeps it in memory, persists the changes it reports
//! (`takeChanges`) into its SQLite storage after each input, and rebuilds it with the
//! `restore*` methods in its constructor. See `relay/src/worker.js`.

use wasm_bindgen::prelude::*;

use super::convert::{change_to_js, message_id, sends_to_js, to_js_error, topic};
use crate::transport::relay::{Handshake, Identity, JournalStore, Relay, RelayConfig, RelayHooks};
use crate::transport::ConnId;

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
"#;
