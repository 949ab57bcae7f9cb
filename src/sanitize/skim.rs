//! A skim over the text 64 bytes at a time: bit masks of the byte classes that the
//! detectors start from, so that the scanner visits the few tokens that can begin a
//! secret instead of every word.
//!
//! The masks are conservative: every token that a detector could report, or skip past,
//! has a bit set (the scanner's tests check this against a visit of every token). On
//! wasm the classes come from SIMD lane compares and table lookups, 16 bytes at a time;
//! elsewhere from a byte table, with the same results.

use super::api_key::DOT_HEAD_LAST;
use super::password::{may_begin_cue, ASCII_CUES, TEXT_CUES};
use super::seed::{GAP_AFTER_DIGIT, GAP_ASCII};

/// Bytes per block: one bit per byte in a `u64`.
pub(crate) const BLOCK: usize = 64;

/// The byte classes of one block: bit `j` describes byte `j` of the block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Masks {
    /// ASCII letters.
    pub letter: u64,
    /// ASCII digits.
    pub digit: u64,
    /// `' '` and `-`: what separates the digit groups of a card number.
    pub card_sep: u64,
    /// `-`, `_` and `.`: what follows the head of an API key prefix (`sk-`, `ghp_`, `SG.`).
    pub key_punct: u64,
    /// `@`.
    pub at: u64,
    /// The first byte of a password cue written in another script (`密码`, `пароль`).
    pub cue_lead: u64,
    /// A letter that starts an ASCII password cue or the ASCII head of a text cue.
    pub cue_first: u64,
    /// A byte that follows a cue's first letter.
    pub cue_second: u64,
    /// ASCII bytes that never appear between two words of a seed phrase (`!`, `?`, `'`,
    /// quotes, brackets other than `(` `)`, …).
    pub breaker: u64,
}

const LETTER: u16 = 1;
const DIGIT: u16 = 1 << 1;
const CARD_SEP: u16 = 1 << 2;
const KEY_PUNCT: u16 = 1 << 3;
const AT: u16 = 1 << 4;
const CUE_LEAD: u16 = 1 << 5;
const CUE_FIRST: u16 = 1 << 6;
const CUE_SECOND: u16 = 1 << 7;
const BREAKER: u16 = 1 << 8;

const fn contains(set: &[u8], b: u8) -> bool {
    let mut k = 0;
    while k < set.len() {
        if set[k] == b {
            return true;
        }
        k += 1;
    }
    false
}

/// Marks `b` and, for a letter, its other case.
const fn mark_both_cases(t: &mut [u16; 256], b: u8, class: u16) {
    t[b as usize] |= class;
    if b.is_ascii_alphabetic() {
        t[(b ^ 0x20) as usize] |= class;
    }
}

const fn class_table() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphabetic() {
            t[b] |= LETTER;
        } else if c.is_ascii_digit() {
            t[b] |= DIGIT;
        } else if c < 0x80 {
            // What may stand between two seed words (`seed::joins` decides exactly).
            if !contains(GAP_ASCII, c) && !contains(GAP_AFTER_DIGIT, c) {
                t[b] |= BREAKER;
            }
        }
        b += 1;
    }
    t[b' ' as usize] |= CARD_SEP;
    t[b'-' as usize] |= CARD_SEP | KEY_PUNCT;
    t[b'_' as usize] |= KEY_PUNCT;
    t[b'.' as usize] |= KEY_PUNCT;
    t[b'@' as usize] |= AT;
    // Cue letters from the cue lists themselves, so that a new cue is found by the skim.
    let mut i = 0;
    while i < ASCII_CUES.len() {
        let w = ASCII_CUES[i].0.as_bytes();
        mark_both_cases(&mut t, w[0], CUE_FIRST);
        if w.len() > 1 {
            mark_both_cases(&mut t, w[1], CUE_SECOND);
        }
        i += 1;
    }
    let mut i = 0;
    while i < TEXT_CUES.len() {
        let w = TEXT_CUES[i].0.as_bytes();
        if w[0] >= 0x80 {
            t[w[0] as usize] |= CUE_LEAD;
        } else {
            mark_both_cases(&mut t, w[0], CUE_FIRST);
            if w.len() > 1 {
                mark_both_cases(&mut t, w[1], CUE_SECOND);
            }
        }
        i += 1;
    }
    t
}

