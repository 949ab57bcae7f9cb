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

impl CodedError for crate::mls::MlsError {
    fn code(&self) -> &'static str {
        crate::mls::MlsError::code(self)
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

impl CodedError for crate::transport::TransportError {
    fn code(&self) -> &'static str {
        crate::transport::TransportError::code(self)
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

/// A plain object from `(key, value)` pairs (Reflect.set on a fresh object cannot fail).
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = js_sys::Object::new();
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&obj, &(*key).into(), value);
    }
    obj.into()
}

fn bytes(b: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(b).into()
}

/// Seqs, epochs and times as JS numbers (exact below 2^53).
fn number(n: u64) -> JsValue {
    (n as f64).into()
}

/// A topic name from JS; throws `InvalidTopic`.
pub(crate) fn topic(name: &str) -> Result<crate::transport::Topic, JsValue> {
    crate::transport::Topic::new(name).map_err(to_js_error)
}

/// A 16-byte idempotency id from JS; throws `Malformed`.
pub(crate) fn message_id(id: &[u8]) -> Result<crate::transport::MessageId, JsValue> {
    <[u8; 16]>::try_from(id)
        .map(crate::transport::MessageId)
        .map_err(|_| {
            to_js_error(crate::transport::TransportError::Malformed {
                reason: "a message id must be 16 bytes",
            })
        })
}

/// Relay outputs as `[{ conn, bytes }]`.
pub(crate) fn sends_to_js(outputs: Vec<crate::transport::relay::RelayOutput>) -> js_sys::Array {
    outputs
        .into_iter()
        .map(
            |crate::transport::relay::RelayOutput::Send { conn, bytes: b }| {
                object(&[("conn", number(conn.0)), ("bytes", bytes(&b))])
            },
        )
        .collect()
}

/// A pending auth as `{ installation, nonce, signature }`, or `undefined`.
pub(crate) fn auth_to_js(auth: Option<(Vec<u8>, [u8; 32], Vec<u8>)>) -> JsValue {
    match auth {
        Some((installation, nonce, signature)) => object(&[
            ("installation", bytes(&installation)),
            ("nonce", bytes(&nonce)),
            ("signature", bytes(&signature)),
        ]),
        None => JsValue::UNDEFINED,
    }
}

/// A relay change as the `RelayChange` object of the TypeScript types.
pub(crate) fn change_to_js(change: crate::transport::relay::Change) -> JsValue {
    use crate::transport::relay::Change;
    match change {
        Change::Appended {
            topic,
            seq,
            id,
            payload,
            at,
        } => object(&[
            ("kind", "append".into()),
            ("topic", topic.as_str().into()),
            ("seq", number(seq)),
            ("id", bytes(&id.0)),
            ("payload", bytes(&payload)),
            ("at", number(at)),
        ]),
        Change::Epoch { topic, epoch } => object(&[
            ("kind", "epoch".into()),
            ("topic", topic.as_str().into()),
            ("epoch", number(epoch)),
        ]),
        Change::KeyPackagesPut {
            owner,
            one_time,
            last_resort,
        } => object(&[
            ("kind", "keyPackages".into()),
            ("owner", bytes(&owner)),
            (
                "oneTime",
                one_time
                    .iter()
                    .map(|kp| bytes(kp))
                    .collect::<js_sys::Array>()
                    .into(),
            ),
            (
                "lastResort",
                last_resort.as_deref().map_or(JsValue::UNDEFINED, bytes),
            ),
        ]),
        Change::Members { topic, members } => object(&[
            ("kind", "members".into()),
            ("topic", topic.as_str().into()),
            ("members", bytes(&members.concat())),
        ]),
        Change::KeyPackageClaimed { owner } => {
            object(&[("kind", "claim".into()), ("owner", bytes(&owner))])
        }
        Change::Pruned { before } => {
            object(&[("kind", "prune".into()), ("before", number(before))])
        }
    }
}

/// A client transmit as the `TransportTransmit` object of the TypeScript types.
pub(crate) fn transmit_to_js(transmit: crate::transport::Transmit) -> JsValue {
    use crate::transport::Transmit;
    match transmit {
        Transmit::Connect { conn } => {
            object(&[("kind", "connect".into()), ("conn", number(conn.0))])
        }
        Transmit::Send { conn, bytes: b } => object(&[
            ("kind", "send".into()),
            ("conn", number(conn.0)),
            ("bytes", bytes(&b)),
        ]),
        Transmit::Close { conn } => object(&[("kind", "close".into()), ("conn", number(conn.0))]),
    }
}

