//! The outbox: every message is stored here, with its idempotency id, before it is sent,
//! and leaves only when the relay acknowledges it. Persistent backends (IndexedDB, a caller
//! key-value store) implement [`Outbox`] later; [`MemoryOutbox`] is the in-memory one.

use std::collections::{BTreeMap, HashMap};

use super::error::TransportError;
use super::frame::{MessageId, Topic};

/// One stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The idempotency id.
    pub id: MessageId,
    /// Where it goes.
    pub topic: Topic,
    /// The bytes to publish.
    pub payload: Vec<u8>,
    /// Connections it was sent on without an ack.
    pub attempts: u32,
    /// Marked failed after the retry budget: not sent again until `retry_failed`.
    pub failed: bool,
}

/// Storage for unacknowledged messages, kept in insertion order (resends keep that order).
///
/// A write must be durable when it returns `Ok`: the client sends a message only after
/// [`insert`](Outbox::insert) succeeded.
pub trait Outbox {
    /// Stores a new message.
    fn insert(&mut self, entry: OutboxEntry) -> Result<(), TransportError>;
    /// The stored message with this id.
    fn get(&self, id: &MessageId) -> Option<&OutboxEntry>;
    /// Updates the retry state of a stored message; unknown ids are ignored.
    fn set_state(
        &mut self,
        id: &MessageId,
        attempts: u32,
        failed: bool,
    ) -> Result<(), TransportError>;
    /// Deletes a message; returns it if it was stored.
    fn remove(&mut self, id: &MessageId) -> Result<Option<OutboxEntry>, TransportError>;
    /// All stored ids, oldest first.
    fn ids(&self) -> Vec<MessageId>;
    /// How many messages are stored.
    fn len(&self) -> usize;
    /// Whether nothing is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An [`Outbox`] in memory: lost with the process, for tests and for callers that persist
/// elsewhere.
#[derive(Debug, Default, Clone)]
pub struct MemoryOutbox {
    entries: BTreeMap<u64, OutboxEntry>,
    order: HashMap<MessageId, u64>,
    next: u64,
}

impl MemoryOutbox {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Outbox for MemoryOutbox {
    fn insert(&mut self, entry: OutboxEntry) -> Result<(), TransportError> {
        if let Some(old) = self.order.get(&entry.id) {
            self.entries.insert(*old, entry);
            return Ok(());
        }
        self.order.insert(entry.id, self.next);
        self.entries.insert(self.next, entry);
        self.next += 1;
        Ok(())
    }

    fn get(&self, id: &MessageId) -> Option<&OutboxEntry> {
        self.entries.get(self.order.get(id)?)
    }

    fn set_state(
        &mut self,
        id: &MessageId,
        attempts: u32,
        failed: bool,
    ) -> Result<(), TransportError> {
        if let Some(entry) = self.order.get(id).and_then(|k| self.entries.get_mut(k)) {
            entry.attempts = attempts;
            entry.failed = failed;
        }
        Ok(())
    }

    fn remove(&mut self, id: &MessageId) -> Result<Option<OutboxEntry>, TransportError> {
        Ok(self.order.remove(id).and_then(|k| self.entries.remove(&k)))
    }

    fn ids(&self) -> Vec<MessageId> {
        self.entries.values().map(|e| e.id).collect()
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8) -> OutboxEntry {
        OutboxEntry {
            id: MessageId([n; 16]),
            topic: Topic::new("t").unwrap(),
            payload: vec![n],
            attempts: 0,
            failed: false,
        }
    }

    #[test]
    fn keeps_insertion_order_and_removes_by_id() {
        let mut o = MemoryOutbox::new();
        assert!(o.is_empty());
        for n in [3, 1, 2] {
            o.insert(entry(n)).unwrap();
        }
        assert_eq!(o.ids(), [3, 1, 2].map(|n| MessageId([n; 16])));
        assert_eq!(o.remove(&MessageId([1; 16])).unwrap(), Some(entry(1)));
        assert_eq!(o.remove(&MessageId([1; 16])).unwrap(), None);
        assert_eq!(o.len(), 2);
        o.set_state(&MessageId([2; 16]), 4, true).unwrap();
        let e = o.get(&MessageId([2; 16])).unwrap();
        assert_eq!((e.attempts, e.failed), (4, true));
        o.set_state(&MessageId([9; 16]), 1, true).unwrap();
        assert_eq!(o.len(), 2);
    }

    #[test]
    fn reinserting_an_id_keeps_its_place() {
        let mut o = MemoryOutbox::new();
        o.insert(entry(1)).unwrap();
        o.insert(entry(2)).unwrap();
        let mut again = entry(1);
        again.attempts = 2;
        o.insert(again).unwrap();
        assert_eq!(o.ids(), [1, 2].map(|n| MessageId([n; 16])));
        assert_eq!(o.get(&MessageId([1; 16])).unwrap().attempts, 2);
    }
}
