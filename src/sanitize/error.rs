use thiserror::Error;

/// Why a sanitizer call was refused.
///
/// Scanning and redacting never fail on any text; these errors come only from parsing
/// options (kind and action names) and log messages. Each variant has a stable
/// [`code`](SanitizeError::code), the `code` of the JS `Error`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SanitizeError {
    /// A kind name that is not one of `private_key`, `seed_phrase`, `password`,
    /// `card_number`, `eth_address`, `email`, `api_key`.
    #[error("unknown sensitive kind {name:?}")]
    UnknownKind {
        /// The rejected name, cut to 64 characters.
        name: String,
    },
    /// A redaction action that is not one of `keep`, `shorten`, `mask`, `remove`.
    #[error("unknown redact action {name:?} (expected keep, shorten, mask or remove)")]
    UnknownAction {
        /// The rejected name, cut to 64 characters.
        name: String,
    },
    /// A message for [`anonymize_for_logging`](super::anonymize_for_logging) with a
    /// missing or mistyped field.
    #[error("invalid message: field {field} {reason}")]
    InvalidMessage {
        /// The field at fault (`id`, `sender`, `content`, `timestamp`).
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Options or policy that are not an object of the expected shape.
    #[error("invalid options: {reason}")]
    InvalidOptions {
        /// What is wrong with them.
        reason: &'static str,
    },
}

impl SanitizeError {
    /// The stable string code of this error (never reused, never renamed).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownKind { .. } => "UnknownSensitiveKind",
            Self::UnknownAction { .. } => "UnknownRedactAction",
            Self::InvalidMessage { .. } => "InvalidLogMessage",
            Self::InvalidOptions { .. } => "InvalidSanitizeOptions",
        }
    }
}

/// Cuts an echoed name to a readable length, on a character boundary.
pub(crate) fn excerpt(input: &str) -> String {
    input.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let all = [
            SanitizeError::UnknownKind {
                name: String::new(),
            },
            SanitizeError::UnknownAction {
                name: String::new(),
            },
            SanitizeError::InvalidMessage {
                field: "id",
                reason: "",
            },
            SanitizeError::InvalidOptions { reason: "" },
        ];
        let codes: Vec<_> = all.iter().map(SanitizeError::code).collect();
        assert_eq!(
            codes,
            [
                "UnknownSensitiveKind",
                "UnknownRedactAction",
                "InvalidLogMessage",
                "InvalidSanitizeOptions"
            ]
        );
    }

    #[test]
    fn excerpt_is_bounded() {
        assert_eq!(excerpt(&"é".repeat(100)).chars().count(), 64);
    }
}
