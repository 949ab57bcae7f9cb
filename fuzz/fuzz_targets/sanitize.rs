//! `scan` and `redact` on arbitrary text: never panic, spans inside the text and on
//! character boundaries, redaction idempotent, and nothing redacted is found again.
#![no_main]

use hybrid_edge::sanitize::{redact, scan, RedactAction, RedactPolicy, ScanOptions, SensitiveKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let found = scan(text, &ScanOptions::default());
    let mut last_end = 0;
    for f in &found {
        assert!(f.start < f.end && f.end <= text.len());
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        assert!(f.start >= last_end, "findings overlap");
        last_end = f.end;
        assert_eq!(f.valid.is_some(), f.kind == SensitiveKind::EthAddress);
    }
    let policy = RedactPolicy::default();
    let once = redact(text, &policy);
    assert_eq!(redact(&once, &policy), once, "redact is not idempotent");
    let redacted: Vec<SensitiveKind> = SensitiveKind::ALL
        .into_iter()
        .filter(|&k| policy.get(k) != RedactAction::Keep)
        .collect();
    for f in scan(&once, &ScanOptions::default()) {
        assert!(!redacted.contains(&f.kind), "{:?} found again after redaction", f.kind);
    }
});