fn opt<T>(value: Option<T>, f: impl FnOnce(T) -> JsValue) -> JsValue {
    value.map_or(JsValue::UNDEFINED, f)
}

/// The stable name of a relay error frame (the `ErrorFrame` variant).
fn error_frame_code(e: &crate::transport::ErrorFrame) -> &'static str {
    use crate::transport::ErrorFrame;
    match e {
        ErrorFrame::RateLimited { .. } => "RateLimited",
        ErrorFrame::StaleEpoch { .. } => "StaleEpoch",
        ErrorFrame::Unauthorized { .. } => "Unauthorized",
        ErrorFrame::FrameTooLarge { .. } => "FrameTooLarge",
        ErrorFrame::Malformed => "Malformed",
        ErrorFrame::UnsupportedVersion { .. } => "UnsupportedVersion",
        ErrorFrame::TooManySubscriptions { .. } => "TooManySubscriptions",
        ErrorFrame::NoKeyPackage { .. } => "NoKeyPackage",
    }
}

/// A client event as the `TransportEvent` object of the TypeScript types.
pub(crate) fn event_to_js(event: crate::transport::Event) -> JsValue {
    use crate::transport::Event;
    let kind = |t: &str| ("type", JsValue::from(t));
    let topic_of = |t: crate::transport::Topic| JsValue::from(t.as_str());
    match event {
        Event::Connected => object(&[kind("connected")]),
        Event::Disconnected => object(&[kind("disconnected")]),
        Event::Reconnecting { attempt, delay_ms } => object(&[
            kind("reconnecting"),
            ("attempt", attempt.into()),
            ("delayMs", number(delay_ms)),
        ]),
        Event::Failed { attempts } => object(&[kind("failed"), ("attempts", attempts.into())]),
        Event::AuthChallenge { nonce } => {
            object(&[kind("authChallenge"), ("nonce", bytes(&nonce))])
        }
        Event::RateLimited { retry_after_ms } => object(&[
            kind("rateLimited"),
            ("retryAfterMs", number(retry_after_ms)),
        ]),
        Event::Acked { id, seq } => {
            object(&[kind("acked"), ("id", bytes(&id.0)), ("seq", number(seq))])
        }
        Event::SendFailed { id, topic } => object(&[
            kind("sendFailed"),
            ("id", bytes(&id.0)),
            ("topic", topic_of(topic)),
        ]),
        Event::StaleEpoch { id, topic } => object(&[
            kind("staleEpoch"),
            ("id", bytes(&id.0)),
            ("topic", topic_of(topic)),
        ]),
        Event::Unauthorized { id, topic } => object(&[
            kind("unauthorized"),
            ("id", opt(id, |id| bytes(&id.0))),
            ("topic", opt(topic, topic_of)),
        ]),
        Event::Message {
            topic,
            seq,
            payload,
        } => object(&[
            kind("message"),
            ("topic", topic_of(topic)),
            ("seq", number(seq)),
            ("payload", bytes(&payload)),
        ]),
        Event::Members {
            topic,
            seq,
            add,
            remove,
        } => {
            let ids = |ids: Vec<[u8; 16]>| -> JsValue {
                ids.iter()
                    .map(|id| JsValue::from(hex_string(id)))
                    .collect::<js_sys::Array>()
                    .into()
            };
            object(&[
                kind("members"),
                ("topic", topic_of(topic)),
                ("seq", number(seq)),
                ("add", ids(add)),
                ("remove", ids(remove)),
            ])
        }
        Event::Expired {
            topic,
            from,
            through,
        } => object(&[
            kind("expired"),
            ("topic", topic_of(topic)),
            ("from", number(from)),
            ("through", number(through)),
        ]),
        Event::KeyPackage {
            request,
            key_package,
            last_resort,
        } => object(&[
            kind("keyPackage"),
            ("request", request.into()),
            ("keyPackage", bytes(&key_package)),
            ("lastResort", last_resort.into()),
        ]),
        Event::RelayError(e) => {
            object(&[kind("relayError"), ("code", error_frame_code(&e).into())])
        }
        Event::Health(h) => {
            let status = health_to_js(h);
            let _ = js_sys::Reflect::set(&status, &"type".into(), &"health".into());
            status
        }
    }
}

