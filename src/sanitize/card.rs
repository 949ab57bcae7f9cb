//! Payment card numbers: 13–19 digits, optionally grouped by single spaces or dashes,
//! with a Luhn check digit and an issuer prefix and length that a real network issues.

use super::text::{all_digits, alnum_end};

/// Shortest card number the networks issue (Visa's 13 digits).
pub(crate) const MIN_DIGITS: usize = 13;
/// Longest card number (ISO/IEC 7812).
const MAX_DIGITS: usize = 19;
/// Most groups a written card number has (`4-4-4-4-3`).
const MAX_GROUPS: usize = 5;

/// The card network a number belongs to, by IIN range and length.
fn issuer_ok(d: &[u8]) -> bool {
    let n = d.len();
    // Callers pass at least 13 digits: one six-digit prefix gives the shorter ones.
    let p6 = d.iter().take(6).fold(0u32, |acc, &b| {
        acc * 10 + u32::from(b.wrapping_sub(b'0') % 10)
    });
    let (p2, p3, p4) = (p6 / 10_000, p6 / 1_000, p6 / 100);
    // Visa.
    (d[0] == b'4' && matches!(n, 13 | 16 | 19))
        // Mastercard, including the 2-series.
        || ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && n == 16
        // American Express.
        || matches!(p2, 34 | 37) && n == 15
        // Discover.
        || (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || (622126..=622925).contains(&p6))
            && (16..=19).contains(&n)
        // Diners Club International.
        || ((300..=305).contains(&p3) || p4 == 3095 || matches!(p2, 36 | 38 | 39))
            && (14..=19).contains(&n)
        // JCB.
        || (3528..=3589).contains(&p4) && (16..=19).contains(&n)
        // UnionPay.
        || p2 == 62 && (16..=19).contains(&n)
        // Maestro.
        || matches!(p4, 5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763)
            && (12..=19).contains(&n)
        // Mir.
        || (2200..=2204).contains(&p4) && (16..=19).contains(&n)
}

/// Luhn (mod 10) check: every second digit from the right doubled (its digits summed).
fn luhn_ok(d: &[u8]) -> bool {
    const DOUBLED: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let mut sum = 0;
    for (i, &b) in d.iter().rev().enumerate() {
        let v = u32::from(b.wrapping_sub(b'0') % 10);
        sum += if i % 2 == 1 { DOUBLED[v as usize] } else { v };
    }
    sum.is_multiple_of(10)
}

/// Whether the digits (no separators) are a valid card number.
pub(crate) fn is_card(digits: &[u8]) -> bool {
    (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
        && all_digits(digits)
        && issuer_ok(digits)
        && luhn_ok(digits)
}

/// A card number starting at the digit run `start..first_end`: returns its end, trying
/// the most groups first (`4111 1111 1111 1111 2027` is a card then a year).
pub(crate) fn match_at(bytes: &[u8], start: usize, first_end: usize) -> Option<usize> {
    let mut digits = [0u8; MAX_DIGITS];
    let mut count = 0;
    let mut ends = [0usize; MAX_GROUPS];
    let mut counts = [0usize; MAX_GROUPS];
    let mut groups = 0;
    let mut sep = None;
    let mut group_start = start;
    let mut group_end = first_end;
    loop {
        let group = bytes.get(group_start..group_end)?;
        if count + group.len() > MAX_DIGITS || groups == MAX_GROUPS {
            break;
        }
        digits[count..count + group.len()].copy_from_slice(group);
        count += group.len();
        ends[groups] = group_end;
        counts[groups] = count;
        groups += 1;
        // Continue over one separator, the same one each time, into another digit run.
        let Some(&next) = bytes.get(group_end) else {
            break;
        };
        if !(next == b' ' || next == b'-') || sep.is_some_and(|s| s != next) {
            break;
        }
        let after = group_end + 1;
        let run = alnum_end(bytes, after);
        if run == after || !all_digits(&bytes[after..run]) || run - after < 2 {
            break;
        }
        sep = Some(next);
        group_start = after;
        group_end = run;
    }
    (0..groups)
        .rev()
        .find(|&g| is_card(&digits[..counts[g]]))
        .map(|g| ends[g])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(s: &str) -> Option<&str> {
        let first = alnum_end(s.as_bytes(), 0);
        match_at(s.as_bytes(), 0, first).map(|e| &s[..e])
    }

    #[test]
    fn published_test_numbers() {
        for card in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "5555555555554444",
            "2223003122003222",
            "378282246310005",
            "3782 822463 10005",
            "6011111111111117",
            "3056930009020004",
            "3566002020360505",
            "6200000000000005",
            "4222222222222",
        ] {
            assert_eq!(find(card), Some(card), "{card}");
        }
        assert_eq!(
            find("4111 1111 1111 1111 2027"),
            Some("4111 1111 1111 1111")
        );
    }

    #[test]
    fn random_digits_and_bad_checksums_are_not_cards() {
        for text in [
            "4111111111111112",
            "1234567812345670", // Luhn-valid, no issuer starts with 1
            "411111111111111",  // Visa has no 15-digit numbers
            "4111 1111-1111 1111",
            "4111  1111 1111 1111",
            "44 20 5852 0566",
            "2024-04-24",
        ] {
            assert_ne!(find(text), Some(text), "{text}");
        }
    }
}
