//! A [`RelayStore`] that keeps everything in memory and reports every change, for an
//! embedder whose durable storage is asynchronous or across a language boundary (the
//! Durable Object's SQLite storage, reached from JS): the relay runs on the memory copy,
//! the embedder writes [`JournalStore::take_changes`] after each input and rebuilds the
//! memory copy with the `restore_*` methods when it starts.

use std::collections::BTreeSet;

use super::store::{Appended, MemoryStore, RelayStore};
use crate::transport::frame::{MessageId, Topic};
use crate::transport::membership::InstallationId;

/// One state change to persist, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A message was stored (a repeated id is not a change).
    Appended {
        /// The log.
        topic: Topic,
        /// Its sequence number.
        seq: u64,
        /// The idempotency id.
        id: MessageId,
        /// The bytes.
        payload: Vec<u8>,
        /// When it was stored (ms), for retention.
        at: u64,
    },
    /// The topic's epoch moved.
    Epoch {
        /// The log.
        topic: Topic,
        /// The epoch the next commit must carry.
        epoch: u64,
    },
    /// A group topic's member list was replaced.
    Members {
        /// The log.
        topic: Topic,
        /// Every member now, sorted.
        members: Vec<InstallationId>,
    },
    /// Key packages were added for `owner` (and its last-resort one replaced, if given).
    KeyPackagesPut {
        /// The owning installation.
        owner: Vec<u8>,
        /// New one-time packages, to append in order.
        one_time: Vec<Vec<u8>>,
        /// The new last-resort package.
        last_resort: Option<Vec<u8>>,
    },
    /// The oldest one-time key package of `owner` was claimed: delete it.
    KeyPackageClaimed {
        /// The owning installation.
        owner: Vec<u8>,
    },
    /// Messages stored before `before` were dropped (retention).
    Pruned {
        /// The retention cut-off (ms).
        before: u64,
    },
}

/// A [`MemoryStore`] that records its changes; see the module docs.
#[derive(Debug, Default)]
pub struct JournalStore {
    inner: MemoryStore,
    changes: Vec<Change>,
}

impl JournalStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The changes since the last call, oldest first; write them before sending the
    /// frames of the same input, so that nothing acknowledged is lost.
    pub fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    /// Restores a stored message (not reported as a change).
    pub fn restore_message(
        &mut self,
        topic: &Topic,
        seq: u64,
        id: MessageId,
        payload: Vec<u8>,
        at: u64,
    ) {
        self.inner.restore_message(topic, seq, id, payload, at);
    }

    /// Restores a topic's head (the last seq given out, which survives retention) and epoch.
    pub fn restore_topic(&mut self, topic: &Topic, head: u64, epoch: Option<u64>) {
        self.inner.restore_topic(topic, head, epoch);
    }

    /// Restores a group topic's member list.
    pub fn restore_members(&mut self, topic: &Topic, members: BTreeSet<InstallationId>) {
        self.inner.restore_members(topic, members);
    }

    /// Restores an installation's key packages, one-time ones oldest first.
    pub fn restore_key_packages(
        &mut self,
        owner: &[u8],
        one_time: Vec<Vec<u8>>,
        last_resort: Option<Vec<u8>>,
    ) {
        self.inner.put_key_packages(owner, one_time, last_resort);
    }
}

impl RelayStore for JournalStore {
    fn seq_of(&self, topic: &Topic, id: &MessageId) -> Option<u64> {
        self.inner.seq_of(topic, id)
    }

    fn append_once(&mut self, topic: &Topic, id: MessageId, payload: &[u8], now: u64) -> Appended {
        let appended = self.inner.append_once(topic, id, payload, now);
        if appended.fresh {
            self.changes.push(Change::Appended {
                topic: topic.clone(),
                seq: appended.seq,
                id,
                payload: payload.to_vec(),
                at: now,
            });
        }
        appended
    }

    fn head(&self, topic: &Topic) -> u64 {
        self.inner.head(topic)
    }

    fn read_after(&self, topic: &Topic, cursor: u64, limit: usize) -> Vec<(u64, Vec<u8>)> {
        self.inner.read_after(topic, cursor, limit)
    }

    fn prune(&mut self, before: u64) {
        self.inner.prune(before);
        self.changes.push(Change::Pruned { before });
    }

    fn epoch(&self, topic: &Topic) -> Option<u64> {
        self.inner.epoch(topic)
    }

    fn set_epoch(&mut self, topic: &Topic, epoch: u64) {
        self.inner.set_epoch(topic, epoch);
        self.changes.push(Change::Epoch {
            topic: topic.clone(),
            epoch,
        });
    }

    fn members(&self, topic: &Topic) -> Option<&BTreeSet<InstallationId>> {
        self.inner.members(topic)
    }

    fn set_members(&mut self, topic: &Topic, members: BTreeSet<InstallationId>) {
        self.changes.push(Change::Members {
            topic: topic.clone(),
            members: members.iter().copied().collect(),
        });
        self.inner.set_members(topic, members);
    }

