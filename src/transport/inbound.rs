//! Per-topic delivery order: each (topic, seq) is delivered once, in sequence order.
//! Duplicates are dropped; early messages wait in a bounded buffer for the gap to fill.

use std::collections::BTreeMap;

/// Most early messages buffered per topic; beyond that they are dropped and come back when
/// the subscription is resumed from the cursor.
pub(crate) const MAX_REORDER: usize = 1024;

/// The delivery state of one subscription.
#[derive(Debug, Clone)]
pub(crate) struct Inbound {
    /// The last delivered sequence number (the cursor).
    pub(crate) cursor: u64,
    early: BTreeMap<u64, Vec<u8>>,
    /// When the current gap (buffered messages waiting for a missing one) was first seen.
    pub(crate) gap_since: Option<u64>,
}

impl Inbound {
    pub(crate) fn new(cursor: u64) -> Self {
        Self {
            cursor,
            early: BTreeMap::new(),
            gap_since: None,
        }
    }

    /// Takes one delivered message; returns those now deliverable, in order.
    pub(crate) fn accept(&mut self, seq: u64, payload: Vec<u8>, now: u64) -> Vec<(u64, Vec<u8>)> {
        if seq <= self.cursor {
            return Vec::new();
        }
        if seq != self.cursor.saturating_add(1) {
            if self.early.len() < MAX_REORDER || self.early.contains_key(&seq) {
                self.early.insert(seq, payload);
            }
            self.gap_since.get_or_insert(now);
            return Vec::new();
        }
        let mut ready = vec![(seq, payload)];
        self.cursor = seq;
        while let Some(next) = self.early.remove(&self.cursor.saturating_add(1)) {
            self.cursor += 1;
            ready.push((self.cursor, next));
        }
        // Anything left below the cursor cannot happen (removed above), so only a real gap
        // remains.
        self.gap_since = if self.early.is_empty() {
            None
        } else {
            Some(now)
        };
        ready
    }

    /// Moves the cursor past `through` (messages that no longer exist); returns the buffered
    /// messages now deliverable, in order.
    pub(crate) fn skip_through(&mut self, through: u64, now: u64) -> Vec<(u64, Vec<u8>)> {
        if through <= self.cursor {
            return Vec::new();
        }
        self.cursor = through;
        let Some(next) = through.checked_add(1) else {
            // Nothing can follow the last possible seq.
            self.early.clear();
            self.gap_since = None;
            return Vec::new();
        };
        self.early = self.early.split_off(&next);
        match self.early.remove(&next) {
            Some(payload) => self.accept(next, payload, now),
            None => {
                self.gap_since = (!self.early.is_empty()).then_some(now);
                Vec::new()
            }
        }
    }

    /// Whether a gap has been open for at least `timeout`.
    pub(crate) fn stalled(&self, now: u64, timeout: u64) -> bool {
        self.gap_since
            .is_some_and(|since| now.saturating_sub(since) >= timeout)
    }

    #[cfg(test)]
    pub(crate) fn buffered(&self) -> usize {
        self.early.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seqs(out: Vec<(u64, Vec<u8>)>) -> Vec<u64> {
        out.into_iter().map(|(s, _)| s).collect()
    }

    #[test]
    fn in_order_messages_pass_through() {
        let mut i = Inbound::new(0);
        assert_eq!(seqs(i.accept(1, vec![1], 0)), [1]);
        assert_eq!(seqs(i.accept(2, vec![2], 0)), [2]);
        assert_eq!(i.cursor, 2);
    }

    #[test]
    fn duplicates_and_old_messages_are_dropped() {
        let mut i = Inbound::new(5);
        assert!(i.accept(5, vec![], 0).is_empty());
        assert!(i.accept(1, vec![], 0).is_empty());
        assert_eq!(seqs(i.accept(6, vec![], 0)), [6]);
        assert!(i.accept(6, vec![], 0).is_empty());
    }

    #[test]
    fn early_messages_wait_for_the_gap() {
        let mut i = Inbound::new(0);
        assert!(i.accept(3, vec![3], 10).is_empty());
        assert!(i.accept(2, vec![2], 11).is_empty());
        assert!(i.accept(3, vec![3], 12).is_empty());
        assert_eq!(i.gap_since, Some(10));
        assert!(i.stalled(20, 10));
        assert!(!i.stalled(19, 10));
        let out = i.accept(1, vec![1], 13);
        assert_eq!(out, vec![(1, vec![1]), (2, vec![2]), (3, vec![3])]);
        assert_eq!(i.gap_since, None);
        assert_eq!(i.buffered(), 0);
    }

    #[test]
    fn a_partly_filled_gap_stays_open() {
        let mut i = Inbound::new(0);
        i.accept(2, vec![], 1);
        i.accept(4, vec![], 1);
        assert_eq!(seqs(i.accept(1, vec![], 5)), [1, 2]);
        assert_eq!(i.gap_since, Some(5));
        assert_eq!(i.buffered(), 1);
    }

    #[test]
    fn skipping_expired_messages_releases_what_follows() {
        let mut i = Inbound::new(0);
        i.accept(2, vec![], 0);
        i.accept(5, vec![5], 0);
        i.accept(6, vec![6], 0);
        // 1..=4 expired: 2 is dropped with them, 5 and 6 go out.
        assert_eq!(seqs(i.skip_through(4, 1)), [5, 6]);
        assert_eq!((i.cursor, i.buffered(), i.gap_since), (6, 0, None));
        // The very last seq: nothing overflows.
        let mut end = Inbound::new(0);
        end.accept(u64::MAX, vec![], 0);
        assert!(end.skip_through(u64::MAX, 0).is_empty());
        assert_eq!(end.cursor, u64::MAX);
        assert!(end.accept(u64::MAX, vec![], 0).is_empty());
        // Skipping backwards changes nothing.
        assert!(i.skip_through(3, 2).is_empty());
        assert_eq!(i.cursor, 6);
        // A skip that leaves a gap keeps it open.
        i.accept(9, vec![], 3);
        assert!(i.skip_through(7, 4).is_empty());
        assert_eq!((i.cursor, i.gap_since), (7, Some(4)));
    }

    #[test]
    fn the_buffer_is_bounded() {
        let mut i = Inbound::new(0);
        for seq in 2..(MAX_REORDER as u64 + 100) {
            i.accept(seq, vec![], 0);
        }
        assert_eq!(i.buffered(), MAX_REORDER);
        let out = i.accept(1, vec![], 0);
        assert_eq!(out.len(), MAX_REORDER + 1);
        assert_eq!(i.cursor, MAX_REORDER as u64 + 1);
    }
}
