//! Per-kind cases written independently of the dev corpus (other phrasings, published
//! test vectors), the naive regex approach's false positives, and Unicode offsets.

use hybrid_edge::sanitize::{
    contains_sensitive_data, redact, scan, utf16_ranges, KindSet, RedactPolicy, ScanOptions,
    SensitiveKind,
};

use SensitiveKind::*;

/// The (kind, text) of every finding.
fn found(text: &str) -> Vec<(SensitiveKind, &str)> {
    scan(text, &ScanOptions::default())
        .into_iter()
        .map(|f| (f.kind, &text[f.start..f.end]))
        .collect()
}

fn assert_finds(text: &str, kind: SensitiveKind, secret: &str) {
    let got = found(text);
    assert!(
        got.contains(&(kind, secret)),
        "expected {kind} {secret:?} in {text:?}, got {got:?}"
    );
}

fn assert_clean(text: &str) {
    let got = found(text);
    assert!(got.is_empty(), "expected nothing in {text:?}, got {got:?}");
    assert!(!contains_sensitive_data(text, KindSet::ALL));
}

/// BIP-39 test vectors (trezor/python-mnemonic vectors.json).
const SEED_12: &str = "legal winner thank year wave sausage worth useful legal winner thank yellow";
const SEED_24: &str = "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold";
const HEX_KEY: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

#[test]
fn seed_phrases_with_valid_checksums() {
    assert_finds(&format!("backup: {SEED_12}"), SeedPhrase, SEED_12);
    assert_finds(&format!("{SEED_24} <- don't share"), SeedPhrase, SEED_24);
    let numbered: String = SEED_12
        .split(' ')
        .enumerate()
        .map(|(i, w)| format!("{}) {w}\n", i + 1))
        .collect();
    let got = found(&numbered);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, SeedPhrase);
    assert!(got[0].1.starts_with("legal") && got[0].1.ends_with("yellow"));
    assert_finds(&SEED_12.to_uppercase(), SeedPhrase, &SEED_12.to_uppercase());
    // "Meine Wörter:" then words, and a trailing ordinary word that is in the list.
    assert_finds(
        &format!("Meine Wörter: {SEED_12} thank"),
        SeedPhrase,
        SEED_12,
    );
}

#[test]
fn seed_phrases_with_a_bad_checksum_or_too_few_words() {
    // Last word changed: the checksum fails.
    assert_clean("legal winner thank year wave sausage worth useful legal winner thank thank");
    assert_clean("legal winner thank year wave sausage worth useful legal winner thank");
    assert_clean("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon");
}

#[test]
fn private_keys() {
    assert_finds(
        &format!("here's my private key: 0x{HEX_KEY}"),
        PrivateKey,
        &format!("0x{HEX_KEY}"),
    );
    assert_finds(
        &format!("importing {HEX_KEY} into MetaMask"),
        PrivateKey,
        HEX_KEY,
    );
    assert_finds(
        &format!("{{\"secretKey\": \"{HEX_KEY}\"}}"),
        PrivateKey,
        HEX_KEY,
    );
    assert_finds(&format!("ETH_PK={HEX_KEY}"), PrivateKey, HEX_KEY);
    // WIF and xprv are keys whatever the context.
    let wif = "KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617";
    assert_finds(&format!("backup {wif}"), PrivateKey, wif);
    let xprv = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
    assert_finds(xprv, PrivateKey, xprv);
}

#[test]
fn hashes_are_not_keys() {
    assert_clean(&format!("tx 0x{HEX_KEY} failed"));
    assert_clean(&format!("see https://etherscan.io/tx/0x{HEX_KEY}"));
    assert_clean(&format!("block hash: 0x{HEX_KEY}"));
    assert_clean(&format!("the file's SHA-256 is {HEX_KEY}"));
    assert_clean(&format!("0x{HEX_KEY}"));
    // Public extended keys and a tampered WIF.
    assert_clean("xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8");
    assert_clean("KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98618");
}

#[test]
fn passwords_are_the_value_not_the_cue() {
    assert_finds("my password is Summer2024!", Password, "Summer2024!");
    assert_finds(
        "wifi password: 'correct horse battery staple'",
        Password,
        "correct horse battery staple",
    );
    assert_finds("PASSWORD=Xy9#kLm2", Password, "Xy9#kLm2");
    assert_finds("the PIN is 4921, don't tell", Password, "4921");
    assert_finds("contraseña: Gato$2023", Password, "Gato$2023");
    assert_finds("пароль: Privet123", Password, "Privet123");
    assert_finds(
        "password for my ledger is Tr0ub4dor&3",
        Password,
        "Tr0ub4dor&3",
    );
}

#[test]
fn password_talk_without_a_password() {
    for text in [
        "I forgot my password",
        "I forgot my password, can you help?",
        "how do I reset my password",
        "my password is too short",
        "password123 is a bad password",
        "use a password manager",
        "the password must contain a digit",
        "enter your PIN",
        "pin is 4 digits",
        "passcode: ****",
    ] {
        assert_clean(text);
    }
}

#[test]
fn cards_need_luhn_and_an_issuer() {
    assert_finds(
        "charge 4111 1111 1111 1111 please",
        CardNumber,
        "4111 1111 1111 1111",
    );
    assert_finds("amex 3782-822463-10005", CardNumber, "3782-822463-10005");
    assert_finds(
        "mc 2223003122003222 exp 12/29",
        CardNumber,
        "2223003122003222",
    );
    // Random 16 digits, Luhn failures, digits without an issuer.
    assert_clean("ref 4111 1111 1111 1112");
    assert_clean("1234 5678 9012 3456");
    assert_clean("9999999999999995");
    assert_clean("order #6011111111111117 shipped");
}

