//! Native throughput of the sanitizer (`cargo bench --bench sanitize`): MB/s of
//! `contains_sensitive_data` and `scan` on the dev corpus, on its concatenation, and on
//! 1 MB adversarial inputs against 1 MB of plain chat, with a byte-scanning baseline
//! (`memchr`-like search for `@`) timed in the same run for scale.
//!
//! Numbers only: nothing here passes or fails.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hybrid_edge::sanitize::{contains_sensitive_data, scan, warm_up, KindSet, ScanOptions};

fn corpus_texts() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/sanitizer-dev.jsonl"
    );
    let data = std::fs::read_to_string(path).unwrap_or_default();
    // The `text` field, decoded just enough for timing (escapes kept as written).
    data.lines()
        .filter_map(|l| {
            let start = l.find("\"text\": \"")? + 9;
            let end = l.find("\", \"spans\"")?;
            l.get(start..end).map(|t| t.replace("\\n", "\n"))
        })
        .collect()
}

/// Runs `f` over `inputs` until at least 300 ms have passed; returns MB/s.
fn throughput(inputs: &[String], mut f: impl FnMut(&str)) -> f64 {
    let bytes: usize = inputs.iter().map(String::len).sum();
    let start = Instant::now();
    let mut rounds = 0u32;
    while start.elapsed() < Duration::from_millis(300) || rounds == 0 {
        for t in inputs {
            f(t);
        }
        rounds += 1;
    }
    (bytes as f64 * f64::from(rounds)) / start.elapsed().as_secs_f64() / 1e6
}

fn one_mb(unit: &str) -> String {
    let mut s = unit.repeat(1_000_000 / unit.len() + 1);
    let mut cut = 1_000_000.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s
}

fn main() {
    let t0 = Instant::now();
    warm_up();
    println!(
        "word table build: {:.3} ms",
        t0.elapsed().as_secs_f64() * 1e3
    );

    let texts = corpus_texts();
    let concat = {
        let one: String = texts.join("\n");
        let mut big = String::new();
        while big.len() < 10_000_000 && !one.is_empty() {
            big.push_str(&one);
            big.push('\n');
        }
        vec![big]
    };
    let baseline = |t: &str| {
        black_box(t.bytes().filter(|&b| b == b'@').count());
    };
    let contains = |t: &str| {
        black_box(contains_sensitive_data(t, KindSet::SENSITIVE));
    };
    let full = |t: &str| {
        black_box(scan(t, &ScanOptions::default()));
    };
    for (name, inputs) in [("corpus texts", &texts), ("10 MB concatenation", &concat)] {
        let base = throughput(inputs, baseline);
        let c = throughput(inputs, contains);
        let s = throughput(inputs, full);
        println!(
            "{name:22} contains {c:8.1} MB/s  scan {s:8.1} MB/s  byte-count baseline {base:8.1} MB/s  (scan/baseline {:.3})",
            s / base
        );
    }

    let plain_unit =
        "gm! how do rollups post data to L1? the bridge is slow today, any idea why? 🙏\n";
    let plain = vec![one_mb(plain_unit)];
    let plain_speed = throughput(&plain, full);
    println!("{:22} scan {plain_speed:8.1} MB/s", "1 MB plain chat");
    let words =
        "abandon ability able about above absent absorb abstract absurd abuse access accident ";
    for (name, unit) in [
        ("all 0x", "0x"),
        ("all digits", "7"),
        ("all hex", "a3f9"),
        ("all BIP-39 words", words),
        (
            "all base58",
            "5Kb8kLf9zgWQnogidDA76MzPL6TsZZY36hWXMssSzNydYXYB9KF",
        ),
        ("digit groups", "4111 "),
        ("password cues", "pw:"),
        ("api key prefixes", "sk-"),
        ("at signs", "a@b."),
    ] {
        let input = vec![one_mb(unit)];
        let speed = throughput(&input, full);
        println!(
            "1 MB {name:17} scan {speed:8.1} MB/s  ({:.2}x the time of plain chat)",
            plain_speed / speed
        );
    }
}
