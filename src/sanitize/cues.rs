//! Context vocabularies: which nearby words say "this hex is a key" and which say "this is
//! a hash". Built from what the formats are used for (keys are imported, signed with,
//! exported; hashes name transactions, blocks, roots and files), not from any corpus.

use super::text::{after, before, tokens};

/// How far before a 64-hex candidate to look for a cue (bytes; about one short sentence).
const BEFORE: usize = 72;
/// How far after it (the rest of a short clause: "… as the deployer signer").
const AFTER: usize = 40;

/// Non-ASCII key cues ("private key" in other scripts, the key emoji).
const KEY_SYMBOLS: &[&str] = &[
    "🔑",
    "🗝",
    "私钥",
    "私鑰",
    "秘钥",
    "秘鑰",
    "秘密鍵",
    "개인키",
    "개인 키",
    "ключ",
    "clé",
    "privé",
    "Schlüssel",
];

/// Longest redaction marker, `[REDACTED:seed_phrase]`.
const MARKER_MAX: usize = 24;

/// The window with redaction markers cut out: `[REDACTED:private_key]` says "key" but
/// is not a cue (else redacting twice would differ from redacting once).
fn without_markers(window: &str) -> std::borrow::Cow<'_, str> {
    // A byte scan for the rare `R` first: cheaper than a substring search on every window.
    let bytes = window.as_bytes();
    let has_marker = bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'R' && bytes[i..].starts_with(b"REDACTED:"));
    if !has_marker {
        return window.into();
    }
    let mut out = String::with_capacity(window.len());
    let mut rest = window;
    while let Some(at) = rest.find("REDACTED:") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        rest = tail.find(']').map_or("", |close| &tail[close + 1..]);
        out.push(' ');
    }
    out.push_str(rest);
    out.into()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cue {
    Key,
    Hash,
}

/// Words (lower-case, whole tokens) that name a transaction, block, file or other hash.
/// A `match` rather than a slice search: compiled to a switch on the length.
fn is_hash_word(t: &str) -> bool {
    matches!(
        t,
        "tx" | "txs"
            | "txn"
            | "txns"
            | "txid"
            | "txhash"
            | "hash"
            | "hashes"
            | "block"
            | "blocks"
            | "root"
            | "checksum"
            | "digest"
            | "commit"
            | "receipt"
            | "transaction"
            | "transactions"
            | "result"
            | "swap"
            | "swaps"
            | "merkle"
            | "nonce"
            | "id"
            | "ref"
            | "uuid"
            | "trace"
            | "sig"
            | "signature"
            | "topic"
            | "topics"
            | "event"
            | "log"
            | "logs"
            | "calldata"
            | "input"
            | "salt"
            | "cid"
            | "request"
            | "sha"
            | "sha1"
            | "sha256"
            | "sha256sum"
            | "sha3"
            | "sha512"
            | "keccak"
            | "keccak256"
            | "md5"
            | "blake2b"
            | "etag"
            | "fingerprint"
            | "bytes32"
            | "slot"
            | "proof"
            | "leaf"
            | "release"
            | "firmware"
            | "challenge"
            | "parenthash"
            | "statehash"
            | "bundle"
            | "userop"
            | "order"
            | "nullifier"
            | "commitment"
            | "blob"
            | "mixhash"
            | "logsbloom"
    )
}

/// Words that say a key: what one does with a private key, its names, or a password cue.
fn is_key_word(t: &str) -> bool {
    matches!(
        t,
        "key"
            | "keys"
            | "pk"
            | "sk"
            | "priv"
            | "privkey"
            | "privatekey"
            | "secret"
            | "secretkey"
            | "signer"
            | "sign"
            | "signing"
            | "import"
            | "wallet"
            | "accounts"
            | "account"
            | "deployer"
            | "mnemonic"
            | "keystore"
            | "clave"
            | "schluessel"
            | "seed"
            | "entropy"
            // A password is a secret too: 64 hex digits given as one is no hash.
            | "password"
            | "passwd"
            | "pwd"
            | "pw"
            | "passphrase"
    )
}

fn classify(token: &str) -> Option<Cue> {
    // Lower-case into a stack buffer: this runs on every word near every candidate.
    let mut buf = [0u8; 24];
    let lower = buf.get_mut(..token.len())?;
    lower.copy_from_slice(token.as_bytes());
    lower.make_ascii_lowercase();
    let t = std::str::from_utf8(lower).ok()?;
    if is_hash_word(t) || t.ends_with("hash") || t.ends_with("root") {
        return Some(Cue::Hash);
    }
    if is_key_word(t)
        || t.starts_with("privat")
        || t.starts_with("import")
        || t.starts_with("restor")
        || t.starts_with("export")
        || t.ends_with("key")
        || t.ends_with("secret")
        || t.ends_with("wallet")
    {
        return Some(Cue::Key);
    }
    None
}

