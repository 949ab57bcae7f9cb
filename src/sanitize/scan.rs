//! The single-pass scanner. The text is read in 64-byte blocks: the skim's bit masks say
//! which tokens can begin a secret (a cue word, a long token, a card-length digit run,
//! `@`, …), and the walk reads only those, dispatching on each; seed phrases are counted
//! from the masks' word starts and read word by word only in stretches long enough for
//! one. A visit of every token is kept as the tests' reference.

use super::kind::{KindSet, SensitiveKind};
use super::seed::{self, SeedRun, SeedStretch};
use super::skim::{self, Masks, Window, BLOCK};
use super::text::{
    all_hex, alnum_end, short_word_end, token_at, ALPHA, CLASS, DIGIT, HEX, SPECIAL,
};
use super::{api_key, card, cues, email, keys, password};

/// One secret (or address, or e-mail) found in a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finding {
    /// What it is.
    pub kind: SensitiveKind,
    /// Byte offset of its first byte (a character boundary).
    pub start: usize,
    /// Byte offset just past it (a character boundary).
    pub end: usize,
    /// How sure the detector is, from 0 to 1: checksummed formats are near 1, values
    /// found only by their context (passwords, hex keys) lower.
    pub confidence: f32,
    /// For `eth_address` only: whether the EIP-55 checksum holds (all-lower or all-upper
    /// case carries none and counts as valid). `None` for other kinds.
    pub valid: Option<bool>,
}

/// What [`scan`] looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOptions {
    /// The kinds to report (default: all).
    pub kinds: KindSet,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            kinds: KindSet::ALL,
        }
    }
}

/// Finds every secret in `text`, sorted by position, without overlaps (where two
/// detectors claim the same bytes the more specific kind wins).
///
/// Offsets are bytes; see [`utf16_ranges`](super::utf16_ranges) for JS offsets. Runs in
/// time linear in the text on any input.
pub fn scan(text: &str, options: &ScanOptions) -> Vec<Finding> {
    let mut scanner = Scanner::new(text, options.kinds, false);
    scanner.run();
    resolve(scanner.out)
}

/// Whether `text` holds anything of `kinds` (use [`KindSet::SENSITIVE`] for the usual
/// meaning: everything but addresses and e-mails). Stops at the first finding.
pub fn contains_sensitive_data(text: &str, kinds: KindSet) -> bool {
    let mut scanner = Scanner::new(text, kinds, true);
    scanner.run();
    !scanner.out.is_empty()
}

/// Builds the lazily built tables (the BIP-39 word index) now, so that the first scan
/// does not pay for them. Optional.
pub fn warm_up() {
    seed::warm_up();
}

/// Which kind wins when two findings overlap.
fn rank(kind: SensitiveKind) -> u8 {
    match kind {
        SensitiveKind::PrivateKey => 6,
        SensitiveKind::SeedPhrase => 5,
        SensitiveKind::ApiKey => 4,
        SensitiveKind::CardNumber => 3,
        SensitiveKind::Password => 2,
        SensitiveKind::EthAddress => 1,
        SensitiveKind::Email => 0,
    }
}

