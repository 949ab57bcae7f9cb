//! A fixed amount of sanitizer work for instruction counting:
//! `valgrind --tool=callgrind target/release/examples/sanitize_profile [rounds] [scan|contains]`.
//! Runs on the dev corpus (../shared/corpus/sanitizer-dev.jsonl) and prints its byte count.

use std::hint::black_box;

use hybrid_edge::sanitize::{contains_sensitive_data, scan, warm_up, KindSet, ScanOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    let mode = args.next().unwrap_or_else(|| "scan".into());
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/sanitizer-dev.jsonl"
    );
    let data = std::fs::read_to_string(path).unwrap_or_default();
    let texts: Vec<String> = data
        .lines()
        .filter_map(|l| {
            let start = l.find("\"text\": \"")? + 9;
            let end = l.find("\", \"spans\"")?;
            l.get(start..end).map(|t| t.replace("\\n", "\n"))
        })
        .collect();
    warm_up();
    let mut n = 0usize;
    for _ in 0..rounds {
        for t in &texts {
            n += match mode.as_str() {
                "contains" => {
                    usize::from(black_box(contains_sensitive_data(t, KindSet::SENSITIVE)))
                }
                _ => black_box(scan(t, &ScanOptions::default())).len(),
            };
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("{} bytes x {rounds} rounds, {n} results", bytes);
}
