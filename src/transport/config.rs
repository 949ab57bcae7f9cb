//! Client configuration, with the documented names (`connection.retry.maxAttempts`, …) and
//! defaults. All durations are milliseconds.

use super::error::TransportError;
use super::frame::{DEFAULT_MAX_FRAME_SIZE, MAX_BATCH_BYTES, MAX_BATCH_LEN, PUBLISH_OVERHEAD};

/// How the backoff delay is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// `'full'`: uniform in `[0, capped exponential delay]`, which spreads a reconnect storm.
    Full,
    /// `'none'`: exactly the capped exponential delay (for tests and debugging only).
    None,
}

/// `connection.retry`: reconnect backoff.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    /// `maxAttempts` (10): reconnect attempts before `failed`; also the number of times a
    /// message is sent before it is marked failed.
    pub max_attempts: u32,
    /// `backoffMultiplier` (2).
    pub backoff_multiplier: f64,
    /// `initialDelay` (1000 ms).
    pub initial_delay: u64,
    /// `maxDelay` (30000 ms).
    pub max_delay: u64,
    /// `jitter` (`'full'`).
    pub jitter: Jitter,
}

/// `connection.keepAlive`: app-level ping/pong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeepAliveConfig {
    /// `enabled` (true).
    pub enabled: bool,
    /// `interval` (30000 ms) between pings.
    pub interval: u64,
    /// `timeout` (10000 ms): a pong later than this means the connection is dead.
    pub timeout: u64,
}

/// `connection.pool`: connections per relay shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// `maxConnections` (10).
    pub max_connections: usize,
    /// `idleTimeout` (300000 ms): an unused connection is closed after this.
    pub idle_timeout: u64,
}

/// `batching`: publishes queued together go out as one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchConfig {
    /// `maxBatchDelay` (10 ms): how long the first queued message waits for company.
    pub max_batch_delay: u64,
    /// `maxBatchSize` (10): messages per frame.
    pub max_batch_size: usize,
    /// `maxBatchBytes` (256 KiB): payload bytes per frame.
    pub max_batch_bytes: usize,
    /// `maxInFlight` (100): messages sent and not yet acknowledged; a send window, so that
    /// a rate-limited or slow relay is not flooded with resends.
    pub max_in_flight: usize,
}

/// `health`: the periodic round trip through the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthConfig {
    /// `interval` (30000 ms) between probes.
    pub interval: u64,
    /// `timeout` (10000 ms): a probe unanswered this long marks the relay unhealthy.
    pub timeout: u64,
}

/// The whole client configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    /// `connection.timeout` (30000 ms): from connect to authenticated.
    pub timeout: u64,
    /// `connection.retry`.
    pub retry: RetryConfig,
    /// `connection.keepAlive`.
    pub keep_alive: KeepAliveConfig,
    /// `connection.pool`.
    pub pool: PoolConfig,
    /// `batching`.
    pub batching: BatchConfig,
    /// `health`.
    pub health: HealthConfig,
    /// `maxFrameSize` (1 MiB).
    pub max_frame_size: usize,
    /// Seed of the jitter and id generator: the driver passes fresh entropy, tests a constant.
    pub seed: u64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            timeout: 30_000,
            retry: RetryConfig {
                max_attempts: 10,
                backoff_multiplier: 2.0,
                initial_delay: 1_000,
                max_delay: 30_000,
                jitter: Jitter::Full,
            },
            keep_alive: KeepAliveConfig {
                enabled: true,
                interval: 30_000,
                timeout: 10_000,
            },
            pool: PoolConfig {
                max_connections: 10,
                idle_timeout: 300_000,
            },
            batching: BatchConfig {
                max_batch_delay: 10,
                max_batch_size: 10,
                max_batch_bytes: MAX_BATCH_BYTES,
                max_in_flight: 100,
            },
            health: HealthConfig {
                interval: 30_000,
                timeout: 10_000,
            },
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            seed: 0,
        }
    }
}

