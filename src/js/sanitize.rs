//! The sanitizer: `scan`, `containsSensitiveData`, `redact`, `anonymizeForLogging`.
//! Offsets cross into JS as UTF-16 code units (`text.slice(start, end)` is the secret).

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::convert::to_js_error;
use crate::sanitize::{
    self, KindSet, LogMessage, RedactAction, RedactPolicy, SanitizeError, ScanOptions,
    SensitiveKind,
};

#[wasm_bindgen(typescript_custom_section)]
const SANITIZE_TYPES: &'static str = r#"
/** What the sanitizer finds. `eth_address` and `email` are sensitive only by policy. */
export type SensitiveKind =
  | 'private_key'
  | 'seed_phrase'
  | 'password'
  | 'card_number'
  | 'eth_address'
  | 'email'
  | 'api_key';

/** One finding; `text.slice(start, end)` is the secret (UTF-16 code-unit offsets). */
export interface Finding {
  kind: SensitiveKind;
  start: number;
  end: number;
  /** 0–1: checksummed formats near 1, values found by context (passwords, hex keys) lower. */
  confidence: number;
  /** `eth_address` only: whether the EIP-55 checksum holds (all-lower/upper case counts as valid). */
  valid?: boolean;
}

/** Options of {@link scan}. */
export interface ScanOptions {
  /** The kinds to report (default: all). */
  kinds?: SensitiveKind[];
}

/**
 * What {@link redact} does with a kind: `keep` it, `shorten` it to a non-secret hint
 * (`0x1234…abcd`, `****1234`, `a***@domain`; secrets are masked), `mask` it as
 * `[REDACTED:<kind>]`, or `remove` it.
 */
export type RedactAction = 'keep' | 'shorten' | 'mask' | 'remove';

/**
 * Per-kind actions; kinds left out keep the default: keys, seed phrases, passwords and API
 * keys `mask`, cards, addresses and e-mails `shorten`.
 */
export type RedactPolicy = Partial<Record<SensitiveKind, RedactAction>>;

/** A message as it arrives, for {@link anonymizeForLogging}. */
export interface LogMessage {
  id: string;
  sender: string;
  content: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
}

/** A log record without content: what the message held, counted per kind. */
export interface AnonymizedMessage {
  id: string;
  /** Shortened: `0x1234…abcd`, `a***@domain`, or the first four characters and `…`. */
  sender: string;
  /** `content.length` (UTF-16 code units). */
  contentLength: number;
  timestamp: number;
  findings: Record<SensitiveKind, number>;
}
"#;

/// Finds secrets in `text`: `{ kind, start, end, confidence, valid? }[]`, sorted, without
/// overlaps, with UTF-16 offsets.
///
/// @throws {HybridEdgeError} `UnknownSensitiveKind` for a name in `options.kinds` that is
/// not a {@link SensitiveKind}; `InvalidSanitizeOptions` if `options` is not an object.
#[wasm_bindgen(unchecked_return_type = "Finding[]")]
pub fn scan(
    text: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "ScanOptions")] options: Option<JsValue>,
) -> Result<Array, JsValue> {
    let kinds = match options.filter(|o| !o.is_null()) {
        None => KindSet::ALL,
        Some(options) => {
            let kinds = field(&options, "kinds")?;
            if kinds.is_undefined() {
                KindSet::ALL
            } else {
                kind_set(&kinds)?
            }
        }
    };
    let found = sanitize::scan(text, &ScanOptions { kinds });
    let ranges = sanitize::utf16_ranges(text, &found);
    let out = Array::new_with_length(found.len() as u32);
    for (i, (f, (start, end))) in found.iter().zip(ranges).enumerate() {
        let obj = Object::new();
        set(&obj, "kind", &f.kind.as_str().into());
        set(&obj, "start", &(start as f64).into());
        set(&obj, "end", &(end as f64).into());
        set(&obj, "confidence", &f64::from(f.confidence).into());
        if let Some(valid) = f.valid {
            set(&obj, "valid", &valid.into());
        }
        out.set(i as u32, obj.into());
    }
    Ok(out)
}

/// Whether `text` holds a secret: any finding of `kinds` (default: every kind but
/// `eth_address` and `email`). The fast path: stops at the first finding.
///
/// @throws {HybridEdgeError} `UnknownSensitiveKind` for a name in `kinds` that is not a
/// {@link SensitiveKind}.
#[wasm_bindgen(js_name = containsSensitiveData)]
pub fn contains_sensitive_data(
    text: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "SensitiveKind[]")] kinds: Option<JsValue>,
) -> Result<bool, JsValue> {
    let kinds = match kinds.filter(|k| !k.is_null()) {
        None => KindSet::SENSITIVE,
        Some(kinds) => kind_set(&kinds)?,
    };
    Ok(sanitize::contains_sensitive_data(text, kinds))
}

