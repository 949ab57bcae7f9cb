//! The relay's decisions as pure functions: who may do what, which commit wins an epoch,
//! and the per-connection rate limit.

use crate::transport::frame::Topic;

/// A connection's proven identity, returned by the embedder's signature check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The installation's public signature key (proven by signing the relay nonce).
    pub installation: Vec<u8>,
    /// The wallet address the installation is bound to (EIP-191 binding, checked by the
    /// embedder), as lower-case `0x` hex.
    pub address: String,
}

/// What a topic name says about who may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKind<'a> {
    /// `group/<id>`: an MLS group's log. Any authenticated installation may read and write
    /// it until its first membership change
    /// ([`MembershipChange`](crate::transport::membership::MembershipChange)), only its
    /// members after that.
    Group(&'a str),
    /// `inbox/<address>`: welcomes for an address (lower-case `0x` hex); anyone
    /// authenticated may write, only that address's installations may read.
    Inbox(&'a str),
}

impl<'a> TopicKind<'a> {
    /// Classifies a topic; `None` for names outside the two families.
    pub fn of(topic: &'a Topic) -> Option<Self> {
        let name = topic.as_str();
        if let Some(id) = name.strip_prefix("group/").filter(|s| !s.is_empty()) {
            Some(Self::Group(id))
        } else {
            name.strip_prefix("inbox/")
                .filter(|s| !s.is_empty())
                .map(Self::Inbox)
        }
    }
}

/// Whether `who` may subscribe to `topic`.
pub fn may_read(who: Option<&Identity>, topic: &Topic) -> bool {
    match (who, TopicKind::of(topic)) {
        (Some(_), Some(TopicKind::Group(_))) => true,
        // Exact match: one inbox has one spelling (lower-case hex), so one log.
        (Some(id), Some(TopicKind::Inbox(address))) => address == id.address,
        _ => false,
    }
}

/// Whether `who` may publish to `topic`: any authenticated sender, to a known family.
pub fn may_publish(who: Option<&Identity>, topic: &Topic) -> bool {
    who.is_some() && TopicKind::of(topic).is_some()
}

/// The clear-text MLS framing facts the relay orders commits by, from the embedder's
/// header parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake {
    /// The epoch the message was created in.
    pub epoch: u64,
    /// Whether it is a commit (which moves the group to `epoch + 1`).
    pub is_commit: bool,
}

/// What the relay's header parser ([`RelayHooks::classify`](super::RelayHooks::classify))
/// makes of a published payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// Not an MLS group message (opaque application bytes, a welcome, a key package, a
    /// group info): stored without ordering rules.
    Opaque,
    /// An MLS PublicMessage or PrivateMessage with its clear framing.
    Message {
        /// The group id of its header.
        group_id: Vec<u8>,
        /// Its epoch and whether it is a commit.
        handshake: Handshake,
    },
    /// Bytes that announce an MLS group message (protocol version `mls10`, wire format
    /// PublicMessage or PrivateMessage) but whose framing does not parse: a member's MLS
    /// stack would try to process them, and the relay could not order them, so a `group/`
    /// topic refuses them.
    Malformed,
}

/// Whether an MLS message of group `group_id` belongs on the topic `group/<topic_id>`: the
/// topic names the group by its id in lower-case `0x` hex (as `Group.id` in the package's
/// JS API), exactly (one group has one spelling, so one log).
pub fn group_matches(topic_id: &str, group_id: &[u8]) -> bool {
    // Compared digit by digit: this runs for every published MLS message.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    topic_id.strip_prefix("0x").is_some_and(|hex| {
        hex.len() == group_id.len() * 2
            && hex
                .as_bytes()
                .chunks_exact(2)
                .zip(group_id)
                .all(|(pair, &b)| {
                    *pair == [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]
                })
    })
}

/// The delivery-service rule: a commit is accepted only for the topic's current epoch, and
/// the first one wins. Returns the topic's new epoch, or `Err(())` for a stale (or
/// premature) commit. Non-commits are always accepted and change nothing.
#[allow(clippy::result_unit_err)]
pub fn accept_commit(current: Option<u64>, message: Handshake) -> Result<Option<u64>, ()> {
    if !message.is_commit {
        return Ok(current);
    }
    match current {
        Some(epoch) if epoch != message.epoch => Err(()),
        // The first commit seen fixes the epoch.
        _ => Ok(Some(message.epoch.saturating_add(1))),
    }
}

