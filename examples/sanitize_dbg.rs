fn main() {
    use hybrid_edge::sanitize::*;
    let text = std::env::args().nth(1).unwrap();
    for f in scan(&text, &ScanOptions::default()) {
        println!("{:?} {:?} {}", f.kind, &text[f.start..f.end], f.confidence);
    }
    let once = redact(&text, &RedactPolicy::default());
    println!("once:  {once}");
    println!("twice: {}", redact(&once, &RedactPolicy::default()));
}
