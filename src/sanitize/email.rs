//! E-mail addresses (the common dot-atom form of RFC 5322): `local@domain.tld`.

/// Longest local part (RFC 5321).
const MAX_LOCAL: usize = 64;
/// Longest domain (RFC 1035).
const MAX_DOMAIN: usize = 253;

fn local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// The address around the `@` at `at`, as a byte range.
pub(crate) fn match_at(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    // Local part: back from the '@', at most 64 characters, no leading or trailing dot.
    let mut start = at;
    while start > 0 && at - start < MAX_LOCAL && local_char(bytes[start - 1]) {
        start -= 1;
    }
    if start > 0 && local_char(bytes[start - 1]) {
        return None; // longer than an address can be
    }
    while start < at && !bytes[start].is_ascii_alphanumeric() {
        start += 1; // punctuation before the first letter is not part of it
    }
    if start == at || bytes[at - 1] == b'.' {
        return None;
    }
    // Domain: labels of letters, digits and inner hyphens; the last one alphabetic.
    let mut end = at + 1;
    while end < bytes.len() && end - at <= MAX_DOMAIN && domain_char(bytes[end]) {
        end += 1;
    }
    while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
        end -= 1; // a sentence's full stop
    }
    let domain = bytes.get(at + 1..end)?;
    let mut labels = domain.split(|&b| b == b'.');
    let mut count = 0;
    let mut last: &[u8] = &[];
    for label in labels.by_ref() {
        if label.is_empty() || label.first() == Some(&b'-') || label.last() == Some(&b'-') {
            return None;
        }
        count += 1;
        last = label;
    }
    if count < 2 || last.len() < 2 || !last.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(s: &str) -> Option<&str> {
        let at = s.find('@')?;
        match_at(s.as_bytes(), at).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn addresses() {
        assert_eq!(
            find("mail jonas+binance@consensys.net, ok"),
            Some("jonas+binance@consensys.net")
        );
        assert_eq!(find("(ravi.smith@qq.com)"), Some("ravi.smith@qq.com"));
        assert_eq!(
            find("to a.b-c@mail.example.co.uk."),
            Some("a.b-c@mail.example.co.uk")
        );
        assert_eq!(
            find("ping Zoë at jose_silva@uniswap.org. ありがとう"),
            Some("jose_silva@uniswap.org")
        );
    }

    #[test]
    fn not_addresses() {
        for s in [
            "@agent hi",
            "a@b",
            "pw WCnTDq9k@E.L*Z",
            "user@localhost",
            "x@-bad.com",
            "x.@bad.com",
            "degen@1181",
            "a***@mail.com",
        ] {
            assert_eq!(find(s), None, "{s}");
        }
    }
}