/// Makes the findings disjoint without uncovering a byte: where two overlap, the
/// higher-ranked one takes the shared bytes and the other keeps what lies outside them, on
/// either side (a password running past an API key inside it keeps its tail, so the tail is
/// redacted too). A piece left over is queued by its start and resolved like any finding.
fn resolve(mut found: Vec<Finding>) -> Vec<Finding> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    let order = |f: &Finding| (f.start, Reverse(f.end));
    found.sort_by_key(order);
    let mut out: Vec<Finding> = Vec::with_capacity(found.len());
    // Pieces cut off behind a finding, smallest start first. Each finding leaves at most one
    // piece per finding of a higher rank inside it, and a kind's findings do not overlap one
    // another: at most seven pieces per finding, so this stays linear.
    let mut pieces: BinaryHeap<Reverse<(usize, Reverse<usize>, usize)>> = BinaryHeap::new();
    let mut piece_findings: Vec<Finding> = Vec::new();
    let mut rest = found.into_iter().peekable();
    loop {
        let from_pieces = match (rest.peek(), pieces.peek()) {
            (Some(f), Some(Reverse(p))) => (p.0, p.1) < order(f),
            (None, Some(_)) => true,
            (_, None) => false,
        };
        let f = if from_pieces {
            match pieces.pop() {
                Some(Reverse((_, _, at))) => piece_findings[at],
                None => break,
            }
        } else {
            match rest.next() {
                Some(f) => f,
                None => break,
            }
        };
        let mut leftover = None;
        match out.last_mut() {
            Some(last) if f.start < last.end => {
                if rank(f.kind) > rank(last.kind) {
                    if last.end > f.end {
                        leftover = Some(Finding {
                            start: f.end,
                            ..*last
                        });
                    }
                    if f.start > last.start {
                        last.end = f.start;
                        out.push(f);
                    } else {
                        *last = f;
                    }
                } else if f.end > last.end {
                    leftover = Some(Finding {
                        start: last.end,
                        ..f
                    });
                }
            }
            _ => out.push(f),
        }
        if let Some(piece) = leftover {
            pieces.push(Reverse((
                piece.start,
                Reverse(piece.end),
                piece_findings.len(),
            )));
            piece_findings.push(piece);
        }
    }
    out
}

struct Scanner<'t> {
    text: &'t str,
    bytes: &'t [u8],
    kinds: KindSet,
    first_only: bool,
    out: Vec<Finding>,
    seed: SeedRun,
    phrases: Vec<(usize, usize, usize)>,
    /// Byte ranges of `[REDACTED:<kind>]` markers: nothing inside one is reported, so that
    /// redacting a redacted text changes nothing.
    markers: Vec<(usize, usize)>,
}

/// The longest [`SensitiveKind`] name (`private_key`, `seed_phrase`, …).
const KIND_NAME_MAX: usize = 11;

