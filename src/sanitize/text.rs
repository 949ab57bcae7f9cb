//! Byte-level helpers shared by the detectors. Everything works on UTF-8 bytes and returns
//! positions on character boundaries (ASCII bytes are always boundaries).

/// Byte classes, one table lookup per byte in the scanner's hot loop.
pub(crate) const ALPHA: u8 = 1;
/// An ASCII digit.
pub(crate) const DIGIT: u8 = 2;
/// An ASCII hex digit (digit or `a-f` / `A-F`).
pub(crate) const HEX: u8 = 4;
/// A byte the scanner must look at outside tokens: `@` and non-ASCII lead bytes.
pub(crate) const SPECIAL: u8 = 8;

const fn class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_digit() {
            DIGIT | HEX
        } else if c.is_ascii_hexdigit() {
            ALPHA | HEX
        } else if c.is_ascii_alphabetic() {
            ALPHA
        } else if c == b'@' || c >= 0x80 {
            SPECIAL
        } else {
            0
        };
        b += 1;
    }
    t
}

/// The class of every byte.
pub(crate) static CLASS: [u8; 256] = class_table();

/// The eight byte lanes of a little-endian `u64`, classified at once (SWAR): the high bit of
/// a lane is set where its byte is of the class. A lane by lane loop with a table lookup and
/// a branch per byte was the scanner's bottleneck; this reads a word at a time.
struct Lanes {
    letters: u64,
    digits: u64,
    /// Letters other than `a-f` / `A-F`.
    non_hex: u64,
}

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Lanes whose 7-bit value `x` has `lo < x < hi` (both at most 127): no lane carries into
/// the next, so the answer is exact per lane.
const fn between(x: u64, lo: u64, hi: u64) -> u64 {
    (LOW * (127 + hi)).wrapping_sub(x) & (x + LOW * (127 - lo)) & HIGH
}

impl Lanes {
    const fn of(w: u64) -> Lanes {
        let ascii = !w & HIGH;
        let x = w & !HIGH;
        let lower = x | (LOW * 0x20);
        let letters = between(lower, 0x60, 0x7b) & ascii;
        Lanes {
            letters,
            digits: between(x, 0x2f, 0x3a) & ascii,
            non_hex: letters & !between(lower, 0x60, 0x67),
        }
    }
}

/// End of the run of ASCII letters and digits starting at `start`, and the classes every
/// byte of it shares (`ALPHA` if all letters, `DIGIT` if all digits, `HEX` if all hex).
pub(crate) fn token_at(bytes: &[u8], start: usize) -> (usize, u8) {
    let (mut letters, mut digits, mut non_hex) = (0u64, 0u64, 0u64);
    let mut i = start;
    let end = loop {
        let word = match bytes
            .get(i..i + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
        {
            Some(word) => word,
            None => {
                // The last few bytes, padded with zeros, which end any token.
                let mut word = [0u8; 8];
                let rest = bytes.get(i..).unwrap_or_default();
                for (w, &b) in word.iter_mut().zip(rest) {
                    *w = b;
                }
                word
            }
        };
        let lanes = Lanes::of(u64::from_le_bytes(word));
        let stop = !(lanes.letters | lanes.digits) & HIGH;
        // Every bit below the first lane that ends the token.
        let keep = if stop == 0 {
            u64::MAX
        } else {
            (stop & stop.wrapping_neg()) - 1
        };
        letters |= lanes.letters & keep;
        digits |= lanes.digits & keep;
        non_hex |= lanes.non_hex & keep;
        if stop != 0 {
            break i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    };
    let mut shared = 0;
    if digits == 0 {
        shared |= ALPHA;
    }
    if letters == 0 {
        shared |= DIGIT;
    }
    if non_hex == 0 {
        shared |= HEX;
    }
    (end, shared)
}

/// If a word of one to seven ASCII letters followed by a space starts at `start`, where it
/// ends (the space). Read eight bytes at once; `None` near the end of the text.
pub(crate) fn short_word_end(bytes: &[u8], start: usize) -> Option<usize> {
    let word = bytes.get(start..start + 8)?;
    let lanes = Lanes::of(u64::from_le_bytes(<[u8; 8]>::try_from(word).ok()?));
    let stop = !lanes.letters & HIGH;
    if stop == 0 {
        return None;
    }
    let end = start + (stop.trailing_zeros() / 8) as usize;
    (bytes.get(end) == Some(&b' ')).then_some(end)
}

/// ASCII letter or digit: the characters that make up a token.
pub(crate) fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// End of the run of ASCII letters and digits starting at `start`.
pub(crate) fn alnum_end(bytes: &[u8], start: usize) -> usize {
    run_end(bytes, start, is_alnum)
}

/// End of the run of bytes matching `pred` starting at `start`.
pub(crate) fn run_end(bytes: &[u8], start: usize, pred: impl Fn(u8) -> bool) -> usize {
    let mut i = start;
    while i < bytes.len() && pred(bytes[i]) {
        i += 1;
    }
    i
}

/// Whether every byte is an ASCII hex digit.
pub(crate) fn all_hex(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_hexdigit)
}

/// Whether every byte is an ASCII digit.
pub(crate) fn all_digits(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_digit)
}

