//! Ethereum address and ENS name primitives shared by every capability.
//!
//! - [`to_checksum_address`] / [`shorten_address`]: EIP-55 addresses.
//! - [`namehash`] (EIP-137) and [`dns_encode`] (ENSIP-10 DNS wire format).
//!
//! These take names as given: ENSIP-15 normalization belongs to the resolver and must run
//! before a user-typed name is hashed.

mod address;
mod ens;
mod error;

pub use address::{parse_address, shorten_address, to_checksum_address};
pub use ens::{dns_encode, labelhash, namehash};
pub(crate) use error::excerpt;
pub use error::EthError;
