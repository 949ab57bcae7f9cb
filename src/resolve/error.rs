use std::fmt;

use alloy_primitives::Address;
use thiserror::Error;

use super::normalize::{quoted_cp, safe_str_from_cps};

/// Why the resolver refused a name or failed to resolve it.
///
/// Each variant has a stable [`code`](ResolveError::code), the `code` of the JS `Error`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The name is not valid under ENSIP-15 normalization.
    #[error("invalid name: {reason}")]
    InvalidName {
        /// Which label failed and which rule it broke.
        reason: NameError,
    },
    /// A response (return or revert data) did not decode as the expected ABI type.
    #[error("malformed ABI response: {what}")]
    AbiDecode {
        /// What was being decoded.
        what: &'static str,
    },
    /// A response exceeded the size the resolver reads.
    #[error("response too large: {len} bytes (limit {max})")]
    ResponseTooLarge {
        /// Its size in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The name's resolver reverted (Universal Resolver `ResolverError`).
    #[error("the resolver reverted ({} bytes of error data)", data.len())]
    ResolverError {
        /// The resolver's revert data.
        data: Vec<u8>,
    },
    /// A CCIP-Read gateway answered with an HTTP error.
    #[error("gateway HTTP error {status}: {message}")]
    GatewayHttpError {
        /// The HTTP status.
        status: u16,
        /// The gateway's message (cut to 256 characters).
        message: String,
    },
    /// A contract reverted with something other than the errors the resolver handles.
    #[error("contract reverted{}{}", selector.map(|s| format!(" (selector 0x{})", alloy_primitives::hex::encode(s))).unwrap_or_default(), reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    ContractReverted {
        /// The first four bytes of the revert data, when there were four.
        selector: Option<[u8; 4]>,
        /// The `Error(string)` reason or `Panic` code, when decoded.
        reason: Option<String>,
    },
    /// An ERC-3668 `OffchainLookup` came from a contract other than the one called.
    #[error("OffchainLookup sender {sender} is not the called contract {expected}")]
    CcipSenderMismatch {
        /// The contract that was called.
        expected: Address,
        /// The sender in the revert.
        sender: Address,
    },
    /// An ERC-3668 `OffchainLookup` listed no URL or more than the resolver tries.
    #[error("OffchainLookup lists {count} URLs (1 to {max} allowed)")]
    CcipTooManyUrls {
        /// How many it listed.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// An ERC-3668 lookup chained more `OffchainLookup` rounds than allowed.
    #[error("more than {max} CCIP-Read rounds")]
    CcipTooManyRounds {
        /// The limit.
        max: u8,
    },
    /// Every gateway URL of an `OffchainLookup` failed (5xx, network error) or was refused
    /// (not `https:`).
    #[error("every CCIP-Read gateway failed{}", status.map(|s| format!(" (last status {s})")).unwrap_or_default())]
    CcipGatewayFailed {
        /// The last HTTP status received, if any.
        status: Option<u16>,
    },
    /// The JSON-RPC node answered with an error (not a revert).
    #[error("RPC error {code}: {message}")]
    RpcError {
        /// The JSON-RPC error code.
        code: i64,
        /// Its message (cut to 256 characters).
        message: String,
    },
    /// A JSON-RPC or gateway body was not the expected JSON.
    #[error("malformed response: {what}")]
    RpcMalformed {
        /// What was being parsed.
        what: &'static str,
    },
    /// A name that cannot be hashed or DNS-encoded (an empty label).
    #[error("name cannot be encoded: {name:?}")]
    UnencodableName {
        /// The name.
        name: String,
    },
    /// No RPC endpoint answered (network errors, timeouts, 429/5xx after the retries, on
    /// every endpoint of the chain).
    #[error("no RPC endpoint of chain {chain_id} answered{}", status.map(|s| format!(" (last status {s})")).unwrap_or_default())]
    RpcUnavailable {
        /// The chain.
        chain_id: u64,
        /// The last HTTP status received, if any.
        status: Option<u16>,
    },
    /// A lookup needs a chain that has no RPC endpoint configured (an NFT avatar on another
    /// chain).
    #[error("no RPC endpoint configured for chain {chain_id}")]
    UnsupportedChain {
        /// The chain.
        chain_id: u64,
    },
    /// An invalid resolver option (endpoint list, cache setting, chain).
    #[error("invalid resolver option: {what}")]
    InvalidResolverOptions {
        /// What was wrong.
        what: String,
    },
}

