//! ENSIP-15 name normalization: [`normalize`] for hashing and lookups, [`beautify`] for
//! display.
//!
//! A port of the reference implementation (`ens-normalize.js` 1.11.1, Unicode 17.0.0) over
//! tables generated at build time from its published spec (see `build/ensip15.rs`); it
//! passes all official validation vectors (`tests/ensip15_vectors.rs`). Each label is split
//! into emoji and text, text is mapped and NFC-normalized, then checked: underscores, label
//! extension, combining marks, fenced characters, one script group per label, non-spacing
//! marks, whole-script confusables.

mod emoji;
mod nf;
mod tables;

use std::fmt::Write as _;

use super::error::{LabelError, NameError, ResolveError};
use tables::{tables, Tables};

const FE0F: u32 = 0xFE0F;
const STOP: char = '.';
const HYPHEN: u32 = 0x2D;
const UNDERSCORE: u32 = 0x5F;
/// Longest label echoed in an error message, in code points (cut in the middle).
const MAX_QUOTED_LABEL: usize = 63;

/// Normalizes `name` under ENSIP-15: the form to hash (`namehash`) and to compare.
///
/// Maps case and compatibility forms (`RaFfY.eth` → `raffy.eth`), removes ignorable
/// characters and emoji presentation selectors, and rejects names that could spoof another.
/// The empty name stays empty.
///
/// Errors with [`ResolveError::InvalidName`], whose reason names the first failing label and
/// the rule (disallowed character, illegal mixture, whole-script confusable, …).
pub fn normalize(name: &str) -> Result<String, ResolveError> {
    let labels = split(name, false);
    flatten(&labels)
}

/// Normalizes `name` for display: like [`normalize`], but emoji keep their fully-qualified
/// form (with FE0F) and `ξ` becomes `Ξ` outside Greek labels.
///
/// Show this form, but hash and compare the [`normalize`]d one. Errors as [`normalize`].
pub fn beautify(name: &str) -> Result<String, ResolveError> {
    let mut labels = split(name, true);
    for label in &mut labels {
        let Ok(ok) = &mut label.result else { break };
        if !ok.greek {
            for cp in &mut ok.output {
                if *cp == 0x3BE {
                    *cp = 0x39E;
                }
            }
        }
    }
    flatten(&labels)
}

/// One label's input and its outcome.
struct Label {
    input: Vec<u32>,
    result: Result<Normalized, LabelError>,
}

struct Normalized {
    output: Vec<u32>,
    /// The label's script is (unrestricted) Greek, where `ξ` stays lower case.
    greek: bool,
}

/// A run of text (mapped, NFC) or one emoji.
struct Token {
    cps: Vec<u32>,
    emoji: bool,
}

fn split(name: &str, keep_fe0f: bool) -> Vec<Label> {
    if name.is_empty() {
        return Vec::new();
    }
    name.split(STOP)
        .map(|label| {
            let input: Vec<u32> = label.chars().map(u32::from).collect();
            let result = normalize_label(&input, keep_fe0f);
            Label { input, result }
        })
        .collect()
}

fn flatten(labels: &[Label]) -> Result<String, ResolveError> {
    let mut out = String::new();
    for (i, label) in labels.iter().enumerate() {
        match &label.result {
            Ok(ok) => {
                if i > 0 {
                    out.push(STOP);
                }
                out.extend(ok.output.iter().filter_map(|&cp| char::from_u32(cp)));
            }
            Err(kind) => {
                let quoted =
                    (labels.len() > 1).then(|| safe_str_from_cps(&label.input, MAX_QUOTED_LABEL));
                return Err(ResolveError::InvalidName {
                    reason: NameError {
                        label: quoted,
                        kind: kind.clone(),
                    },
                });
            }
        }
    }
    Ok(out)
}

