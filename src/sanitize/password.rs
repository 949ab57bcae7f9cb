//! Passwords and PINs: the value written after a cue word ("password:", "pw is",
//! "passcode", "PIN", "mot de passe", "密码", …). The span is the value, never the cue.
//!
//! A cue alone is not a password ("I forgot my password"): what follows must be a
//! separator and a value that looks like a secret, judged more strictly the weaker the
//! separator is.

/// What kind of value a cue introduces.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Cue {
    /// Any password-like string.
    Password,
    /// Only digits (PINs, passcodes).
    Pin,
    /// A word that is a cue only before `:` or `=` (`pass: x`, never "pass the salt").
    StrictPassword,
}

/// ASCII cue words (lower-case, whole tokens).
pub(crate) const ASCII_CUES: &[(&str, Cue)] = &[
    ("password", Cue::Password),
    ("passwd", Cue::Password),
    ("passwort", Cue::Password),
    ("pwd", Cue::Password),
    ("pw", Cue::Password),
    ("pword", Cue::Password),
    ("passphrase", Cue::Password),
    ("senha", Cue::Password),
    ("kennwort", Cue::Password),
    ("wachtwoord", Cue::Password),
    ("parola", Cue::Password),
    ("passcode", Cue::Pin),
    ("pin", Cue::Pin),
    ("pincode", Cue::Pin),
    ("pass", Cue::StrictPassword),
];

/// Cues in other scripts or with non-ASCII letters, matched as text.
pub(crate) const TEXT_CUES: &[(&str, Cue)] = &[
    ("mot de passe", Cue::Password),
    ("contraseña", Cue::Password),
    ("contrasena", Cue::Password),
    ("hasło", Cue::Password),
    ("密码", Cue::Password),
    ("密碼", Cue::Password),
    ("口令", Cue::Password),
    ("パスワード", Cue::Password),
    ("暗証番号", Cue::Pin),
    ("пароль", Cue::Password),
    ("비밀번호", Cue::Password),
    ("mật khẩu", Cue::Password),
];

/// Words after "is" that describe the password rather than give it.
const NOT_VALUES: &[&str] = &[
    "the",
    "a",
    "an",
    "not",
    "too",
    "wrong",
    "same",
    "required",
    "incorrect",
    "invalid",
    "correct",
    "weak",
    "strong",
    "expired",
    "changed",
    "reset",
    "field",
    "manager",
    "for",
    "or",
    "and",
    "to",
    "of",
    "in",
    "on",
    "with",
    "my",
    "your",
    "this",
    "that",
    "it",
    "flow",
    "screen",
    "link",
    "must",
    "should",
    "will",
    "was",
    "has",
    "have",
    "been",
    "still",
    "very",
    "just",
    "also",
    "here",
    "there",
    "again",
    "please",
    "pls",
    "hidden",
    "redacted",
    // Status words that a line "password: …" may report instead of a password.
    "done",
    "fixed",
    "works",
    "working",
    "thanks",
    "nope",
    "solved",
    "resolved",
    "ready",
    "pending",
    "accepted",
    "rejected",
    "approved",
    "verified",
    "confirmed",
    "disabled",
    "enabled",
    "updated",
    "later",
    "soon",
    "private",
    "none",
    "null",
    "empty",
    "blank",
    "unknown",
    "protected",
    "locked",
    "set",
    "saved",
    "stored",
    "encrypted",
    "needed",
    "missing",
    "long",
    "short",
    "case",
    "sensitive",
    "forgotten",
    "lost",
    "optional",
    "see",
    "check",
    "ask",
    "below",
    "above",
    "attached",
    "sent",
    "provided",
    "default",
    "okay",
    "n/a",
    "tbd",
    "todo",
    "xxxx",
    "secret",
    "what",
    "which",
    "where",
    "when",
    "does",
    "doesn't",
    "isn't",
    "wasn't",
    "didn't",
    "can't",
    "won't",
    "keeps",
    "expires",
    "expiring",
];

/// How a value is introduced, weakest last.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sep {
    /// `:`, `=`, `->`, `=>`, `：`.
    Strong,
    /// `is`, `est`, `es`, `ist`, `是`.
    Copula,
    /// Only a space ("pw hunter2", "passcode 1234").
    Space,
}

/// Bit `l - b'a'` set for each lower-case letter `l` that starts an ASCII cue, and bit
/// `n` for each cue length `n`: two table-free tests that most words fail.
const ASCII_CUE_FIRSTS: u32 = first_letters(ASCII_CUES);
const ASCII_CUE_LENGTHS: u32 = lengths(ASCII_CUES);

