//! The resilient transport: a binary, versioned wire protocol ([`frame`]), a sans-IO
//! client ([`Client`]) that reconnects with full-jitter backoff, resumes subscriptions from
//! their cursors, delivers each (topic, seq) once and in order, and never drops a message it
//! was given (every message sits in an [`Outbox`] until the relay acknowledges it), and the
//! relay's own sans-IO core ([`relay`]) for the Durable Object.
//!
//! ```text
//!  app ── send/subscribe ──▶ Client ── Transmit::{Connect, Send, Close} ──▶ driver ──▶ socket
//!      ◀──── Event ──────────  │  ◀── handle_{open, frame, closed, timeout} ── driver ◀──┘
//!                           Outbox (trait)                    relay::Relay ◀── Worker / DO
//! ```
//!
//! Nothing here does I/O, reads a clock or draws entropy: the driver (browser, Node or
//! Workers adapter, or the simulated network in the tests) feeds socket events and time in,
//! seeds the RNG, and carries frames, timers and events out. See [`client`] for the driving
//! loop, [`pool`] for connections to several relay shards.
//!
//! Guarantees, and how they are kept:
//! - **No loss**: a message enters the outbox before it is sent and leaves on its ack; every
//!   unacknowledged message is resent on each new connection, oldest first. After
//!   `retry.maxAttempts` lost connections (or when reconnecting gives up) it is marked failed
//!   with [`Event::SendFailed`], kept, and [`Client::retry_failed`] sends it again.
//! - **No duplicates**: the relay stores one message per idempotency id and acks a repeat
//!   again; the client delivers each (topic, seq) once, buffering early ones.
//! - **Order**: per topic, by the relay's seq, without gaps (a gap stuck for `health.timeout`
//!   is replayed by resubscribing from the cursor).

pub mod client;
mod config;
mod error;
mod event;
pub mod frame;
mod inbound;
pub mod membership;
mod outbox;
pub mod pool;
pub mod relay;
mod rng;
mod timer;

pub use client::{Client, ConnectionState};
pub use config::{
    BatchConfig, ClientConfig, HealthConfig, Jitter, KeepAliveConfig, PoolConfig, RetryConfig,
};
pub use error::TransportError;
pub use event::{ConnId, Event, HealthChecks, HealthStatus, Transmit};
pub use frame::{ErrorFrame, Frame, MessageId, Publish, Topic};
pub use outbox::{MemoryOutbox, Outbox, OutboxEntry};
pub use rng::{backoff_delay, SplitMix64};

#[cfg(test)]
mod tests;