/// A lookup's value: the string, or `null` for "not registered / no record".
pub(crate) fn opt_string_to_js(value: Option<String>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from)
}

/// `resolveManySettled`'s answer: `[{ name, address } | { name, error }]`.
pub(crate) fn settled_many_to_js(
    names: Vec<String>,
    outcomes: Vec<Result<Option<String>, crate::resolve::resolver::RequestError>>,
) -> js_sys::Array {
    names
        .into_iter()
        .zip(outcomes)
        .map(|(name, outcome)| match outcome {
            Ok(address) => object(&[
                ("name", name.into()),
                ("address", opt_string_to_js(address)),
            ]),
            Err(e) => object(&[
                ("name", name.into()),
                ("error", super::resolve::request_error(e)),
            ]),
        })
        .collect()
}

/// `resolveNamesInText`'s answer: `{ text, names: [{ name, address, start, end }] }`.
pub(crate) fn names_in_text_to_js(found: crate::platform::resolver::NamesInText) -> JsValue {
    let names: js_sys::Array = found
        .names
        .into_iter()
        .map(|n| {
            object(&[
                ("name", n.name.into()),
                ("address", opt_string_to_js(n.address)),
                ("start", number(n.start as u64)),
                ("end", number(n.end as u64)),
            ])
        })
        .collect();
    object(&[("text", found.text.into()), ("names", names.into())])
}

/// `{ size, hits, misses, staleServed, inflightJoined }`.
pub(crate) fn resolve_stats_to_js(s: crate::resolve::cache::CacheStats) -> JsValue {
    object(&[
        ("size", number(s.size as u64)),
        ("hits", number(s.hits)),
        ("misses", number(s.misses)),
        ("staleServed", number(s.stale_served)),
        ("inflightJoined", number(s.inflight_joined)),
    ])
}

#[wasm_bindgen(typescript_custom_section)]
const ERROR_TYPES: &'static str = r#"
/** Every `code` a hybrid-edge `Error` can carry. Codes are stable: never renamed or reused. */
export type HybridEdgeErrorCode =
  | 'InvalidAddress'
  | 'InvalidAddressChecksum'
  | 'InvalidName'
  | 'UnsupportedCiphersuite'
  | 'UnknownGroup'
  | 'WalletSignatureMismatch'
  | 'MlsInvalidArgument'
  | 'DmMemberLimit'
  | 'MemberNotFound'
  | 'GroupInactive'
  | 'CommitPending'
  | 'NoPendingCommit'
  | 'IdentityLocked'
  | 'MalformedMlsMessage'
  | 'InvalidIdentityBinding'
  | 'InvalidKeyPackage'
  | 'InvalidWelcome'
  | 'MessageForUnknownGroup'
  | 'WrongEpoch'
  | 'TamperedMessage'
  | 'ReplayedMessage'
  | 'NotAMember'
  | 'UnencryptedMessage'
  | 'InvalidCommit'
  | 'MlsStorage'
  | 'MlsInternal'
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
  | 'RpcUnavailable'
  | 'UnsupportedChain'
  | 'InvalidResolverOptions'
  | 'UnknownSensitiveKind'
  | 'UnknownRedactAction'
  | 'InvalidLogMessage'
  | 'InvalidSanitizeOptions'
  | 'FrameTooLarge'
  | 'UnsupportedVersion'
  | 'Malformed'
  | 'InvalidTopic'
  | 'InvalidInstallationId'
  | 'PayloadTooLarge'
  | 'InvalidConfig'
  | 'PoolFull'
  | 'NotConnected'
  | 'OutboxFailed'
  | 'StaleEpoch'
  | 'Unauthorized';

/** The errors hybrid-edge throws (or rejects promises with): an `Error` with a stable `code`. */
export interface HybridEdgeError extends Error {
  name: 'HybridEdgeError';
  code: HybridEdgeErrorCode;
}
"#;

/// `config.<path>` of a JS options object, `undefined` when any step is missing.
fn get_path(config: &JsValue, path: &[&str]) -> JsValue {
    let mut value = config.clone();
    for key in path {
        if !value.is_object() {
            return JsValue::UNDEFINED;
        }
        value = js_sys::Reflect::get(&value, &(*key).into()).unwrap_or(JsValue::UNDEFINED);
    }
    value
}

fn bad_config(field: &'static str, reason: &'static str) -> JsValue {
    to_js_error(crate::transport::TransportError::InvalidConfig { field, reason })
}