const fn first_letters(cues: &[(&str, Cue)]) -> u32 {
    let mut bits = 0;
    let mut i = 0;
    while i < cues.len() {
        let b = cues[i].0.as_bytes()[0] | 0x20;
        if b.is_ascii_lowercase() {
            bits |= 1 << (b - b'a');
        }
        i += 1;
    }
    bits
}

const fn lengths(cues: &[(&str, Cue)]) -> u32 {
    let mut bits = 0;
    let mut i = 0;
    while i < cues.len() {
        bits |= 1 << cues[i].0.len();
        i += 1;
    }
    bits
}

/// The cue a token is, if any (case-insensitive).
pub(crate) fn ascii_cue(token: &[u8]) -> Option<Cue> {
    let first = (token.first()? | 0x20).wrapping_sub(b'a');
    let (len, firsts) = (token.len(), ASCII_CUE_FIRSTS);
    if first >= 26 || firsts & 1 << first == 0 || len >= 32 || ASCII_CUE_LENGTHS & 1 << len == 0 {
        return None;
    }
    ASCII_CUES
        .iter()
        .find(|(w, _)| w.len() == len && w.as_bytes().eq_ignore_ascii_case(token))
        .map(|&(_, c)| c)
}

/// Every cue's first four bytes (fewer for shorter cues) as a little-endian `u32`, with
/// the mask of the bytes that count and their number.
const CUE_HEADS: [(u32, u32, usize); ASCII_CUES.len() + TEXT_CUES.len()] = {
    let mut out = [(0, 0, 0); ASCII_CUES.len() + TEXT_CUES.len()];
    let mut i = 0;
    while i < out.len() {
        let cue = if i < ASCII_CUES.len() {
            ASCII_CUES[i].0
        } else {
            TEXT_CUES[i - ASCII_CUES.len()].0
        }
        .as_bytes();
        let (mut key, mut mask, mut n) = (0u32, 0u32, 0);
        while n < 4 && n < cue.len() {
            key |= (cue[n] as u32) << (8 * n);
            mask |= 0xff << (8 * n);
            n += 1;
        }
        out[i] = (key, mask, n);
        i += 1;
    }
    out
};

/// Whether a cue can begin at `bytes[p]`: the first four bytes (ASCII lower-cased) are a
/// cue's, or a shorter cue's whole text followed by no letter or digit. What the skim
/// asks before the scanner reads a word for a cue ([`ascii_cue`], [`text_cue_at`]).
pub(crate) fn may_begin_cue(bytes: &[u8], p: usize) -> bool {
    let mut head = [0u8; 5];
    for (h, b) in head.iter_mut().zip(bytes.get(p..).unwrap_or_default()) {
        *h = b.to_ascii_lowercase();
    }
    let word = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    CUE_HEADS
        .iter()
        .any(|&(key, mask, n)| word & mask == key && (n == 4 || !head[n].is_ascii_alphanumeric()))
}

/// The ASCII letters each text cue starts with, as the one token the scanner sees first
/// (`mot` of "mot de passe", `contrase` of "contraseña"); empty for other scripts.
const TEXT_CUE_HEADS: [&[u8]; TEXT_CUES.len()] = ascii_heads();
const TEXT_CUE_HEAD_LENGTHS: u32 = {
    let mut bits = 0;
    let mut i = 0;
    while i < TEXT_CUE_HEADS.len() {
        bits |= 1 << TEXT_CUE_HEADS[i].len();
        i += 1;
    }
    bits & !1
};

const fn ascii_heads() -> [&'static [u8]; TEXT_CUES.len()] {
    let mut heads: [&[u8]; TEXT_CUES.len()] = [b""; TEXT_CUES.len()];
    let mut i = 0;
    while i < TEXT_CUES.len() {
        let bytes = TEXT_CUES[i].0.as_bytes();
        let mut len = 0;
        while len < bytes.len() && bytes[len].is_ascii_alphanumeric() {
            len += 1;
        }
        heads[i] = bytes.split_at(len).0;
        i += 1;
    }
    heads
}

