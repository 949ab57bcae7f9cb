//! Connection transitions and reactions to relay frames.

use crate::transport::event::{ConnId, Event, Transmit};
use crate::transport::frame::{ErrorFrame, Frame, MessageId, Topic};
use crate::transport::membership::MembershipChange;
use crate::transport::relay::TopicKind;
use crate::transport::rng::backoff_delay;
use crate::transport::timer::Timer;

use super::{Client, State};

impl Client {
    // ----- transitions ---------------------------------------------------------------

    pub(super) fn begin_connect(&mut self, now: u64, attempt: u32) {
        let conn = ConnId(self.next_conn);
        self.next_conn += 1;
        self.transmits.push_back(Transmit::Connect { conn });
        self.state = State::Connecting { conn, attempt };
        self.timers.stop(Timer::Reconnect);
        self.timers
            .set(Timer::Connect, now.saturating_add(self.config.timeout));
    }

    pub(super) fn on_welcome(&mut self, conn: ConnId, now: u64) {
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
    pub(super) fn fail_connection(&mut self, now: u64) {
        if let Some(conn) = self.state.conn() {
            self.transmits.push_back(Transmit::Close { conn });
        }
        self.connection_lost(now);
    }

    /// The current socket is gone: account for it, then back off.
    pub(super) fn connection_lost(&mut self, now: u64) {
        let attempt = match self.state {
            State::Connecting { attempt, .. } | State::Authenticating { attempt, .. } => attempt,
            _ => 0,
        };
        self.forget_connection();
        self.schedule_backoff(now, attempt.saturating_add(1));
        self.refresh_health(now);
    }

    /// Closes the current socket, if any, without scheduling anything.
    pub(super) fn drop_connection(&mut self) {
        if let Some(conn) = self.state.conn() {
            self.transmits.push_back(Transmit::Close { conn });
            self.forget_connection();
        }
    }

    /// Per-connection bookkeeping when a socket goes away; leaves `state` to the caller.
    pub(super) fn forget_connection(&mut self) {
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
        self.challenge = None;
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

    pub(super) fn schedule_backoff(&mut self, now: u64, attempt: u32) {
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
    pub(super) fn enter_failed(&mut self, attempts: u32) {
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

    pub(super) fn on_ack(&mut self, id: MessageId, seq: u64) {
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

    pub(super) fn on_deliver(&mut self, topic: Topic, seq: u64, payload: Vec<u8>, now: u64) {
        let Some(inbound) = self.subscriptions.get_mut(&topic) else {
            return;
        };
        for (seq, payload) in inbound.accept(seq, payload, now) {
            self.events.push_back(delivered(&topic, seq, payload));
        }
    }

    pub(super) fn on_expired(&mut self, topic: Topic, through: u64, now: u64) {
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
            self.events.push_back(delivered(&topic, seq, payload));
        }
    }

    pub(super) fn on_error(&mut self, error: ErrorFrame, now: u64) {
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
                let refused_auth = id.is_none() && topic.is_none();
                match (id, &topic) {
                    (Some(id), _) => {
                        self.in_flight.remove(&id);
                        let _ = self.outbox.remove(&id);
                    }
                    (None, Some(topic)) => {
                        self.subscriptions.remove(topic);
                    }
                    (None, None) => {}
                }
                // The cause first, then (for a refused authentication) the consequence.
                self.events.push_back(Event::Unauthorized { id, topic });
                if refused_auth {
                    // Retrying cannot help: give up until `reconnect()`.
                    self.drop_connection();
                    self.enter_failed(0);
                }
                self.refresh_health(now);
            }
            other => self.events.push_back(Event::RelayError(other)),
        }
    }
}

/// The event for a delivered message: a member-list change of a group topic, or the
/// message itself.
fn delivered(topic: &Topic, seq: u64, payload: Vec<u8>) -> Event {
    let group = matches!(TopicKind::of(topic), Some(TopicKind::Group(_)));
    match MembershipChange::from_payload(&payload) {
        Some(Ok(change)) if group => Event::Members {
            topic: topic.clone(),
            seq,
            add: change.add,
            remove: change.remove,
        },
        _ => Event::Message {
            topic: topic.clone(),
            seq,
            payload,
        },
    }
}
