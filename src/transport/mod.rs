//! The resilient transport: a binary, versioned wire protocol ([`frame`]) and a sans-IO
//! client ([`Client`]) that reconnects with full-jitter backoff, resumes subscriptions from
//! their cursors, delivers each (topic, seq) once and in order, and never drops a message it
//! was given: every message sits in an [`Outbox`] until the relay acknowledges it.
//!
//! Nothing here does I/O or reads a clock: the driver (browser, Node or Workers adapter, or
//! a simulated network in tests) feeds socket events and time in and carries frames,
//! timers and events out. See [`client`] for the driving loop and [`pool`] for connections
//! to several relay shards.

pub mod client;
mod config;
mod error;
mod event;
pub mod frame;
mod inbound;
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
