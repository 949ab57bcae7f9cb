//! Relay storage behind a trait, so the Durable Object's SQLite storage plugs in later;
//! [`MemoryStore`] keeps everything in memory (tests, local runs).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::transport::frame::{MessageId, Topic};
use crate::transport::membership::InstallationId;

/// The outcome of [`RelayStore::append_once`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The message's sequence number.
    pub seq: u64,
    /// False when the id was already stored (nothing was written).
    pub fresh: bool,
}

/// What the relay persists. Each method must be atomic (one SQLite transaction).
pub trait RelayStore {
    /// The seq stored under `id` in `topic`, if any.
    fn seq_of(&self, topic: &Topic, id: &MessageId) -> Option<u64>;
    /// Appends `payload` at the next seq unless `id` is already stored in `topic`, in
    /// which case the stored seq is returned with `fresh: false`.
    fn append_once(&mut self, topic: &Topic, id: MessageId, payload: &[u8], now: u64) -> Appended;
    /// The last seq given out in `topic` (0 for none).
    fn head(&self, topic: &Topic) -> u64;
    /// Up to `limit` messages after `cursor`, oldest first.
    fn read_after(&self, topic: &Topic, cursor: u64, limit: usize) -> Vec<(u64, Vec<u8>)>;
    /// Deletes messages stored before `before` (retention); seqs are never reused.
    fn prune(&mut self, before: u64);
    /// The epoch a commit must carry to be accepted in `topic` (None: no commit seen).
    fn epoch(&self, topic: &Topic) -> Option<u64>;
    /// Records the topic's new epoch.
    fn set_epoch(&mut self, topic: &Topic, epoch: u64);
    /// The installations that may use a group topic; `None` until its first membership
    /// change (anyone authenticated may until then).
    fn members(&self, topic: &Topic) -> Option<&BTreeSet<InstallationId>>;
    /// Replaces a topic's member list.
    fn set_members(&mut self, topic: &Topic, members: BTreeSet<InstallationId>);
    /// Adds one-time key packages and replaces the last-resort one of `owner`.
    fn put_key_packages(
        &mut self,
        owner: &[u8],
        one_time: Vec<Vec<u8>>,
        last_resort: Option<Vec<u8>>,
    );
    /// Removes and returns one one-time key package of `owner` (atomically), or else its
    /// last-resort one (kept); `bool` is true for the last-resort one.
    fn claim_key_package(&mut self, owner: &[u8]) -> Option<(Vec<u8>, bool)>;
}

#[derive(Debug, Default)]
struct Log {
    head: u64,
    /// seq → (stored at, payload)
    messages: BTreeMap<u64, (u64, Vec<u8>)>,
    ids: HashMap<MessageId, u64>,
    epoch: Option<u64>,
    members: Option<BTreeSet<InstallationId>>,
}

#[derive(Debug, Default)]
struct KeyPackages {
    one_time: VecDeque<Vec<u8>>,
    last_resort: Option<Vec<u8>>,
}

/// A [`RelayStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    logs: HashMap<Topic, Log>,
    key_packages: HashMap<Vec<u8>, KeyPackages>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts back a message read from durable storage at its seq (the head never moves
    /// back).
    pub fn restore_message(
        &mut self,
        topic: &Topic,
        seq: u64,
        id: MessageId,
        payload: Vec<u8>,
        at: u64,
    ) {
        let log = self.logs.entry(topic.clone()).or_default();
        log.head = log.head.max(seq);
        log.ids.insert(id, seq);
        log.messages.insert(seq, (at, payload));
    }

    /// Puts back a topic's head and epoch read from durable storage.
    pub fn restore_topic(&mut self, topic: &Topic, head: u64, epoch: Option<u64>) {
        let log = self.logs.entry(topic.clone()).or_default();
        log.head = log.head.max(head);
        log.epoch = epoch.or(log.epoch);
    }

    /// Puts back a group topic's member list read from durable storage.
    pub fn restore_members(&mut self, topic: &Topic, members: BTreeSet<InstallationId>) {
        self.logs.entry(topic.clone()).or_default().members = Some(members);
    }
}

impl RelayStore for MemoryStore {
    fn seq_of(&self, topic: &Topic, id: &MessageId) -> Option<u64> {
        self.logs.get(topic)?.ids.get(id).copied()
    }

    fn append_once(&mut self, topic: &Topic, id: MessageId, payload: &[u8], now: u64) -> Appended {
        let log = self.logs.entry(topic.clone()).or_default();
        if let Some(&seq) = log.ids.get(&id) {
            return Appended { seq, fresh: false };
        }
        // Saturating: a head restored from corrupt storage (up to u64::MAX) must not abort
        // the instance; no real log gets anywhere near it.
        log.head = log.head.saturating_add(1);
        log.ids.insert(id, log.head);
        log.messages.insert(log.head, (now, payload.to_vec()));
        Appended {
            seq: log.head,
            fresh: true,
        }
    }

    fn head(&self, topic: &Topic) -> u64 {
        self.logs.get(topic).map_or(0, |log| log.head)
    }

