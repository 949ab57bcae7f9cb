//! Byte offsets to UTF-16 code-unit offsets, the unit of JS string indices.

/// Converts byte offsets in `text` (each on a character boundary) to UTF-16 code-unit
/// offsets, in one pass over the text. Offsets may come in any order.
pub fn utf16_offsets(text: &str, byte_offsets: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..byte_offsets.len()).collect();
    order.sort_by_key(|&i| byte_offsets.get(i).copied().unwrap_or(0));
    let mut out = vec![0; byte_offsets.len()];
    let mut chars = text.char_indices().peekable();
    let mut units = 0;
    for i in order {
        let target = byte_offsets.get(i).copied().unwrap_or(0);
        while let Some(&(pos, c)) = chars.peek() {
            if pos >= target {
                break;
            }
            units += c.len_utf16();
            chars.next();
        }
        if let Some(slot) = out.get_mut(i) {
            *slot = units;
        }
    }
    out
}

/// The UTF-16 `(start, end)` of each finding (what `text.slice(start, end)` needs in JS).
pub fn utf16_ranges(text: &str, findings: &[super::Finding]) -> Vec<(usize, usize)> {
    let flat: Vec<usize> = findings.iter().flat_map(|f| [f.start, f.end]).collect();
    let units = utf16_offsets(text, &flat);
    units.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_bmp_characters_count_twice() {
        let text = "🦊é中a";
        // bytes: 🦊 0..4, é 4..6, 中 6..9, a 9..10
        assert_eq!(utf16_offsets(text, &[10, 0, 4, 6, 9]), [5, 0, 2, 3, 4]);
        let js_len: usize = text.encode_utf16().count();
        assert_eq!(utf16_offsets(text, &[text.len()]), [js_len]);
    }
}