/// A non-negative whole number of ms (or a count) at `path`, if given.
fn config_u64(
    config: &JsValue,
    path: &[&str],
    field: &'static str,
) -> Result<Option<u64>, JsValue> {
    let value = get_path(config, path);
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64().and_then(exact_u64) {
        Some(n) => Ok(Some(n)),
        None => Err(bad_config(field, "must be a non-negative whole number")),
    }
}

/// A JS number that is a whole number in 0 ..= 2^53 − 1 (exact in both languages).
fn exact_u64(n: f64) -> Option<u64> {
    // The cast cannot truncate such a number; NaN and ±∞ fail the range check.
    (n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0).then_some(n as u64)
}

/// A seq, epoch or time read back from the caller's storage; throws `Malformed` for any
/// other number (a head of +∞ would otherwise saturate and overwrite the last message).
pub(crate) fn stored_u64(n: f64) -> Result<u64, JsValue> {
    exact_u64(n).ok_or_else(|| {
        to_js_error(crate::transport::TransportError::Malformed {
            reason: "a stored seq, epoch or time must be a whole number in 0 ..= 2^53 - 1",
        })
    })
}

/// The client configuration from the JS options (`TransportConfig`), over the documented
/// defaults. Throws `InvalidConfig` naming the first field of the wrong type; ranges are
/// checked by `Client::new`.
pub(crate) fn client_config(
    config: &JsValue,
    seed: u64,
) -> Result<crate::transport::ClientConfig, JsValue> {
    use crate::transport::{ClientConfig, Jitter};
    let mut c = ClientConfig {
        seed,
        ..ClientConfig::default()
    };
    if config.is_undefined() || config.is_null() {
        return Ok(c);
    }
    if !config.is_object() {
        return Err(bad_config("config", "must be an object"));
    }
    let usize_of = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    macro_rules! set {
        ($target:expr, $path:expr, $field:literal) => {
            if let Some(n) = config_u64(config, $path, $field)? {
                $target = n;
            }
        };
        ($target:expr, $path:expr, $field:literal, $conv:expr) => {
            if let Some(n) = config_u64(config, $path, $field)? {
                $target = $conv(n);
            }
        };
    }
    set!(c.timeout, &["connection", "timeout"], "connection.timeout");
    set!(
        c.retry.max_attempts,
        &["connection", "retry", "maxAttempts"],
        "retry.maxAttempts",
        |n: u64| u32::try_from(n).unwrap_or(u32::MAX)
    );
    let multiplier = get_path(config, &["connection", "retry", "backoffMultiplier"]);
    if !multiplier.is_undefined() {
        c.retry.backoff_multiplier = multiplier
            .as_f64()
            .ok_or_else(|| bad_config("retry.backoffMultiplier", "must be a number"))?;
    }
    set!(
        c.retry.initial_delay,
        &["connection", "retry", "initialDelay"],
        "retry.initialDelay"
    );
    set!(
        c.retry.max_delay,
        &["connection", "retry", "maxDelay"],
        "retry.maxDelay"
    );
    let jitter = get_path(config, &["connection", "retry", "jitter"]);
    if !jitter.is_undefined() {
        c.retry.jitter = match jitter.as_string().as_deref() {
            Some("full") => Jitter::Full,
            Some("none") => Jitter::None,
            _ => return Err(bad_config("retry.jitter", "must be 'full' or 'none'")),
        };
    }
    let enabled = get_path(config, &["connection", "keepAlive", "enabled"]);
    if !enabled.is_undefined() {
        c.keep_alive.enabled = enabled
            .as_bool()
            .ok_or_else(|| bad_config("keepAlive.enabled", "must be a boolean"))?;
    }
    set!(
        c.keep_alive.interval,
        &["connection", "keepAlive", "interval"],
        "keepAlive.interval"
    );
    set!(
        c.keep_alive.timeout,
        &["connection", "keepAlive", "timeout"],
        "keepAlive.timeout"
    );
    set!(
        c.pool.max_connections,
        &["connection", "pool", "maxConnections"],
        "pool.maxConnections",
        usize_of
    );
    set!(
        c.pool.idle_timeout,
        &["connection", "pool", "idleTimeout"],
        "pool.idleTimeout"
    );
    set!(
        c.batching.max_batch_delay,
        &["batching", "maxBatchDelay"],
        "batching.maxBatchDelay"
    );
    set!(
        c.batching.max_batch_size,
        &["batching", "maxBatchSize"],
        "batching.maxBatchSize",
        usize_of
    );
    set!(
        c.batching.max_batch_bytes,
        &["batching", "maxBatchBytes"],
        "batching.maxBatchBytes",
        usize_of
    );
    set!(
        c.batching.max_in_flight,
        &["batching", "maxInFlight"],
        "batching.maxInFlight",
        usize_of
    );
    set!(
        c.health.interval,
        &["health", "interval"],
        "health.interval"
    );
    set!(c.health.timeout, &["health", "timeout"], "health.timeout");
    set!(
        c.max_frame_size,
        &["maxFrameSize"],
        "maxFrameSize",
        usize_of
    );
    Ok(c)
}

