//! Prints what the sanitizer finds in a text and its redaction:
//! `cargo run --example sanitize_dbg -- "my pw is Tiger!1024"`.

fn main() {
    use hybrid_edge::sanitize::{redact, scan, RedactPolicy, ScanOptions};
    let text = std::env::args().nth(1).unwrap_or_default();
    for f in scan(&text, &ScanOptions::default()) {
        let valid = f.valid.map(|v| format!(" valid={v}")).unwrap_or_default();
        println!(
            "{} {:?} confidence={}{valid}",
            f.kind,
            &text[f.start..f.end],
            f.confidence
        );
    }
    let once = redact(&text, &RedactPolicy::default());
    println!("redacted: {once}");
}
