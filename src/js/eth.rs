//! Address and ENS name primitives.

use wasm_bindgen::prelude::*;

use super::convert::{hex_string, to_js_error};
use crate::eth;

/// Returns the EIP-55 checksummed form of `address`.
///
/// Accepts `0x` + 40 hex digits in all-lowercase, all-uppercase, or correctly checksummed
/// mixed case.
///
/// @throws {HybridEdgeError} `InvalidAddressChecksum` for mixed case whose checksum is wrong
/// (likely a typo), `InvalidAddress` for anything that is not `0x` + 40 hex digits.
#[wasm_bindgen(js_name = toChecksumAddress)]
pub fn to_checksum_address(address: &str) -> Result<String, JsValue> {
    eth::to_checksum_address(address).map_err(to_js_error)
}

/// Shortens an address for display and logs: `0x1234…abcd` (checksummed case).
///
/// @throws {HybridEdgeError} `InvalidAddress` or `InvalidAddressChecksum`, as
/// {@link toChecksumAddress}.
#[wasm_bindgen(js_name = shortenAddress)]
pub fn shorten_address(address: &str) -> Result<String, JsValue> {
    eth::shorten_address(address).map_err(to_js_error)
}

/// EIP-137 namehash of `name` as `0x` + 64 lowercase hex digits. A label written
/// `[<64 hex>]` stands for its labelhash.
///
/// The name is hashed as given: normalize user input (ENSIP-15) first.
///
/// @throws {HybridEdgeError} `InvalidName` on an empty label.
#[wasm_bindgen]
pub fn namehash(name: &str) -> Result<String, JsValue> {
    eth::namehash(name)
        .map(|h| hex_string(h.as_slice()))
        .map_err(to_js_error)
}

/// `keccak256` of one label as `0x` + 64 hex digits (or the hash an encoded `[<hex>]`
/// label stands for).
#[wasm_bindgen]
pub fn labelhash(label: &str) -> String {
    hex_string(eth::labelhash(label).as_slice())
}

/// DNS wire-format encoding of `name` (as the Universal Resolver takes it), as `0x` hex.
/// Labels over 255 bytes become their encoded labelhash `[<64 hex>]`, as ENS does.
///
/// @throws {HybridEdgeError} `InvalidName` on an empty label.
#[wasm_bindgen(js_name = dnsEncode)]
pub fn dns_encode(name: &str) -> Result<String, JsValue> {
    eth::dns_encode(name)
        .map(|b| hex_string(&b))
        .map_err(to_js_error)
}
