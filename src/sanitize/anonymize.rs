//! Log records that say what a message held without holding any of it.

use super::kind::SensitiveKind;
use super::redact::{mask_email, shorten_address};
use super::scan::{scan, ScanOptions};

/// A chat message as it arrives, before logging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogMessage<'a> {
    /// The message id (logged as is).
    pub id: &'a str,
    /// Who sent it: an address, an e-mail, a handle (logged shortened).
    pub sender: &'a str,
    /// The text (never logged; only its length and what it held).
    pub content: &'a str,
    /// When it was sent, in milliseconds since the Unix epoch (logged as is).
    pub timestamp: u64,
}

/// How many findings of each kind a message held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KindCounts([u32; 7]);

impl KindCounts {
    /// The count for `kind`.
    pub fn get(&self, kind: SensitiveKind) -> u32 {
        self.0[kind.index()]
    }

    /// The kinds with a non-zero count, with their counts.
    pub fn iter(&self) -> impl Iterator<Item = (SensitiveKind, u32)> + '_ {
        SensitiveKind::ALL
            .into_iter()
            .map(|k| (k, self.get(k)))
            .filter(|&(_, n)| n > 0)
    }

    /// The sum over all kinds.
    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }
}

/// What [`anonymize_for_logging`] returns: safe to write to a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnonymizedMessage {
    /// The message id.
    pub id: String,
    /// The sender, shortened (`0x1234…abcd`, `a***@domain`, `alice…` ).
    pub sender: String,
    /// Length of the content in UTF-16 code units (what JS `String.length` says).
    pub content_length: usize,
    /// The timestamp, unchanged.
    pub timestamp: u64,
    /// Findings per kind.
    pub findings: KindCounts,
}

/// Turns a message into a log record: id, shortened sender, content length, timestamp
/// and the number of findings per kind; never any content.
pub fn anonymize_for_logging(message: &LogMessage<'_>) -> AnonymizedMessage {
    let mut findings = KindCounts::default();
    for f in scan(message.content, &ScanOptions::default()) {
        findings.0[f.kind.index()] += 1;
    }
    AnonymizedMessage {
        id: message.id.to_owned(),
        sender: shorten_sender(message.sender),
        content_length: message.content.encode_utf16().count(),
        timestamp: message.timestamp,
        findings,
    }
}

/// Addresses and e-mails get their usual short forms; anything else keeps its first
/// four characters.
fn shorten_sender(sender: &str) -> String {
    let found = scan(sender, &ScanOptions::default());
    match found.as_slice() {
        [f] if f.start == 0 && f.end == sender.len() => match f.kind {
            SensitiveKind::EthAddress => shorten_address(sender),
            SensitiveKind::Email => mask_email(sender),
            _ => "…".to_owned(),
        },
        _ => {
            let head: String = sender.chars().take(4).collect();
            if head.len() == sender.len() {
                head
            } else {
                head + "…"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_holds_no_content() {
        let content = "🦊 my pw is Tiger!1024 and card 4111 1111 1111 1111";
        let record = anonymize_for_logging(&LogMessage {
            id: "m-1",
            sender: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            content,
            timestamp: 1_700_000_000_000,
        });
        assert_eq!(record.id, "m-1");
        assert_eq!(record.sender, "0x5aAe…eAed");
        assert_eq!(record.content_length, content.encode_utf16().count());
        assert_eq!(record.timestamp, 1_700_000_000_000);
        assert_eq!(record.findings.get(SensitiveKind::Password), 1);
        assert_eq!(record.findings.get(SensitiveKind::CardNumber), 1);
        assert_eq!(record.findings.total(), 2);
        let debug = format!("{record:?}");
        assert!(!debug.contains("Tiger") && !debug.contains("1111"));
    }

    #[test]
    fn senders_are_shortened() {
        assert_eq!(shorten_sender("alice@example.com"), "a***@example.com");
        assert_eq!(shorten_sender("vitalik.eth"), "vita…");
        assert_eq!(shorten_sender("bob"), "bob");
        assert_eq!(shorten_sender("🦊🦊🦊🦊🦊"), "🦊🦊🦊🦊…");
    }
}