/// `getHealthStatus()` as the `TransportHealth` object of the TypeScript types.
pub(crate) fn health_to_js(h: crate::transport::HealthStatus) -> JsValue {
    object(&[
        ("healthy", h.healthy.into()),
        (
            "checks",
            object(&[
                ("transport", h.checks.transport.into()),
                ("relayRoundTrip", h.checks.relay_round_trip.into()),
                ("processing", h.checks.processing.into()),
            ]),
        ),
        ("lastRoundTripMs", opt(h.last_round_trip_ms, number)),
        ("reconnects", h.reconnects.into()),
        ("outboxSize", number(h.outbox_size as u64)),
        ("timestamp", number(h.timestamp)),
    ])
}
// --- MLS ------------------------------------------------------------------------------------

fn mls_argument(reason: &str) -> JsValue {
    to_js_error(crate::mls::MlsError::InvalidArgument {
        reason: reason.into(),
    })
}

/// Unix seconds from a JS number (negative and NaN are 0, fractions dropped).
pub(crate) fn seconds(n: f64) -> u64 {
    // `as` saturates: NaN → 0, negatives → 0, +∞ → u64::MAX.
    n as u64
}

/// Bytes from `0x`-prefixed (or bare) hex, as group ids and record keys travel in JS.
fn hex_bytes(hex: &str, what: &str) -> Result<Vec<u8>, JsValue> {
    alloy_primitives::hex::decode(hex).map_err(|_| mls_argument(&format!("{what} must be hex")))
}

/// A group id (`0x` hex) from JS; throws `MlsInvalidArgument`.
pub(crate) fn group_id(hex: &str) -> Result<Vec<u8>, JsValue> {
    hex_bytes(hex, "a group id")
}

/// A JS array of `Uint8Array`s; throws `MlsInvalidArgument` for anything else.
pub(crate) fn byte_list(array: &js_sys::Array) -> Result<Vec<Vec<u8>>, JsValue> {
    array
        .iter()
        .map(|v| {
            v.dyn_into::<js_sys::Uint8Array>()
                .map(|b| b.to_vec())
                .map_err(|_| mls_argument("expected an array of Uint8Array"))
        })
        .collect()
}

/// Wallet addresses from JS (EIP-55 or single-case); throws `InvalidAddress`.
pub(crate) fn address_list(
    addresses: &[String],
) -> Result<Vec<alloy_primitives::Address>, JsValue> {
    addresses
        .iter()
        .map(|a| crate::eth::parse_address(a).map_err(to_js_error))
        .collect()
}

/// Stored records: (key, value) pairs.
type Records = Vec<(Vec<u8>, Vec<u8>)>;

/// `[hexKey, value][]` records from JS storage; throws `MlsStorage` for anything else.
pub(crate) fn records_from_js(array: &js_sys::Array) -> Result<Records, JsValue> {
    let bad = || {
        to_js_error(crate::mls::MlsError::Storage {
            reason: "records must be [hexKey, Uint8Array] pairs".into(),
        })
    };
    array
        .iter()
        .map(|pair| {
            let pair = pair.dyn_into::<js_sys::Array>().map_err(|_| bad())?;
            let key = pair.get(0).as_string().ok_or_else(bad)?;
            let key = alloy_primitives::hex::decode(key).map_err(|_| bad())?;
            let value = pair
                .get(1)
                .dyn_into::<js_sys::Uint8Array>()
                .map_err(|_| bad())?;
            Ok((key, value.to_vec()))
        })
        .collect()
}

