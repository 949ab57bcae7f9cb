use thiserror::Error;

/// Why a frame, a command or a storage operation of the transport was refused.
///
/// Each variant has a stable [`code`](TransportError::code), the `code` of the JS `Error`.
/// Variants up to [`Malformed`](TransportError::Malformed) come from untrusted bytes on the
/// wire; the others are misuse of the API, a failing outbox, or the relay's refusal of a
/// message (`StaleEpoch`, `Unauthorized`: what a publish promise rejects with).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TransportError {
    /// A frame longer than the configured maximum (checked before decoding).
    #[error("frame of {size} bytes exceeds the maximum of {max}")]
    FrameTooLarge {
        /// Length of the refused frame.
        size: usize,
        /// The limit in force.
        max: usize,
    },
    /// A frame whose version byte this build does not speak.
    #[error("unsupported protocol version {found} (this build speaks {supported})")]
    UnsupportedVersion {
        /// The version byte received.
        found: u8,
        /// The version this build speaks.
        supported: u8,
    },
    /// Bytes that do not decode to a frame, or a frame that breaks a protocol limit.
    #[error("malformed frame: {reason}")]
    Malformed {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A topic name that is empty, too long or not printable ASCII.
    #[error("invalid topic: {reason}")]
    InvalidTopic {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An installation id that is not `0x` and 32 hex digits.
    #[error("invalid installation id {id:?}: expected 0x and 32 hex digits")]
    InvalidInstallationId {
        /// The id given (at most its first 80 characters).
        id: String,
    },
    /// A payload that cannot fit in one frame.
    #[error("payload of {size} bytes exceeds the maximum of {max}")]
    PayloadTooLarge {
        /// Length of the refused payload.
        size: usize,
        /// The largest payload that fits in one frame.
        max: usize,
    },
    /// A configuration value out of range (for example a zero batch size).
    #[error("invalid configuration: {field} {reason}")]
    InvalidConfig {
        /// The documented name of the field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The pool already holds `maxConnections` busy connections.
    #[error("connection pool full ({max} connections in use)")]
    PoolFull {
        /// The limit in force.
        max: usize,
    },
    /// A command that needs an authenticated connection was given without one.
    #[error("not connected")]
    NotConnected,
    /// The outbox could not store or remove a message.
    #[error("outbox storage failed: {reason}")]
    Outbox {
        /// What the backend reported.
        reason: String,
    },
    /// The relay refused a commit for an epoch its topic already left: for the MLS layer to
    /// refetch, reprocess and retry (the message left the outbox).
    #[error("stale epoch: the relay refused a commit to {topic}")]
    StaleEpoch {
        /// The message's topic.
        topic: String,
    },
    /// The relay refused a message, a subscription or the authentication for lack of rights.
    #[error("unauthorized: the relay refused {what}")]
    Unauthorized {
        /// What was refused (`a publish to <topic>`, `the authentication`, …).
        what: String,
    },
}

impl TransportError {
    /// The stable string code of this error (never reused, never renamed).
    pub fn code(&self) -> &'static str {
        match self {
            Self::FrameTooLarge { .. } => "FrameTooLarge",
            Self::UnsupportedVersion { .. } => "UnsupportedVersion",
            Self::Malformed { .. } => "Malformed",
            Self::InvalidTopic { .. } => "InvalidTopic",
            Self::InvalidInstallationId { .. } => "InvalidInstallationId",
            Self::PayloadTooLarge { .. } => "PayloadTooLarge",
            Self::InvalidConfig { .. } => "InvalidConfig",
            Self::PoolFull { .. } => "PoolFull",
            Self::NotConnected => "NotConnected",
            Self::Outbox { .. } => "OutboxFailed",
            Self::StaleEpoch { .. } => "StaleEpoch",
            Self::Unauthorized { .. } => "Unauthorized",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let all = [
            TransportError::FrameTooLarge { size: 0, max: 0 },
            TransportError::UnsupportedVersion {
                found: 0,
                supported: 1,
            },
            TransportError::Malformed { reason: "" },
            TransportError::InvalidTopic { reason: "" },
            TransportError::PayloadTooLarge { size: 0, max: 0 },
            TransportError::InvalidConfig {
                field: "",
                reason: "",
            },
            TransportError::PoolFull { max: 0 },
            TransportError::NotConnected,
            TransportError::Outbox {
                reason: String::new(),
            },
            TransportError::StaleEpoch {
                topic: String::new(),
            },
            TransportError::Unauthorized {
                what: String::new(),
            },
        ];
        let codes: Vec<_> = all.iter().map(TransportError::code).collect();
        assert_eq!(
            codes,
            [
                "FrameTooLarge",
                "UnsupportedVersion",
                "Malformed",
                "InvalidTopic",
                "PayloadTooLarge",
                "InvalidConfig",
                "PoolFull",
                "NotConnected",
                "OutboxFailed",
                "StaleEpoch",
                "Unauthorized"
            ]
        );
    }
}
