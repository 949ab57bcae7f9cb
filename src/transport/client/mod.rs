//! The sans-IO client: socket events, frames and time in; frames, timers and events out.
//!
//! ```text
//!            connect/reconnect/online            open            Welcome
//!   Idle ────────────────────────────▶ Connecting ────▶ Authenticating ────▶ Connected
//!    ▲                                   │  ▲  timeout/closed  │                 │
//!    │ close                             ▼  │ Reconnect timer  ▼   closed/dead   │
//!    └──────────────── (any) ◀──────  Backoff ◀──────────────────────────────────┘
//!                              maxAttempts ▼         offline ▼ ▲ online
//!                                        Failed            Offline
//! ```
//!
//! After every input the driver drains, in this order: [`Client::poll_transmit`] until
//! `None`, [`Client::poll_event`] until `None`, then arms one timer at
//! [`Client::poll_timeout`] and calls [`Client::handle_timeout`] when it fires.
//! Times are milliseconds on one clock chosen by the driver (`Date.now()` keeps health
//! timestamps meaningful).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::config::ClientConfig;
use super::error::TransportError;
use super::event::{ConnId, Event, HealthChecks, HealthStatus, Transmit};
use super::frame::{self, Frame, MessageId, Topic};
use super::inbound::Inbound;
use super::outbox::{Outbox, OutboxEntry};
use super::rng::SplitMix64;
use super::timer::{Timer, TimerTable};

mod send;
mod transitions;

/// Where the connection stands, from [`Client::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Not started, or closed by the user.
    Idle,
    /// Waiting for the socket to open.
    Connecting,
    /// Socket open, proving the installation key.
    Authenticating,
    /// Authenticated: messages flow.
    Connected,
    /// Waiting out a backoff delay before the next attempt.
    Backoff,
    /// The platform reports no network; waiting for `online`.
    Offline,
    /// `maxAttempts` reconnects failed; `reconnect()` or `online` starts over.
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    /// `attempt` counts the failed attempts before this one.
    Connecting {
        conn: ConnId,
        attempt: u32,
    },
    Authenticating {
        conn: ConnId,
        attempt: u32,
    },
    Connected {
        conn: ConnId,
    },
    /// `attempt` is the number of the attempt the backoff leads to.
    Backoff {
        attempt: u32,
    },
    Offline,
    Failed,
}

impl State {
    fn conn(self) -> Option<ConnId> {
        match self {
            State::Connecting { conn, .. }
            | State::Authenticating { conn, .. }
            | State::Connected { conn } => Some(conn),
            _ => None,
        }
    }
}

