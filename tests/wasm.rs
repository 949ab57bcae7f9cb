//! The JS facade, run inside wasm by wasm-bindgen-test: in Node and in headless Chromium
//! (scripts/test.sh runs this file both ways).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// Calls an exported function through JS, as a user would, and returns its result or the
/// thrown error's `code`.
fn code_of(err: JsValue) -> String {
    js_sys::Reflect::get(&err, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn checksum_round_trips_through_the_facade() {
    let sum =
        hybrid_edge::js::eth::to_checksum_address("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")
            .unwrap();
    assert_eq!(sum, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
}

#[wasm_bindgen_test]
fn errors_are_js_errors_with_stable_codes() {
    let err =
        hybrid_edge::js::eth::to_checksum_address("0xFB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
            .unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(code_of(err.clone()), "InvalidAddressChecksum");
    let error: js_sys::Error = err.into();
    assert_eq!(String::from(error.name()), "HybridEdgeError");
    assert!(String::from(error.message()).contains("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"));

    assert_eq!(
        code_of(hybrid_edge::js::eth::to_checksum_address("0x12").unwrap_err()),
        "InvalidAddress"
    );
    assert_eq!(
        code_of(hybrid_edge::js::eth::namehash("a..eth").unwrap_err()),
        "InvalidName"
    );
}

#[wasm_bindgen_test]
fn names_hash_and_encode_as_published() {
    assert_eq!(
        hybrid_edge::js::eth::namehash("foo.eth").unwrap(),
        "0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f"
    );
    assert_eq!(
        hybrid_edge::js::eth::dns_encode("test.eth").unwrap(),
        "0x04746573740365746800"
    );
    assert_eq!(
        hybrid_edge::js::eth::shorten_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
            .unwrap(),
        "0x5aAe…eAed"
    );
}

#[wasm_bindgen_test]
fn ensip15_normalize_and_beautify_through_the_facade() {
    use hybrid_edge::js::resolve::{beautify, normalize};
    assert_eq!(normalize("RaFfY.eth").unwrap(), "raffy.eth");
    assert_eq!(beautify("❤.eth").unwrap(), "❤\u{FE0F}.eth");
    let err = normalize("aα.eth").unwrap_err();
    assert_eq!(code_of(err.clone()), "InvalidName");
    let error: js_sys::Error = err.into();
    assert!(String::from(error.message()).contains("illegal mixture: Latin + Greek"));
}

/// The resolver's Rust driver (src/platform/) against a closed local port: fetch fails, the
/// core's retries sleep on `setTimeout`, the lookup fails with a typed error that is not
/// cached, and concurrent identical lookups share one job.
#[wasm_bindgen_test]
async fn resolver_driver_fetches_retries_and_coalesces() {
    use hybrid_edge::platform::resolver::Resolver;
    use hybrid_edge::resolve::resolver::{parse_options, Request, RequestError};
    use hybrid_edge::resolve::ResolveError;

    let no_mainnet = Resolver::new(parse_options("{}").unwrap());
    assert_eq!(
        no_mainnet.err().map(|e| e.code()),
        Some("InvalidResolverOptions")
    );
    let options = parse_options(
        r#"{"rpc":{"1":["http://127.0.0.1:9"]},"retry":{"maxAttempts":2,"initialDelayMs":5},"timeoutMs":2000}"#,
    )
    .unwrap();
    let r = Resolver::new(options).unwrap();
    // No request needed: an address passes through, an invalid name is refused.
    assert_eq!(
        r.resolve_address("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359", 60)
            .await
            .unwrap()
            .as_deref(),
        Some("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
    );
    assert!(matches!(
        r.resolve_address("a b.eth", 60).await,
        Err(RequestError::Resolve(ResolveError::InvalidName { .. }))
    ));
    let unavailable = Err(RequestError::Resolve(ResolveError::RpcUnavailable {
        chain_id: 1,
        status: None,
    }));
    // `lookup` begins at once (an `async fn` only when polled): the second one joins.
    let address = |identifier: &str| Request::Address {
        identifier: identifier.into(),
        coin_type: 60,
    };
    let (lead, joined) = (
        r.lookup(address("alice.eth")),
        r.lookup(address("Alice.eth")),
    );
    assert_eq!(lead.await, unavailable);
    assert_eq!(joined.await, unavailable);
    assert_eq!(r.get_text("alice.eth", "url").await, unavailable);
    let stats = r.cache_stats();
    assert_eq!((stats.size, stats.inflight_joined), (0, 1));
}

#[wasm_bindgen_test]
fn relay_restore_refuses_numbers_that_are_not_stored_seqs() {
    use hybrid_edge::js::transport::RelayCore;
    let mut relay = RelayCore::new(None, None, None);
    // A head of +∞ (or any number past 2^53 − 1) used to saturate, and every new message
    // then overwrote the last one.
    for bad in [f64::INFINITY, f64::NAN, -1.0, 1.5, 9_007_199_254_740_992.0] {
        let err = relay.restore_topic("group/g", bad, None).unwrap_err();
        assert_eq!(code_of(err), "Malformed", "head {bad}");
        let err = relay.restore_topic("group/g", 1.0, Some(bad)).unwrap_err();
        assert_eq!(code_of(err), "Malformed", "epoch {bad}");
        let err = relay
            .restore_message("group/g", bad, &[1; 16], vec![1], 0.0)
            .unwrap_err();
        assert_eq!(code_of(err), "Malformed", "seq {bad}");
        let err = relay
            .restore_message("group/g", 1.0, &[1; 16], vec![1], bad)
            .unwrap_err();
        assert_eq!(code_of(err), "Malformed", "time {bad}");
    }
    relay
        .restore_topic("group/g", 9_007_199_254_740_991.0, Some(3.0))
        .unwrap();
    relay
        .restore_message("group/g", 1.0, &[1; 16], vec![1], 0.0)
        .unwrap();
}