impl ClientConfig {
    /// Checks ranges: returns [`TransportError::InvalidConfig`] naming the first bad field.
    pub fn validate(&self) -> Result<(), TransportError> {
        let bad = |field, reason| Err(TransportError::InvalidConfig { field, reason });
        if self.retry.max_attempts == 0 {
            return bad("retry.maxAttempts", "must be at least 1");
        }
        if !(self.retry.backoff_multiplier >= 1.0 && self.retry.backoff_multiplier <= 100.0) {
            return bad("retry.backoffMultiplier", "must be between 1 and 100");
        }
        if self.retry.initial_delay > self.retry.max_delay {
            return bad("retry.initialDelay", "must not exceed maxDelay");
        }
        if self.keep_alive.enabled
            && (self.keep_alive.interval == 0 || self.keep_alive.timeout == 0)
        {
            return bad(
                "keepAlive.interval",
                "interval and timeout must be positive",
            );
        }
        if self.health.interval == 0 || self.health.timeout == 0 {
            return bad("health.interval", "interval and timeout must be positive");
        }
        if self.pool.max_connections == 0 {
            return bad("pool.maxConnections", "must be at least 1");
        }
        if self.batching.max_batch_size == 0 || self.batching.max_batch_size > MAX_BATCH_LEN {
            return bad("batching.maxBatchSize", "must be between 1 and 256");
        }
        if self.batching.max_batch_bytes == 0 || self.batching.max_batch_bytes > MAX_BATCH_BYTES {
            return bad("batching.maxBatchBytes", "must be between 1 and 262144");
        }
        if self.batching.max_in_flight == 0 {
            return bad("batching.maxInFlight", "must be at least 1");
        }
        if self.max_frame_size <= PUBLISH_OVERHEAD {
            return bad("maxFrameSize", "too small for one message");
        }
        Ok(())
    }

    /// The largest payload [`send`](super::Client::send) accepts.
    pub fn max_payload(&self) -> usize {
        self.max_frame_size.saturating_sub(PUBLISH_OVERHEAD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documented_ones() {
        let c = ClientConfig::default();
        assert_eq!(c.timeout, 30_000);
        assert_eq!(
            (
                c.retry.max_attempts,
                c.retry.initial_delay,
                c.retry.max_delay
            ),
            (10, 1_000, 30_000)
        );
        assert_eq!(c.retry.backoff_multiplier, 2.0);
        assert_eq!(c.retry.jitter, Jitter::Full);
        assert_eq!(
            c.keep_alive,
            KeepAliveConfig {
                enabled: true,
                interval: 30_000,
                timeout: 10_000
            }
        );
        assert_eq!(
            c.pool,
            PoolConfig {
                max_connections: 10,
                idle_timeout: 300_000
            }
        );
        assert_eq!(
            c.batching,
            BatchConfig {
                max_batch_delay: 10,
                max_batch_size: 10,
                max_batch_bytes: 256 * 1024,
                max_in_flight: 100
            }
        );
        assert_eq!(c.max_frame_size, 1 << 20);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn out_of_range_values_name_their_field() {
        let field = |edit: fn(&mut ClientConfig)| {
            let mut c = ClientConfig::default();
            edit(&mut c);
            match c.validate() {
                Err(TransportError::InvalidConfig { field, .. }) => field,
                other => panic!("expected InvalidConfig, got {other:?}"),
            }
        };
        assert_eq!(field(|c| c.retry.max_attempts = 0), "retry.maxAttempts");
        assert_eq!(
            field(|c| c.retry.backoff_multiplier = f64::NAN),
            "retry.backoffMultiplier"
        );
        assert_eq!(
            field(|c| c.retry.initial_delay = 40_000),
            "retry.initialDelay"
        );
        assert_eq!(field(|c| c.keep_alive.interval = 0), "keepAlive.interval");
        assert_eq!(field(|c| c.health.timeout = 0), "health.interval");
        assert_eq!(field(|c| c.pool.max_connections = 0), "pool.maxConnections");
        assert_eq!(
            field(|c| c.batching.max_batch_size = 0),
            "batching.maxBatchSize"
        );
        assert_eq!(
            field(|c| c.batching.max_batch_size = 257),
            "batching.maxBatchSize"
        );
        assert_eq!(
            field(|c| c.batching.max_batch_bytes = 0),
            "batching.maxBatchBytes"
        );
        assert_eq!(
            field(|c| c.batching.max_in_flight = 0),
            "batching.maxInFlight"
        );
        assert_eq!(field(|c| c.max_frame_size = 10), "maxFrameSize");
    }
}