impl ResolveError {
    /// The stable string code of this error (never reused, never renamed).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidName { .. } => "InvalidName",
            Self::AbiDecode { .. } => "AbiDecode",
            Self::ResponseTooLarge { .. } => "ResponseTooLarge",
            Self::ResolverError { .. } => "ResolverError",
            Self::GatewayHttpError { .. } => "GatewayHttpError",
            Self::ContractReverted { .. } => "ContractReverted",
            Self::CcipSenderMismatch { .. } => "CcipSenderMismatch",
            Self::CcipTooManyUrls { .. } => "CcipTooManyUrls",
            Self::CcipTooManyRounds { .. } => "CcipTooManyRounds",
            Self::CcipGatewayFailed { .. } => "CcipGatewayFailed",
            Self::RpcError { .. } => "RpcError",
            Self::RpcMalformed { .. } => "RpcMalformed",
            Self::UnencodableName { .. } => "UnencodableName",
            Self::RpcUnavailable { .. } => "RpcUnavailable",
            Self::UnsupportedChain { .. } => "UnsupportedChain",
            Self::InvalidResolverOptions { .. } => "InvalidResolverOptions",
        }
    }
}

/// An ENSIP-15 failure: the rule a label broke, and the label when the name has several.
///
/// Its `Display` is the message of the reference implementation (`ens-normalize.js`), so
/// users see the same wording everywhere; code points print as `{HEX}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    /// The offending label as printable text (invisible characters escaped, long labels cut
    /// in the middle), or `None` when the name is a single label.
    pub label: Option<String>,
    /// The rule it broke.
    pub kind: LabelError,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.label {
            Some(label) => write!(f, "Invalid label \"{label}\"\u{200E}: {}", self.kind),
            None => self.kind.fmt(f),
        }
    }
}

impl std::error::Error for NameError {}

