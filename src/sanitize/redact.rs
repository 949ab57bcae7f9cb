//! Rewriting text so that what was found cannot be read back.

use std::str::FromStr;

use super::error::{excerpt, SanitizeError};
use super::kind::{KindSet, SensitiveKind};
use super::scan::{scan, ScanOptions};

/// What to do with each finding of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedactAction {
    /// Leave it as it is.
    Keep,
    /// Keep a recognisable, non-secret part: `0x1234…abcd` for an address, `****1234`
    /// for a card, `a***@domain` for an e-mail. Secrets (keys, seed phrases, passwords,
    /// API keys) have no such part and are masked.
    Shorten,
    /// Replace it with `[REDACTED:<kind>]`.
    Mask,
    /// Delete it.
    Remove,
}

impl RedactAction {
    /// The name used in JS policies: `keep`, `shorten`, `mask`, `remove`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Shorten => "shorten",
            Self::Mask => "mask",
            Self::Remove => "remove",
        }
    }
}

impl FromStr for RedactAction {
    type Err = SanitizeError;

    /// Parses `keep`, `shorten`, `mask` or `remove`; errors with
    /// [`SanitizeError::UnknownAction`].
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [Self::Keep, Self::Shorten, Self::Mask, Self::Remove]
            .into_iter()
            .find(|a| a.as_str() == name)
            .ok_or_else(|| SanitizeError::UnknownAction {
                name: excerpt(name),
            })
    }
}

/// One [`RedactAction`] per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedactPolicy {
    actions: [RedactAction; 7],
}

impl Default for RedactPolicy {
    /// Keys, seed phrases, passwords and API keys masked; cards, addresses and e-mails
    /// shortened.
    fn default() -> Self {
        let mut actions = [RedactAction::Mask; 7];
        for kind in [
            SensitiveKind::CardNumber,
            SensitiveKind::EthAddress,
            SensitiveKind::Email,
        ] {
            actions[kind.index()] = RedactAction::Shorten;
        }
        RedactPolicy { actions }
    }
}

impl RedactPolicy {
    /// The action for `kind`.
    pub fn get(&self, kind: SensitiveKind) -> RedactAction {
        self.actions[kind.index()]
    }

    /// Sets the action for `kind`.
    pub fn set(&mut self, kind: SensitiveKind, action: RedactAction) -> &mut Self {
        self.actions[kind.index()] = action;
        self
    }

    /// The kinds that are not kept (the ones worth scanning for).
    pub fn affected(&self) -> KindSet {
        SensitiveKind::ALL
            .into_iter()
            .filter(|&k| self.get(k) != RedactAction::Keep)
            .collect()
    }
}

/// Most passes [`redact`] makes.
const MAX_PASSES: usize = 4;

/// Returns `text` with every finding rewritten by `policy`.
///
/// Rewriting can change the context of what is left (a long value after a password cue
/// becomes short enough to be a password once a card inside it is masked), so redaction
/// repeats until a pass changes nothing (at most four passes). The result is stable:
/// redacting it again changes nothing, and scanning it finds none of the redacted kinds.
pub fn redact(text: &str, policy: &RedactPolicy) -> String {
    let mut out = redact_once(text, policy);
    for _ in 1..MAX_PASSES {
        let next = redact_once(&out, policy);
        if next == out {
            break;
        }
        out = next;
    }
    out
}

fn redact_once(text: &str, policy: &RedactPolicy) -> String {
    let findings = scan(
        text,
        &ScanOptions {
            kinds: policy.affected(),
        },
    );
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for f in findings {
        let (Some(before), Some(secret)) = (text.get(last..f.start), text.get(f.start..f.end))
        else {
            continue;
        };
        out.push_str(before);
        replace(&mut out, f.kind, secret, policy.get(f.kind));
        last = f.end;
    }
    out.push_str(text.get(last..).unwrap_or(""));
    out
}

fn replace(out: &mut String, kind: SensitiveKind, secret: &str, action: RedactAction) {
    let mask = |out: &mut String| {
        out.push_str("[REDACTED:");
        out.push_str(kind.as_str());
        out.push(']');
    };
    match action {
        RedactAction::Keep => out.push_str(secret),
        RedactAction::Remove => {}
        RedactAction::Mask => mask(out),
        RedactAction::Shorten => match kind {
            SensitiveKind::EthAddress => out.push_str(&shorten_address(secret)),
            SensitiveKind::CardNumber => {
                let digits: Vec<char> = secret.chars().filter(char::is_ascii_digit).collect();
                out.push_str("****");
                out.extend(&digits[digits.len().saturating_sub(4)..]);
            }
            SensitiveKind::Email => out.push_str(&mask_email(secret)),
            _ => mask(out),
        },
    }
}

/// `0x1234…abcd`, checksummed when the checksum holds, else as written.
pub(crate) fn shorten_address(address: &str) -> String {
    crate::eth::shorten_address(address).unwrap_or_else(|_| {
        let head = address.get(..6).unwrap_or("");
        let tail = address.get(address.len().saturating_sub(4)..).unwrap_or("");
        format!("{head}…{tail}")
    })
}

/// `a***@domain`: the first character of the local part, then the domain.
pub(crate) fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().map(String::from).unwrap_or_default();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy() {
        let text = "card 4111 1111 1111 1111, mail alice@example.com, \
                    to 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed, password: hunter2.";
        assert_eq!(
            redact(text, &RedactPolicy::default()),
            "card ****1111, mail a***@example.com, to 0x5aAe…eAed, password: [REDACTED:password]."
        );
    }

    #[test]
    fn per_kind_actions() {
        let text = "mail alice@example.com now";
        let mut policy = RedactPolicy::default();
        policy.set(SensitiveKind::Email, RedactAction::Keep);
        assert_eq!(redact(text, &policy), text);
        policy.set(SensitiveKind::Email, RedactAction::Mask);
        assert_eq!(redact(text, &policy), "mail [REDACTED:email] now");
        policy.set(SensitiveKind::Email, RedactAction::Remove);
        assert_eq!(redact(text, &policy), "mail  now");
        assert_eq!("shorten".parse(), Ok(RedactAction::Shorten));
        assert_eq!(
            "hide".parse::<RedactAction>().unwrap_err().code(),
            "UnknownRedactAction"
        );
    }
}