/// The largest character boundary `<= pos`.
pub(crate) fn floor_boundary(text: &str, mut pos: usize) -> usize {
    pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

/// The smallest character boundary `>= pos`.
pub(crate) fn ceil_boundary(text: &str, mut pos: usize) -> usize {
    pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos += 1;
    }
    pos
}

/// The window of at most `len` bytes before `pos`, cut on character boundaries.
pub(crate) fn before(text: &str, pos: usize, len: usize) -> &str {
    let pos = floor_boundary(text, pos);
    let from = ceil_boundary(text, pos.saturating_sub(len));
    text.get(from..pos).unwrap_or("")
}

/// The window of at most `len` bytes after `pos`, cut on character boundaries.
pub(crate) fn after(text: &str, pos: usize, len: usize) -> &str {
    let pos = ceil_boundary(text, pos);
    let to = floor_boundary(text, pos.saturating_add(len));
    text.get(pos..to).unwrap_or("")
}

/// The ASCII alphanumeric tokens of `window` with their byte ranges, in order.
pub(crate) fn tokens(window: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = window.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && !is_alnum(bytes[i]) {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        i = alnum_end(bytes, i);
        window.get(start..i).map(|t| (start, t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_respect_char_boundaries() {
        let text = "é🦊key";
        assert_eq!(before(text, 7, 3), "k");
        assert_eq!(before(text, 6, 4), "🦊");
        assert_eq!(before(text, 9, 5), "key");
        assert_eq!(before(text, 9, 7), "🦊key");
        assert_eq!(after(text, 1, 3), "");
        assert_eq!(after(text, 2, 4), "🦊");
        assert_eq!(after(text, 0, 100), text);
    }

    #[test]
    fn token_classes_match_a_byte_by_byte_reading() {
        for text in [
            "",
            "a",
            "abcdefgh",
            "abcdefghi",
            "0123456789abcdef0123",
            "AbCdEf",
            "xyz42",
            "deadBEEF 00",
            "12345678901234567 x",
            "é",
            "a\u{80}",
            "[`@{/:",
            "Zz9-",
            "0x52908400098527886E0F7030069857D2E4169EE7",
        ] {
            let bytes = text.as_bytes();
            for start in 0..bytes.len() {
                let end = run_end(bytes, start, is_alnum);
                let tok = &bytes[start..end];
                let mut want = 0;
                if tok.iter().all(u8::is_ascii_alphabetic) {
                    want |= ALPHA;
                }
                if tok.iter().all(u8::is_ascii_digit) {
                    want |= DIGIT;
                }
                if tok.iter().all(u8::is_ascii_hexdigit) {
                    want |= HEX;
                }
                assert_eq!(token_at(bytes, start), (end, want), "{text:?} at {start}");
            }
        }
        for b in 0..=255u8 {
            let (end, _) = token_at(&[b, b, b, b, b, b, b, b, b, b], 0);
            assert_eq!(end, if b.is_ascii_alphanumeric() { 10 } else { 0 }, "{b}");
        }
    }

    #[test]
    fn short_words_end_at_their_space() {
        let text = b"gm fren, abcdefg hijklmnop 12 ab3 x y";
        let ends: Vec<_> = (0..text.len()).map(|i| short_word_end(text, i)).collect();
        assert_eq!(ends[0], Some(2));
        assert_eq!(ends[1], Some(2));
        assert_eq!(ends[3], None); // "fren," ends at a comma
        assert_eq!(ends[9], Some(16)); // seven letters
        assert_eq!(ends[17], None); // nine letters
        assert_eq!(ends[27], None); // digits
        assert_eq!(ends[30], None); // "ab3"
        assert_eq!(ends[34], None); // fewer than eight bytes left
    }

    #[test]
    fn tokens_split_on_non_alnum() {
        let t: Vec<_> = tokens("PRIVATE_KEY=0xab, 私钥 k2").collect();
        assert_eq!(t, [(0, "PRIVATE"), (8, "KEY"), (12, "0xab"), (25, "k2")]);
    }
}
