//! The send path (queue, batches, send window) and the probes, ids and health helpers.

use crate::transport::error::TransportError;
use crate::transport::event::{ConnId, Event, HealthChecks, Transmit};
use crate::transport::frame::{Frame, MessageId, Publish};
use crate::transport::timer::Timer;

use super::{Client, State};

impl Client {
    // ----- sending -------------------------------------------------------------------

    /// Rebuilds the send queue from the outbox (oldest first), skipping failed messages.
    pub(super) fn requeue_all(&mut self) {
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
    pub(super) fn flush(&mut self) {
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

    pub(super) fn send_now(&mut self, frame: Frame) -> Result<(), TransportError> {
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
    pub(super) fn send_frame(&mut self, conn: ConnId, frame: &Frame) {
        if let Ok(bytes) = frame.encode(self.config.max_frame_size) {
            self.transmits.push_back(Transmit::Send { conn, bytes });
        }
    }

    pub(super) fn send_ping(&mut self, conn: ConnId, now: u64) {
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

    pub(super) fn send_probe(&mut self, conn: ConnId, now: u64) {
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
    pub(super) fn resume_stalled(&mut self, conn: ConnId, now: u64) {
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

    pub(super) fn fresh_id(&mut self) -> MessageId {
        let mut id = [0; 16];
        id[..8].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        id[8..].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        MessageId(id)
    }

    pub(super) fn fresh_nonce(&mut self) -> u64 {
        self.next_nonce += 1;
        self.next_nonce
    }

    /// Records a retry-state change. A backend that fails here loses only the counter,
    /// never the message, so the error is not propagated.
    pub(super) fn set_outbox_state(&mut self, id: &MessageId, attempts: u32, failed: bool) {
        let _ = self.outbox.set_state(id, attempts, failed);
    }

    pub(super) fn checks(&self, now: u64) -> HealthChecks {
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
    pub(super) fn refresh_health(&mut self, now: u64) {
        let status = self.health(now);
        let key = (status.healthy, status.checks);
        if self.last_health != Some(key) {
            self.last_health = Some(key);
            self.events.push_back(Event::Health(status));
        }
    }
}