/// The transport client of one relay connection. See the module docs for the driving loop.
pub struct Client {
    config: ClientConfig,
    installation: Vec<u8>,
    /// The installation's wallet binding, presented in a `BoundHello`.
    binding: Option<Vec<u8>>,
    state: State,
    timers: TimerTable,
    rng: SplitMix64,
    outbox: Box<dyn Outbox>,
    subscriptions: BTreeMap<Topic, Inbound>,
    /// Ids waiting to go out on the current connection, in outbox order.
    queue: VecDeque<MessageId>,
    queued_bytes: usize,
    /// Ids sent on the current connection and not yet acknowledged.
    in_flight: BTreeSet<MessageId>,
    next_conn: u64,
    next_nonce: u64,
    ping: Option<u64>,
    /// The unanswered probe: (nonce, sent at).
    probe: Option<(u64, u64)>,
    probe_ok: bool,
    /// The nonce of the challenge the current connection waits to have signed.
    challenge: Option<[u8; 32]>,
    last_round_trip_ms: Option<u64>,
    reconnects: u32,
    online: bool,
    last_health: Option<(bool, HealthChecks)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state)
            .field("outbox", &self.outbox.len())
            .field("subscriptions", &self.subscriptions.len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the installation with public key `installation`, resending whatever
    /// `outbox` already holds once connected.
    ///
    /// Returns [`TransportError::InvalidConfig`] for out-of-range settings.
    pub fn new(
        config: ClientConfig,
        installation: Vec<u8>,
        outbox: Box<dyn Outbox>,
    ) -> Result<Self, TransportError> {
        config.validate()?;
        Ok(Self {
            rng: SplitMix64::new(config.seed),
            config,
            installation,
            binding: None,
            state: State::Idle,
            timers: TimerTable::default(),
            outbox,
            subscriptions: BTreeMap::new(),
            queue: VecDeque::new(),
            queued_bytes: 0,
            in_flight: BTreeSet::new(),
            next_conn: 0,
            next_nonce: 0,
            ping: None,
            probe: None,
            probe_ok: false,
            challenge: None,
            last_round_trip_ms: None,
            reconnects: 0,
            online: true,
            last_health: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    /// Where the connection stands.
    pub fn state(&self) -> ConnectionState {
        match self.state {
            State::Idle => ConnectionState::Idle,
            State::Connecting { .. } => ConnectionState::Connecting,
            State::Authenticating { .. } => ConnectionState::Authenticating,
            State::Connected { .. } => ConnectionState::Connected,
            State::Backoff { .. } => ConnectionState::Backoff,
            State::Offline => ConnectionState::Offline,
            State::Failed => ConnectionState::Failed,
        }
    }

    /// The outbox (to inspect failed messages, for example).
    pub fn outbox(&self) -> &dyn Outbox {
        self.outbox.as_ref()
    }

    /// The last delivered sequence number of a subscribed topic.
    pub fn cursor(&self, topic: &Topic) -> Option<u64> {
        self.subscriptions.get(topic).map(|s| s.cursor)
    }

    // ----- outputs -------------------------------------------------------------------

    /// The next action for the driver.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the user.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`handle_timeout`](Client::handle_timeout) next.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.timers.next()
    }

    /// `getHealthStatus()` as of `now`.
    pub fn health(&self, now: u64) -> HealthStatus {
        let checks = self.checks(now);
        HealthStatus {
            healthy: checks.transport && checks.relay_round_trip && checks.processing,
            checks,
            last_round_trip_ms: self.last_round_trip_ms,
            reconnects: self.reconnects,
            outbox_size: self.outbox.len(),
            timestamp: now,
        }
    }

    // ----- commands ------------------------------------------------------------------

    /// Starts connecting (from `Idle` or `Failed`; otherwise nothing happens).
    pub fn connect(&mut self, now: u64) {
        if matches!(self.state, State::Idle | State::Failed) {
            if self.online {
                self.begin_connect(now, 0);
            } else {
                self.state = State::Offline;
            }
        }
    }

    /// Drops the current socket, if any, and connects now with a fresh retry budget.
    /// Always works, also after `Failed`.
    pub fn reconnect(&mut self, now: u64) {
        self.drop_connection();
        self.begin_connect(now, 0);
    }

    /// Closes the connection for good (until `connect`); the outbox keeps its messages.
    pub fn close(&mut self, now: u64) {
        self.drop_connection();
        self.timers.clear();
        self.state = State::Idle;
        self.refresh_health(now);
    }

    /// Answers an [`Event::AuthChallenge`] with the signature over its nonce.
    /// Ignored unless a challenge is pending on the current connection.
    pub fn authenticate(&mut self, signature: Vec<u8>, _now: u64) {
        if let State::Authenticating { conn, .. } = self.state {
            self.challenge = None;
            self.send_frame(conn, &Frame::Auth { signature });
        }
    }

    /// Answers the challenge that asked to sign `nonce`. For drivers that sign
    /// asynchronously: ignored unless `nonce` is the challenge pending on the current
    /// connection, so a signature that finishes after its socket was replaced never reaches
    /// the next socket (whose relay nonce differs, and which would refuse it).
    pub fn authenticate_challenge(&mut self, nonce: &[u8; 32], signature: Vec<u8>, now: u64) {
        if self.challenge.as_ref() == Some(nonce) {
            self.authenticate(signature, now);
        }
    }

    /// Subscribes to `topic` after `cursor` (the last sequence number already processed, 0
    /// for everything). Resubscribing an existing topic keeps its progress.
    pub fn subscribe(&mut self, topic: Topic, cursor: u64, _now: u64) {
        let cursor = self
            .subscriptions
            .entry(topic.clone())
            .or_insert_with(|| Inbound::new(cursor))
            .cursor;
        if let State::Connected { conn } = self.state {
            self.send_frame(conn, &Frame::Subscribe { topic, cursor });
        }
    }

    /// Stops delivering `topic`.
    pub fn unsubscribe(&mut self, topic: &Topic, _now: u64) {
        if self.subscriptions.remove(topic).is_some() {
            if let State::Connected { conn } = self.state {
                let topic = topic.clone();
                self.send_frame(conn, &Frame::Unsubscribe { topic });
            }
        }
    }

    /// Stores `payload` in the outbox under a fresh idempotency id, then sends it (batched)
    /// when connected. The id comes back in [`Event::Acked`] or [`Event::SendFailed`].
    ///
    /// Returns [`TransportError::PayloadTooLarge`] if it cannot fit in one frame, or the
    /// outbox's error if it could not be stored (then nothing was sent).
    pub fn send(
        &mut self,
        topic: Topic,
        payload: Vec<u8>,
        now: u64,
    ) -> Result<MessageId, TransportError> {
        let id = self.fresh_id();
        self.send_with_id(id, topic, payload, now)?;
        Ok(id)
    }

    /// A fresh idempotency id from the client's generator, for callers that must persist a
    /// message (for example in IndexedDB, asynchronously) before handing it to
    /// [`send_with_id`](Client::send_with_id).
    pub fn new_message_id(&mut self) -> MessageId {
        self.fresh_id()
    }

    /// [`send`](Client::send) with a caller-chosen idempotency id: the relay stores one
    /// message per id, so resending an id the relay already has is harmless.
    pub fn send_with_id(
        &mut self,
        id: MessageId,
        topic: Topic,
        payload: Vec<u8>,
        now: u64,
    ) -> Result<(), TransportError> {
        let max = self.config.max_payload();
        if payload.len() > max {
            return Err(TransportError::PayloadTooLarge {
                size: payload.len(),
                max,
            });
        }
        let len = payload.len();
        // An id already stored is updated in place and keeps its place in the resend order.
        let known = self.outbox.get(&id).is_some();
        self.outbox.insert(OutboxEntry {
            id,
            topic,
            payload,
            attempts: 0,
            failed: false,
        })?;
        if !known && matches!(self.state, State::Connected { .. }) {
            self.queue.push_back(id);
            self.queued_bytes += len;
            let batching = &self.config.batching;
            if self.queue.len() >= batching.max_batch_size
                || self.queued_bytes >= batching.max_batch_bytes
            {
                self.flush();
            } else if !self.timers.is_set(Timer::Batch) {
                self.timers
                    .set(Timer::Batch, now.saturating_add(batching.max_batch_delay));
            }
        }
        Ok(())
    }

    /// Resends every message marked failed, with a fresh retry budget.
    pub fn retry_failed(&mut self, now: u64) -> Result<(), TransportError> {
        for id in self.outbox.ids() {
            let Some(entry) = self.outbox.get(&id) else {
                continue;
            };
            if entry.failed {
                let len = entry.payload.len();
                self.outbox.set_state(&id, 0, false)?;
                if matches!(self.state, State::Connected { .. }) {
                    self.queue.push_back(id);
                    self.queued_bytes += len;
                }
            }
        }
        self.flush();
        self.refresh_health(now);
        Ok(())
    }

    /// Publishes this installation's key packages. Returns
    /// [`TransportError::NotConnected`] unless connected (they are not kept in the outbox).
    pub fn publish_key_packages(
        &mut self,
        one_time: Vec<Vec<u8>>,
        last_resort: Option<Vec<u8>>,
    ) -> Result<(), TransportError> {
        self.send_now(Frame::KeyPackagePublish {
            one_time,
            last_resort,
        })
    }

    /// Claims one key package of `installation`; the answer is [`Event::KeyPackage`] or an
    /// [`ErrorFrame::NoKeyPackage`](crate::transport::ErrorFrame::NoKeyPackage) relay error
    /// with the same `request`.
    pub fn claim_key_package(
        &mut self,
        request: u32,
        installation: Vec<u8>,
    ) -> Result<(), TransportError> {
        self.send_now(Frame::KeyPackageClaim {
            request,
            installation,
        })
    }

    /// Presents `binding` (the installation's wallet binding, `docs/identity.md`) with the
    /// installation key on every connection, so that the relay proves the connection's
    /// address from it (needed to read the address's inbox topic). A binding longer than
    /// [`MAX_BINDING_LEN`](crate::transport::frame::MAX_BINDING_LEN) could never be sent
    /// (every connection would time out): `InvalidConfig`.
    pub fn with_binding(mut self, binding: Vec<u8>) -> Result<Self, TransportError> {
        if binding.len() > crate::transport::frame::MAX_BINDING_LEN {
            return Err(TransportError::InvalidConfig {
                field: "binding",
                reason: "longer than 512 bytes",
            });
        }
        self.binding = Some(binding);
        Ok(self)
    }

    // ----- inputs --------------------------------------------------------------------

    /// The socket `conn` opened.
    pub fn handle_open(&mut self, conn: ConnId, _now: u64) {
        match self.state {
            State::Connecting { conn: c, attempt } if c == conn => {
                self.state = State::Authenticating { conn, attempt };
                let installation = self.installation.clone();
                let hello = match self.binding.clone() {
                    Some(binding) => Frame::BoundHello {
                        installation,
                        binding,
                    },
                    None => Frame::Hello { installation },
                };
                self.send_frame(conn, &hello);
            }
            // A socket the client no longer wants.
            _ => self.transmits.push_back(Transmit::Close { conn }),
        }
    }

    /// The socket `conn` closed or failed to open.
    pub fn handle_closed(&mut self, conn: ConnId, now: u64) {
        if self.state.conn() == Some(conn) {
            self.connection_lost(now);
        }
    }

    /// A binary message arrived on socket `conn`. Bytes that do not decode mean a broken
    /// connection: it is closed and reestablished.
    pub fn handle_frame(&mut self, conn: ConnId, bytes: &[u8], now: u64) {
        if self.state.conn() != Some(conn) {
            return;
        }
        let frame = match frame::decode(bytes, self.config.max_frame_size) {
            Ok(frame) => frame,
            Err(_) => return self.fail_connection(now),
        };
        match (self.state, frame) {
            (State::Authenticating { .. }, Frame::Challenge { nonce }) => {
                self.challenge = Some(nonce);
                self.events.push_back(Event::AuthChallenge { nonce });
            }
            (State::Authenticating { .. }, Frame::Welcome) => self.on_welcome(conn, now),
            (State::Authenticating { .. } | State::Connected { .. }, Frame::Ping { nonce }) => {
                self.send_frame(conn, &Frame::Pong { nonce });
            }
            (State::Authenticating { .. } | State::Connected { .. }, Frame::Error(error)) => {
                self.on_error(error, now);
            }
            (State::Connected { .. }, Frame::Ack { id, seq }) => self.on_ack(id, seq),
            (
                State::Connected { .. },
                Frame::Deliver {
                    topic,
                    seq,
                    payload,
                },
            ) => self.on_deliver(topic, seq, payload, now),
            (State::Connected { .. }, Frame::Expired { topic, through }) => {
                self.on_expired(topic, through, now)
            }
            (State::Connected { .. }, Frame::Pong { nonce }) if self.ping == Some(nonce) => {
                self.ping = None;
                self.timers.stop(Timer::PongDeadline);
            }
            (State::Connected { .. }, Frame::ProbeReply { nonce }) => {
                if let Some((sent, at)) = self.probe {
                    if sent == nonce {
                        self.probe = None;
                        self.probe_ok = true;
                        self.last_round_trip_ms = Some(now.saturating_sub(at));
                        self.timers.stop(Timer::ProbeDeadline);
                        self.refresh_health(now);
                    }
                }
            }
            (
                State::Connected { .. },
                Frame::KeyPackage {
                    request,
                    key_package,
                    last_resort,
                },
            ) => self.events.push_back(Event::KeyPackage {
                request,
                key_package,
                last_resort,
            }),
            // Frames for the relay, or out of place: ignored.
            _ => {}
        }
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: u64) {
        while let Some(timer) = self.timers.take_due(now) {
            match (timer, self.state) {
                (Timer::Connect, State::Connecting { .. } | State::Authenticating { .. }) => {
                    self.fail_connection(now)
                }
                (Timer::Reconnect, State::Backoff { attempt }) => self.begin_connect(now, attempt),
                (Timer::KeepAlive, State::Connected { conn }) => self.send_ping(conn, now),
                (Timer::PongDeadline, State::Connected { .. }) => self.fail_connection(now),
                (Timer::Batch | Timer::RateLimit, _) => self.flush(),
                (Timer::Probe, State::Connected { conn }) => {
                    self.send_probe(conn, now);
                    self.resume_stalled(conn, now);
                    self.timers.set(
                        Timer::Probe,
                        now.saturating_add(self.config.health.interval),
                    );
                }
                (Timer::ProbeDeadline, _) => {
                    self.probe = None;
                    self.probe_ok = false;
                    self.refresh_health(now);
                }
                _ => {}
            }
        }
    }

    /// The platform reports the network gone (browser `offline`): drop the socket and wait
    /// for [`handle_online`](Client::handle_online) instead of burning retries.
    pub fn handle_offline(&mut self, now: u64) {
        self.online = false;
        if matches!(
            self.state,
            State::Connecting { .. }
                | State::Authenticating { .. }
                | State::Connected { .. }
                | State::Backoff { .. }
        ) {
            self.drop_connection();
            self.timers.stop(Timer::Reconnect);
            self.state = State::Offline;
            self.refresh_health(now);
        }
    }

    /// The network is back (browser `online`): connect now with a fresh retry budget.
    pub fn handle_online(&mut self, now: u64) {
        self.online = true;
        if matches!(
            self.state,
            State::Offline | State::Backoff { .. } | State::Failed
        ) {
            self.begin_connect(now, 0);
        }
    }

    /// The page became visible again (`visibilitychange`): background tabs throttle timers,
    /// so probe the connection now, or skip the rest of a backoff.
    pub fn handle_visible(&mut self, now: u64) {
        match self.state {
            State::Connected { conn } => {
                if self.ping.is_none() && self.config.keep_alive.enabled {
                    self.send_ping(conn, now);
                }
                self.send_probe(conn, now);
            }
            State::Backoff { attempt } => self.begin_connect(now, attempt),
            _ => {}
        }
    }
}
