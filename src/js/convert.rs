//! Conversions between core types and JS values, in one place.

use wasm_bindgen::prelude::*;

/// A core error that crosses into JS as an `Error` with a stable `code`.
pub(crate) trait CodedError: std::error::Error {
    /// The stable string code (`err.code` in JS).
    fn code(&self) -> &'static str;
}

impl CodedError for crate::eth::EthError {
    fn code(&self) -> &'static str {
        crate::eth::EthError::code(self)
    }
}

impl CodedError for crate::resolve::ResolveError {
    fn code(&self) -> &'static str {
        crate::resolve::ResolveError::code(self)
    }
}

impl CodedError for crate::sanitize::SanitizeError {
    fn code(&self) -> &'static str {
        crate::sanitize::SanitizeError::code(self)
    }
}

/// Builds `Object.assign(new Error(message), { name: 'HybridEdgeError', code })`; the message
/// carries the whole cause chain.
pub(crate) fn to_js_error<E: CodedError>(err: E) -> JsValue {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    let js = js_sys::Error::new(&message);
    js.set_name("HybridEdgeError");
    // Reflect.set on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&js, &"code".into(), &err.code().into());
    js.into()
}

/// Lower-case `0x`-prefixed hex, the form JS libraries (viem) use for bytes and hashes.
pub(crate) fn hex_string(bytes: &[u8]) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}

#[wasm_bindgen(typescript_custom_section)]
const ERROR_TYPES: &'static str = r#"
/** Every `code` a hybrid-edge `Error` can carry. Codes are stable: never renamed or reused. */
export type HybridEdgeErrorCode =
  | 'InvalidAddress'
  | 'InvalidAddressChecksum'
  | 'InvalidName'
  | 'AbiDecode'
  | 'ResponseTooLarge'
  | 'ResolverError'
  | 'GatewayHttpError'
  | 'ContractReverted'
  | 'CcipSenderMismatch'
  | 'CcipTooManyUrls'
  | 'CcipTooManyRounds'
  | 'CcipGatewayFailed'
  | 'RpcError'
  | 'RpcMalformed'
  | 'UnencodableName'
  | 'UnknownSensitiveKind'
  | 'UnknownRedactAction'
  | 'InvalidLogMessage'
  | 'InvalidSanitizeOptions';

/** The errors hybrid-edge throws (or rejects promises with): an `Error` with a stable `code`. */
export interface HybridEdgeError extends Error {
  name: 'HybridEdgeError';
  code: HybridEdgeErrorCode;
}
"#;
