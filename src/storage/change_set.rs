use std::collections::BTreeMap;

/// The records one mutating call changed: write all of them in one atomic batch (one
/// IndexedDB transaction, one Durable Object `put`/`delete` pair), or none.
///
/// Keys and values are opaque bytes. Applying change sets in the order they were taken to
/// a key-value store reproduces the in-memory state exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Records to create or overwrite, sorted by key.
    pub puts: Vec<(Vec<u8>, Vec<u8>)>,
    /// Records to delete, sorted.
    pub deletes: Vec<Vec<u8>>,
}

impl ChangeSet {
    /// True when nothing changed (no write needed).
    pub fn is_empty(&self) -> bool {
        self.puts.is_empty() && self.deletes.is_empty()
    }

    /// Applies this change set to a map (the model of a durable key-value store).
    pub fn apply_to(&self, store: &mut BTreeMap<Vec<u8>, Vec<u8>>) {
        for key in &self.deletes {
            store.remove(key);
        }
        for (key, value) in &self.puts {
            store.insert(key.clone(), value.clone());
        }
    }

    /// Total bytes of keys and values written (for metrics and storage budgets).
    pub fn bytes_written(&self) -> usize {
        self.puts.iter().map(|(k, v)| k.len() + v.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_puts_and_deletes() {
        let mut store = BTreeMap::from([
            (b"a".to_vec(), b"1".to_vec()),
            (b"b".to_vec(), b"2".to_vec()),
        ]);
        let changes = ChangeSet {
            puts: vec![
                (b"a".to_vec(), b"3".to_vec()),
                (b"c".to_vec(), b"4".to_vec()),
            ],
            deletes: vec![b"b".to_vec()],
        };
        assert!(!changes.is_empty());
        assert_eq!(changes.bytes_written(), 4);
        changes.apply_to(&mut store);
        assert_eq!(
            store,
            BTreeMap::from([
                (b"a".to_vec(), b"3".to_vec()),
                (b"c".to_vec(), b"4".to_vec())
            ])
        );
        assert!(ChangeSet::default().is_empty());
    }
}