    fn read_after(&self, topic: &Topic, cursor: u64, limit: usize) -> Vec<(u64, Vec<u8>)> {
        let Some(log) = self.logs.get(topic) else {
            return Vec::new();
        };
        log.messages
            .range(cursor.saturating_add(1)..)
            .take(limit)
            .map(|(seq, (_, payload))| (*seq, payload.clone()))
            .collect()
    }

    fn prune(&mut self, before: u64) {
        for log in self.logs.values_mut() {
            log.messages.retain(|_, (at, _)| *at >= before);
            let kept = &log.messages;
            log.ids.retain(|_, seq| kept.contains_key(seq));
        }
    }

    fn epoch(&self, topic: &Topic) -> Option<u64> {
        self.logs.get(topic)?.epoch
    }

    fn set_epoch(&mut self, topic: &Topic, epoch: u64) {
        self.logs.entry(topic.clone()).or_default().epoch = Some(epoch);
    }

    fn members(&self, topic: &Topic) -> Option<&BTreeSet<InstallationId>> {
        self.logs.get(topic)?.members.as_ref()
    }

    fn set_members(&mut self, topic: &Topic, members: BTreeSet<InstallationId>) {
        self.logs.entry(topic.clone()).or_default().members = Some(members);
    }

    fn put_key_packages(
        &mut self,
        owner: &[u8],
        one_time: Vec<Vec<u8>>,
        last_resort: Option<Vec<u8>>,
    ) {
        let entry = self.key_packages.entry(owner.to_vec()).or_default();
        entry.one_time.extend(one_time);
        if last_resort.is_some() {
            entry.last_resort = last_resort;
        }
    }

    fn claim_key_package(&mut self, owner: &[u8]) -> Option<(Vec<u8>, bool)> {
        let entry = self.key_packages.get_mut(owner)?;
        if let Some(kp) = entry.one_time.pop_front() {
            return Some((kp, false));
        }
        entry.last_resort.clone().map(|kp| (kp, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Topic {
        Topic::new("group/1").unwrap()
    }

    #[test]
    fn appends_get_increasing_seqs_and_repeats_are_stored_once() {
        let mut s = MemoryStore::new();
        let a = s.append_once(&t(), MessageId([1; 16]), b"a", 0);
        let b = s.append_once(&t(), MessageId([2; 16]), b"b", 0);
        let again = s.append_once(&t(), MessageId([1; 16]), b"other", 0);
        assert_eq!((a.seq, a.fresh, b.seq), (1, true, 2));
        assert_eq!(
            again,
            Appended {
                seq: 1,
                fresh: false
            }
        );
        assert_eq!(
            s.read_after(&t(), 0, 10),
            vec![(1, b"a".to_vec()), (2, b"b".to_vec())]
        );
        assert_eq!(s.read_after(&t(), 1, 10), vec![(2, b"b".to_vec())]);
        assert_eq!(s.read_after(&t(), 0, 1).len(), 1);
        assert_eq!(s.seq_of(&t(), &MessageId([2; 16])), Some(2));
        assert_eq!(s.head(&t()), 2);
        assert_eq!(s.head(&Topic::new("x").unwrap()), 0);
        assert!(s.read_after(&Topic::new("x").unwrap(), 0, 10).is_empty());
    }

    #[test]
    fn prune_drops_old_messages_but_never_reuses_seqs() {
        let mut s = MemoryStore::new();
        s.append_once(&t(), MessageId([1; 16]), b"a", 10);
        s.append_once(&t(), MessageId([2; 16]), b"b", 20);
        s.prune(15);
        assert_eq!(s.read_after(&t(), 0, 10), vec![(2, b"b".to_vec())]);
        assert_eq!(s.seq_of(&t(), &MessageId([1; 16])), None);
        assert_eq!(s.append_once(&t(), MessageId([3; 16]), b"c", 30).seq, 3);
    }

    #[test]
    fn one_time_key_packages_go_once_and_the_last_resort_stays() {
        let mut s = MemoryStore::new();
        assert_eq!(s.claim_key_package(b"me"), None);
        s.put_key_packages(b"me", vec![vec![1], vec![2]], Some(vec![9]));
        assert_eq!(s.claim_key_package(b"me"), Some((vec![1], false)));
        assert_eq!(s.claim_key_package(b"me"), Some((vec![2], false)));
        assert_eq!(s.claim_key_package(b"me"), Some((vec![9], true)));
        assert_eq!(s.claim_key_package(b"me"), Some((vec![9], true)));
        // Publishing without a last resort keeps the old one.
        s.put_key_packages(b"me", vec![vec![3]], None);
        assert_eq!(s.claim_key_package(b"me"), Some((vec![3], false)));
        assert_eq!(s.claim_key_package(b"me"), Some((vec![9], true)));
    }

    #[test]
    fn epochs_are_per_topic() {
        let mut s = MemoryStore::new();
        assert_eq!(s.epoch(&t()), None);
        s.set_epoch(&t(), 4);
        assert_eq!(s.epoch(&t()), Some(4));
        assert_eq!(s.epoch(&Topic::new("other").unwrap()), None);
    }
}