fn normalize_label(input: &[u32], keep_fe0f: bool) -> Result<Normalized, LabelError> {
    if let Some(output) = simple_ascii(input) {
        return Ok(Normalized {
            output: output?,
            greek: false,
        });
    }
    // Decoded on the first label that needs them: plain ASCII names never pay for it.
    let t = tables();
    let tokens = tokenize(t, input, keep_fe0f)?;
    let output: Vec<u32> = tokens
        .iter()
        .flat_map(|tok| tok.cps.iter().copied())
        .collect();
    let Some(&first) = output.first() else {
        return Err(LabelError::EmptyLabel);
    };
    check_leading_underscore(&output)?;
    let has_emoji = tokens.len() > 1 || tokens.iter().any(|tok| tok.emoji);
    if !has_emoji && output.iter().all(|&cp| cp < 0x80) {
        check_label_extension(&output)?;
        return Ok(Normalized {
            output,
            greek: false,
        });
    }
    let chars: Vec<u32> = tokens
        .iter()
        .filter(|tok| !tok.emoji)
        .flat_map(|tok| tok.cps.iter().copied())
        .collect();
    if chars.is_empty() {
        return Ok(Normalized {
            output,
            greek: false,
        });
    }
    if t.cm.contains(first) {
        return Err(LabelError::LeadingCombiningMark);
    }
    for pair in tokens.windows(2) {
        if let [prev, tok] = pair {
            if let Some(&cm) = tok
                .cps
                .first()
                .filter(|&&cp| !tok.emoji && t.cm.contains(cp))
            {
                return Err(LabelError::EmojiCombiningMark {
                    emoji: cps_to_string(&prev.cps),
                    cm,
                });
            }
        }
    }
    check_fenced(t, &output)?;
    let unique = distinct_in_order(&chars);
    let group = determine_group(t, &unique)?;
    check_group(t, group, &chars)?;
    check_whole(t, group, &unique)?;
    let g = t.groups.get(group);
    Ok(Normalized {
        output,
        greek: g.is_some_and(|g| g.name == "Greek"),
    })
}

/// The common case without tables: a label of ASCII letters, digits, `-` and `_` cannot hold
/// an emoji (keycaps need U+20E3) and is already NFC, so only case and the ASCII rules apply.
/// `None` when the label has any other character.
fn simple_ascii(input: &[u32]) -> Option<Result<Vec<u32>, LabelError>> {
    if input.is_empty() {
        return None;
    }
    let mut output = Vec::with_capacity(input.len());
    for &cp in input {
        let c =
            char::from_u32(cp).filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')?;
        output.push(u32::from(c.to_ascii_lowercase()));
    }
    Some(
        check_leading_underscore(&output)
            .and_then(|()| check_label_extension(&output))
            .map(|()| output),
    )
}

/// Splits a label into emoji and text runs; text is mapped, filtered and NFC-normalized.
fn tokenize(t: &Tables, input: &[u32], keep_fe0f: bool) -> Result<Vec<Token>, LabelError> {
    let mut tokens = Vec::new();
    let mut text: Vec<u32> = Vec::new();
    let mut pos = 0;
    while let Some(rest) = input.get(pos..).filter(|r| !r.is_empty()) {
        if let Some((seq, used)) = t.emoji.longest_prefix(rest) {
            if !text.is_empty() {
                tokens.push(Token {
                    cps: t.nf.nfc(&text),
                    emoji: false,
                });
                text.clear();
            }
            let cps = if keep_fe0f {
                seq.to_vec()
            } else {
                seq.iter().copied().filter(|&cp| cp != FE0F).collect()
            };
            tokens.push(Token { cps, emoji: true });
            pos += used;
            continue;
        }
        let cp = rest.first().copied().unwrap_or_default();
        pos += 1;
        if t.valid.contains(cp) {
            text.push(cp);
        } else if let Some(mapped) = t.mapped.get(cp) {
            text.extend_from_slice(mapped);
        } else if !t.ignored.contains(cp) {
            return Err(LabelError::Disallowed { cp });
        }
    }
    if !text.is_empty() {
        tokens.push(Token {
            cps: t.nf.nfc(&text),
            emoji: false,
        });
    }
    Ok(tokens)
}

fn check_leading_underscore(cps: &[u32]) -> Result<(), LabelError> {
    match cps.iter().rposition(|&cp| cp == UNDERSCORE) {
        Some(last) if cps.iter().take(last).any(|&cp| cp != UNDERSCORE) => {
            Err(LabelError::UnderscoreNotLeading)
        }
        _ => Ok(()),
    }
}

fn check_label_extension(cps: &[u32]) -> Result<(), LabelError> {
    match cps {
        [_, _, HYPHEN, HYPHEN, ..] => Err(LabelError::LabelExtension {
            prefix: cps_to_string(cps.get(..4).unwrap_or_default()),
        }),
        _ => Ok(()),
    }
}

/// A fenced character may not lead, trail, or touch another fenced character.
fn check_fenced(t: &Tables, cps: &[u32]) -> Result<(), LabelError> {
    let fenced = |i: usize| cps.get(i).and_then(|&cp| t.fenced_name(cp));
    if let Some(name) = fenced(0) {
        return Err(LabelError::LeadingFenced { name: name.into() });
    }
    let mut prev: Option<&str> = None;
    let mut last = None;
    for i in 1..cps.len() {
        if let Some(name) = fenced(i) {
            if last == Some(i) {
                return Err(LabelError::AdjacentFenced {
                    first: prev.unwrap_or_default().into(),
                    second: name.into(),
                });
            }
            last = Some(i + 1);
            prev = Some(name);
        }
    }
    match (last, prev) {
        (Some(end), Some(name)) if end == cps.len() => {
            Err(LabelError::TrailingFenced { name: name.into() })
        }
        _ => Ok(()),
    }
}

