//! The sanitizer facade inside wasm (wasm-bindgen-test, Node and Chromium): UTF-16 offsets
//! and typed errors as JS sees them.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use hybrid_edge::js::sanitize;

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen_test]
fn offsets_are_utf16_code_units() {
    let text = "🦊🇫🇷 pw: Tiger!1024";
    let found = sanitize::scan(text, None).unwrap();
    assert_eq!(found.length(), 1);
    let f = found.get(0);
    assert_eq!(get(&f, "kind").as_string().as_deref(), Some("password"));
    let utf16: Vec<u16> = text.encode_utf16().collect();
    let (start, end) = (
        get(&f, "start").as_f64().unwrap() as usize,
        get(&f, "end").as_f64().unwrap() as usize,
    );
    assert_eq!(
        String::from_utf16(&utf16[start..end]).unwrap(),
        "Tiger!1024"
    );
}

#[wasm_bindgen_test]
fn bad_kind_names_are_typed_errors() {
    let kinds = js_sys::Array::of1(&"passwords".into());
    let err = sanitize::contains_sensitive_data("x", Some(kinds.into())).unwrap_err();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("UnknownSensitiveKind")
    );
    assert_eq!(
        sanitize::redact("pw: Tiger!1024", None).unwrap(),
        "pw: [REDACTED:password]"
    );
}

/// Every detector at every position of a 64-byte block: the SIMD byte classes of the skim
/// must find what a byte-by-byte reading finds (natively tested against a visit of every
/// token; here each lane of the wasm version is exercised).
#[wasm_bindgen_test]
fn findings_do_not_depend_on_their_position_in_a_block() {
    let secrets = "pw: hunter2x. card 4111 1111 1111 1111, mail alice@example.org, \
                   key sk-proj-oWXINMMxj5U22EOndljJM9MN-rCtDdzvjd_Sqie9L8YVkb_bbzU2lxvMXfC5i7Wy \
                   密码：Tiger1024 and legal winner thank year wave sausage worth useful legal \
                   winner thank yellow";
    let want = [
        ("password", "hunter2x"),
        ("card_number", "4111 1111 1111 1111"),
        ("email", "alice@example.org"),
        (
            "api_key",
            "sk-proj-oWXINMMxj5U22EOndljJM9MN-rCtDdzvjd_Sqie9L8YVkb_bbzU2lxvMXfC5i7Wy",
        ),
        ("password", "Tiger1024"),
        (
            "seed_phrase",
            "legal winner thank year wave sausage worth useful legal winner thank yellow",
        ),
    ];
    // One, two and four bytes of UTF-8 per pad character: every byte offset in a block.
    for pad in [" ", "é", "🦊"] {
        for shift in 0..66 {
            let text = format!("{}{secrets}", pad.repeat(shift));
            let units: Vec<u16> = text.encode_utf16().collect();
            let found = sanitize::scan(&text, None).unwrap();
            let got: Vec<(String, String)> = (0..found.length())
                .map(|i| {
                    let f = found.get(i);
                    let at = |k| get(&f, k).as_f64().unwrap_or(-1.0) as usize;
                    let secret = String::from_utf16(&units[at("start")..at("end")]).unwrap();
                    (get(&f, "kind").as_string().unwrap_or_default(), secret)
                })
                .collect();
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(got, want, "{pad:?} × {shift}");
        }
    }
}