/// A token bucket: `capacity` frames at once, refilled at `per_second`.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    per_ms: f64,
    tokens: f64,
    last: u64,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(capacity: u32, per_second: u32, now: u64) -> Self {
        Self {
            capacity: f64::from(capacity),
            per_ms: f64::from(per_second) / 1000.0,
            tokens: f64::from(capacity),
            last: now,
        }
    }

    /// Takes `cost` tokens (at most the capacity, so a big batch passes a full bucket), or
    /// returns how many milliseconds until there are enough.
    pub fn take(&mut self, cost: u32, now: u64) -> Result<(), u32> {
        let elapsed = now.saturating_sub(self.last) as f64;
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.per_ms).min(self.capacity);
        let cost = f64::from(cost).min(self.capacity);
        if self.tokens >= cost {
            self.tokens -= cost;
            return Ok(());
        }
        let missing = cost - self.tokens;
        let wait = if self.per_ms > 0.0 {
            (missing / self.per_ms).ceil()
        } else {
            f64::from(u32::MAX)
        };
        // `as` saturates.
        Err((wait as u32).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(address: &str) -> Identity {
        Identity {
            installation: vec![1],
            address: address.into(),
        }
    }

    fn t(name: &str) -> Topic {
        Topic::new(name).unwrap()
    }

    #[test]
    fn topic_families() {
        assert_eq!(TopicKind::of(&t("group/ab")), Some(TopicKind::Group("ab")));
        assert_eq!(
            TopicKind::of(&t("inbox/0x1")),
            Some(TopicKind::Inbox("0x1"))
        );
        assert_eq!(TopicKind::of(&t("group/")), None);
        assert_eq!(TopicKind::of(&t("other")), None);
    }

    #[test]
    fn inboxes_are_read_only_by_their_address() {
        let me = id("0xabc");
        assert!(may_read(Some(&me), &t("inbox/0xabc")));
        assert!(!may_read(Some(&me), &t("inbox/0xABC")));
        assert!(!may_read(Some(&me), &t("inbox/0xdef")));
        assert!(!may_read(None, &t("inbox/0xabc")));
        assert!(may_read(Some(&me), &t("group/1")));
        assert!(!may_read(None, &t("group/1")));
        assert!(!may_read(Some(&me), &t("elsewhere")));
    }

    #[test]
    fn publishing_needs_an_authenticated_sender() {
        assert!(may_publish(Some(&id("0x1")), &t("inbox/0x2")));
        assert!(!may_publish(None, &t("group/1")));
        assert!(!may_publish(Some(&id("0x1")), &t("elsewhere")));
    }

    #[test]
    fn a_group_topic_names_its_group_in_lower_case_hex() {
        assert!(group_matches("0x00ab", &[0x00, 0xab]));
        assert!(!group_matches("0x00AB", &[0x00, 0xab]));
        assert!(!group_matches("00ab", &[0x00, 0xab]));
        assert!(!group_matches("0xab", &[0x00, 0xab]));
        assert!(!group_matches("0x00abcd", &[0x00, 0xab]));
        assert!(!group_matches("demo", &[0x00, 0xab]));
        assert!(group_matches("0x", &[]));
    }

    #[test]
    fn first_commit_of_an_epoch_wins() {
        let commit = |epoch| Handshake {
            epoch,
            is_commit: true,
        };
        assert_eq!(accept_commit(None, commit(3)), Ok(Some(4)));
        assert_eq!(accept_commit(Some(4), commit(4)), Ok(Some(5)));
        assert_eq!(accept_commit(Some(5), commit(4)), Err(()));
        assert_eq!(accept_commit(Some(5), commit(9)), Err(()));
        let app = Handshake {
            epoch: 1,
            is_commit: false,
        };
        assert_eq!(accept_commit(Some(5), app), Ok(Some(5)));
        assert_eq!(accept_commit(None, app), Ok(None));
    }

    #[test]
    fn token_bucket_refills_and_says_how_long_to_wait() {
        let mut b = TokenBucket::new(2, 10, 0);
        assert_eq!(b.take(1, 0), Ok(()));
        assert_eq!(b.take(1, 0), Ok(()));
        assert_eq!(b.take(1, 0), Err(100));
        assert_eq!(b.take(1, 50), Err(50));
        assert_eq!(b.take(1, 100), Ok(()));
        // Never more than the capacity, whatever the pause; a big cost empties it.
        assert_eq!(b.take(3, 1_000_000), Ok(()));
        assert_eq!(b.take(1, 1_000_000), Err(100));
        let mut frozen = TokenBucket::new(1, 0, 0);
        assert_eq!(frozen.take(1, 0), Ok(()));
        assert_eq!(frozen.take(1, 10), Err(u32::MAX));
    }
}