/// The classes of every byte.
static CLASSES: [u16; 256] = class_table();

/// The classes of the 64 bytes at `bytes[from..]`; bytes past the end count as NUL, which
/// is in no class but `breaker`.
pub(crate) fn classify_at(bytes: &[u8], from: usize) -> Masks {
    if from >= bytes.len() {
        // The block after the last (every text's look-ahead): all NUL.
        return Masks {
            breaker: u64::MAX,
            ..Masks::default()
        };
    }
    match bytes.get(from..from + BLOCK) {
        Some(block) => classify(block),
        None => {
            let mut block = [0u8; BLOCK];
            if let Some(rest) = bytes.get(from..) {
                block[..rest.len()].copy_from_slice(rest);
            }
            classify(&block)
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn classify(block: &[u8]) -> Masks {
    classify_bytes(block)
}

#[cfg(target_arch = "wasm32")]
fn classify(block: &[u8]) -> Masks {
    simd::classify(block)
}

/// One table lookup per byte, then eight bytes' classes gathered into eight bits at once
/// (a multiply moves lane `i`'s low bit to bit `56 + i`). The reference the SIMD version
/// must equal.
#[cfg(any(not(target_arch = "wasm32"), test))]
pub(crate) fn classify_bytes(block: &[u8]) -> Masks {
    const LANES: u64 = 0x0101_0101_0101_0101;
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let mut m = Masks::default();
    for (q, lanes) in block.chunks(8).enumerate().take(BLOCK / 8) {
        let (mut low, mut high) = (0u64, 0u64);
        for (i, &b) in lanes.iter().enumerate() {
            let c = CLASSES[usize::from(b)];
            low |= u64::from(c & 0xff) << (8 * i);
            high |= u64::from(c >> 8) << (8 * i);
        }
        let shift = 8 * q;
        let bits = |w: u64, class: u16| {
            ((w >> (class.trailing_zeros() & 7) & LANES).wrapping_mul(GATHER) >> 56) << shift
        };
        m.letter |= bits(low, LETTER);
        m.digit |= bits(low, DIGIT);
        m.card_sep |= bits(low, CARD_SEP);
        m.key_punct |= bits(low, KEY_PUNCT);
        m.at |= bits(low, AT);
        m.cue_lead |= bits(low, CUE_LEAD);
        m.cue_first |= bits(low, CUE_FIRST);
        m.cue_second |= bits(low, CUE_SECOND);
        m.breaker |= bits(high, BREAKER);
    }
    m
}

/// Per byte class, a membership table by nibbles: entry `lo` has bit `hi & 7` set when the
/// byte `hi << 4 | lo` is in the class, one table for `hi < 8` and one for `hi >= 8`.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
const fn nibble_tables(class: u16) -> ([u8; 16], [u8; 16]) {
    let (mut ascii, mut high) = ([0u8; 16], [0u8; 16]);
    let mut b = 0;
    while b < 256 {
        if CLASSES[b] & class != 0 {
            let (hi, lo) = (b >> 4, b & 15);
            if hi < 8 {
                ascii[lo] |= 1 << hi;
            } else {
                high[lo] |= 1 << (hi - 8);
            }
        }
        b += 1;
    }
    (ascii, high)
}

#[cfg(target_arch = "wasm32")]
mod simd {
    use super::*;
    use core::arch::wasm32::*;

    const fn v(t: [u8; 16]) -> v128 {
        u8x16(
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13],
            t[14], t[15],
        )
    }

    /// `1 << (hi & 7)` for each high nibble, zero for the other half of the byte range.
    const POW_ASCII: v128 = v([1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0]);
    const POW_HIGH: v128 = v([0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128]);

    const fn ascii_table(class: u16) -> v128 {
        v(nibble_tables(class).0)
    }
    const fn high_table(class: u16) -> v128 {
        v(nibble_tables(class).1)
    }
    const LEAD: v128 = high_table(CUE_LEAD);
    const FIRST: v128 = ascii_table(CUE_FIRST);
    const SECOND_ASCII: v128 = ascii_table(CUE_SECOND);
    const SECOND_HIGH: v128 = high_table(CUE_SECOND);
    const BREAK: v128 = ascii_table(BREAKER);

    /// The lanes whose byte is in the class that `table` (indexed by low nibble) and
    /// `pow` (by high nibble) describe.
    #[inline(always)]
    fn member(table: v128, lo: v128, pow: v128) -> v128 {
        u8x16_ne(v128_and(u8x16_swizzle(table, lo), pow), u8x16_splat(0))
    }

    #[target_feature(enable = "simd128")]
    pub(super) fn classify(block: &[u8]) -> Masks {
        let mut m = Masks::default();
        for (q, lanes) in block.chunks_exact(16).enumerate().take(4) {
            let word = |at: usize| {
                lanes
                    .get(at..at + 8)
                    .and_then(|w| <[u8; 8]>::try_from(w).ok())
                    .map_or(0, u64::from_le_bytes)
            };
            let x = u64x2(word(0), word(8));
            let lo = v128_and(x, u8x16_splat(15));
            let hi = u8x16_shr(x, 4);
            let pow_ascii = u8x16_swizzle(POW_ASCII, hi);
            let pow_high = u8x16_swizzle(POW_HIGH, hi);
            let letter = u8x16_lt(
                u8x16_sub(v128_or(x, u8x16_splat(0x20)), u8x16_splat(b'a')),
                u8x16_splat(26),
            );
            let digit = u8x16_lt(u8x16_sub(x, u8x16_splat(b'0')), u8x16_splat(10));
            let space = u8x16_eq(x, u8x16_splat(b' '));
            let dash = u8x16_eq(x, u8x16_splat(b'-'));
            let under_or_dot = v128_or(
                u8x16_eq(x, u8x16_splat(b'_')),
                u8x16_eq(x, u8x16_splat(b'.')),
            );
            let second = v128_or(
                member(SECOND_ASCII, lo, pow_ascii),
                member(SECOND_HIGH, lo, pow_high),
            );
            let shift = 16 * q as u32;
            let bits = |lanes: v128| u64::from(u8x16_bitmask(lanes)) << shift;
            m.letter |= bits(letter);
            m.digit |= bits(digit);
            m.card_sep |= bits(v128_or(space, dash));
            m.key_punct |= bits(v128_or(dash, under_or_dot));
            m.at |= bits(u8x16_eq(x, u8x16_splat(b'@')));
            m.cue_lead |= bits(member(LEAD, lo, pow_high));
            m.cue_first |= bits(member(FIRST, lo, pow_ascii));
            m.cue_second |= bits(second);
            m.breaker |= bits(member(BREAK, lo, pow_ascii));
        }
        m
    }
}

/// The bits of `mask` (bit `j` is byte `base + j`) whose byte passes `test`.
fn keep(mask: u64, base: usize, test: impl Fn(usize) -> bool) -> u64 {
    let (mut rest, mut out) = (mask, 0);
    while rest != 0 {
        let j = rest.trailing_zeros();
        rest &= rest - 1;
        if test(base + j as usize) {
            out |= 1 << j;
        }
    }
    out
}

/// `(low, high)` as one 128-bit lane sequence: `high`'s bit `j` is byte `64 + j`.
fn join(low: u64, high: u64) -> u128 {
    u128::from(high) << 64 | u128::from(low)
}

/// Bit `j` set where the 64 bytes before and these hold a run of `x` of at least 20
/// bytes ending at byte `j`, and of at least 9. Constant shifts only: a 128-bit shift by a
/// variable amount is a library call on wasm32.
fn runs_ending(prev: u64, cur: u64) -> (u64, u64) {
    let x = join(prev, cur);
    let r2 = x & x << 1;
    let r4 = r2 & r2 << 2;
    let r8 = r4 & r4 << 4;
    let r9 = r8 & x << 8;
    let r16 = r8 & r8 << 8;
    let r20 = r16 & r4 << 16;
    ((r20 >> 64) as u64, (r9 >> 64) as u64)
}

/// Bit `j` set where this block and the next hold a run of `x` of at least 13 bytes
/// starting at byte `j`.
fn runs_of_13_starting(cur: u64, next: u64) -> u64 {
    let x = join(cur, next);
    let s2 = x & x >> 1;
    let s4 = s2 & s2 >> 2;
    let s8 = s4 & s4 >> 4;
    let s12 = s8 & s4 >> 8;
    (s12 & x >> 12) as u64
}

/// The previous block's last bit moved to bit 0, this block's bits up by one: bit `j` is
/// byte `j - 1`.
fn shifted_in(prev: u64, cur: u64) -> u64 {
    cur << 1 | prev >> 63
}

/// Bit `j` is byte `j + 1`.
fn shifted_out(cur: u64, next: u64) -> u64 {
    cur >> 1 | next << 63
}

/// Fewest letters and digits in a token that can be a key without a known head (what
/// `runs_ending` counts to).
const LONG_TOKEN: u32 = 20;
const _: () = assert!(super::api_key::MIN_ALNUM_TOKEN == LONG_TOKEN as usize);
/// Fewest digits in a card number (what `runs_of_13_starting` counts to): a card starts a
/// run of digits, spaces and dashes at least this long.
const _: () = assert!(super::card::MIN_DIGITS == 13);

/// Three consecutive blocks' masks: what a block's marks depend on.
pub(crate) struct Window<'m> {
    pub prev: &'m Masks,
    pub cur: &'m Masks,
    pub next: &'m Masks,
}

impl Window<'_> {
    fn alnum(m: &Masks) -> u64 {
        m.letter | m.digit
    }

    /// Token starts: a letter or digit after neither.
    fn token_starts(&self) -> u64 {
        let a = Self::alnum(self.cur);
        a & !shifted_in(Self::alnum(self.prev), a)
    }

    /// Where the scanner must look. A bit on a letter or digit means the token holding it
    /// (or, mid-token, the rest of it); elsewhere the byte itself (`@`, a cue's first byte).
    ///
    /// - the first letter of a token whose first two bytes can start a password cue;
    /// - a token start from which digits, spaces and dashes run for a card's 13 digits;
    /// - the 20th byte of a run of letters and digits (keys, addresses, tokens);
    /// - the last letter before `-`, `_` or `.` (API key heads: `sk-`, `ghp_`, `SG.`);
    /// - `@` (when e-mails are wanted) and a non-ASCII cue's first byte.
    pub(crate) fn hot(&self, emails: bool, bytes: &[u8], base: usize) -> u64 {
        let (prev, cur, next) = (self.prev, self.cur, self.next);
        let starts = self.token_starts();
        let second_next = shifted_out(cur.cue_second, next.cue_second);
        // Two bytes say little ("co", "pa"): those that pass are checked against the cues'
        // first four bytes, which few words share.
        let cue = keep(
            starts & cur.letter & cur.cue_first & second_next | cur.cue_lead,
            base,
            |p| may_begin_cue(bytes, p),
        );
        let card_chars = |m: &Masks| m.digit | m.card_sep;
        // A card has 13 digits or more: it starts a run of digits, spaces and dashes as long.
        let card = starts & cur.digit & runs_of_13_starting(card_chars(cur), card_chars(next));
        let (a_prev, a) = (Self::alnum(prev), Self::alnum(cur));
        // Where a run reaches 20: 20 long here and no letter or digit 20 bytes back.
        let twenty_back = (join(a_prev, a) << LONG_TOKEN >> 64) as u64;
        let long_first = runs_ending(a_prev, a).0 & !twenty_back;
        // A key head ends in a letter or a digit (`AIza…1-`) before `-` or `_`. Before a dot
        // only the heads that continue with one (`SG.`), not every word that ends a sentence.
        let head = keep(a & shifted_out(cur.key_punct, next.key_punct), base, |p| {
            bytes.get(p + 1) != Some(&b'.')
                || bytes.get(p).is_some_and(|&b| DOT_HEAD_LAST[usize::from(b)])
        });
        let at = if emails { cur.at } else { 0 };
        cue | card | long_first | head | at
    }

    /// Word starts for seed phrases: a letter after no letter or digit. Some of them are
    /// not words (too short, too long, mixed with digits); those are also `breaks`.
    pub(crate) fn word_starts(&self) -> u64 {
        self.token_starts() & self.cur.letter
    }

    /// Bytes that end any run of seed words: ASCII punctuation that no list of words uses,
    /// and letters of a token that is not a 3–8 letter word (1 or 2 letters, 9 or more,
    /// or letters and digits mixed).
    pub(crate) fn breaks(&self) -> u64 {
        let (prev, cur, next) = (self.prev, self.cur, self.next);
        let a = Self::alnum(cur);
        let before = shifted_in(Self::alnum(prev), a);
        let after = shifted_out(a, Self::alnum(next));
        let after2 = shifted_out(after, Self::alnum(next) >> 1);
        let start = cur.letter & !before;
        let one = start & !after;
        let two = start & after & !after2;
        let digits_near = shifted_in(prev.digit, cur.digit) | shifted_out(cur.digit, next.digit);
        let mixed = cur.letter & digits_near;
        let long = runs_ending(prev.letter, cur.letter).1;
        cur.breaker | one | two | mixed | long
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_runs(x: u128, n: u32, ending: bool) -> u64 {
        let mut out = 0u64;
        for j in 0..64u32 {
            let pos = if ending { 64 + j } else { j };
            let all = (0..n).all(|k| {
                let p = if ending {
                    pos.checked_sub(k)
                } else {
                    Some(pos + k)
                };
                p.is_some_and(|p| p < 128 && x >> p & 1 == 1)
            });
            if all {
                out |= 1 << j;
            }
        }
        out
    }

    #[test]
    fn runs_match_a_bit_by_bit_count() {
        let mut seed = 0x1234_5678_9abc_def1_u64;
        for _ in 0..400 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let a = seed | seed.rotate_left(7) | seed.rotate_left(19);
            let b = !(seed >> 3) | seed.rotate_left(31);
            let x = join(a, b);
            let ending = (naive_runs(x, 20, true), naive_runs(x, 9, true));
            assert_eq!(runs_ending(a, b), ending);
            assert_eq!(runs_of_13_starting(a, b), naive_runs(x, 13, false));
        }
    }

    #[test]
    fn gathered_classes_match_a_byte_by_byte_reading() {
        let block: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for from in [0, 64, 128, 192, 256, 320, 448, 480, 500, 512, 600] {
            let m = classify_at(&block, from);
            for j in 0..BLOCK {
                let c = block
                    .get(from + j)
                    .map_or(CLASSES[0], |&b| CLASSES[usize::from(b)]);
                let bit = |mask: u64, class: u16| if mask >> j & 1 == 1 { class } else { 0 };
                let got = [
                    bit(m.letter, LETTER),
                    bit(m.digit, DIGIT),
                    bit(m.card_sep, CARD_SEP),
                    bit(m.key_punct, KEY_PUNCT),
                    bit(m.at, AT),
                    bit(m.cue_lead, CUE_LEAD),
                    bit(m.cue_first, CUE_FIRST),
                    bit(m.cue_second, CUE_SECOND),
                    bit(m.breaker, BREAKER),
                ]
                .iter()
                .fold(0, |all, &c| all | c);
                assert_eq!(got, c, "byte {from} + {j}");
            }
        }
    }

    #[test]
    fn cue_bytes_come_from_the_cue_lists() {
        let m = classify_bytes(b"pPwWmM\xe1\xe5\xd0 x@-_.");
        assert_eq!(m.cue_first & 0b11_1111, 0b11_1111);
        assert_eq!(m.cue_second & 0b1100, 0b1100); // `w` of "pw"
        assert_ne!(m.cue_second & 1 << 6, 0); // the second byte of "mật"
        assert_eq!(m.cue_lead >> 7 & 0b11, 0b11); // 密, п
        assert_eq!(m.at, 1 << 11);
        assert_eq!(m.key_punct, 0b111 << 12);
        assert_eq!(m.card_sep, 1 << 9 | 1 << 12);
        assert_eq!(m.breaker, 1 << 11 | 1 << 13); // `@`, `_`; a space, `-`, `.` may sit in a word list
    }
}