#[test]
fn addresses_and_their_checksums() {
    let text = "send to 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed and 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
    let f = scan(text, &ScanOptions::default());
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| f.kind == EthAddress));
    assert_eq!(f[0].valid, Some(true));
    assert_eq!(
        f[1].valid,
        Some(false),
        "mixed case with a wrong checksum is flagged invalid"
    );
    // A 32-byte hash is not an address, and addresses are not sensitive by default.
    assert_clean(&format!("0x{HEX_KEY}"));
    assert!(!contains_sensitive_data(text, KindSet::SENSITIVE));
    assert!(contains_sensitive_data(
        text,
        KindSet::SENSITIVE.with(EthAddress)
    ));
}

#[test]
fn emails_and_api_keys() {
    assert_finds(
        "write to first.last+tag@sub.example.org.",
        Email,
        "first.last+tag@sub.example.org",
    );
    assert_finds("key: AKIAIOSFODNN7EXAMPLE", ApiKey, "AKIAIOSFODNN7EXAMPLE");
    assert_finds(
        "GH_TOKEN=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",
        ApiKey,
        "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",
    );
    assert_clean("set OPENAI_API_KEY=sk-... in your .env");
    assert_clean("@agent what's up");
}

#[test]
fn naive_regex_false_positives() {
    for text in [
        "I forgot my password",
        "what is a seed phrase?",
        "never share your private key",
        "order 4444333322221112 arrived",
        &format!("tx hash 0x{HEX_KEY}"),
        "random 8372 6151 0092 8834",
    ] {
        assert!(!contains_sensitive_data(text, KindSet::SENSITIVE), "{text}");
    }
}

#[test]
fn non_bmp_cjk_and_combining_marks_do_not_shift_offsets() {
    for prefix in [
        "🦊",
        "👨‍👩‍👧‍👦 ",
        "中文说明：",
        "e\u{301}\u{301} ",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ",
        "🇫🇷🇯🇵",
    ] {
        let text = format!("{prefix} card 4111 1111 1111 1111 and pw: Tiger!1024");
        let found = scan(&text, &ScanOptions::default());
        assert_eq!(found.len(), 2, "{text}");
        assert_eq!(&text[found[0].start..found[0].end], "4111 1111 1111 1111");
        assert_eq!(&text[found[1].start..found[1].end], "Tiger!1024");
        // UTF-16 offsets: what JS `text.slice(start, end)` needs.
        let utf16: Vec<u16> = text.encode_utf16().collect();
        for ((start, end), f) in utf16_ranges(&text, &found).into_iter().zip(&found) {
            assert_eq!(
                String::from_utf16(&utf16[start..end]).unwrap(),
                &text[f.start..f.end]
            );
        }
    }
}

#[test]
fn kinds_option_limits_what_is_reported() {
    let text = "pw: Tiger!1024 mail a@b.co";
    let only_email = ScanOptions {
        kinds: KindSet::EMPTY.with(Email),
    };
    let f = scan(text, &only_email);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].kind, Email);
    assert!(scan(
        text,
        &ScanOptions {
            kinds: KindSet::EMPTY
        }
    )
    .is_empty());
}

/// Found by the fuzzer: a `.pw` domain left before a marker acted as a password cue, and the
/// second pass redacted the marker's own text (`[REDACTED:[REDACTED:password]]`).
#[test]
fn redaction_markers_are_never_redacted_again() {
    let text = "see(: \u{0}\u{0}\u{0}(pw 1011 1\u{0}\u{0}m\u{1ead}t kh\u{1ea9}uon ipks@f_@a.fe@xcpa.pw o@xcmpa.pw on!94..\u{0}\u{0}\u{0}%\u{0}PI_Yxcpa__e\u{0}(pw rddo.abalSG.\u{0}pw o\u{0}\u{11}\u{0}]on@xcm \u{43f}";
    let once = redact(text, &RedactPolicy::default());
    assert_eq!(redact(&once, &RedactPolicy::default()), once);
    let simple = "mail o@xcmpa.pw [REDACTED:password] pw [REDACTED:private_key]";
    assert_eq!(
        redact(simple, &RedactPolicy::default()),
        redact(
            &redact(simple, &RedactPolicy::default()),
            &RedactPolicy::default()
        )
    );
    assert!(scan(simple, &ScanOptions::default())
        .iter()
        .all(|f| !simple[f.start..f.end].contains("REDACTED")));
}

#[test]
fn a_secret_that_another_starts_inside_keeps_its_front() {
    // A seed phrase whose first word ends a key (or an e-mail's domain): the key's (or the
    // e-mail's) front stays a finding of its own, so no byte of either is left outside one.
    let key = "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_";
    let phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
    let text = format!("key {key}{phrase} ok");
    assert_eq!(found(&text), [(ApiKey, key), (SeedPhrase, phrase)]);
    let text = format!("mail bob@example.{phrase}");
    let redacted = redact(&text, &RedactPolicy::default());
    assert_eq!(redacted, "mail b***@example.[REDACTED:seed_phrase]");
    assert_eq!(redact(&redacted, &RedactPolicy::default()), redacted);
    // A key head ending in a digit before `-` (a Google key) is still read.
    assert_finds(
        "my key AIzaSyDaGm1-HjGw7ISLn_3namBGewQeXyZab12 ok",
        ApiKey,
        "AIzaSyDaGm1-HjGw7ISLn_3namBGewQeXyZab12",
    );
}
