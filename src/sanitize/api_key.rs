//! API tokens in the formats their providers publish: a fixed prefix, then a body of a
//! known alphabet and length. Placeholders (`sk-...`, `ghp_<36 chars>`, `AKIA****`) have
//! no valid body and are not matched.

/// Characters a token body may use.
#[derive(Clone, Copy)]
enum Body {
    /// Letters and digits.
    Alnum,
    /// Letters, digits, `_`.
    AlnumUnderscore,
    /// Letters, digits, `_`, `-`.
    UrlSafe,
    /// Upper-case letters and digits (AWS key ids).
    Upper,
    /// Letters, digits, `_`, `-` and `.` (SendGrid: `SG.` id `.` secret); a final `.` ends
    /// the sentence, not the token.
    UrlSafeDot,
}

impl Body {
    fn allows(self, b: u8) -> bool {
        match self {
            Body::Alnum => b.is_ascii_alphanumeric(),
            Body::AlnumUnderscore => b.is_ascii_alphanumeric() || b == b'_',
            Body::UrlSafe => b.is_ascii_alphanumeric() || b == b'_' || b == b'-',
            Body::Upper => b.is_ascii_uppercase() || b.is_ascii_digit(),
            Body::UrlSafeDot => Body::UrlSafe.allows(b) || b == b'.',
        }
    }
}

/// One provider format: prefix (case-sensitive), body alphabet, body length bounds.
struct Format {
    prefix: &'static [u8],
    body: Body,
    min: usize,
    max: usize,
}

const fn f(prefix: &'static [u8], body: Body, min: usize, max: usize) -> Format {
    Format {
        prefix,
        body,
        min,
        max,
    }
}

/// Longer prefixes first where one is a prefix of another (`sk_live_` before `sk-`).
const FORMATS: &[Format] = &[
    // Stripe secret and restricted keys, webhook secrets.
    f(b"sk_live_", Body::Alnum, 16, 256),
    f(b"sk_test_", Body::Alnum, 16, 256),
    f(b"rk_live_", Body::Alnum, 16, 256),
    f(b"rk_test_", Body::Alnum, 16, 256),
    f(b"whsec_", Body::Alnum, 24, 128),
    // OpenAI (`sk-`, `sk-proj-`, `sk-svcacct-`) and Anthropic (`sk-ant-`).
    f(b"sk-", Body::UrlSafe, 20, 256),
    // AWS access key ids (long-term and temporary).
    f(b"AKIA", Body::Upper, 16, 16),
    f(b"ASIA", Body::Upper, 16, 16),
    // GitHub classic and fine-grained tokens.
    f(b"github_pat_", Body::AlnumUnderscore, 40, 255),
    f(b"ghp_", Body::Alnum, 30, 255),
    f(b"gho_", Body::Alnum, 30, 255),
    f(b"ghu_", Body::Alnum, 30, 255),
    f(b"ghs_", Body::Alnum, 30, 255),
    f(b"ghr_", Body::Alnum, 30, 255),
    // Slack bot, user, app, workspace and refresh tokens.
    f(b"xoxb-", Body::UrlSafe, 10, 255),
    f(b"xoxp-", Body::UrlSafe, 10, 255),
    f(b"xoxa-", Body::UrlSafe, 10, 255),
    f(b"xoxe-", Body::UrlSafe, 10, 255),
    f(b"xoxr-", Body::UrlSafe, 10, 255),
    f(b"xoxs-", Body::UrlSafe, 10, 255),
    f(b"xoxo-", Body::UrlSafe, 10, 255),
    // Google API keys.
    f(b"AIza", Body::UrlSafe, 35, 35),
    // GitLab, npm, Hugging Face, PyPI, Shopify, DigitalOcean, SendGrid, Square.
    f(b"glpat-", Body::UrlSafe, 20, 64),
    f(b"npm_", Body::Alnum, 36, 36),
    f(b"hf_", Body::Alnum, 30, 64),
    f(b"pypi-", Body::UrlSafe, 50, 255),
    f(b"shpat_", Body::Alnum, 32, 32),
    f(b"shpss_", Body::Alnum, 32, 32),
    f(b"dop_v1_", Body::Alnum, 64, 64),
    f(b"SG.", Body::UrlSafeDot, 60, 80),
    f(b"sq0atp-", Body::UrlSafe, 22, 64),
    f(b"sq0csp-", Body::UrlSafe, 40, 64),
];

/// Per byte, whether it ends the head of a prefix that continues with `.` (`G` of `SG.`):
/// the skim marks a word before a dot only then, not every word that ends a sentence.
pub(crate) static DOT_HEAD_LAST: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < FORMATS.len() {
        let prefix = FORMATS[i].prefix;
        let mut k = 1;
        while k < prefix.len() {
            if prefix[k] == b'.' {
                t[prefix[k - 1] as usize] = true;
            }
            k += 1;
        }
        i += 1;
    }
    t
};

/// Shortest token whose prefix is all letters (`AKIA` + 16).
pub(crate) const MIN_ALNUM_TOKEN: usize = 20;