/// The ENSIP-15 rule a label broke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LabelError {
    /// Nothing left between two stops (`a..eth`), possibly after removing ignored
    /// characters.
    EmptyLabel,
    /// A character that no label may contain (or whose NFC form is not valid).
    Disallowed {
        /// The code point.
        cp: u32,
    },
    /// `_` somewhere other than a run at the start.
    UnderscoreNotLeading,
    /// An ASCII label with `--` in 3rd and 4th position (reserved, e.g. `xn--`).
    LabelExtension {
        /// The first four characters.
        prefix: String,
    },
    /// The label starts with a combining mark.
    LeadingCombiningMark,
    /// A combining mark right after an emoji.
    EmojiCombiningMark {
        /// The emoji before it, as text.
        emoji: String,
        /// The combining mark.
        cm: u32,
    },
    /// A fenced character (apostrophe, fraction slash, middle dot) starts the label.
    LeadingFenced {
        /// Its name.
        name: String,
    },
    /// Two fenced characters touch.
    AdjacentFenced {
        /// The first one's name.
        first: String,
        /// The second one's name.
        second: String,
    },
    /// A fenced character ends the label.
    TrailingFenced {
        /// Its name.
        name: String,
    },
    /// Characters of scripts that may not be mixed in one label.
    IllegalMixture {
        /// The script the label was judged to be in.
        group: String,
        /// The character outside it.
        cp: u32,
        /// The script that character belongs to, when it has one.
        cp_group: Option<String>,
    },
    /// The whole label looks like a label of another script.
    WholeScriptConfusable {
        /// The label's script.
        group: String,
        /// The script it can be mistaken for.
        other: String,
    },
    /// The same non-spacing mark twice in a row.
    DuplicateNsm {
        /// The mark.
        cp: u32,
    },
    /// More non-spacing marks in a row than the spec allows.
    ExcessiveNsm {
        /// The base character and its marks, as printable text.
        sequence: String,
        /// How many marks there are.
        count: usize,
        /// How many are allowed.
        max: usize,
    },
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyLabel => f.write_str("empty label"),
            Self::Disallowed { cp } => write!(f, "disallowed character: {}", quoted_cp(*cp)),
            Self::UnderscoreNotLeading => f.write_str("underscore allowed only at start"),
            Self::LabelExtension { prefix } => write!(f, "invalid label extension: \"{prefix}\""),
            Self::LeadingCombiningMark => f.write_str("illegal placement: leading combining mark"),
            Self::EmojiCombiningMark { emoji, cm } => write!(
                f,
                "illegal placement: emoji + combining mark: \"{emoji} + {}\"",
                safe_str_from_cps(&[*cm], usize::MAX)
            ),
            Self::LeadingFenced { name } => write!(f, "illegal placement: leading {name}"),
            Self::AdjacentFenced { first, second } => {
                write!(f, "illegal placement: {first} + {second}")
            }
            Self::TrailingFenced { name } => write!(f, "illegal placement: trailing {name}"),
            Self::IllegalMixture {
                group,
                cp,
                cp_group,
            } => {
                write!(f, "illegal mixture: {group} + ")?;
                if let Some(other) = cp_group {
                    write!(f, "{other} ")?;
                }
                f.write_str(&quoted_cp(*cp))
            }
            Self::WholeScriptConfusable { group, other } => {
                write!(f, "whole-script confusable: {group}/{other}")
            }
            Self::DuplicateNsm { cp } => {
                write!(f, "duplicate non-spacing marks: {}", quoted_cp(*cp))
            }
            Self::ExcessiveNsm {
                sequence,
                count,
                max,
            } => write!(
                f,
                "excessive non-spacing marks: \"{sequence}\"\u{200E} ({count}/{max})"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let all = [
            ResolveError::InvalidName {
                reason: NameError {
                    label: None,
                    kind: LabelError::EmptyLabel,
                },
            },
            ResolveError::AbiDecode { what: "x" },
            ResolveError::ResponseTooLarge { len: 2, max: 1 },
            ResolveError::ResolverError { data: vec![] },
            ResolveError::GatewayHttpError {
                status: 500,
                message: String::new(),
            },
            ResolveError::ContractReverted {
                selector: None,
                reason: None,
            },
            ResolveError::CcipSenderMismatch {
                expected: Address::ZERO,
                sender: Address::ZERO,
            },
            ResolveError::CcipTooManyUrls { count: 9, max: 8 },
            ResolveError::CcipTooManyRounds { max: 4 },
            ResolveError::CcipGatewayFailed { status: None },
            ResolveError::RpcError {
                code: -32000,
                message: String::new(),
            },
            ResolveError::RpcMalformed { what: "x" },
            ResolveError::UnencodableName {
                name: String::new(),
            },
            ResolveError::RpcUnavailable {
                chain_id: 1,
                status: None,
            },
            ResolveError::UnsupportedChain { chain_id: 1 },
            ResolveError::InvalidResolverOptions {
                what: String::new(),
            },
        ];
        let codes: Vec<_> = all.iter().map(ResolveError::code).collect();
        assert_eq!(
            codes,
            [
                "InvalidName",
                "AbiDecode",
                "ResponseTooLarge",
                "ResolverError",
                "GatewayHttpError",
                "ContractReverted",
                "CcipSenderMismatch",
                "CcipTooManyUrls",
                "CcipTooManyRounds",
                "CcipGatewayFailed",
                "RpcError",
                "RpcMalformed",
                "UnencodableName",
                "RpcUnavailable",
                "UnsupportedChain",
                "InvalidResolverOptions"
            ]
        );
    }

    #[test]
    fn messages_name_the_label_and_code_point() {
        let err = ResolveError::InvalidName {
            reason: NameError {
                label: Some("a b".into()),
                kind: LabelError::Disallowed { cp: 0x20 },
            },
        };
        assert_eq!(
            err.to_string(),
            "invalid name: Invalid label \"a b\"\u{200E}: disallowed character: \" \"\u{200E} {20}"
        );
    }
}
