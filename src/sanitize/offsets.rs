//! Byte offsets to UTF-16 code-unit offsets, the unit of JS string indices.

/// Converts byte offsets in `text` (each on a character boundary) to UTF-16 code-unit
/// offsets, in one pass over the text. Offsets may come in any order.
pub fn utf16_offsets(text: &str, byte_offsets: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..byte_offsets.len()).collect();
    order.sort_by_key(|&i| byte_offsets.get(i).copied().unwrap_or(0));
    let mut out = vec![0; byte_offsets.len()];
    let bytes = text.as_bytes();
    let (mut at, mut units) = (0, 0);
    for i in order {
        let target = byte_offsets.get(i).copied().unwrap_or(0).min(bytes.len());
        units += utf16_units(bytes.get(at..target).unwrap_or_default());
        at = at.max(target);
        if let Some(slot) = out.get_mut(i) {
            *slot = units;
        }
    }
    out
}

/// UTF-16 code units of the characters that start in `bytes`: one per byte that is not a
/// continuation byte, one more for each 4-byte character. Counted eight bytes at a time
/// from the top bits of each lane, with no decoding.
fn utf16_units(bytes: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut units = 0;
    for chunk in &mut chunks {
        let x = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes);
        // Each lane's bits 7, 6, 5 and 4, moved to bit 7.
        let (b7, b6, b5, b4) = (x & HIGH, x << 1 & HIGH, x << 2 & HIGH, x << 3 & HIGH);
        let continuation = b7 & !b6;
        let four_byte_lead = b7 & b6 & b5 & b4;
        units += 8 - continuation.count_ones() as usize + four_byte_lead.count_ones() as usize;
    }
    units
        + chunks
            .remainder()
            .iter()
            .map(|&b| usize::from((b as i8) >= -0x40) + usize::from(b >= 0xF0))
            .sum::<usize>()
}

/// The UTF-16 `(start, end)` of each finding (what `text.slice(start, end)` needs in JS).
pub fn utf16_ranges(text: &str, findings: &[super::Finding]) -> Vec<(usize, usize)> {
    // What `scan` returns, sorted and without overlaps: one pass, one allocation.
    let ordered = findings
        .windows(2)
        .all(|w| w[0].start <= w[0].end && w[0].end <= w[1].start);
    if ordered && findings.last().is_none_or(|f| f.start <= f.end) {
        let bytes = text.as_bytes();
        let (mut at, mut units) = (0, 0);
        let mut advance = |to: usize| {
            let to = to.min(bytes.len());
            units += utf16_units(bytes.get(at..to).unwrap_or_default());
            at = at.max(to);
            units
        };
        return findings
            .iter()
            .map(|f| (advance(f.start), advance(f.end)))
            .collect();
    }
    let flat: Vec<usize> = findings.iter().flat_map(|f| [f.start, f.end]).collect();
    let units = utf16_offsets(text, &flat);
    units.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_match_the_standard_library() {
        let text = "gm 🦊 é 中文 \u{10FFFF} abc 🇫🇷 Ω 0x52908400098527886E0F7030069857D2E4169EE7 "
            .repeat(3);
        for from in 0..text.len() {
            for to in from..text.len() {
                if text.is_char_boundary(from) && text.is_char_boundary(to) {
                    let want = text[from..to].encode_utf16().count();
                    assert_eq!(
                        utf16_units(&text.as_bytes()[from..to]),
                        want,
                        "{from}..{to}"
                    );
                }
            }
        }
    }

    #[test]
    fn non_bmp_characters_count_twice() {
        let text = "🦊é中a";
        // bytes: 🦊 0..4, é 4..6, 中 6..9, a 9..10
        assert_eq!(utf16_offsets(text, &[10, 0, 4, 6, 9]), [5, 0, 2, 3, 4]);
        let js_len: usize = text.encode_utf16().count();
        assert_eq!(utf16_offsets(text, &[text.len()]), [js_len]);
    }

    /// The character-by-character reading the byte count replaced.
    fn by_chars(text: &str, target: usize) -> usize {
        text.char_indices()
            .take_while(|&(pos, _)| pos < target)
            .map(|(_, c)| c.len_utf16())
            .sum()
    }

    #[test]
    fn ranges_in_order_or_not() {
        use crate::sanitize::{Finding, SensitiveKind};
        let text = "🦊 a@b.co é 中 x@y.io 🦊";
        let f = |start, end| Finding {
            kind: SensitiveKind::Email,
            start,
            end,
            confidence: 1.0,
            valid: None,
        };
        let sets = [
            vec![f(5, 11), f(19, 25)],
            vec![f(19, 25), f(5, 11)],
            vec![f(5, 25), f(7, 11)],
            vec![f(0, 4), f(4, 4), f(4, text.len())],
            vec![],
        ];
        for findings in sets {
            let flat: Vec<usize> = findings.iter().flat_map(|f| [f.start, f.end]).collect();
            let want: Vec<(usize, usize)> = flat
                .chunks_exact(2)
                .map(|p| (by_chars(text, p[0]), by_chars(text, p[1])))
                .collect();
            assert_eq!(utf16_ranges(text, &findings), want, "{findings:?}");
        }
    }

    #[test]
    fn byte_count_matches_a_reading_by_characters() {
        let text = "gm 🦊 é中a\u{10ffff}\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000} ok";
        let all: Vec<usize> = (0..=text.len() + 2).rev().collect();
        let want: Vec<usize> = all.iter().map(|&t| by_chars(text, t)).collect();
        assert_eq!(utf16_offsets(text, &all), want);
        assert_eq!(utf16_offsets(text, &[]), Vec::<usize>::new());
    }
}