    fn put_key_packages(
        &mut self,
        owner: &[u8],
        one_time: Vec<Vec<u8>>,
        last_resort: Option<Vec<u8>>,
    ) {
        self.changes.push(Change::KeyPackagesPut {
            owner: owner.to_vec(),
            one_time: one_time.clone(),
            last_resort: last_resort.clone(),
        });
        self.inner.put_key_packages(owner, one_time, last_resort);
    }

    fn claim_key_package(&mut self, owner: &[u8]) -> Option<(Vec<u8>, bool)> {
        let claimed = self.inner.claim_key_package(owner);
        if let Some((_, false)) = claimed {
            self.changes.push(Change::KeyPackageClaimed {
                owner: owner.to_vec(),
            });
        }
        claimed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Topic {
        Topic::new("group/1").unwrap()
    }

    /// Replays changes into a fresh store the way the Durable Object restores from SQLite.
    fn replay(changes: &[Change]) -> JournalStore {
        let mut heads = std::collections::BTreeMap::new();
        let mut rows = Vec::new();
        let mut epochs = std::collections::BTreeMap::new();
        let mut kps: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut last = std::collections::BTreeMap::new();
        let mut members = std::collections::BTreeMap::new();
        for change in changes {
            match change {
                Change::Appended {
                    topic,
                    seq,
                    id,
                    payload,
                    at,
                } => {
                    heads.insert(topic.clone(), *seq);
                    rows.push((topic.clone(), *seq, *id, payload.clone(), *at));
                }
                Change::Epoch { topic, epoch } => {
                    epochs.insert(topic.clone(), *epoch);
                }
                Change::Members { topic, members: m } => {
                    members.insert(topic.clone(), m.iter().copied().collect());
                }
                Change::KeyPackagesPut {
                    owner,
                    one_time,
                    last_resort,
                } => {
                    kps.extend(one_time.iter().map(|kp| (owner.clone(), kp.clone())));
                    if let Some(kp) = last_resort {
                        last.insert(owner.clone(), kp.clone());
                    }
                }
                Change::KeyPackageClaimed { owner } => {
                    if let Some(i) = kps.iter().position(|(o, _)| o == owner) {
                        kps.remove(i);
                    }
                }
                Change::Pruned { before } => rows.retain(|r| r.4 >= *before),
            }
        }
        let mut store = JournalStore::new();
        for (topic, head) in &heads {
            store.restore_topic(topic, *head, epochs.get(topic).copied());
        }
        for (topic, seq, id, payload, at) in rows {
            store.restore_message(&topic, seq, id, payload, at);
        }
        for (owner, kp) in kps {
            store.restore_key_packages(&owner, vec![kp], None);
        }
        for (owner, kp) in last {
            store.restore_key_packages(&owner, vec![], Some(kp));
        }
        for (topic, m) in members {
            store.restore_members(&topic, m);
        }
        store
    }

    #[test]
    fn changes_replayed_give_the_same_store() {
        let mut s = JournalStore::new();
        s.append_once(&t(), MessageId([1; 16]), b"a", 10);
        s.append_once(&t(), MessageId([2; 16]), b"b", 20);
        s.append_once(&t(), MessageId([1; 16]), b"again", 30);
        s.set_epoch(&t(), 3);
        s.set_members(&t(), BTreeSet::from([[1; 16], [2; 16]]));
        s.set_members(&t(), BTreeSet::from([[2; 16]]));
        s.put_key_packages(b"me", vec![vec![1], vec![2]], Some(vec![9]));
        assert_eq!(s.claim_key_package(b"me"), Some((vec![1], false)));
        s.prune(15);
        let changes = s.take_changes();
        assert_eq!(changes.len(), 8, "a repeat is no change: {changes:?}");
        assert!(s.take_changes().is_empty());

        let mut r = replay(&changes);
        assert!(r.take_changes().is_empty(), "restoring reports nothing");
        assert_eq!(r.read_after(&t(), 0, 10), vec![(2, b"b".to_vec())]);
        assert_eq!(r.head(&t()), 2);
        assert_eq!(r.epoch(&t()), Some(3));
        assert_eq!(r.members(&t()), Some(&BTreeSet::from([[2; 16]])));
        assert_eq!(r.seq_of(&t(), &MessageId([2; 16])), Some(2));
        // Seqs continue after the head, even with the first message pruned.
        assert_eq!(r.append_once(&t(), MessageId([3; 16]), b"c", 40).seq, 3);
        assert_eq!(r.claim_key_package(b"me"), Some((vec![2], false)));
        assert_eq!(r.claim_key_package(b"me"), Some((vec![9], true)));
        assert_eq!(r.claim_key_package(b"me"), Some((vec![9], true)));
    }

    #[test]
    fn a_topic_emptied_by_retention_keeps_its_head() {
        let mut s = JournalStore::new();
        s.restore_topic(&t(), 7, None);
        assert_eq!(s.head(&t()), 7);
        assert!(s.read_after(&t(), 0, 10).is_empty());
        assert_eq!(s.append_once(&t(), MessageId([1; 16]), b"x", 0).seq, 8);
    }
}
