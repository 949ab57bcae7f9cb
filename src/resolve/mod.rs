//! The ENS resolver (issue 5): ENSIP-15 name normalization, the contract ABIs and the
//! sans-IO resolution core.
//!
//! - [`normalize`]: the ENSIP-15 form of a name, to hash ([`crate::eth::namehash`]) and
//!   compare; [`beautify`]: the form to display.
//! - [`abi`]: `sol!` definitions of the Universal Resolver, resolver records, Multicall3,
//!   ERC-3668 and the NFT interfaces, with bounded decoders for every response.
//! - [`plan`]: the [`plan::Planner`], which emits `eth_call` and CCIP-Read requests and
//!   consumes their answers; the caller does the IO.
//! - [`cache`]: the TTL + LRU cache with stale-while-revalidate, in-flight coalescing and
//!   snapshots for persistent backends.
//! - [`job`]: multi-step queries across chains (Base reverse with the L2 fallback, ENSIP-12
//!   avatars with NFT ownership) as one sans-IO job, plus the retry and redirect policies.
//! - [`resolver`]: the cache in front of jobs, coalescing tickets, names in chat text.
//!   Its IO driver, the async API (`resolve_address`, `lookup_name`, `resolve_many`, …),
//!   is `platform::resolver::Resolver` (wasm32: `fetch` through gloo-net).
//! - [`ResolveError`]: every failure, with a stable code.
//!
//! Normalization tables are generated at build time from the published spec
//! (`data/ensip15/`) and decoded once, on the first label that is not plain ASCII letters,
//! digits, `-` and `_` (a millisecond or two natively); plain names never need them.

pub mod abi;
pub mod cache;
mod error;
pub mod job;
mod normalize;
pub mod plan;
pub mod resolver;

pub use error::{LabelError, NameError, ResolveError};
pub use normalize::{beautify, normalize};