/// The distinct code points of `cps` in order of first appearance, in n log n (a label may
/// hold many thousand distinct characters).
fn distinct_in_order(cps: &[u32]) -> Vec<u32> {
    let mut keyed: Vec<u64> = (0u64..)
        .zip(cps)
        .map(|(i, &cp)| u64::from(cp) << 32 | i)
        .collect();
    keyed.sort_unstable();
    keyed.dedup_by_key(|k| *k >> 32);
    for k in &mut keyed {
        *k = (*k & 0xFFFF_FFFF) << 32 | *k >> 32;
    }
    keyed.sort_unstable();
    keyed
        .into_iter()
        .map(|k| (k & 0xFFFF_FFFF) as u32)
        .collect()
}

/// The first group (in spec order) that has every character of the label.
fn determine_group(t: &Tables, unique: &[u32]) -> Result<usize, LabelError> {
    let mut candidates: Vec<usize> = (0..t.groups.len()).collect();
    for &cp in unique {
        let next: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&g| t.groups.get(g).is_some_and(|g| g.has(cp)))
            .collect();
        if next.is_empty() {
            if !t.groups.iter().any(|g| g.has(cp)) {
                // Composed from valid parts, but its NFC form is not valid.
                return Err(LabelError::Disallowed { cp });
            }
            return Err(illegal_mixture(
                t,
                candidates.first().copied().unwrap_or(0),
                cp,
            ));
        }
        candidates = next;
        if candidates.len() == 1 {
            break;
        }
    }
    Ok(candidates.first().copied().unwrap_or(0))
}

fn illegal_mixture(t: &Tables, group: usize, cp: u32) -> LabelError {
    LabelError::IllegalMixture {
        group: group_name(t, group),
        cp,
        cp_group: t
            .groups
            .iter()
            .find(|g| g.primary.contains(cp))
            .map(|g| g.name.clone()),
    }
}

fn group_name(t: &Tables, group: usize) -> String {
    t.groups
        .get(group)
        .map(|g| g.name.clone())
        .unwrap_or_default()
}

/// Every character in the group; then, unless the group whitelists its combining marks,
/// no repeated and not too many non-spacing marks in a row.
fn check_group(t: &Tables, group: usize, chars: &[u32]) -> Result<(), LabelError> {
    let Some(g) = t.groups.get(group) else {
        return Ok(());
    };
    if let Some(&cp) = chars.iter().find(|&&cp| !g.has(cp)) {
        return Err(illegal_mixture(t, group, cp));
    }
    if !g.check_nsm {
        return Ok(());
    }
    let decomposed = t.nf.nfd(chars);
    let mut i = 1;
    while i < decomposed.len() {
        if decomposed.get(i).is_some_and(|&cp| t.nsm.contains(cp)) {
            let mut j = i + 1;
            while let Some(&cp) = decomposed.get(j).filter(|&&cp| t.nsm.contains(cp)) {
                if decomposed.get(i..j).is_some_and(|run| run.contains(&cp)) {
                    return Err(LabelError::DuplicateNsm { cp });
                }
                j += 1;
            }
            if j - i > t.nsm_max {
                return Err(LabelError::ExcessiveNsm {
                    sequence: safe_str_from_cps(
                        decomposed.get(i - 1..j).unwrap_or_default(),
                        usize::MAX,
                    ),
                    count: j - i,
                    max: t.nsm_max,
                });
            }
            i = j;
        }
        i += 1;
    }
    Ok(())
}

/// Rejects a label whose every character also has a look-alike in one other group.
fn check_whole(t: &Tables, group: usize, unique: &[u32]) -> Result<(), LabelError> {
    let mut maker: Option<Vec<u16>> = None;
    let mut shared = Vec::new();
    for &cp in unique {
        if t.unique.contains(cp) {
            return Ok(());
        }
        if let Some(complement) = t.confusable_complement(cp) {
            let next: Vec<u16> = match &maker {
                Some(m) => m
                    .iter()
                    .copied()
                    .filter(|g| complement.contains(g))
                    .collect(),
                None => complement.to_vec(),
            };
            if next.is_empty() {
                return Ok(());
            }
            maker = Some(next);
        } else {
            shared.push(cp);
        }
    }
    for other in maker.unwrap_or_default() {
        let Some(g) = t.groups.get(usize::from(other)) else {
            continue;
        };
        if shared.iter().all(|&cp| g.has(cp)) {
            return Err(LabelError::WholeScriptConfusable {
                group: group_name(t, group),
                other: g.name.clone(),
            });
        }
    }
    Ok(())
}

