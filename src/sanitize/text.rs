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

/// End of the run of ASCII letters and digits starting at `start`, and the classes every
/// byte of it shares (`ALPHA` if all letters, `DIGIT` if all digits, `HEX` if all hex).
pub(crate) fn token_at(bytes: &[u8], start: usize) -> (usize, u8) {
    let mut shared = ALPHA | DIGIT | HEX;
    let mut i = start;
    while let Some(&b) = bytes.get(i) {
        let c = CLASS[usize::from(b)];
        if c & (ALPHA | DIGIT) == 0 {
            break;
        }
        shared &= c;
        i += 1;
    }
    (i, shared)
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
    fn tokens_split_on_non_alnum() {
        let t: Vec<_> = tokens("PRIVATE_KEY=0xab, 私钥 k2").collect();
        assert_eq!(t, [(0, "PRIVATE"), (8, "KEY"), (12, "0xab"), (25, "k2")]);
    }
}
