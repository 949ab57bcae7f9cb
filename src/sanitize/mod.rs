//! The secret sanitizer: find, redact and anonymize secrets in chat text.
//!
//! - [`scan`]: every finding with its kind, byte range, confidence and, for addresses,
//!   EIP-55 validity. [`utf16_ranges`] converts the ranges for JS.
//! - [`contains_sensitive_data`]: the fast yes/no check, stopping at the first finding.
//! - [`redact`] with a [`RedactPolicy`]; [`anonymize_for_logging`] for log records.
//!
//! Detection validates what can be validated (BIP-39 checksums, Luhn and issuer
//! prefixes, base58check, EIP-55) and uses context only where the format cannot tell
//! (a 64-hex-digit key and a transaction hash look alike; a password is whatever follows
//! its cue). The scanner is one pass over the bytes with bounded look-around, so it is
//! linear on any input; it never panics.

mod anonymize;
mod api_key;
mod card;
mod cues;
mod email;
mod error;
mod keys;
mod kind;
mod offsets;
mod password;
mod redact;
mod scan;
mod seed;
mod skim;
mod text;

pub use anonymize::{anonymize_for_logging, AnonymizedMessage, KindCounts, LogMessage};
pub use error::SanitizeError;
pub use kind::{KindSet, SensitiveKind};
pub use offsets::{utf16_offsets, utf16_ranges};
pub use redact::{redact, RedactAction, RedactPolicy};
pub use scan::{contains_sensitive_data, scan, warm_up, Finding, ScanOptions};
