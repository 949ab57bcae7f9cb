//! The `#[wasm_bindgen]` facade: parse JS arguments, call the core, convert results.
//! No logic lives here; each capability has one file. Public so that the wasm tests
//! (`tests/wasm.rs`) call the same functions JS does; JS users see them through `pkg/`.

mod convert;
pub mod eth;
pub mod mls;
pub mod resolve;
pub mod sanitize;
pub mod transport;

use wasm_bindgen::prelude::*;

/// Runs once when the module is instantiated. It only installs the panic hook: nothing here
/// may draw random numbers, which Cloudflare Workers forbid at global scope.
#[wasm_bindgen(start, skip_typescript)]
fn start() {
    console_error_panic_hook::set_once();
}
