//! ENSIP-15 normalize / beautify on arbitrary text: never panic; normalization is
//! idempotent; beautify accepts exactly the names normalize accepts, and its output
//! normalizes back to the same name.
#![no_main]

use hybrid_edge::resolve::{beautify, normalize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let normalized = normalize(text);
    let beautified = beautify(text);
    assert_eq!(normalized.is_ok(), beautified.is_ok(), "{text:?}");
    if let Ok(norm) = normalized {
        assert_eq!(normalize(&norm).as_deref(), Ok(norm.as_str()), "{text:?}");
        if let Ok(pretty) = beautified {
            assert_eq!(normalize(&pretty).as_deref(), Ok(norm.as_str()), "{text:?}");
        }
    }
});