/// Whether a token is the ASCII start of a text cue ("mot" of "mot de passe"), so that
/// [`text_cue_at`] is worth asking at its start.
pub(crate) fn starts_text_cue(token: &[u8]) -> bool {
    const FIRSTS: u32 = first_letters(TEXT_CUES);
    let first = token
        .first()
        .map_or(u8::MAX, |b| (b | 0x20).wrapping_sub(b'a'));
    first < 26
        && FIRSTS & 1 << first != 0
        && token.len() < 32
        && TEXT_CUE_HEAD_LENGTHS & 1 << token.len() != 0
        && TEXT_CUE_HEADS
            .iter()
            .any(|head| head.len() == token.len() && head.eq_ignore_ascii_case(token))
}

/// The cue written at `text[pos..]`, if any, and its length.
pub(crate) fn text_cue_at(text: &str, pos: usize) -> Option<(Cue, usize)> {
    let rest = text.get(pos..)?;
    let first = rest.as_bytes().first()? | 0x20;
    TEXT_CUES.iter().find_map(|&(cue_text, cue)| {
        // First byte (ASCII-lower-cased) before any slicing: most calls stop here.
        if cue_text.as_bytes().first()? | 0x20 != first {
            return None;
        }
        let head = rest.get(..cue_text.len())?;
        (head.eq_ignore_ascii_case(cue_text) || head == cue_text).then_some((cue, cue_text.len()))
    })
}

fn skip_spaces(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    i
}

/// The separator after a cue ending at `cue_end`: its kind and where the value starts.
fn separator(text: &str, cue_end: usize) -> Option<(Sep, usize)> {
    let bytes = text.as_bytes();
    let mut i = skip_spaces(text, cue_end);
    // "pin code 1234", "password for it: x" are not handled; "PIN code" is common enough.
    if bytes
        .get(i..i + 4)
        .is_some_and(|w| w.eq_ignore_ascii_case(b"code"))
        && i > cue_end
    {
        i = skip_spaces(text, i + 4);
    }
    let rest = text.get(i..)?;
    if let Some(after_words) = for_phrase(text, i) {
        return separator(text, after_words).filter(|&(sep, _)| sep != Sep::Space);
    }
    for strong in ["->", "=>", ":", "=", "：", "→"] {
        if rest.starts_with(strong) {
            return Some((Sep::Strong, skip_spaces(text, i + strong.len())));
        }
    }
    // A dash between spaces ("Password - qwerty123"), not a hyphen ("password-protected").
    for dash in ["- ", "– ", "— "] {
        if i > cue_end && rest.starts_with(dash) {
            return Some((Sep::Strong, skip_spaces(text, i + dash.len())));
        }
    }
    for copula in ["is", "was", "'s", "est", "es", "ist", "是", "は"] {
        let head = rest.as_bytes().get(..copula.len());
        // CJK writes no space after the copula ("パスワードはhunter2です").
        let wide = !copula.is_ascii();
        if head.is_some_and(|h| h.eq_ignore_ascii_case(copula.as_bytes()))
            && (wide || matches!(rest.as_bytes().get(copula.len()), Some(b' ' | b'\t' | b':')))
        {
            let mut j = i + copula.len();
            if bytes.get(j) == Some(&b':') {
                j += 1;
            }
            return Some((Sep::Copula, skip_spaces(text, j)));
        }
    }
    if i > cue_end && i < bytes.len() {
        return Some((Sep::Space, i));
    }
    // A cue in a script without spaces ("密码hunter2") may touch its value.
    let cue_is_wide = text
        .get(..cue_end)
        .and_then(|t| t.chars().last())
        .is_some_and(|c| !c.is_ascii());
    let value_is_ascii = bytes.get(i).is_some_and(u8::is_ascii_alphanumeric);
    (cue_is_wide && value_is_ascii).then_some((Sep::Space, i))
}

/// "password for my Binance account is …": skips `for|of|on|at|to` and up to three
/// words, returning where the separator should be.
fn for_phrase(text: &str, i: usize) -> Option<usize> {
    let rest = text.get(i..)?;
    let word_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = rest.get(..word_len)?;
    if !["for", "of", "on", "at", "to"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(word))
    {
        return None;
    }
    let mut j = i + word_len;
    for _ in 0..4 {
        j = skip_spaces(text, j);
        let next = super::text::after(text, j, LOOKAHEAD);
        let len = next
            .char_indices()
            .find(|&(_, c)| c.is_whitespace() || c == ':' || c == '=')
            .map_or(next.len(), |(k, _)| k);
        if len == 0 {
            break;
        }
        let token = &next[..len];
        if token.eq_ignore_ascii_case("is") || token.eq_ignore_ascii_case("was") {
            return Some(j);
        }
        j += len;
        // "reset your password at https://…": the colon of a URL's scheme is no separator.
        if text.get(j..).is_some_and(|r| r.starts_with("://")) {
            return None;
        }
        if matches!(text.as_bytes().get(j), Some(b':' | b'=')) {
            return Some(j);
        }
    }
    Some(j).filter(|&j| {
        matches!(
            text.get(skip_spaces(text, j)..)
                .and_then(|r| r.bytes().next()),
            Some(b':' | b'=')
        )
    })
}

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '\'' | '`' | '“' | '‘' | '«' | '„' | '「' | '『')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '"' | '\'' | '`' | '”' | '’' | '»' | '“' | '」' | '』')
}