/// The `[REDACTED:<kind>]` markers that `redact` writes, as byte ranges, in order.
fn redaction_markers(text: &str) -> Vec<(usize, usize)> {
    const OPEN: &str = "[REDACTED:";
    let mut out = Vec::new();
    let mut from = 0;
    // A search for the rare `[` (a fast byte search) before comparing the rest.
    while let Some(at) = text.get(from..).and_then(|rest| rest.find('[')) {
        let start = from + at;
        if !text[start..].starts_with(OPEN) {
            from = start + 1;
            continue;
        }
        let name_start = start + OPEN.len();
        let rest = text.get(name_start..).unwrap_or("");
        from = name_start;
        // Only as far as the longest kind name: a search to the next `]` anywhere would make
        // a text of many unclosed `[REDACTED:` quadratic.
        let window = &rest.as_bytes()[..rest.len().min(KIND_NAME_MAX + 1)];
        let Some(close) = window.iter().position(|&b| b == b']') else {
            continue;
        };
        if rest[..close].parse::<SensitiveKind>().is_ok() {
            let end = name_start + close + 1;
            out.push((start, end));
            from = end;
        }
    }
    out
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str, kinds: KindSet, first_only: bool) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
            kinds,
            first_only,
            out: Vec::new(),
            seed: SeedRun::default(),
            phrases: Vec::new(),
            markers: redaction_markers(text),
        }
    }

    /// Whether `start..end` overlaps a redaction marker.
    fn in_marker(&self, start: usize, end: usize) -> bool {
        // Markers are sorted and disjoint: only the last one starting before `end` can overlap.
        let after = self.markers.partition_point(|&(s, _)| s < end);
        after > 0 && self.markers[after - 1].1 > start
    }

    fn done(&self) -> bool {
        self.first_only && !self.out.is_empty()
    }

    fn emit(&mut self, kind: SensitiveKind, start: usize, end: usize, confidence: f32) {
        if self.kinds.contains(kind) && !self.in_marker(start, end) {
            self.out.push(Finding {
                kind,
                start,
                end,
                confidence,
                valid: None,
            });
        }
    }

    /// One pass over the text in 64-byte blocks: the walk visits only the tokens the skim
    /// marks, and seed phrases are looked for only in stretches with enough words.
    fn run(&mut self) {
        if self.kinds.is_empty() {
            return;
        }
        let bytes = self.bytes;
        let emails = self.kinds.contains(SensitiveKind::Email);
        let seeds = self.kinds.contains(SensitiveKind::SeedPhrase);
        let mut seed = SeedStretch::default();
        let (mut prev, mut cur) = (Masks::default(), skim::classify_at(bytes, 0));
        // The walk's position: everything before it is read.
        let mut i = 0;
        let mut base = 0;
        while base < bytes.len() {
            let next = skim::classify_at(bytes, base + BLOCK);
            let window = Window {
                prev: &prev,
                cur: &cur,
                next: &next,
            };
            if i < base + BLOCK {
                let mut hot = window.hot(emails, bytes, base);
                loop {
                    // Bits before `i` were read by an earlier step.
                    if i > base {
                        let read = u32::try_from(i - base).ok();
                        hot &= read.and_then(|n| u64::MAX.checked_shl(n)).unwrap_or(0);
                    }
                    if hot == 0 {
                        break;
                    }
                    let p = base + hot.trailing_zeros() as usize;
                    i = self.step_at(p, i);
                    if self.done() {
                        return;
                    }
                }
            }
            if seeds {
                seed.block(base, window.word_starts(), window.breaks(), |from, to| {
                    self.seed_stretch(from, to);
                });
                if self.done() {
                    return;
                }
            }
            prev = cur;
            cur = next;
            base += BLOCK;
        }
        if seeds {
            if let Some((from, to)) = seed.finish(bytes.len()) {
                self.seed_stretch(from, to);
            }
        }
    }

    /// Reads the token the skim marked at `p`, the walk being at `i <= p`; returns where
    /// the walk continues.
    fn step_at(&mut self, p: usize, i: usize) -> usize {
        let bytes = self.bytes;
        let mut start = p;
        if bytes[p].is_ascii_alphanumeric() {
            // The token holding `p`, or its rest if the walk stopped inside it.
            while start > i && bytes[start - 1].is_ascii_alphanumeric() {
                start -= 1;
            }
        }
        let mut i = self.step(start);
        // A step that ends inside a run of letters and digits (a key body cut at a
        // character its alphabet lacks) leaves a token that starts there.
        while i < bytes.len()
            && i > 0
            && bytes[i].is_ascii_alphanumeric()
            && bytes[i - 1].is_ascii_alphanumeric()
            && !self.done()
        {
            i = self.step(i);
        }
        i
    }

    /// What the walk does at `i`: reads the token, `@` or character there; returns where
    /// it continues (past what it read).
    fn step(&mut self, i: usize) -> usize {
        let bytes = self.bytes;
        let class = CLASS[usize::from(bytes[i])];
        if class == 0 {
            i + 1 // spaces and ASCII punctuation: nothing starts here
        } else if class & SPECIAL == 0 {
            // Most of a chat is short words between single spaces: straight to `word`,
            // which is what `token` does with them after its checks for longer tokens.
            if let Some(end) = short_word_end(bytes, i) {
                self.word(i, end).max(end)
            } else {
                let (end, shared) = token_at(bytes, i);
                self.token(i, end, shared).max(end)
            }
        } else if bytes[i] == b'@' {
            self.at_sign(i)
        } else {
            self.wide_char(i)
        }
    }

    /// Seed phrases in `from..to`, a stretch between two breaks of word runs: its words
    /// (whole tokens of 3–8 letters) through the exact run check, then the phrases found.
    fn seed_stretch(&mut self, from: usize, to: usize) {
        let bytes = self.bytes;
        // A break past the end is the padding of the last block: the stretch ends with the text.
        let to = to.min(bytes.len());
        let mut j = from;
        if j > 0 && bytes.get(j - 1).is_some_and(u8::is_ascii_alphanumeric) {
            j = alnum_end(bytes, j); // the rest of a token that started before
        }
        while j < to {
            if !bytes[j].is_ascii_alphanumeric() {
                j += 1;
                continue;
            }
            let (end, shared) = token_at(bytes, j);
            if end > to {
                break; // a token the break cuts is no word
            }
            if shared & ALPHA != 0 && (3..=8).contains(&(end - j)) {
                self.seed.push(self.text, j, end, &mut self.phrases);
            }
            j = end;
        }
        self.seed.flush(self.text, &mut self.phrases);
        self.emit_phrases();
    }

    /// The walk that visits every token and counts every word for seed phrases: what the
    /// skim must find exactly the same as.
    #[cfg(test)]
    fn run_reference(&mut self) {
        if self.kinds.is_empty() {
            return;
        }
        let mut i = 0;
        while i < self.bytes.len() {
            i = self.step(i);
            if self.done() {
                return;
            }
        }
        if self.kinds.contains(SensitiveKind::SeedPhrase) {
            self.seed_stretch(0, self.bytes.len());
        }
    }

    /// Handles the ASCII alphanumeric token `start..end` whose bytes share the classes
    /// `shared`; returns where to continue.
    fn token(&mut self, start: usize, end: usize, shared: u8) -> usize {
        let tok = &self.bytes[start..end];
        let len = tok.len();
        // Most tokens are short words: nothing but a password cue or a seed word can start
        // there, unless an API key prefix (`sk-`, `xoxb-`, `AIza…`) continues past the word.
        if shared & ALPHA != 0
            && len < api_key::MIN_ALNUM_TOKEN
            && !matches!(self.bytes.get(end), Some(b'-' | b'_' | b'.'))
            && !tok.starts_with(b"AIza")
        {
            return self.word(start, end);
        }
        if len >= 42 && tok[0] == b'0' && (tok[1] | 0x20) == b'x' && all_hex(&tok[2..]) {
            match len - 2 {
                40 => self.address(start, end),
                64 => self.hex_key(start, end),
                _ => {}
            }
            return end;
        }
        if len == 64 && shared & HEX != 0 {
            self.hex_key(start, end);
            return end;
        }
        if self.kinds.contains(SensitiveKind::ApiKey) {
            match api_key::match_at(self.bytes, start, end) {
                Some(api_key::Match::Key(key_end)) => {
                    self.emit(SensitiveKind::ApiKey, start, key_end, 0.95);
                    return key_end;
                }
                Some(api_key::Match::Skip(to)) => return to,
                None => {}
            }
        }
        if matches!(len, 51 | 52 | 111) && self.kinds.contains(SensitiveKind::PrivateKey) {
            if keys::is_base58_key(tok) {
                self.emit(SensitiveKind::PrivateKey, start, end, 0.99);
            }
            return end;
        }
        if shared & DIGIT != 0 {
            return self.digits(start, end);
        }
        if shared & ALPHA == 0 {
            return end; // letters and digits mixed: no word, no number
        }
        self.word(start, end)
    }

    fn address(&mut self, start: usize, end: usize) {
        if !self.kinds.contains(SensitiveKind::EthAddress) {
            return;
        }
        let valid = crate::eth::parse_address(&self.text[start..end]).is_ok();
        self.out.push(Finding {
            kind: SensitiveKind::EthAddress,
            start,
            end,
            confidence: if valid { 0.99 } else { 0.9 },
            valid: Some(valid),
        });
    }

    fn hex_key(&mut self, start: usize, end: usize) {
        if self.kinds.contains(SensitiveKind::PrivateKey) && cues::hex_is_key(self.text, start, end)
        {
            self.emit(SensitiveKind::PrivateKey, start, end, 0.85);
        }
    }

    fn digits(&mut self, start: usize, end: usize) -> usize {
        if !self.kinds.contains(SensitiveKind::CardNumber) || end - start < 2 {
            return end;
        }
        let phone = start > 0 && self.bytes[start - 1] == b'+';
        if phone {
            return end;
        }
        match card::match_at(self.bytes, start, end) {
            Some(card_end) if !cues::digits_are_not_card(self.text, start) => {
                self.emit(SensitiveKind::CardNumber, start, card_end, 0.95);
                card_end
            }
            _ => end,
        }
    }

    fn word(&mut self, start: usize, end: usize) -> usize {
        let tok = &self.bytes[start..end];
        if self.kinds.contains(SensitiveKind::Password) {
            let cue = match password::ascii_cue(tok) {
                Some(cue) => Some((cue, end)),
                // Multi-word and accented cues ("mot de passe", "contraseña").
                None if password::starts_text_cue(tok) => {
                    password::text_cue_at(self.text, start).map(|(cue, len)| (cue, start + len))
                }
                None => None,
            };
            if let Some((cue, cue_end)) = cue {
                if let Some((a, b)) = password::value_after(self.text, cue_end, cue) {
                    self.emit(SensitiveKind::Password, a, b, 0.8);
                    return b;
                }
            }
        }
        end
    }

    fn emit_phrases(&mut self) {
        for (start, end, _) in std::mem::take(&mut self.phrases) {
            self.emit(SensitiveKind::SeedPhrase, start, end, 0.97);
        }
    }

    fn at_sign(&mut self, at: usize) -> usize {
        if !self.kinds.contains(SensitiveKind::Email) {
            return at + 1;
        }
        match email::match_at(self.bytes, at) {
            Some((start, end)) => {
                self.emit(SensitiveKind::Email, start, end, 0.95);
                end
            }
            None => at + 1,
        }
    }

    fn wide_char(&mut self, i: usize) -> usize {
        let next = super::text::ceil_boundary(self.text, i + 1).max(i + 1);
        if self.kinds.contains(SensitiveKind::Password) {
            if let Some((cue, l)) = password::text_cue_at(self.text, i) {
                if let Some((a, b)) = password::value_after(self.text, i + l, cue) {
                    self.emit(SensitiveKind::Password, a, b, 0.8);
                    return b;
                }
            }
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `scan` and `contains_sensitive_data` through the reference walk.
    fn bytewise(text: &str, kinds: KindSet, first_only: bool) -> Vec<Finding> {
        let mut scanner = Scanner::new(text, kinds, first_only);
        scanner.run_reference();
        if first_only {
            return scanner.out;
        }
        resolve(scanner.out)
    }

    /// A finding for `resolve`'s tests.
    fn f(kind: SensitiveKind, start: usize, end: usize) -> Finding {
        Finding {
            kind,
            start,
            end,
            confidence: 1.0,
            valid: None,
        }
    }

    #[test]
    fn resolve_keeps_the_front_of_a_finding_a_higher_ranked_one_starts_inside() {
        use SensitiveKind::*;
        assert_eq!(
            resolve(vec![f(Email, 0, 10), f(ApiKey, 5, 15), f(Password, 20, 25)]),
            [f(Email, 0, 5), f(ApiKey, 5, 15), f(Password, 20, 25)]
        );
        // From the same start, the higher-ranked one wins; a lower-ranked one inside is
        // covered already.
        assert_eq!(
            resolve(vec![f(Email, 0, 10), f(ApiKey, 0, 15), f(Password, 3, 8)]),
            [f(ApiKey, 0, 15)]
        );
        // Touching is not overlapping.
        assert_eq!(
            resolve(vec![f(Email, 0, 10), f(ApiKey, 10, 15)]),
            [f(Email, 0, 10), f(ApiKey, 10, 15)]
        );
    }

    #[test]
    fn resolve_uncovers_no_byte_that_a_detector_flagged() {
        use SensitiveKind::*;
        // A password running past an API key inside it keeps its tail.
        assert_eq!(
            resolve(vec![f(Password, 0, 30), f(ApiKey, 5, 15)]),
            [f(Password, 0, 5), f(ApiKey, 5, 15), f(Password, 15, 30)]
        );
        // From the same start too.
        assert_eq!(
            resolve(vec![f(Password, 0, 30), f(ApiKey, 0, 15)]),
            [f(ApiKey, 0, 15), f(Password, 15, 30)]
        );
        // A lower-ranked finding that starts inside a higher-ranked one keeps what lies
        // past it.
        assert_eq!(
            resolve(vec![f(ApiKey, 0, 15), f(Email, 10, 25)]),
            [f(ApiKey, 0, 15), f(Email, 15, 25)]
        );
        // A tail is cut again by the next higher-ranked finding inside it, and a piece that
        // ends inside a kept finding of a higher rank is covered.
        assert_eq!(
            resolve(vec![
                f(Email, 0, 40),
                f(CardNumber, 5, 10),
                f(PrivateKey, 20, 25),
                f(Password, 22, 50),
            ]),
            [
                f(Email, 0, 5),
                f(CardNumber, 5, 10),
                f(Email, 10, 20),
                f(PrivateKey, 20, 25),
                f(Password, 25, 50),
            ]
        );
        // The union of the ranges is kept on random overlaps, with disjoint sorted output
        // and every byte under the highest rank that covers it.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as usize
        };
        for _ in 0..2000 {
            let count = 1 + next(8);
            let input: Vec<Finding> = (0..count)
                .map(|_| {
                    let start = next(60);
                    f(SensitiveKind::ALL[next(7)], start, start + 1 + next(30))
                })
                .collect();
            let output = resolve(input.clone());
            for w in output.windows(2) {
                assert!(w[0].end <= w[1].start, "{input:?} -> {output:?}");
            }
            for byte in 0..100 {
                let best = input
                    .iter()
                    .filter(|g| g.start <= byte && byte < g.end)
                    .map(|g| rank(g.kind))
                    .max();
                let got = output
                    .iter()
                    .find(|g| g.start <= byte && byte < g.end)
                    .map(|g| rank(g.kind));
                assert_eq!(got, best, "byte {byte}: {input:?} -> {output:?}");
            }
        }
    }

    /// The scanner finds exactly what the reference walk finds, for every kind set.
    fn same(text: &str) {
        for bits in [
            0x7f,
            KindSet::SENSITIVE.bits().into(),
            0x01,
            0x02,
            0x04,
            0x08,
            0x10,
            0x20,
            0x40,
            0x5a,
        ] {
            let kinds = KindSet::from_bits(bits);
            let options = ScanOptions { kinds };
            assert_eq!(
                scan(text, &options),
                bytewise(text, kinds, false),
                "{text:?} {bits:#x}"
            );
            assert_eq!(
                contains_sensitive_data(text, kinds),
                !bytewise(text, kinds, true).is_empty(),
                "{text:?} {bits:#x}"
            );
        }
    }

    const PIECES: &[&str] = &[
        "password", "pw", "PIN", "passcode", "pass", " is ", ": ", "=", "->", " ", "  ", "\n",
        ",", ".", "'", "\"", "“", "(", ")", "[", "@", "0x", "#", "-", "_", "*", "…", "hunter2",
        "Tiger!1024", "4111", "1111", "4111 1111 1111 1111", "4111-1111-1111-1111",
        "378282246310005", "5", "0", "9", "order #", "abandon", "about", "zoo", "wrong",
        "legal", "winner", "thank", "year", "wave", "sausage", "worth", "useful", "title",
        "yellow", "a", "to", "the", "1.", "2)", "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "legal winner thank year wave sausage worth useful legal winner thank yellow",
        "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
        "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "private key ", "tx ", "🔑", "私钥", "密码", "mot de passe", "contraseña", "mật khẩu",
        "alice", "example.com", "bob@mail.example.org",
        "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", "AKIAIOSFODNN7EXAMPLE",
        "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", "AIzaSyDaGm1-HjGw7ISLn_3namBGewQeXyZab12",
        "AIza1-", "1-", "9_",
        "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", "xoxb-", "sk_live_", "sk-",
        "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
        "KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617",
        "[REDACTED:password]", "[REDACTED:", "****", "🦊", "中文", "é", "\u{a0}", "、", "•",
        "\t", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    ];

    #[test]
    fn skim_matches_reference_on_generated_texts() {
        let mut x = 0x5EED_2026_u64;
        let mut next = move |n: usize| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
        };
        for round in 0..6_000 {
            let mut text = String::new();
            let pieces = 1 + next(if round % 10 == 0 { 120 } else { 30 });
            for _ in 0..pieces {
                if next(8) == 0 {
                    // A random printable ASCII or Latin-1 character.
                    let c = char::from_u32(0x20 + next(0xe0) as u32).unwrap_or(' ');
                    text.push(c);
                } else {
                    text.push_str(PIECES[next(PIECES.len())]);
                }
            }
            same(&text);
        }
    }

    #[test]
    fn skim_matches_reference_on_adversarial_texts() {
        let words =
            "abandon ability able about above absent absorb abstract absurd abuse access accident ";
        for unit in [
            "0x",
            "7",
            "a3f9",
            words,
            "5Kb8kLf9zgWQnogidDA76MzPL6TsZZY36hWXMssSzNydYXYB9KF",
            "4111 ",
            "pw:",
            "sk-",
            "a@b.",
            "[REDACTED:",
            "é",
            "abcdefg ",
            "x",
            "@",
        ] {
            for len in [1, 63, 64, 65, 127, 128, 129, 3000] {
                let text: String = unit.repeat(len / unit.len() + 1);
                let mut cut = len.min(text.len());
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                same(&text[..cut]);
                // Shifted against the 64-byte windows.
                for pad in 1..4 {
                    same(&format!("{}{}", " ".repeat(pad), &text[..cut]));
                }
            }
        }
    }

    #[test]
    fn skim_matches_reference_on_the_corpus() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/sanitizer-dev.jsonl"
        );
        let Ok(data) = std::fs::read_to_string(path) else {
            return; // the corpus lives outside the repository
        };
        let texts: Vec<String> = data
            .lines()
            .filter_map(|l| {
                let start = l.find("\"text\": \"")? + 9;
                let end = l.find("\", \"spans\"")?;
                l.get(start..end).map(|t| t.replace("\\n", "\n"))
            })
            .collect();
        assert!(texts.len() > 100);
        for t in &texts {
            same(t);
        }
        same(&texts.join("\n"));
    }

    #[test]
    fn a_phrase_of_short_words_inside_one_block_is_found() {
        use bip39::{Language, Mnemonic};
        let short: Vec<&str> = Language::English
            .word_list()
            .iter()
            .copied()
            .filter(|w| w.len() == 3)
            .collect();
        let head = short[..11].join(" ");
        let phrase = short
            .iter()
            .map(|last| format!("{head} {last}"))
            .find(|p| Mnemonic::parse_in_normalized(Language::English, p).is_ok())
            .expect("a valid 12-word phrase of 3-letter words");
        assert_eq!(phrase.len(), 47);
        for pad in 0..70 {
            // Between two breaks, at every offset against the 64-byte blocks.
            let text = format!("{}!{phrase}! ok", " ".repeat(pad));
            same(&text);
            let found = scan(&text, &ScanOptions::default());
            assert_eq!(found.len(), 1, "{pad}");
            assert_eq!(found[0].kind, SensitiveKind::SeedPhrase);
            assert_eq!(&text[found[0].start..found[0].end], phrase);
        }
    }

    #[test]
    fn marker_window_fits_every_kind_name() {
        for kind in SensitiveKind::ALL {
            assert!(kind.as_str().len() <= KIND_NAME_MAX, "{kind:?}");
            let text = format!("a [REDACTED:{}] b", kind.as_str());
            assert_eq!(redaction_markers(&text), [(2, text.len() - 2)]);
        }
    }

    #[test]
    fn unclosed_markers_are_read_once() {
        // Each unclosed `[REDACTED:` looks only a kind name ahead, not to the last `]`.
        let text = format!("{}]", "[REDACTED:".repeat(50_000));
        assert!(redaction_markers(&text).is_empty());
        let text = "[REDACTED:[REDACTED:email]";
        assert_eq!(redaction_markers(text), [(10, text.len())]);
    }
}
