use std::collections::{BTreeMap, HashMap};

use openmls_memory_storage::MemoryStorage;

use super::ChangeSet;

/// openmls's state in memory, plus the record of what was last made durable.
///
/// openmls writes through its synchronous `StorageProvider` into [`MemoryStorage`];
/// [`take_changes`](Self::take_changes) then compares the records with the durable copy and
/// returns exactly the records the last call created, changed or deleted.
///
/// Cost: the comparison walks every record (a length check and a `memcmp` per record), and
/// the durable copy doubles the memory. For the group sizes this package targets that is
/// far below the cost of the MLS operation itself; a key-level journal inside the storage
/// provider would remove it and can replace this without changing the API.
#[derive(Debug, Default)]
pub struct MlsStore {
    memory: MemoryStorage,
    durable: HashMap<Vec<u8>, Vec<u8>>,
}

impl MlsStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `records` (all of them already durable), as loaded at start-up.
    pub fn restore(records: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>) -> Self {
        let durable: HashMap<_, _> = records.into_iter().collect();
        let memory = MemoryStorage::default();
        if let Ok(mut values) = memory.values.write() {
            *values = durable.clone();
        }
        Self { memory, durable }
    }

    /// The openmls storage provider.
    pub fn provider(&self) -> &MemoryStorage {
        &self.memory
    }

    /// The records changed since the last call, which now count as durable. Call after every
    /// mutating operation and persist the result atomically before reporting success.
    pub fn take_changes(&mut self) -> ChangeSet {
        let mut changes = ChangeSet::default();
        // The lock is never held across a panic (wasm aborts on panic), so it is never
        // poisoned; if it were, there is nothing to diff.
        let Ok(values) = self.memory.values.read() else {
            return changes;
        };
        for (key, value) in values.iter() {
            if self.durable.get(key) != Some(value) {
                changes.puts.push((key.clone(), value.clone()));
            }
        }
        for key in self.durable.keys() {
            if !values.contains_key(key) {
                changes.deletes.push(key.clone());
            }
        }
        drop(values);
        for key in &changes.deletes {
            self.durable.remove(key);
        }
        for (key, value) in &changes.puts {
            self.durable.insert(key.clone(), value.clone());
        }
        changes.puts.sort();
        changes.deletes.sort();
        changes
    }

    /// Every record, sorted: a full snapshot (for export, or a first write of a new store).
    pub fn snapshot(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        match self.memory.values.read() {
            Ok(values) => values.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Err(_) => BTreeMap::new(),
        }
    }

    /// Reads one record written by hybrid-edge itself (not by openmls).
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.memory.values.read().ok()?.get(key).cloned()
    }

    /// Writes one record of hybrid-edge itself; it lands in the next change set.
    pub fn put(&self, key: Vec<u8>, value: Vec<u8>) {
        if let Ok(mut values) = self.memory.values.write() {
            values.insert(key, value);
        }
    }

    /// Deletes one record of hybrid-edge itself; it lands in the next change set.
    pub fn delete(&self, key: &[u8]) {
        if let Ok(mut values) = self.memory.values.write() {
            values.remove(key);
        }
    }

    /// Total bytes of all records (keys and values).
    pub fn size_bytes(&self) -> usize {
        self.memory
            .values
            .read()
            .map(|v| v.iter().map(|(k, v)| k.len() + v.len()).sum())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_exactly_what_changed_since_the_last_take() {
        let mut store = MlsStore::new();
        store.put(b"a".to_vec(), b"1".to_vec());
        store.put(b"b".to_vec(), b"2".to_vec());
        let first = store.take_changes();
        assert_eq!(first.puts.len(), 2);
        assert!(first.deletes.is_empty());
        assert!(store.take_changes().is_empty());

        store.put(b"a".to_vec(), b"1".to_vec()); // same value: no change
        store.put(b"b".to_vec(), b"3".to_vec());
        store.delete(b"a");
        let second = store.take_changes();
        assert_eq!(second.puts, vec![(b"b".to_vec(), b"3".to_vec())]);
        assert_eq!(second.deletes, vec![b"a".to_vec()]);

        // Replaying the change sets on a durable model gives the snapshot.
        let mut durable = BTreeMap::new();
        first.apply_to(&mut durable);
        second.apply_to(&mut durable);
        assert_eq!(durable, store.snapshot());
    }

    #[test]
    fn restored_records_are_already_durable() {
        let records = vec![(b"k".to_vec(), b"v".to_vec())];
        let mut store = MlsStore::restore(records);
        assert!(store.take_changes().is_empty());
        assert_eq!(store.get(b"k"), Some(b"v".to_vec()));
        assert_eq!(store.size_bytes(), 2);
    }
}