/// Returns `text` with its secrets rewritten by `policy` (see {@link RedactPolicy} for the
/// default). The result is stable: redacting it again changes nothing.
///
/// @throws {HybridEdgeError} `UnknownSensitiveKind` for a key of `policy` that is not a
/// {@link SensitiveKind}, `UnknownRedactAction` for a value that is not a
/// {@link RedactAction}, `InvalidSanitizeOptions` if `policy` is not an object.
#[wasm_bindgen]
pub fn redact(
    text: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "RedactPolicy")] policy: Option<JsValue>,
) -> Result<String, JsValue> {
    let mut parsed = RedactPolicy::default();
    if let Some(policy) = policy.filter(|p| !p.is_null()) {
        let obj = object(&policy, "policy must be an object")?;
        for key in Object::keys(obj) {
            let name = key.as_string().unwrap_or_default();
            let kind: SensitiveKind = name.parse().map_err(to_js_error)?;
            let action = Reflect::get(obj, &key)?
                .as_string()
                .ok_or(SanitizeError::UnknownAction {
                    name: "(not a string)".into(),
                })
                .and_then(|a| a.parse::<RedactAction>())
                .map_err(to_js_error)?;
            parsed.set(kind, action);
        }
    }
    Ok(sanitize::redact(text, &parsed))
}

/// Turns a message into a log record: `{ id, sender, contentLength, timestamp, findings }`
/// with the sender shortened and findings counted per kind; never any content.
///
/// @throws {HybridEdgeError} `InvalidLogMessage` when a field is missing or of the wrong
/// type (`id`, `sender`, `content`: strings; `timestamp`: a non-negative integer).
#[wasm_bindgen(
    js_name = anonymizeForLogging,
    unchecked_return_type = "AnonymizedMessage"
)]
pub fn anonymize_for_logging(
    #[wasm_bindgen(unchecked_param_type = "LogMessage")] message: JsValue,
) -> Result<Object, JsValue> {
    let text = |name: &'static str| -> Result<String, JsValue> {
        field(&message, name)?
            .as_string()
            .ok_or_else(|| invalid_message(name, "must be a string"))
    };
    let (id, sender, content) = (text("id")?, text("sender")?, text("content")?);
    let timestamp = field(&message, "timestamp")?
        .as_f64()
        .filter(|t| t.is_finite() && *t >= 0.0 && t.fract() == 0.0 && *t <= 9_007_199_254_740_991.0)
        .ok_or_else(|| invalid_message("timestamp", "must be a non-negative integer"))?;
    let record = sanitize::anonymize_for_logging(&LogMessage {
        id: &id,
        sender: &sender,
        content: &content,
        timestamp: timestamp as u64,
    });
    let findings = Object::new();
    for kind in SensitiveKind::ALL {
        set(&findings, kind.as_str(), &record.findings.get(kind).into());
    }
    let obj = Object::new();
    set(&obj, "id", &record.id.into());
    set(&obj, "sender", &record.sender.into());
    set(
        &obj,
        "contentLength",
        &(record.content_length as f64).into(),
    );
    set(&obj, "timestamp", &(record.timestamp as f64).into());
    set(&obj, "findings", &findings.into());
    Ok(obj)
}

fn invalid_message(field: &'static str, reason: &'static str) -> JsValue {
    to_js_error(SanitizeError::InvalidMessage { field, reason })
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &key.into(), value);
}

fn object<'a>(value: &'a JsValue, reason: &'static str) -> Result<&'a Object, JsValue> {
    value
        .dyn_ref::<Object>()
        .filter(|_| value.is_object())
        .ok_or_else(|| to_js_error(SanitizeError::InvalidOptions { reason }))
}

fn field(value: &JsValue, name: &'static str) -> Result<JsValue, JsValue> {
    let obj = object(value, "expected an object")?;
    Reflect::get(obj, &name.into())
}

/// `SensitiveKind[]` → [`KindSet`].
fn kind_set(kinds: &JsValue) -> Result<KindSet, JsValue> {
    if !Array::is_array(kinds) {
        return Err(to_js_error(SanitizeError::InvalidOptions {
            reason: "kinds must be an array of kind names",
        }));
    }
    let mut set = KindSet::EMPTY;
    for name in Array::from(kinds).iter() {
        let name = name.as_string().unwrap_or_default();
        set = set.with(name.parse().map_err(to_js_error)?);
    }
    Ok(set)
}

// ── The allocation-free path that `pkg/sanitize.js` takes for `scan` and
// `containsSensitiveData`: the JS layer encodes the text with `TextEncoder.encodeInto`
// straight into `INPUT` (in wasm memory) and reads findings as numbers from `OUTPUT`.
// wasm-bindgen's string passing allocates, copies a character at a time and frees on every
// call, and building each finding with `Reflect.set` crosses into JS once per field.

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Five `u32` per finding of the last `__scanIn`: kind index, UTF-16 start, UTF-16
    /// end, confidence (`f32` bits), validity (0 none, 1 invalid, 2 valid).
    static OUTPUT: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