fn cps_to_string(cps: &[u32]) -> String {
    cps.iter().filter_map(|&cp| char::from_u32(cp)).collect()
}

/// Printable text for messages: invisible characters as `{HEX}`, a leading combining mark
/// on a `◌`, and more than `max` code points cut to the first and last `max / 2` around `…`.
pub(crate) fn safe_str_from_cps(cps: &[u32], max: usize) -> String {
    let t = tables();
    let mut out = String::new();
    if cps.first().is_some_and(|&cp| t.cm.contains(cp)) {
        out.push('◌');
    }
    let half = max / 2;
    let cut: Vec<u32>;
    let cps = if cps.len() > max {
        cut = cps
            .iter()
            .take(half)
            .chain(&[0x2026])
            .chain(cps.iter().skip(cps.len() - half))
            .copied()
            .collect();
        &cut[..]
    } else {
        cps
    };
    for &cp in cps {
        if t.escape.contains(cp) {
            let _ = write!(out, "{{{cp:02X}}}");
        } else if let Some(c) = char::from_u32(cp) {
            out.push(c);
        }
    }
    out
}

/// A code point for messages: `"x"‎ {HEX}`, or only `{HEX}` when it is invisible.
pub(crate) fn quoted_cp(cp: u32) -> String {
    if tables().escape.contains(cp) {
        format!("{{{cp:02X}}}")
    } else {
        format!(
            "\"{}\"\u{200E} {{{cp:02X}}}",
            safe_str_from_cps(&[cp], usize::MAX)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(name: &str) -> String {
        match normalize(name) {
            Err(ResolveError::InvalidName { reason }) => reason.to_string(),
            Ok(ok) => panic!("{name:?} normalized to {ok:?}"),
            Err(other) => panic!("{name:?} failed with {other:?}"),
        }
    }

    #[test]
    fn normalizes_common_names() {
        assert_eq!(normalize("RaFfY.eth").as_deref(), Ok("raffy.eth"));
        assert_eq!(normalize("").as_deref(), Ok(""));
        assert_eq!(normalize("Ⅷ").as_deref(), Ok("viii"));
        assert_eq!(normalize("💩\u{FE0F}.eth").as_deref(), Ok("💩.eth"));
        assert_eq!(beautify("❤.eth").as_deref(), Ok("❤\u{FE0F}.eth"));
        assert_eq!(beautify("ξ.eth").as_deref(), Ok("Ξ.eth"));
        assert_eq!(beautify("ξένος.eth").as_deref(), Ok("ξένος.eth"));
    }

    #[test]
    fn reasons_match_the_reference_wording() {
        assert_eq!(reason("a..eth"), "Invalid label \"\"\u{200E}: empty label");
        assert_eq!(reason("a_b"), "underscore allowed only at start");
        assert_eq!(reason("ab--c"), "invalid label extension: \"ab--\"");
        assert_eq!(reason("’a"), "illegal placement: leading apostrophe");
        assert_eq!(
            reason("a\u{2019}"),
            "illegal placement: trailing apostrophe"
        );
        assert!(reason("a\u{0}").starts_with("disallowed character: {00}"));
        assert!(reason("aα").starts_with("illegal mixture: Latin + Greek"));
    }

    #[test]
    fn ascii_shortcut_applies_case_and_ascii_rules_only() {
        let fast = |label: &str| {
            let input: Vec<u32> = label.chars().map(u32::from).collect();
            simple_ascii(&input).map(|r| r.map(|out| cps_to_string(&out)))
        };
        assert_eq!(fast("RaFfY-0x"), Some(Ok("raffy-0x".into())));
        assert_eq!(fast("__a"), Some(Ok("__a".into())));
        assert_eq!(fast("a_b"), Some(Err(LabelError::UnderscoreNotLeading)));
        assert!(matches!(
            fast("xn--a"),
            Some(Err(LabelError::LabelExtension { .. }))
        ));
        // Anything else takes the full path: `#` may start a keycap emoji.
        assert_eq!(fast("#"), None);
        assert_eq!(fast("a b"), None);
        assert_eq!(fast(""), None);
    }

    #[test]
    fn distinct_keeps_first_appearance_order() {
        assert_eq!(distinct_in_order(&[5, 3, 5, 1, 3, 9]), [5, 3, 1, 9]);
        assert_eq!(distinct_in_order(&[]), [0u32; 0]);
    }

    #[test]
    fn long_labels_are_cut_in_messages() {
        let long = format!("{}.eth", "a_".repeat(100));
        let msg = reason(&long);
        assert!(msg.contains('…'), "{msg}");
        assert!(msg.len() < 120, "{msg}");
    }
}
