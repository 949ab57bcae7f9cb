//! The fuzz target's properties (`fuzz/fuzz_targets/sanitize.rs`) checked natively on
//! generated texts: pieces of secrets, cues, separators and non-ASCII text glued at
//! random, so that `cargo test` covers them without cargo-fuzz.

use hybrid_edge::sanitize::{redact, scan, RedactAction, RedactPolicy, ScanOptions, SensitiveKind};

/// xorshift64*: a fixed seed makes every run check the same texts.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "password",
    "pw",
    "pin",
    "passcode",
    " is ",
    ": ",
    "=",
    "->",
    " ",
    "  ",
    "\n",
    ",",
    ".",
    "'",
    "\"",
    "“",
    "”",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "@",
    "0x",
    "#",
    "-",
    "_",
    "*",
    "…",
    "hunter2",
    "Tiger!1024",
    "4111",
    "1111",
    "4111 1111 1111 1111",
    "378282246310005",
    "5",
    "0",
    "9",
    "abandon",
    "about",
    "zoo",
    "wrong",
    "legal",
    "winner",
    "thank",
    "year",
    "wave",
    "sausage",
    "worth",
    "useful",
    "title",
    "yellow",
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
    "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
    "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "private key ",
    "tx ",
    "🔑",
    "私钥",
    "密码",
    "mot de passe",
    "alice",
    "example.com",
    "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",
    "AKIAIOSFODNN7EXAMPLE",
    "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",
    "xoxb-",
    "sk_live_",
    "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
    "[REDACTED:password]",
    "****",
    "🦊",
    "👨‍💻",
    "中文",
    "é",
    "e\u{301}",
    "\u{200d}",
    "ａ",
    "\u{0}",
    "\t",
];

fn check(text: &str) {
    let found = scan(text, &ScanOptions::default());
    let mut last_end = 0;
    for f in &found {
        assert!(f.start < f.end && f.end <= text.len(), "{text:?}: {f:?}");
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        assert!(f.start >= last_end, "overlap in {text:?}");
        last_end = f.end;
        assert!((0.0..=1.0).contains(&f.confidence));
        assert_eq!(f.valid.is_some(), f.kind == SensitiveKind::EthAddress);
    }
    let policy = RedactPolicy::default();
    let once = redact(text, &policy);
    assert_eq!(redact(&once, &policy), once, "not idempotent on {text:?}");
    for f in scan(&once, &ScanOptions::default()) {
        assert_eq!(
            policy.get(f.kind),
            RedactAction::Keep,
            "{:?} found again in {once:?} (from {text:?})",
            f.kind
        );
    }
}

#[test]
fn generated_texts_keep_the_fuzz_properties() {
    // SANITIZER_PROPERTY_SEED explores other texts (the default keeps CI deterministic).
    let seed = std::env::var("SANITIZER_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_2026);
    let mut rng = Rng(seed);
    for _ in 0..20_000 {
        let n = 1 + rng.below(12);
        let text: String = (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect();
        check(&text);
    }
}

#[test]
fn random_characters_keep_the_fuzz_properties() {
    let mut rng = Rng(42);
    let alphabet: Vec<char> = "0123456789abcdefABCDEFxX @.:=-_ \n'\"🦊é中KL5sk"
        .chars()
        .collect();
    for _ in 0..5_000 {
        let n = rng.below(200);
        let text: String = (0..n)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        check(&text);
    }
}

/// The benchmark's adversarial inputs (`benches/sanitize.rs` times them): here only
/// checked for panics and the same properties, on a smaller size.
#[test]
fn adversarial_inputs_keep_the_fuzz_properties() {
    let words = "abandon ability able about above absent absorb abstract ";
    for unit in [
        "0x",
        "7",
        "a3",
        "pw:",
        "sk-",
        "a@",
        "1 ",
        words,
        "5Kb8kLf9zgWQnogidDA76MzPL6TsZZY36hWXMssSzNydYXYB9KF",
        "🦊",
    ] {
        let text = unit.repeat(16 * 1024 / unit.len());
        check(&text);
    }
}
