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
        "first call, ASCII (no tables): {:>7.1} µs  -> {first:?}",
        start.elapsed().as_secs_f64() * 1e6
    );
    let start = Instant::now();
    let first = normalize(black_box("café.eth"));
    println!(
        "first non-ASCII call (decodes tables): {:>9.1} µs  -> {first:?}",
        start.elapsed().as_secs_f64() * 1e6
    );

    // Untrusted input may be long: these must stay near-linear.
    let han: String = (0x4E00..0x4E00 + 20_000)
        .filter_map(char::from_u32)
        .collect();
    let marks: String = "a"
        .chars()
        .chain("\u{301}\u{316}".repeat(25_000).chars())
        .collect();
    for (what, name) in [
        ("20,000 distinct Han", han),
        ("50,000 combining marks", marks),
    ] {
        let start = Instant::now();
        let ok = normalize(black_box(&name)).is_ok();
        println!(
            "{what:<24} normalize {:>9.1} µs (ok: {ok})",
            start.elapsed().as_secs_f64() * 1e6
        );
    }

    for &name in NAMES {
        println!(
            "{name:<24} normalize {:>6.2} µs   beautify {:>6.2} µs",
            best_micros(|| normalize(black_box(name))),
            best_micros(|| beautify(black_box(name)))
        );
    }
}

/// The fastest of several batches, per call: robust when other processes share the CPU.
fn best_micros<T>(mut f: impl FnMut() -> T) -> f64 {
    const BATCHES: usize = 7;
    const CALLS: u32 = 3_000;
    (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..CALLS {
                black_box(f());
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS)
        })
        .fold(f64::INFINITY, f64::min)
}
