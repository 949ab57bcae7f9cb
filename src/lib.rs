//! # hybrid-edge
//!
//! End-to-end encryption, a secret sanitizer, an ENS resolver and a resilient WebSocket
//! transport for messaging agents and web mini apps, compiled to WebAssembly and shipped as
//! the `hybrid-edge` npm package for browsers, Node and Cloudflare Workers.
//!
//! ## Design
//!
//! ```text
//!   JS (browser / Node / workerd)
//!        │  pkg/{browser,node,workerd}.js  — per-runtime entry, one wasm-bindgen output
//!        ▼
//!   src/js/        #[wasm_bindgen] facade: parse arguments, call the core, convert results
//!        │
//!        ├──▶ src/platform/  IO drivers (wasm32): fetch with gloo-net, timers — the resolver's
//!        │                   async API around its sans-IO core
//!        ▼
//!   src/eth/       core: plain Rust, no I/O, no clock, no JS — tested natively
//!   src/mls/       core: MLS groups with wallet-bound identities (openmls)
//!   src/storage/   in-memory state and change sets for write-behind persistence
//!   src/resolve/   ENS resolver core: ENSIP-15 normalize / beautify (tables built by build.rs)
//!   src/sanitize/  core: find, redact and anonymize secrets in chat text (linear-time scanner)
//!   src/transport/ core: binary wire protocol, reconnecting client, relay logic (for the DO)
//! ```
//!
//! Every capability is a sans-IO core: it takes inputs (bytes, text, time) and returns
//! outputs, and every failure is a typed error with a stable [`code`](eth::EthError::code)
//! that crosses into JS as the `code` property of an `Error`.
//!
//! Nothing reachable from untrusted input may panic: in wasm a panic aborts the instance.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod eth;
pub mod mls;
pub mod resolve;
pub mod sanitize;
pub mod storage;
pub mod transport;

#[cfg(target_arch = "wasm32")]
pub mod js;
#[cfg(target_arch = "wasm32")]
pub mod platform;
