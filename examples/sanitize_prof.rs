fn main() {
    use hybrid_edge::sanitize::*;
    let unit = "gm! how do rollups post data to L1? the bridge is slow today, any idea why? 🙏\n";
    let text = unit.repeat(12_000);
    let kinds = std::env::args().nth(1).map(|k| KindSet::EMPTY.with(k.parse().unwrap())).unwrap_or(KindSet::ALL);
    let t = std::time::Instant::now();
    for _ in 0..20 { std::hint::black_box(scan(&text, &ScanOptions { kinds })); }
    println!("{:?}", t.elapsed() / 20);
}