/// A change set as `{ puts: [hexKey, value][], deletes: hexKey[] }` (bare lower-case hex).
pub(crate) fn change_set_to_js(changes: crate::storage::ChangeSet) -> JsValue {
    let key = |k: &[u8]| JsValue::from(alloy_primitives::hex::encode(k));
    let puts: js_sys::Array = changes
        .puts
        .iter()
        .map(|(k, v)| js_sys::Array::of2(&key(k), &bytes(v)))
        .collect();
    let deletes: js_sys::Array = changes.deletes.iter().map(|k| key(k)).collect();
    object(&[("puts", puts.into()), ("deletes", deletes.into())])
}

/// A member as `{ address, installationId }`.
pub(crate) fn member_to_js(member: &crate::mls::MemberIdentity) -> JsValue {
    object(&[
        ("address", member.address_checksummed().into()),
        ("installationId", member.installation_id.clone().into()),
    ])
}

fn members_to_js(members: &[crate::mls::MemberIdentity]) -> JsValue {
    members
        .iter()
        .map(member_to_js)
        .collect::<js_sys::Array>()
        .into()
}

/// A commit of this client as `{ groupId, commit?, welcome?, epoch, pending }`.
pub(crate) fn commit_to_js(
    group_id: &[u8],
    out: Option<crate::mls::CommitOutput>,
    epoch: u64,
) -> JsValue {
    let (commit, welcome, pending) = match out {
        Some(out) => (Some(out.commit), out.welcome, out.pending),
        None => (None, None, false),
    };
    object(&[
        ("groupId", hex_string(group_id).into()),
        ("commit", opt(commit.as_deref(), bytes)),
        ("welcome", opt(welcome.as_deref(), bytes)),
        ("epoch", number(epoch)),
        ("pending", pending.into()),
    ])
}

/// One outcome of `processMany`: `{ event }` or `{ error }` (a `HybridEdgeError`).
pub(crate) fn mls_outcome_to_js(
    outcome: Result<crate::mls::Event, crate::mls::MlsError>,
) -> JsValue {
    match outcome {
        Ok(event) => object(&[("event", mls_event_to_js(event))]),
        Err(err) => object(&[("error", to_js_error(err))]),
    }
}

/// An MLS event as the `MlsCoreEvent` object of the TypeScript types.
pub(crate) fn mls_event_to_js(event: crate::mls::Event) -> JsValue {
    use crate::mls::{Changes, Event};
    let kind = |t: &str| ("type", JsValue::from(t));
    let changes = |c: &Changes| {
        [
            ("added", members_to_js(&c.added)),
            ("removed", members_to_js(&c.removed)),
            ("updated", members_to_js(&c.updated)),
            ("selfRemoved", c.self_removed.into()),
        ]
    };
    match event {
        Event::Application {
            group_id,
            epoch,
            sender,
            content,
        } => object(&[
            kind("application"),
            ("groupId", hex_string(&group_id).into()),
            ("epoch", number(epoch)),
            ("sender", sender.address_checksummed().into()),
            ("senderInstallationId", sender.installation_id.into()),
            ("content", bytes(&content)),
        ]),
        Event::Commit {
            group_id,
            epoch,
            sender,
            changes: c,
            own_commit_discarded,
        } => {
            let mut fields = vec![
                kind("commit"),
                ("groupId", hex_string(&group_id).into()),
                ("epoch", number(epoch)),
                ("sender", sender.address_checksummed().into()),
                ("senderInstallationId", sender.installation_id.into()),
                ("ownCommitDiscarded", own_commit_discarded.into()),
            ];
            fields.extend(changes(&c));
            object(&fields)
        }
        Event::Proposal {
            group_id,
            sender,
            changes: c,
        } => {
            let mut fields = vec![
                kind("proposal"),
                ("groupId", hex_string(&group_id).into()),
                ("sender", sender.address_checksummed().into()),
                ("senderInstallationId", sender.installation_id.into()),
            ];
            fields.extend(changes(&c));
            object(&fields)
        }
        Event::Welcome {
            group_id,
            epoch,
            members,
            dm,
        } => object(&[
            kind("welcome"),
            ("groupId", hex_string(&group_id).into()),
            ("epoch", number(epoch)),
            ("members", members_to_js(&members)),
            ("dm", dm.into()),
        ]),
        Event::Own {
            group_id,
            epoch,
            content_type,
        } => object(&[
            kind("own"),
            ("groupId", hex_string(&group_id).into()),
            ("epoch", number(epoch)),
            ("contentType", content_type.as_str().into()),
        ]),
    }
}
