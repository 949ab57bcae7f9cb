//! The host: the only place that touches `fetch` (gloo-net), `web-sys`, timers and
//! `Math.random`. wasm32 only.
//!
//! - [`fetch`]: one HTTP request through the runtime's `fetch` (no credentials, manual
//!   redirects, an `AbortSignal` timeout), bodies read under a cap, a `setTimeout` sleep.
//! - [`resolver`]: the async IO driver of the sans-IO resolver core
//!   ([`crate::resolve::resolver`]): `resolve_address`, `lookup_name`, `resolve_many`, …

pub mod fetch;
pub mod resolver;