/// Punctuation that ends a sentence rather than a password.
fn is_trailing(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | ')' | ']' | '}' | '…' | '。' | '，' | '、'
    ) || is_close_quote(c)
}

/// The longest value read (bytes); longer runs are not passwords.
const MAX_VALUE: usize = 64;
/// How far past a cue anything is read (a value, a closing quote).
const LOOKAHEAD: usize = MAX_VALUE + 8;

/// The value of a password cue ending at `cue_end`, as a byte range.
pub(crate) fn value_after(text: &str, cue_end: usize, cue: Cue) -> Option<(usize, usize)> {
    let (sep, start) = separator(text, cue_end)?;
    if cue == Cue::StrictPassword && sep != Sep::Strong {
        return None;
    }
    // Bounded look-ahead keeps the scan linear ("pw:pw:pw:…" must not rescan the text).
    let rest = super::text::after(text, start, LOOKAHEAD);
    // Quoted: everything up to the closing quote, spaces included.
    let mut quoted_start = start;
    let mut chars = rest.char_indices().peekable();
    let mut quoted = false;
    while let Some(&(i, c)) = chars.peek() {
        if is_open_quote(c) {
            quoted = true;
            quoted_start = start + i + c.len_utf8();
            chars.next();
        } else {
            break;
        }
    }
    let (vstart, vend) = if quoted {
        let inner = super::text::after(text, quoted_start, LOOKAHEAD);
        let len = inner
            .char_indices()
            .find(|&(_, c)| is_close_quote(c) || c == '\n')
            .map_or(inner.len(), |(i, _)| i);
        if len == 0 || len > MAX_VALUE || inner[len..].chars().next().is_none_or(|c| c == '\n') {
            return None;
        }
        (quoted_start, quoted_start + len)
    } else {
        let len = until_whitespace(rest);
        let mut value = &rest[..len];
        while let Some(c) = value.chars().last() {
            if is_trailing(c) {
                value = &value[..value.len() - c.len_utf8()];
            } else {
                break;
            }
        }
        // Too long for a value, and no CJK within the limit could cut it short: the common
        // case of a cue inside a long identifier (`pw:pw:pw:…`), rejected without reading
        // it character by character.
        if value.len() > MAX_VALUE && value.as_bytes()[..=MAX_VALUE].is_ascii() {
            return None;
        }
        // CJK text may follow without a space: stop where CJK starts after other text.
        let mut prev_cjk = true;
        let cut = value.char_indices().find_map(|(i, c)| {
            let cjk = is_cjk(c);
            let cut = (cjk && !prev_cjk).then_some(i);
            prev_cjk = cjk;
            cut
        });
        if let Some(i) = cut {
            value = &value[..i];
        }
        (start, start + value.len())
    };
    let value = text.get(vstart..vend)?;
    let ends_line = ends_line(super::text::after(text, vend, LOOKAHEAD));
    accept(value, cue, sep, quoted, ends_line).then_some((vstart, vend))
}

/// Whether only sentence punctuation and spaces stand between here and the end of the line
/// (a short look-ahead; a longer tail is more text).
fn ends_line(rest: &str) -> bool {
    for c in rest.chars().take(8) {
        match c {
            '\n' | '\r' => return true,
            c if c.is_whitespace() || is_trailing(c) || matches!(c, '!' | '?') => {}
            _ => return false,
        }
    }
    rest.chars().nth(8).is_none()
}

