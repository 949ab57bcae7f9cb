//! BIP-39 seed phrases: runs of English BIP-39 words, checked with the `bip39` crate.

use std::sync::OnceLock;

use bip39::{Language, Mnemonic};

use super::text::tokens;

/// Valid phrase lengths, longest first (a 24-word phrase is not reported as two twelves).
const LENGTHS: [usize; 5] = [24, 21, 18, 15, 12];
/// How many stray words before or after a phrase in one run are tried (a run may start
/// with an ordinary word that happens to be in the list).
const SLACK: usize = 3;
/// Table size: a power of two, four times the 2048 words, so probes stay short.
const SLOTS: usize = 8192;

/// Word lookup by the first four letters, which are unique in the English list (BIP-39
/// guarantees it). Open addressing; built once, lazily, in well under a millisecond.
struct WordTable {
    /// `(key, index + 1)`; 0 marks an empty slot.
    slots: Box<[(u32, u16)]>,
}

fn prefix_key(word: &[u8]) -> Option<u32> {
    if !(3..=8).contains(&word.len()) {
        return None;
    }
    let mut key = 0u32;
    for &b in word.iter().take(4) {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        key = key << 8 | u32::from(b.to_ascii_lowercase());
    }
    Some(key)
}

fn slot_of(key: u32) -> usize {
    // Fibonacci hashing: the top bits of a multiplicative hash.
    (key.wrapping_mul(0x9E37_79B9) >> 19) as usize & (SLOTS - 1)
}

impl WordTable {
    fn build() -> WordTable {
        let mut slots = vec![(0u32, 0u16); SLOTS].into_boxed_slice();
        for (i, word) in Language::English.word_list().iter().enumerate() {
            let Some(key) = prefix_key(word.as_bytes()) else {
                continue;
            };
            let mut s = slot_of(key);
            while slots[s].1 != 0 {
                s = (s + 1) & (SLOTS - 1);
            }
            // 2048 words fit in u16.
            slots[s] = (key, u16::try_from(i + 1).unwrap_or(0));
        }
        WordTable { slots }
    }

    /// The word's index in the English list, case-insensitively.
    fn find(&self, word: &[u8]) -> Option<u16> {
        let key = prefix_key(word)?;
        let mut s = slot_of(key);
        loop {
            let (k, v) = *self.slots.get(s)?;
            if v == 0 {
                return None;
            }
            if k == key {
                let index = v - 1;
                let full = Language::English.word_list().get(usize::from(index))?;
                return full.as_bytes().eq_ignore_ascii_case(word).then_some(index);
            }
            s = (s + 1) & (SLOTS - 1);
        }
    }
}

fn table() -> &'static WordTable {
    static TABLE: OnceLock<WordTable> = OnceLock::new();
    TABLE.get_or_init(WordTable::build)
}

/// Builds the lookup table now (it is otherwise built on first use).
pub(crate) fn warm_up() {
    let _ = table();
}

/// Index of an English BIP-39 word (any case).
pub(crate) fn word_index(word: &[u8]) -> Option<u16> {
    table().find(word)
}

/// One word of a run: its index and byte range.
#[derive(Clone, Copy)]
pub(crate) struct Word {
    index: u16,
    start: usize,
    end: usize,
}

/// Consecutive word-shaped tokens (3–8 ASCII letters), separated only by spaces, commas
/// or list numbers. A run is only counted while it grows (no allocation per word); runs
/// of at least 12 are read again and looked up when they end, which keeps prose cheap.
#[derive(Default)]
pub(crate) struct SeedRun {
    /// Start of the run's first token and end of its last.
    start: usize,
    end: usize,
    /// Tokens in the run so far.
    count: usize,
    words: Vec<Word>,
}

/// ASCII bytes that may stand between two words of a phrase anywhere in the gap.
pub(crate) const GAP_ASCII: &[u8] = b" \t\n\r,;-|/#(";
/// ASCII bytes that may stand there right after a digit (list numbering: `1.`, `2)`, `3:`).
pub(crate) const GAP_AFTER_DIGIT: &[u8] = b".):";

