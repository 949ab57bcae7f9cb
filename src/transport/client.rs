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
use super::frame::{self, ErrorFrame, Frame, MessageId, Publish, Topic};
use super::inbound::Inbound;
use super::outbox::{Outbox, OutboxEntry};
use super::rng::{backoff_delay, SplitMix64};
use super::timer::{Timer, TimerTable};

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
            self.send_frame(conn, &Frame::Auth { signature });
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
    /// [`ErrorFrame::NoKeyPackage`] relay error with the same `request`.
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

    // ----- inputs --------------------------------------------------------------------

    /// The socket `conn` opened.
    pub fn handle_open(&mut self, conn: ConnId, _now: u64) {
        match self.state {
            State::Connecting { conn: c, attempt } if c == conn => {
                self.state = State::Authenticating { conn, attempt };
                let installation = self.installation.clone();
                self.send_frame(conn, &Frame::Hello { installation });
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

    // ----- transitions ---------------------------------------------------------------

    fn begin_connect(&mut self, now: u64, attempt: u32) {
        let conn = ConnId(self.next_conn);
        self.next_conn += 1;
        self.transmits.push_back(Transmit::Connect { conn });
        self.state = State::Connecting { conn, attempt };
        self.timers.stop(Timer::Reconnect);
        self.timers
            .set(Timer::Connect, now.saturating_add(self.config.timeout));
    }

    fn on_welcome(&mut self, conn: ConnId, now: u64) {
        self.state = State::Connected { conn };
        self.timers.stop(Timer::Connect);
        self.events.push_back(Event::Connected);
        let resume: Vec<_> = self
            .subscriptions
            .iter()
            .map(|(topic, s)| (topic.clone(), s.cursor))
            .collect();
        for (topic, cursor) in resume {
            self.send_frame(conn, &Frame::Subscribe { topic, cursor });
        }
        self.requeue_all();
        self.flush();
        if self.config.keep_alive.enabled {
            self.timers.set(
                Timer::KeepAlive,
                now.saturating_add(self.config.keep_alive.interval),
            );
        }
        self.send_probe(conn, now);
        self.timers.set(
            Timer::Probe,
            now.saturating_add(self.config.health.interval),
        );
        self.refresh_health(now);
    }

    /// Closes the current socket (if any) and goes to backoff.
    fn fail_connection(&mut self, now: u64) {
        if let Some(conn) = self.state.conn() {
            self.transmits.push_back(Transmit::Close { conn });
        }
        self.connection_lost(now);
    }

    /// The current socket is gone: account for it, then back off.
    fn connection_lost(&mut self, now: u64) {
        let attempt = match self.state {
            State::Connecting { attempt, .. } | State::Authenticating { attempt, .. } => attempt,
            _ => 0,
        };
        self.forget_connection();
        self.schedule_backoff(now, attempt.saturating_add(1));
        self.refresh_health(now);
    }

    /// Closes the current socket, if any, without scheduling anything.
    fn drop_connection(&mut self) {
        if let Some(conn) = self.state.conn() {
            self.transmits.push_back(Transmit::Close { conn });
            self.forget_connection();
        }
    }

    /// Per-connection bookkeeping when a socket goes away; leaves `state` to the caller.
    fn forget_connection(&mut self) {
        let was_connected = matches!(self.state, State::Connected { .. });
        for timer in [
            Timer::Connect,
            Timer::KeepAlive,
            Timer::PongDeadline,
            Timer::Batch,
            Timer::Probe,
            Timer::ProbeDeadline,
        ] {
            self.timers.stop(timer);
        }
        self.ping = None;
        self.probe = None;
        self.probe_ok = false;
        self.queue.clear();
        self.queued_bytes = 0;
        // Each connection a message was lost on counts against its retry budget.
        for id in std::mem::take(&mut self.in_flight) {
            let Some(entry) = self.outbox.get(&id) else {
                continue;
            };
            let attempts = entry.attempts.saturating_add(1);
            let failed = attempts >= self.config.retry.max_attempts;
            let topic = entry.topic.clone();
            self.set_outbox_state(&id, attempts, failed);
            if failed {
                self.events.push_back(Event::SendFailed { id, topic });
            }
        }
        if was_connected {
            self.reconnects = self.reconnects.saturating_add(1);
            self.events.push_back(Event::Disconnected);
        }
        self.state = State::Idle;
    }

    fn schedule_backoff(&mut self, now: u64, attempt: u32) {
        if !self.online {
            self.state = State::Offline;
            return;
        }
        if attempt > self.config.retry.max_attempts {
            return self.enter_failed(attempt - 1);
        }
        let delay_ms = backoff_delay(&self.config.retry, attempt, &mut self.rng);
        self.events
            .push_back(Event::Reconnecting { attempt, delay_ms });
        self.timers
            .set(Timer::Reconnect, now.saturating_add(delay_ms));
        self.state = State::Backoff { attempt };
    }

    /// Out of retries: every unsent message is marked failed (with an event) and the client
    /// waits for `reconnect()` or `online`.
    fn enter_failed(&mut self, attempts: u32) {
        self.state = State::Failed;
        self.timers.stop(Timer::Reconnect);
        for id in self.outbox.ids() {
            let Some(entry) = self.outbox.get(&id) else {
                continue;
            };
            if !entry.failed {
                let (attempts, topic) = (entry.attempts, entry.topic.clone());
                self.set_outbox_state(&id, attempts, true);
                self.events.push_back(Event::SendFailed { id, topic });
            }
        }
        self.events.push_back(Event::Failed { attempts });
    }

    fn on_ack(&mut self, id: MessageId, seq: u64) {
        self.in_flight.remove(&id);
        // A repeated ack (after a resend) finds nothing: one event per message.
        if let Ok(Some(_)) = self.outbox.remove(&id) {
            self.events.push_back(Event::Acked { id, seq });
        }
        // The window has room again.
        if !self.queue.is_empty() && !self.timers.is_set(Timer::Batch) {
            self.flush();
        }
    }

    fn on_deliver(&mut self, topic: Topic, seq: u64, payload: Vec<u8>, now: u64) {
        let Some(inbound) = self.subscriptions.get_mut(&topic) else {
            return;
        };
        for (seq, payload) in inbound.accept(seq, payload, now) {
            self.events.push_back(Event::Message {
                topic: topic.clone(),
                seq,
                payload,
            });
        }
    }

    fn on_expired(&mut self, topic: Topic, through: u64, now: u64) {
        let Some(inbound) = self.subscriptions.get_mut(&topic) else {
            return;
        };
        let from = inbound.cursor.saturating_add(1);
        if through < from {
            return;
        }
        let ready = inbound.skip_through(through, now);
        self.events.push_back(Event::Expired {
            topic: topic.clone(),
            from,
            through,
        });
        for (seq, payload) in ready {
            self.events.push_back(Event::Message {
                topic: topic.clone(),
                seq,
                payload,
            });
        }
    }

    fn on_error(&mut self, error: ErrorFrame, now: u64) {
        match error {
            ErrorFrame::RateLimited { retry_after_ms } => {
                let base = u64::from(retry_after_ms);
                // Jitter so that clients limited together do not come back together.
                let wait = base.saturating_add(self.rng.up_to(base.min(1_000)));
                self.timers.stop(Timer::Batch);
                self.timers.set(Timer::RateLimit, now.saturating_add(wait));
                // Nothing of the refused frame was stored: send it all again afterwards.
                self.requeue_all();
                self.events.push_back(Event::RateLimited {
                    retry_after_ms: wait,
                });
            }
            ErrorFrame::StaleEpoch { id, topic } => {
                self.in_flight.remove(&id);
                if let Ok(Some(_)) = self.outbox.remove(&id) {
                    self.events.push_back(Event::StaleEpoch { id, topic });
                }
            }
            ErrorFrame::Unauthorized { id, topic } => {
                match (id, &topic) {
                    (Some(id), _) => {
                        self.in_flight.remove(&id);
                        let _ = self.outbox.remove(&id);
                    }
                    (None, Some(topic)) => {
                        self.subscriptions.remove(topic);
                    }
                    // The authentication itself was refused: retrying cannot help.
                    (None, None) => {
                        self.drop_connection();
                        self.enter_failed(0);
                    }
                }
                self.events.push_back(Event::Unauthorized { id, topic });
                self.refresh_health(now);
            }
            other => self.events.push_back(Event::RelayError(other)),
        }
    }

    // ----- sending -------------------------------------------------------------------

    /// Rebuilds the send queue from the outbox (oldest first), skipping failed messages.
    fn requeue_all(&mut self) {
        self.queue.clear();
        self.queued_bytes = 0;
        self.in_flight.clear();
        for id in self.outbox.ids() {
            if let Some(entry) = self.outbox.get(&id) {
                if !entry.failed {
                    self.queued_bytes += entry.payload.len();
                    self.queue.push_back(id);
                }
            }
        }
    }

    /// Sends the queue as batches, unless not connected or paused by a rate limit.
    fn flush(&mut self) {
        let State::Connected { conn } = self.state else {
            return;
        };
        if self.timers.is_set(Timer::RateLimit) {
            return;
        }
        self.timers.stop(Timer::Batch);
        let (max_len, max_bytes) = (
            self.config.batching.max_batch_size,
            self.config.batching.max_batch_bytes,
        );
        let window = self.config.batching.max_in_flight;
        while !self.queue.is_empty() && self.in_flight.len() < window {
            let mut batch: Vec<Publish> = Vec::new();
            let mut bytes = 0;
            while let Some(id) = self.queue.front().copied() {
                let Some(entry) = self.outbox.get(&id) else {
                    self.queue.pop_front();
                    continue;
                };
                let len = entry.payload.len();
                let full = batch.len() >= max_len || self.in_flight.len() + batch.len() >= window;
                if !batch.is_empty() && (full || bytes + len > max_bytes) {
                    break;
                }
                self.queue.pop_front();
                self.queued_bytes = self.queued_bytes.saturating_sub(len);
                if entry.failed || self.in_flight.contains(&id) {
                    continue;
                }
                bytes += len;
                batch.push(Publish {
                    topic: entry.topic.clone(),
                    id,
                    payload: entry.payload.clone(),
                });
            }
            let frame = match batch.len() {
                0 => continue,
                1 => Frame::Publish(batch.remove(0)),
                _ => Frame::PublishBatch(batch),
            };
            let ids: Vec<MessageId> = match &frame {
                Frame::Publish(p) => vec![p.id],
                Frame::PublishBatch(b) => b.iter().map(|p| p.id).collect(),
                _ => Vec::new(),
            };
            self.in_flight.extend(ids);
            self.send_frame(conn, &frame);
        }
        if self.queue.is_empty() {
            self.queued_bytes = 0;
        }
    }

    fn send_now(&mut self, frame: Frame) -> Result<(), TransportError> {
        let State::Connected { conn } = self.state else {
            return Err(TransportError::NotConnected);
        };
        let bytes = frame.encode(self.config.max_frame_size)?;
        self.transmits.push_back(Transmit::Send { conn, bytes });
        Ok(())
    }

    /// Encodes and queues a frame the client built itself. Such frames are within limits
    /// by construction (payloads are checked in `send`); should one not encode, its
    /// messages stay in the outbox and go out again on the next connection.
    fn send_frame(&mut self, conn: ConnId, frame: &Frame) {
        if let Ok(bytes) = frame.encode(self.config.max_frame_size) {
            self.transmits.push_back(Transmit::Send { conn, bytes });
        }
    }

    fn send_ping(&mut self, conn: ConnId, now: u64) {
        let nonce = self.fresh_nonce();
        self.send_frame(conn, &Frame::Ping { nonce });
        self.ping = Some(nonce);
        if !self.timers.is_set(Timer::PongDeadline) {
            self.timers.set(
                Timer::PongDeadline,
                now.saturating_add(self.config.keep_alive.timeout),
            );
        }
        self.timers.set(
            Timer::KeepAlive,
            now.saturating_add(self.config.keep_alive.interval),
        );
    }

    fn send_probe(&mut self, conn: ConnId, now: u64) {
        if self.probe.is_some() {
            return;
        }
        let nonce = self.fresh_nonce();
        self.send_frame(conn, &Frame::Probe { nonce });
        self.probe = Some((nonce, now));
        self.timers.set(
            Timer::ProbeDeadline,
            now.saturating_add(self.config.health.timeout),
        );
    }

    /// Asks the relay to replay topics stuck on a gap since `health.timeout`.
    fn resume_stalled(&mut self, conn: ConnId, now: u64) {
        let timeout = self.config.health.timeout;
        let stalled: Vec<_> = self
            .subscriptions
            .iter_mut()
            .filter(|(_, s)| s.stalled(now, timeout))
            .map(|(topic, s)| {
                s.gap_since = Some(now);
                (topic.clone(), s.cursor)
            })
            .collect();
        for (topic, cursor) in stalled {
            self.send_frame(conn, &Frame::Subscribe { topic, cursor });
        }
    }

    // ----- helpers -------------------------------------------------------------------

    fn fresh_id(&mut self) -> MessageId {
        let mut id = [0; 16];
        id[..8].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        id[8..].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        MessageId(id)
    }

    fn fresh_nonce(&mut self) -> u64 {
        self.next_nonce += 1;
        self.next_nonce
    }

    /// Records a retry-state change. A backend that fails here loses only the counter,
    /// never the message, so the error is not propagated.
    fn set_outbox_state(&mut self, id: &MessageId, attempts: u32, failed: bool) {
        let _ = self.outbox.set_state(id, attempts, failed);
    }

    fn checks(&self, now: u64) -> HealthChecks {
        let timeout = self.config.health.timeout;
        let failed = self
            .outbox
            .ids()
            .iter()
            .any(|id| self.outbox.get(id).is_some_and(|e| e.failed));
        let stalled = self.subscriptions.values().any(|s| s.stalled(now, timeout));
        HealthChecks {
            transport: matches!(self.state, State::Connected { .. }),
            relay_round_trip: self.probe_ok,
            processing: !failed && !stalled,
        }
    }

    /// Emits [`Event::Health`] when `healthy` or a check changed.
    fn refresh_health(&mut self, now: u64) {
        let status = self.health(now);
        let key = (status.healthy, status.checks);
        if self.last_health != Some(key) {
            self.last_health = Some(key);
            self.events.push_back(Event::Health(status));
        }
    }
}
