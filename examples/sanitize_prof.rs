fn main() {
    use hybrid_edge::sanitize::*;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/sanitizer-dev.jsonl"
    );
    let data = std::fs::read_to_string(path).unwrap();
    let text = data.repeat(6);
    let kinds = std::env::args()
        .nth(1)
        .map(|k| KindSet::EMPTY.with(k.parse().unwrap()))
        .unwrap_or(KindSet::ALL);
    let t = std::time::Instant::now();
    for _ in 0..3 {
        std::hint::black_box(scan(&text, &ScanOptions { kinds }));
    }
    let scan_s = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    for _ in 0..3 {
        std::hint::black_box(
            text.bytes()
                .filter(|&b| std::hint::black_box(b) == b'@')
                .count(),
        );
    }
    let base_s = t.elapsed().as_secs_f64();
    println!(
        "{:.1} MB/s, {:.3} of the byte-count baseline",
        text.len() as f64 * 3.0 / scan_s / 1e6,
        base_s / scan_s
    );
}