/// Whether the text between two words keeps them in one phrase: whitespace, list
/// separators (`,` `;` `-` `|` `/` `•` `、`) and list numbering (`1.`, `2)`, `(3)`, `#4`),
/// nothing else, and not a lot of it.
#[inline]
fn joins(gap: &str) -> bool {
    // Most breaks are a short word between two longer ones: a letter right after a space.
    if gap.is_empty()
        || gap.len() > 16
        || gap.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic)
    {
        return false;
    }
    let mut prev = ' ';
    for c in gap.chars() {
        let ok = match c {
            '0'..='9' => true,
            c if c.is_ascii() => {
                let b = c as u8;
                GAP_ASCII.contains(&b) || GAP_AFTER_DIGIT.contains(&b) && prev.is_ascii_digit()
            }
            '•' | '·' | '、' | '，' | '–' | '—' | '\u{a0}' => true,
            _ => false,
        };
        if !ok {
            return false;
        }
        prev = c;
    }
    true
}

impl SeedRun {
    /// Adds a word-shaped token at `start..end`; appends to `found` the phrases
    /// completed by a break before it, as `(start, end, word count)`.
    #[inline]
    pub(crate) fn push(
        &mut self,
        text: &str,
        start: usize,
        end: usize,
        found: &mut Vec<(usize, usize, usize)>,
    ) {
        if self.count > 0 {
            let last_end = self.end;
            // Fast path: one space, the usual gap between words.
            let one_space = start == last_end + 1 && text.as_bytes().get(last_end) == Some(&b' ');
            if !one_space && !joins(text.get(last_end..start).unwrap_or("")) {
                if self.count >= 12 {
                    self.flush(text, found);
                } else {
                    self.count = 0; // what `flush` does with a short run, without the call
                }
            }
        }
        if self.count == 0 {
            self.start = start;
        }
        self.count += 1;
        self.end = end;
    }

    /// Ends the run: looks its tokens up and appends each valid phrase to `found`.
    pub(crate) fn flush(&mut self, text: &str, found: &mut Vec<(usize, usize, usize)>) {
        if self.count >= 12 {
            // The gaps hold no letters (see `joins`): the run's letter tokens are its words;
            // digit tokens are list numbers.
            let run = text.get(self.start..self.end).unwrap_or("");
            for (offset, token) in tokens(run) {
                if !token.as_bytes().iter().all(u8::is_ascii_alphabetic) {
                    continue;
                }
                let (start, end) = (self.start + offset, self.start + offset + token.len());
                match word_index(token.as_bytes()) {
                    Some(index) => self.words.push(Word { index, start, end }),
                    None => phrases_in(&mut self.words, found),
                }
            }
            phrases_in(&mut self.words, found);
        }
        self.count = 0;
    }
}

/// Fewest words in a phrase.
const MIN_WORDS: u32 = 12;

/// The stretches of text between two breaks of word runs (see the skim's `breaks`) that
/// hold enough word starts for a phrase; only those are read word by word.
#[derive(Default)]
pub(crate) struct SeedStretch {
    /// Where the current stretch starts.
    from: usize,
    /// Word starts in it so far.
    words: u32,
}

impl SeedStretch {
    /// Takes one 64-byte block at `base`: its word starts and breaks as bit masks; calls
    /// `found` with each stretch that ends in it and has at least 12 word starts.
    pub(crate) fn block(
        &mut self,
        base: usize,
        mut starts: u64,
        mut breaks: u64,
        mut found: impl FnMut(usize, usize),
    ) {
        if breaks != 0 && !self.may_find(starts, breaks) {
            // No stretch ending here has 12 word starts: only the last one goes on.
            let last = 63 - breaks.leading_zeros();
            self.from = base + last as usize + 1;
            self.words = (starts >> last >> 1).count_ones();
            return;
        }
        while breaks != 0 {
            let b = breaks.trailing_zeros();
            let before = (1u64 << b) - 1;
            self.words = self.words.saturating_add((starts & before).count_ones());
            if self.words >= MIN_WORDS {
                found(self.from, base + b as usize);
            }
            self.words = 0;
            self.from = base + b as usize + 1;
            // A break on a word start is no word: not counted in the next stretch either.
            starts &= !(before | 1 << b);
            breaks &= breaks - 1;
        }
        self.words = self.words.saturating_add(starts.count_ones());
    }

