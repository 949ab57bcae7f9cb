//! ENSIP-15 normalization timings: the first call (which decodes the tables) and steady-state
//! calls on typical names. Run with `cargo bench --bench ensip15`.

use std::hint::black_box;
use std::time::Instant;

use hybrid_edge::resolve::{beautify, normalize};

const NAMES: &[&str] = &[
    "vitalik.eth",
    "RaFfY.eth",
    "alice.base.eth",
    "nowzad.loopring.eth",
    "💩💩💩.eth",
    "👨‍👩‍👧‍👦.eth",
    "ξένος.eth",
    "한국어.eth",
    "café.eth",
    "ファミリー.eth",
];

fn main() {
    let start = Instant::now();
    let first = normalize(black_box("vitalik.eth"));
    println!(
        "first call (decodes tables): {:>9.1} µs  -> {first:?}",
        start.elapsed().as_secs_f64() * 1e6
    );

    const ROUNDS: u32 = 20_000;
    for &name in NAMES {
        let start = Instant::now();
        for _ in 0..ROUNDS {
            let _ = black_box(normalize(black_box(name)));
        }
        let normalize_ns = start.elapsed().as_nanos() as f64 / f64::from(ROUNDS);
        let start = Instant::now();
        for _ in 0..ROUNDS {
            let _ = black_box(beautify(black_box(name)));
        }
        let beautify_ns = start.elapsed().as_nanos() as f64 / f64::from(ROUNDS);
        println!(
            "{name:<24} normalize {:>7.2} µs   beautify {:>7.2} µs",
            normalize_ns / 1e3,
            beautify_ns / 1e3
        );
    }
}