/// Length of `s` before its first whitespace character (bytes); ASCII is read a byte at a
/// time, the rest as characters.
fn until_whitespace(s: &str) -> usize {
    let bytes = s.as_bytes();
    match bytes
        .iter()
        .position(|&b| matches!(b, b'\t'..=b'\r' | b' ') || b >= 0x80)
    {
        None => s.len(),
        Some(i) if bytes[i] < 0x80 => i,
        Some(i) => {
            let rest = s.get(i..).unwrap_or_default();
            i + rest
                .char_indices()
                .find(|&(_, c)| c.is_whitespace())
                .map_or(rest.len(), |(k, _)| k)
        }
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xFF00..=0xFFEF)
}

/// Whether a value read after a cue is a secret rather than prose or a placeholder.
fn accept(value: &str, cue: Cue, sep: Sep, quoted: bool, ends_line: bool) -> bool {
    if value.is_empty() || value.len() > MAX_VALUE {
        return false;
    }
    // Placeholders and masks: <your password>, (not sharing), [REDACTED], ${VAR}, ●●●, ***.
    if value.starts_with(['<', '[', '(', '{'])
        || value.starts_with("${")
        || value.contains("[REDACTED:")
        || !value.chars().any(char::is_alphanumeric)
    {
        return false;
    }
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    if cue == Cue::Pin {
        let all_digits = value.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        return all_digits && (4..=12).contains(&digits);
    }
    let lower = value.to_ascii_lowercase(); // the list is ASCII; no Unicode case tables
    if NOT_VALUES.contains(&lower.as_str()) || value.chars().count() < 4 {
        return false;
    }
    if quoted {
        return true;
    }
    // Prose words are far more likely than passwords: ask for a digit or a symbol, or
    // mixed case beyond a capital first letter; after `:` or `=`, a long word will do, and
    // so will a single word that ends the line ("password: qwerty", not "password: Rabby
    // asks again").
    let symbol = value.chars().any(|c| !c.is_alphanumeric());
    let inner_upper = value.chars().skip(1).any(char::is_uppercase);
    let has_lower = value.chars().any(char::is_lowercase);
    let score =
        usize::from(digits > 0) + usize::from(symbol) + usize::from(inner_upper && has_lower);
    let chars = value.chars().count();
    match sep {
        Sep::Strong => score >= 1 || chars >= 8 || ends_line,
        Sep::Copula => score >= 1 && chars >= 4,
        // A bare space: a digit or two kinds of oddity, or words joined by symbols
        // ("ledger.lambo.matrix").
        _ => (score >= 1 && digits > 0 || score >= 2) && chars >= 6 || symbol && chars >= 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, cue: &str) -> Option<&'static str> {
        let cue_end = text.find(cue)? + cue.len();
        let kind = ascii_cue(cue.as_bytes())
            .or_else(|| text_cue_at(text, cue_end - cue.len()).map(|c| c.0))?;
        let (a, b) = value_after(text, cue_end, kind)?;
        Some(Box::leak(text[a..b].to_owned().into_boxed_str()))
    }

    #[test]
    fn cue_prefilters_pass_every_cue() {
        for &(cue, kind) in ASCII_CUES {
            assert_eq!(ascii_cue(cue.as_bytes()), Some(kind), "{cue}");
            assert_eq!(
                ascii_cue(cue.to_uppercase().as_bytes()),
                Some(kind),
                "{cue}"
            );
        }
        for word in [
            "how",
            "has",
            "passwords",
            "p",
            "",
            "pwx",
            "zz",
            "pass1",
            "ü",
        ] {
            assert_eq!(ascii_cue(word.as_bytes()), None, "{word}");
        }
        for (text, head) in [
            ("mot de passe: x", "mot"),
            ("Contraseña: x", "Contrase"),
            ("hasło x", "has"),
            ("mật khẩu", "m"),
        ] {
            assert!(starts_text_cue(head.as_bytes()), "{head}");
            assert!(text_cue_at(text, 0).is_some(), "{text}");
        }
        assert!(!starts_text_cue(b"how"));
        for word in ["the", "gm", "bridge", "Rabby", "your"] {
            let tok = word.as_bytes();
            assert!(ascii_cue(tok).is_none() && !starts_text_cue(tok));
        }
        assert!(!starts_text_cue(b"motto"));
    }

    #[test]
    fn whitespace_is_found_in_any_script() {
        for (s, want) in [
            ("", 0),
            ("abc", 3),
            ("ab c", 2),
            ("ab\u{b}c", 2),
            ("ab\u{c}c", 2),
            ("é\u{a0}x", 2),
            ("日本\u{3000}x", 6),
            ("a\u{85}", 1),
            ("ab\u{1c}c", 4),
        ] {
            assert_eq!(until_whitespace(s), want, "{s:?}");
            let by_chars = s.char_indices().find(|&(_, c)| c.is_whitespace());
            assert_eq!(want, by_chars.map_or(s.len(), |(i, _)| i), "{s:?}");
        }
    }

    #[test]
    fn values_after_cues() {
        assert_eq!(value("password: hunter2", "password"), Some("hunter2"));
        assert_eq!(
            value("DB_PASSWORD=s3cr3t!x; next", "PASSWORD"),
            Some("s3cr3t!x")
        );
        assert_eq!(value("my pw is Tiger!1024.", "pw"), Some("Tiger!1024"));
        assert_eq!(
            value("vault password is 'violet ginger cookie' ok", "password"),
            Some("violet ginger cookie")
        );
        assert_eq!(
            value("Password: \"“hunter2”\"", "Password"),
            Some("hunter2")
        );
        assert_eq!(
            value("login a@b.io / pw M00nd3g3n14", "pw"),
            Some("M00nd3g3n14")
        );
        assert_eq!(value("pin is 4821", "pin"), Some("4821"));
        assert_eq!(value("card pin code 1234", "pin"), Some("1234"));
        assert_eq!(
            value("keystore pass: satoshi5981", "pass"),
            Some("satoshi5981")
        );
        assert_eq!(value("密码 Lantern!1962", "密码"), Some("Lantern!1962"));
        assert_eq!(
            value("mot de passe : açaí-bowl-3", "mot de passe"),
            Some("açaí-bowl-3")
        );
        assert_eq!(value("password -> trustno1", "password"), Some("trustno1"));
        assert_eq!(value("password: sunshine", "password"), Some("sunshine"));
        // A single word that ends its line after `:` is the password.
        assert_eq!(value("password: qwerty", "password"), Some("qwerty"));
        assert_eq!(
            value("パスワードはhunter2です", "パスワード"),
            Some("hunter2")
        );
        assert_eq!(value("密码是Lantern1962", "密码"), Some("Lantern1962"));
        assert_eq!(
            value("wifi password: dragon.\nthx", "password"),
            Some("dragon")
        );
        assert_eq!(value("Password - qwerty123", "Password"), Some("qwerty123"));
        assert_eq!(
            value("password -> 日本語pass9\n", "password"),
            Some("日本語pass9")
        );
        assert_eq!(value("密码 hunter2送金が", "密码"), Some("hunter2"));
        assert_eq!(
            value("/ pw ledger.lambo.matrix.cookie", "pw"),
            Some("ledger.lambo.matrix.cookie")
        );
        assert_eq!(
            value("password for my Binance account is Tr0ub4dor&3", "password"),
            Some("Tr0ub4dor&3")
        );
        assert_eq!(
            value("password for binance: Tr0ub4dor&3", "password"),
            Some("Tr0ub4dor&3")
        );
        assert_eq!(
            value("my password's Tr0ub4dor&3", "password"),
            Some("Tr0ub4dor&3")
        );
    }

    #[test]
    fn cue_without_a_secret() {
        for (text, cue) in [
            ("I forgot my password", "password"),
            ("I forgot my password. price", "password"),
            ("my password is not working", "password"),
            ("the password is wrong according to Binance", "password"),
            ("pw is the same as before", "pw"),
            ("pin is required for withdrawals", "pin"),
            ("password manager or paper backup?", "password"),
            ("password: <your password>", "password"),
            ("password: (not sharing it here)", "password"),
            ("password: ●●●●●●●●●", "password"),
            ("password: ******", "password"),
            ("passcode screen freezes on iOS", "passcode"),
            ("tape pass vessel idle", "pass"),
            ("Bybit wants a new password every 90 days", "password"),
            ("password: [REDACTED:password]", "password"),
            ("DB_PASSWORD=${DB_PASSWORD}", "PASSWORD"),
            ("password: Rabby asks again", "password"),
            ("should I use a password for Rabby?", "password"),
            ("a password for my account is required", "password"),
            (
                "reset your password at https://example.com/reset",
                "password",
            ),
            (
                "change the password on http://192.168.0.1:8080 first",
                "password",
            ),
            ("password: unknown", "password"),
            ("password: forgotten, ask Bob", "password"),
            ("password: qwerty is what most people pick", "password"),
            ("a password-protected file", "password"),
            ("password: done", "password"),
            ("パスワードは忘れた", "パスワード"),
        ] {
            assert_eq!(value(text, cue), None, "{text}");
        }
    }
}