/// The letters-and-digits heads of the prefixes that continue with `-`, `_` or `.`.
fn is_head(head: &[u8]) -> bool {
    matches!(
        head,
        b"sk"
            | b"rk"
            | b"whsec"
            | b"github"
            | b"ghp"
            | b"gho"
            | b"ghu"
            | b"ghs"
            | b"ghr"
            | b"xoxb"
            | b"xoxp"
            | b"xoxa"
            | b"xoxe"
            | b"xoxr"
            | b"xoxs"
            | b"xoxo"
            | b"glpat"
            | b"npm"
            | b"hf"
            | b"pypi"
            | b"shpat"
            | b"shpss"
            | b"dop"
            | b"SG"
            | b"sq0atp"
            | b"sq0csp"
    )
}

/// What [`match_at`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match {
    /// A token ending here.
    Key(usize),
    /// A prefix followed by a body longer than any token: some other long identifier,
    /// to be skipped to its end, here (so that `sk-sk-sk-…` is read once, not once per `sk`).
    Skip(usize),
}

/// If an API token starts at the alphanumeric run `start..run_end`, what it is.
pub(crate) fn match_at(bytes: &[u8], start: usize, run_end: usize) -> Option<Match> {
    // Cheap reject for ordinary words: a prefix is either a known head followed by `-`,
    // `_` or `.`, or the start of a long run on its own (`AKIA…`, `AIza…`).
    let head = bytes.get(start..run_end)?;
    let punct = matches!(bytes.get(run_end), Some(b'-' | b'_' | b'.'));
    let known_head = punct && is_head(head);
    let long = head.len() >= MIN_ALNUM_TOKEN || head.starts_with(b"AIza");
    if !(known_head || long) {
        return None;
    }
    let rest = bytes.get(start..)?;
    for format in FORMATS {
        if !rest.starts_with(format.prefix) {
            continue;
        }
        let body_start = format.prefix.len();
        let body_len = rest[body_start..]
            .iter()
            .take(format.max + 1) // bounded: "sk-sk-sk-…" must not rescan the rest
            .take_while(|&&b| format.body.allows(b))
            .count();
        let end = body_start + body_len;
        // A longer run of token characters means it is some other identifier.
        let bounded = rest
            .get(end)
            .is_none_or(|&b| !format.body.allows(b) && !b.is_ascii_alphanumeric());
        let body_len = match format.body {
            Body::UrlSafeDot => {
                let dots = rest[body_start..end]
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b'.')
                    .count();
                body_len - dots
            }
            _ => body_len,
        };
        let end = body_start + body_len;
        if bounded
            && (format.min..=format.max).contains(&body_len)
            && plausible(&rest[body_start..end])
        {
            return Some(Match::Key(start + end));
        }
        if body_len > format.max {
            // Skip the whole run: each of its bytes is read once here, then never again.
            let run = rest[end..]
                .iter()
                .take_while(|&&b| format.body.allows(b))
                .count();
            return Some(Match::Skip(start + end + run));
        }
        return None;
    }
    None
}

/// A real token body mixes characters; placeholders (`xxxx…`, `0000…`) do not.
fn plausible(body: &[u8]) -> bool {
    let distinct = body.iter().fold(0u128, |set, &b| set | 1u128 << (b & 0x7f));
    distinct.count_ones() >= 6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(s: &str) -> Option<&str> {
        let run = crate::sanitize::text::alnum_end(s.as_bytes(), 0);
        match match_at(s.as_bytes(), 0, run) {
            Some(Match::Key(end)) => Some(&s[..end]),
            _ => None,
        }
    }

    #[test]
    fn provider_formats() {
        for key in [
            "sk-proj-oWXINMMxj5U22EOndljJM9MN-rCtDdzvjd_Sqie9L8YVkb_bbzU2lxvMXfC5i7Wy",
            "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",
            "sk_live_51IxtHzVVjyUGi3tlsyTRKTJ5V3nWIekX7XSTEfqhTWg",
            "AKIAIOSFODNN7EXAMPLE",
            "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",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP",
            "xoxb-2644483869929-6496008087-M9EzYU24N9aOrjMVkTrBdp4K",
            "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
            "glpat-xjK3Qp9zT2mVbN8rL4wY",
            // SendGrid: `SG.`, a 22-character id, `.`, a 43-character secret.
            "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",
        ] {
            assert_eq!(find(key), Some(key), "{key}");
            let quoted = format!("{key}\", next");
            assert_eq!(find(&quoted), Some(key));
            // A sentence's full stop is not part of the token.
            let ended = format!("{key}. Next");
            assert_eq!(find(&ended), Some(key));
        }
    }

    #[test]
    fn only_sg_continues_with_a_dot() {
        let dotted: Vec<u8> = (0..=255u8)
            .filter(|&b| DOT_HEAD_LAST[usize::from(b)])
            .collect();
        assert_eq!(dotted, b"G");
    }

    #[test]
    fn placeholders_and_lookalikes() {
        for text in [
            "sk-...",
            "sk-xxxxxxxxxxxxxxxxxxxxxxxx",
            "ghp_<36 chars>",
            "AKIA****************",
            "AKIA5IY3MGPH",
            "AKIAIOSFODNN7EXAMPLE1",
            "skeleton",
            "sk_live_short",
            "xoxb-…",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
        let long = "sk-".repeat(200);
        assert_eq!(
            match_at(long.as_bytes(), 0, 2),
            Some(Match::Skip(long.len()))
        );
    }
}