/// Whether the context around `text[start..end]` (a 64-hex-digit string) says it is a
/// private key rather than a hash: the nearest cue before it decides; without one, the
/// nearest cue after it on the same line; without any, it is not a key.
pub(crate) fn hex_is_key(text: &str, start: usize, end: usize) -> bool {
    let pre_full = without_markers(before(text, start, BEFORE + MARKER_MAX));
    let pre = before(&pre_full, pre_full.len(), BEFORE);
    // The nearest cue: tokens read from the candidate backwards, up to the first cue.
    let mut nearest: Option<(usize, Cue)> = None;
    let bytes = pre.as_bytes();
    let mut cut = bytes.len();
    while cut > 0 {
        if !bytes[cut - 1].is_ascii_alphanumeric() {
            cut -= 1;
            continue;
        }
        let mut from = cut - 1;
        while from > 0 && bytes[from - 1].is_ascii_alphanumeric() {
            from -= 1;
        }
        if let Some(cue) = pre.get(from..cut).and_then(classify) {
            nearest = Some((cut, cue));
            break;
        }
        cut = from;
    }
    for sym in KEY_SYMBOLS.iter().filter(|_| !pre.is_ascii()) {
        if let Some(pos) = pre.rfind(sym) {
            let cue_end = pos + sym.len();
            if nearest.is_none_or(|(p, _)| cue_end > p) {
                nearest = Some((cue_end, Cue::Key));
            }
        }
    }
    if let Some((_, cue)) = nearest {
        return cue == Cue::Key;
    }
    let post_full = without_markers(after(text, end, AFTER + MARKER_MAX));
    let post = after(&post_full, 0, AFTER);
    let line = post.split('\n').next().unwrap_or("");
    let verdict = tokens(line).find_map(|(_, t)| classify(t));
    verdict == Some(Cue::Key)
}

/// Words right before a digit run that say it is not a payment card.
const NOT_CARD_WORDS: &[&str] = &[
    "order",
    "tracking",
    "invoice",
    "ref",
    "reference",
    "id",
    "phone",
    "tel",
    "mobile",
    "imei",
    "iban",
    "serial",
    "nonce",
    "block",
    "tx",
    "ticket",
    "case",
    "account",
    "acct",
    "routing",
    "ssn",
    "isbn",
    "gtin",
    "ean",
    "upc",
    "awb",
    "shipment",
    "parcel",
];

/// Words that may stand between such a word and the number ("invoice no. 1234").
const NUMBER_WORDS: &[&str] = &["no", "nr", "nbr", "num", "number"];

/// Whether the words just before a digit run say it is some other number: one of
/// [`NOT_CARD_WORDS`], then only number words, spaces and `:#.`.
pub(crate) fn digits_are_not_card(text: &str, start: usize) -> bool {
    let pre = before(text, start, 32);
    let mut expect_end = pre.len();
    let toks: Vec<(usize, &str)> = tokens(pre).collect();
    for &(pos, token) in toks.iter().rev() {
        let gap = pre.get(pos + token.len()..expect_end).unwrap_or("x");
        if !gap
            .bytes()
            .all(|b| matches!(b, b' ' | b':' | b'#' | b'.' | b'\t'))
        {
            return false;
        }
        let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(token));
        if is(NOT_CARD_WORDS) {
            return true;
        }
        if !is(NUMBER_WORDS) {
            return false;
        }
        expect_end = pos;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

    fn key(prefix: &str, suffix: &str) -> bool {
        let text = format!("{prefix}{H}{suffix}");
        hex_is_key(&text, prefix.len(), prefix.len() + H.len())
    }

    #[test]
    fn key_context_wins_over_distant_hash_context() {
        assert!(key("my private key is 0x", ""));
        assert!(key("PRIVATE_KEY=", "\n"));
        assert!(key("🔑 ", ""));
        assert!(key("私钥是 ", ""));
        assert!(key("tx failed, so here is my key ", ""));
        assert!(key("use (", ") as the deployer signer"));
        assert!(key("sk: ", ""));
        assert!(key("wifi password: 0x", ""));
    }

    #[test]
    fn hash_context_or_no_context_is_not_a_key() {
        assert!(!key("tx ", " is stuck"));
        assert!(!key("my key is safe, but the tx hash is ", ""));
        assert!(!key("https://etherscan.io/tx/", ""));
        assert!(!key("\"blockHash\": \"", "\""));
        assert!(!key("sha256sum of the release: ", ""));
        assert!(!key("", ""));
        assert!(!key("look at ", "\nthe key is elsewhere"));
        assert!(!key("tx ", " [REDACTED:private_key]"));
        assert!(!key("[REDACTED:api_key] ", ""));
    }

    #[test]
    fn order_numbers_are_not_cards() {
        assert!(digits_are_not_card("order #", 7));
        assert!(!digits_are_not_card("card: ", 6));
        assert!(digits_are_not_card("invoice no. ", 12));
        assert!(!digits_are_not_card("Coinbase account | ", 19));
    }
}
