//! End-to-end encryption with MLS (RFC 9420) and wallet-bound identities.
//!
//! - [`IdentityRequest`] → statement for the wallet to sign → [`Identity`]: an installation
//!   key bound to a wallet address (format: `docs/identity.md`).
//! - [`Client`]: key packages, groups and DMs, [`encrypt`](Client::encrypt),
//!   [`process`](Client::process) into typed [`Event`]s, membership changes and key rotation.
//!   Every credential that arrives is verified before it is accepted.
//! - [`peek_header`]: the clear framing of a group message, for a relay to order commits.
//!
//! Built on openmls with the RustCrypto provider. Every byte string in and out is a standard
//! `MLSMessage`. State lives in a [`MlsStore`](crate::storage::MlsStore); take its
//! [`ChangeSet`](crate::storage::ChangeSet) after every call with
//! [`Client::take_changes`] and persist it before reporting success.

mod ciphersuite;
mod client;
mod config;
mod convert;
mod crypto;
mod error;
mod event;
mod group_ops;
mod header;
mod hpke_memo;
mod hpke_prng;
mod identity;
mod process_many;
mod provider;
mod recent;
mod recover;
mod signer;
mod verify;

pub use ciphersuite::Suite;
pub use client::Client;
pub use config::ClientConfig;
pub use error::MlsError;
pub use event::{Changes, CommitOutput, Event};
pub use header::{peek_header, MessageContentType, MessageHeader};
pub use identity::{
    installation_id, statement, verify_binding, Identity, IdentityRequest, MemberIdentity,
};

pub(crate) use crate::eth::excerpt;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod process_many_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod interop_tests;
