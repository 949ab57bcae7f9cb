//! What the client asks its driver to do ([`Transmit`]) and tells its user ([`Event`]).

use super::frame::{ErrorFrame, MessageId, Topic};

/// Identifies one socket: inputs about an older socket than the current one are ignored,
/// so a late `close` of a dead socket cannot kill its replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

/// An action for the driver, returned by [`poll_transmit`](super::Client::poll_transmit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit {
    /// Open a socket to the relay; report it with `handle_open(conn, …)` or
    /// `handle_closed(conn, …)`.
    Connect {
        /// The id to report the socket's events with.
        conn: ConnId,
    },
    /// Send one binary WebSocket message on this socket.
    Send {
        /// The socket.
        conn: ConnId,
        /// The encoded frame.
        bytes: Vec<u8>,
    },
    /// Close this socket; the client has already forgotten it.
    Close {
        /// The socket.
        conn: ConnId,
    },
}

/// The checks behind [`HealthStatus::healthy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthChecks {
    /// The socket is open and authenticated.
    pub transport: bool,
    /// The last probe through the relay came back within `health.timeout`.
    pub relay_round_trip: bool,
    /// No message is marked failed and no topic has waited on a gap past `health.timeout`.
    pub processing: bool,
}

/// `getHealthStatus()`: the truth about the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthStatus {
    /// All checks pass.
    pub healthy: bool,
    /// The individual checks.
    pub checks: HealthChecks,
    /// Round-trip time of the last answered probe.
    pub last_round_trip_ms: Option<u64>,
    /// Connections lost since the client started.
    pub reconnects: u32,
    /// Messages waiting for an ack (failed ones included).
    pub outbox_size: usize,
    /// The driver's clock when this status was computed.
    pub timestamp: u64,
}

/// Something the user of the client should know, from
/// [`poll_event`](super::Client::poll_event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Authenticated: subscriptions resumed, outbox being resent.
    Connected,
    /// The connection was lost (or closed by the user).
    Disconnected,
    /// Waiting `delay_ms` before reconnect attempt `attempt`.
    Reconnecting {
        /// 1-based attempt number.
        attempt: u32,
        /// The jittered backoff delay.
        delay_ms: u64,
    },
    /// `maxAttempts` reconnects failed; call `reconnect()` (or wait for `online`).
    Failed {
        /// Attempts made.
        attempts: u32,
    },
    /// The relay asks for a signature over `nonce`; answer with `authenticate`.
    AuthChallenge {
        /// Bytes to sign with the installation key.
        nonce: [u8; 32],
    },
    /// Sending is paused for `retry_after_ms` (the relay's delay plus jitter).
    RateLimited {
        /// How long sending pauses.
        retry_after_ms: u64,
    },
    /// The relay stored a message.
    Acked {
        /// The idempotency id returned by `send`.
        id: MessageId,
        /// Its sequence number in its topic.
        seq: u64,
    },
    /// A message used up its retry budget and is kept as failed; `retry_failed` resends.
    SendFailed {
        /// The idempotency id.
        id: MessageId,
        /// Its topic.
        topic: Topic,
    },
    /// The relay refused a commit for an epoch already left: for the MLS layer to refetch,
    /// reprocess and retry. The message was removed from the outbox.
    StaleEpoch {
        /// The refused message.
        id: MessageId,
        /// Its topic.
        topic: Topic,
    },
    /// The relay refused an action for lack of rights (identity error for the MLS layer).
    /// A refused message was removed from the outbox; a refused topic was unsubscribed.
    Unauthorized {
        /// The refused message, if any.
        id: Option<MessageId>,
        /// The refused topic, if any.
        topic: Option<Topic>,
    },
    /// A message of a subscribed topic, delivered once and in order; persist `seq` as the
    /// topic's cursor once processed and pass it to `subscribe` after a restart.
    Message {
        /// The topic.
        topic: Topic,
        /// Sequence number, one more than the previous message's.
        seq: u64,
        /// The bytes.
        payload: Vec<u8>,
    },
    /// A change of a group topic's member list (see
    /// [`MembershipChange`](super::membership::MembershipChange)), delivered in the topic's
    /// order in place of a message; persist `seq` as the cursor like a message's.
    Members {
        /// The topic.
        topic: Topic,
        /// Sequence number, one more than the previous message's.
        seq: u64,
        /// Installations added.
        add: Vec<super::membership::InstallationId>,
        /// Installations removed.
        remove: Vec<super::membership::InstallationId>,
    },
    /// Messages of a topic expired on the relay (retention) before this client read them:
    /// they will never be delivered, and delivery continues after `through`.
    Expired {
        /// The topic.
        topic: Topic,
        /// The first missed sequence number.
        from: u64,
        /// The last missed sequence number.
        through: u64,
    },
    /// A claimed key package.
    KeyPackage {
        /// The claim's request number.
        request: u32,
        /// The key package bytes.
        key_package: Vec<u8>,
        /// Whether it is the reused last-resort one.
        last_resort: bool,
    },
    /// Another error frame from the relay (no key package, too many subscriptions, a frame
    /// the relay could not read).
    RelayError(ErrorFrame),
    /// The health status changed (`healthy` or one of the checks).
    Health(HealthStatus),
}
