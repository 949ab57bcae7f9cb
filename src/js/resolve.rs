//! ENS name normalization (ENSIP-15).

use wasm_bindgen::prelude::*;

use super::convert::to_js_error;
use crate::resolve;

/// Normalizes an ENS name under ENSIP-15: the form to hash ({@link namehash}) and compare.
///
/// `normalize('RaFfY.eth') === 'raffy.eth'`; emoji lose their FE0F; the empty name stays
/// empty. Normalize every name a user typed before resolving or hashing it.
///
/// @throws {HybridEdgeError} `InvalidName` when the name breaks an ENSIP-15 rule; the
/// message names the label and the rule, as the reference implementation words it (for
/// example `disallowed character: {20}` or `illegal mixture: Latin + Greek "α" {3B1}`).
#[wasm_bindgen]
pub fn normalize(name: &str) -> Result<String, JsValue> {
    resolve::normalize(name).map_err(to_js_error)
}

/// The ENSIP-15 display form of a name: normalized, but emoji keep their FE0F and `ξ`
/// becomes `Ξ` outside Greek labels. Show this; hash and compare {@link normalize}'s form.
///
/// @throws {HybridEdgeError} `InvalidName`, as {@link normalize}.
#[wasm_bindgen]
pub fn beautify(name: &str) -> Result<String, JsValue> {
    resolve::beautify(name).map_err(to_js_error)
}
