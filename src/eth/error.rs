use thiserror::Error;

/// Why an address or a name was refused.
///
/// Each variant has a stable [`code`](EthError::code), the `code` of the JS `Error`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EthError {
    /// Not `0x` followed by exactly 40 hexadecimal digits.
    #[error("invalid address {input:?}: expected 0x followed by 40 hex digits")]
    InvalidAddress {
        /// The rejected input, cut to 64 characters.
        input: String,
    },
    /// Mixed-case hex whose EIP-55 checksum does not hold: probably a typo.
    #[error("address {input} fails its EIP-55 checksum (expected {expected})")]
    InvalidAddressChecksum {
        /// The rejected input.
        input: String,
        /// The correctly checksummed form of the same 20 bytes.
        expected: String,
    },
    /// A name that cannot be hashed or encoded (for example an empty label).
    #[error("invalid name: {reason}")]
    InvalidName {
        /// What is wrong with it.
        reason: String,
    },
}

impl EthError {
    /// The stable string code of this error (never reused, never renamed).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidAddress { .. } => "InvalidAddress",
            Self::InvalidAddressChecksum { .. } => "InvalidAddressChecksum",
            Self::InvalidName { .. } => "InvalidName",
        }
    }
}

/// Cuts untrusted input echoed in an error message to a readable length.
pub(crate) fn excerpt(input: &str) -> String {
    const MAX: usize = 64;
    match input.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &input[..cut]),
        None => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let all = [
            EthError::InvalidAddress {
                input: String::new(),
            },
            EthError::InvalidAddressChecksum {
                input: String::new(),
                expected: String::new(),
            },
            EthError::InvalidName {
                reason: String::new(),
            },
        ];
        let codes: Vec<_> = all.iter().map(EthError::code).collect();
        assert_eq!(
            codes,
            ["InvalidAddress", "InvalidAddressChecksum", "InvalidName"]
        );
    }

    #[test]
    fn excerpt_cuts_on_char_boundaries() {
        let long = "é".repeat(100);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 65);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt("short"), "short");
    }
}