/// What `__containsIn` and `__scanIn` answer when the input is not UTF-8 or longer than the
/// buffer: the JS layer then calls the ordinary function, which reports errors as usual.
const NOT_TEXT: i32 = -1;

/// Internal (`pkg/sanitize.js`): makes the input buffer `capacity` bytes and returns its
/// address in wasm memory, or 0 when the memory cannot grow that far (the JS layer then
/// takes the ordinary path instead of aborting the instance on a failed allocation).
#[doc(hidden)]
#[wasm_bindgen(js_name = __sanitizeInput, skip_typescript)]
pub fn sanitize_input(capacity: usize) -> usize {
    INPUT.with_borrow_mut(|input| {
        input.clear();
        input.shrink_to(capacity);
        if input.try_reserve_exact(capacity).is_err() {
            input.shrink_to_fit();
            return 0;
        }
        input.resize(capacity, 0);
        input.as_ptr() as usize
    })
}

/// Internal (`pkg/sanitize.js`): the wasm memory, to write the input and read findings.
#[doc(hidden)]
#[wasm_bindgen(js_name = __sanitizeMemory, skip_typescript)]
pub fn sanitize_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Internal (`pkg/sanitize.js`): the kind names in the order of their indices.
#[doc(hidden)]
#[wasm_bindgen(js_name = __sanitizeKindNames, skip_typescript)]
pub fn sanitize_kind_names() -> Array {
    SensitiveKind::ALL
        .iter()
        .map(|k| JsValue::from_str(k.as_str()))
        .collect()
}

/// Internal (`pkg/sanitize.js`): `kinds` (a `SensitiveKind[]`, or `null`/`undefined` for
/// the default: sensitive kinds if `sensitive`, else all) as bits.
#[doc(hidden)]
#[wasm_bindgen(js_name = __sanitizeKindMask, skip_typescript)]
pub fn sanitize_kind_mask(kinds: Option<JsValue>, sensitive: bool) -> Result<u32, JsValue> {
    let set = match kinds.filter(|k| !k.is_null()) {
        None if sensitive => KindSet::SENSITIVE,
        None => KindSet::ALL,
        Some(kinds) => kind_set(&kinds)?,
    };
    Ok(set.bits().into())
}

/// Runs `f` on the first `len` bytes of the input buffer as text, or `None` if they are
/// not UTF-8 (or `len` is past the buffer).
fn with_input<R>(len: usize, f: impl FnOnce(&str) -> R) -> Option<R> {
    INPUT.with_borrow(|input| {
        let bytes = input.get(..len)?;
        std::str::from_utf8(bytes).ok().map(f)
    })
}

/// Internal (`pkg/sanitize.js`): `containsSensitiveData` on the input buffer: 1 or 0, or
/// -1 if it does not hold `len` bytes of UTF-8.
#[doc(hidden)]
#[wasm_bindgen(js_name = __containsIn, skip_typescript)]
pub fn contains_in(len: usize, kinds: u32) -> i32 {
    with_input(len, |text| {
        i32::from(sanitize::contains_sensitive_data(
            text,
            KindSet::from_bits(kinds),
        ))
    })
    .unwrap_or(NOT_TEXT)
}

/// Internal (`pkg/sanitize.js`): `scan` on the input buffer; returns the number of
/// findings written to the output buffer, or -1 if the input is not `len` bytes of UTF-8.
#[doc(hidden)]
#[wasm_bindgen(js_name = __scanIn, skip_typescript)]
pub fn scan_in(len: usize, kinds: u32) -> i32 {
    with_input(len, |text| {
        let options = ScanOptions {
            kinds: KindSet::from_bits(kinds),
        };
        let found = sanitize::scan(text, &options);
        let ranges = sanitize::utf16_ranges(text, &found);
        OUTPUT.with_borrow_mut(|out| {
            out.clear();
            for (f, (start, end)) in found.iter().zip(ranges) {
                let valid = match f.valid {
                    None => 0,
                    Some(false) => 1,
                    Some(true) => 2,
                };
                // Offsets are below 2^32: the text came from a JS string in wasm memory.
                out.extend([
                    f.kind.index() as u32,
                    start as u32,
                    end as u32,
                    f.confidence.to_bits(),
                    valid,
                ]);
            }
        });
        i32::try_from(found.len()).unwrap_or(i32::MAX)
    })
    .unwrap_or(NOT_TEXT)
}

/// Internal (`pkg/sanitize.js`): the address of the findings of the last `__scanIn`.
#[doc(hidden)]
#[wasm_bindgen(js_name = __sanitizeOutput, skip_typescript)]
pub fn sanitize_output() -> usize {
    OUTPUT.with_borrow(|out| out.as_ptr() as usize)
}