    /// Whether a stretch ending in this block can hold 12 word starts: the one that goes on
    /// from earlier blocks, or one between two of its breaks, which then spans at least 45
    /// bytes: 11 words of 3 letters or more, each with a separator, and the first letter of
    /// a token that the closing break cuts ("ab1", where the `b` is the break).
    fn may_find(&self, starts: u64, breaks: u64) -> bool {
        let first = breaks.trailing_zeros();
        // Without a break every start carries on (`first` would be 64).
        let before_first = 1u64.checked_shl(first).map_or(u64::MAX, |bit| bit - 1);
        let carried = self
            .words
            .saturating_add((starts & before_first).count_ones());
        // Bit `j` set where 45 bytes from `j` on hold no break (within this block).
        let x = !breaks;
        let x2 = x & x >> 1;
        let x4 = x2 & x2 >> 2;
        let x8 = x4 & x4 >> 4;
        let x16 = x8 & x8 >> 8;
        let x32 = x16 & x16 >> 16;
        let x45 = x32 & x8 >> 32 & x4 >> 40 & x >> 44;
        carried >= MIN_WORDS || x45 != 0
    }

    /// The last stretch, ending at the end of the text, if it has enough word starts.
    pub(crate) fn finish(&mut self, end: usize) -> Option<(usize, usize)> {
        let stretch = (self.words >= MIN_WORDS).then_some((self.from, end));
        self.words = 0;
        stretch
    }
}

/// Appends the valid phrases in a run of words to `found`, and empties it.
fn phrases_in(words: &mut Vec<Word>, found: &mut Vec<(usize, usize, usize)>) {
    let mut rest = words.as_slice();
    while rest.len() >= 12 {
        match best_window(rest) {
            Some((from, len)) => {
                let (first, last) = (rest[from], rest[from + len - 1]);
                found.push((first.start, last.end, len));
                rest = &rest[from + len..];
            }
            None => break,
        }
    }
    words.clear();
}

/// The longest valid phrase near either end of the run (bounded work per run).
fn best_window(words: &[Word]) -> Option<(usize, usize)> {
    for len in LENGTHS {
        if len > words.len() {
            continue;
        }
        let last_start = words.len() - len;
        // The first few starts, then the last few not already tried.
        let head = SLACK.min(last_start);
        let starts = (0..=head).chain(last_start.saturating_sub(SLACK).max(head + 1)..=last_start);
        for from in starts {
            if checksum_ok(&words[from..from + len]) {
                return Some((from, len));
            }
        }
    }
    None
}

/// Whether the words' BIP-39 checksum holds, computed from their indices: the entropy
/// bits are packed without building or re-parsing a phrase string, and the checksum is
/// compared with the one the `bip39` crate derives from that entropy.
fn checksum_ok(words: &[Word]) -> bool {
    // 11 bits per word; `words.len() / 3` checksum bits; the rest (a multiple of 32) is entropy.
    let total_bits = words.len() * 11;
    let checksum_bits = words.len() / 3;
    let entropy_len = (total_bits - checksum_bits) / 8;
    let mut bits = [0u8; 33]; // 24 words × 11 bits = 264 bits
    if entropy_len > 32 || words.len() > 24 {
        return false;
    }
    for (i, w) in words.iter().enumerate() {
        for b in 0..11 {
            if w.index >> (10 - b) & 1 == 1 {
                let pos = i * 11 + b;
                bits[pos / 8] |= 0x80 >> (pos % 8);
            }
        }
    }
    let Some(entropy) = bits.get(..entropy_len) else {
        return false;
    };
    match Mnemonic::from_entropy_in(Language::English, entropy) {
        Ok(m) => m
            .word_indices()
            .last()
            .is_some_and(|last| words.last().is_some_and(|w| usize::from(w.index) == last)),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_found_in_any_case_and_nothing_else() {
        for (i, w) in Language::English.word_list().iter().enumerate() {
            assert_eq!(word_index(w.as_bytes()), Some(i as u16), "{w}");
            assert_eq!(word_index(w.to_uppercase().as_bytes()), Some(i as u16));
        }
        for w in [
            "abandons", "abando", "xyz", "a", "password", "the", "zooo", "ab1ndon",
        ] {
            assert_eq!(word_index(w.as_bytes()), None, "{w}");
        }
    }

    #[test]
    fn gaps_between_words() {
        for ok in [
            " ", ", ", "\n", "  2. ", " 11) ", ",", "\n#3 ", " - ", " | ", " • ", "、",
        ] {
            assert!(joins(ok), "{ok:?}");
        }
        for bad in ["", ". ", " and ", ": ", "                 ", " 🦊 "] {
            assert!(!joins(bad), "{bad:?}");
        }
    }
}
