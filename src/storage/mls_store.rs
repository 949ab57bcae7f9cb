use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::RwLock;

use openmls_traits::storage::{traits, StorageProvider, CURRENT_VERSION};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::ChangeSet;

/// openmls's state in memory, plus a journal of the records changed since the last
/// [`take_changes`](Self::take_changes).
///
/// This is openmls's [`StorageProvider`], written for write-behind persistence: records are
/// postcard (compact binary, about a quarter of JSON's size for openmls's byte-heavy state,
/// and faster to write), every write or delete that changes a record marks its key, and
/// [`take_changes`](Self::take_changes) returns exactly those records without comparing the
/// whole state. Reading a corrupt record is an error, never a panic.
#[derive(Debug, Default)]
pub struct MlsStore {
    inner: RwLock<Records>,
}

#[derive(Debug, Default)]
struct Records {
    values: HashMap<Vec<u8>, Vec<u8>>,
    /// Keys whose value differs from the durable copy (written or deleted since the last
    /// change set).
    changed: BTreeSet<Vec<u8>>,
    /// What to put back if the work since [`MlsStore::begin_undo`] is undone.
    undo: Option<Undo>,
}

/// The state before some work: each record's value before its first change, and the keys
/// that were already changed then.
#[derive(Debug)]
struct Undo {
    before: HashMap<Vec<u8>, Option<Vec<u8>>>,
    changed: BTreeSet<Vec<u8>>,
}

impl Records {
    /// Remembers the value of `key` before its first change since `begin_undo`.
    fn keep_before(&mut self, key: &[u8]) {
        if let Some(undo) = &mut self.undo {
            if !undo.before.contains_key(key) {
                undo.before
                    .insert(key.to_vec(), self.values.get(key).cloned());
            }
        }
    }
}

/// Why openmls's state could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MlsStoreError {
    /// A value could not be encoded, or a stored record does not decode.
    #[error("MLS record {label}: {reason}")]
    Codec {
        /// The kind of record (openmls's label).
        label: String,
        /// The codec's message.
        reason: String,
    },
    /// The store's lock was poisoned (a panic while it was held; wasm aborts instead).
    #[error("MLS storage lock poisoned")]
    Lock,
}

impl MlsStoreError {
    fn codec(label: &[u8], err: impl std::fmt::Display) -> Self {
        Self::Codec {
            label: String::from_utf8_lossy(label).into_owned(),
            reason: err.to_string(),
        }
    }
}

const KEY_PACKAGE: &[u8] = b"KeyPackage";
const PSK: &[u8] = b"Psk";
const ENCRYPTION_KEY_PAIR: &[u8] = b"EncryptionKeyPair";
const SIGNATURE_KEY_PAIR: &[u8] = b"SignatureKeyPair";
const EPOCH_KEY_PAIRS: &[u8] = b"EpochKeyPairs";
const TREE: &[u8] = b"Tree";
const GROUP_CONTEXT: &[u8] = b"GroupContext";
const INTERIM_TRANSCRIPT_HASH: &[u8] = b"InterimTranscriptHash";
const CONFIRMATION_TAG: &[u8] = b"ConfirmationTag";
const JOIN_CONFIG: &[u8] = b"MlsGroupJoinConfig";
const OWN_LEAF_NODES: &[u8] = b"OwnLeafNodes";
const GROUP_STATE: &[u8] = b"GroupState";
const QUEUED_PROPOSAL: &[u8] = b"QueuedProposal";
const PROPOSAL_QUEUE_REFS: &[u8] = b"ProposalQueueRefs";
const OWN_LEAF_NODE_INDEX: &[u8] = b"OwnLeafNodeIndex";
const EPOCH_SECRETS: &[u8] = b"EpochSecrets";
const RESUMPTION_PSK_STORE: &[u8] = b"ResumptionPsk";
const MESSAGE_SECRETS: &[u8] = b"MessageSecrets";

type Result<T> = std::result::Result<T, MlsStoreError>;

/// A value in postcard; `label` names it in errors.
fn encode<T: Serialize + ?Sized>(label: &[u8], value: &T) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| MlsStoreError::codec(label, e))
}

/// A whole stored value (trailing bytes are corruption too).
fn decode<T: DeserializeOwned>(label: &[u8], bytes: &[u8]) -> Result<T> {
    match postcard::take_from_bytes(bytes) {
        Ok((value, [])) => Ok(value),
        Ok(_) => Err(MlsStoreError::codec(label, "trailing bytes")),
        Err(e) => Err(MlsStoreError::codec(label, e)),
    }
}

/// The storage key of a record: label ‖ postcard(key) ‖ storage version.
fn storage_key<K: Serialize + ?Sized>(label: &[u8], key: &K) -> Result<Vec<u8>> {
    let out =
        postcard::to_extend(key, label.to_vec()).map_err(|e| MlsStoreError::codec(label, e))?;
    Ok(with_version(out))
}

fn with_version(mut key: Vec<u8>) -> Vec<u8> {
    key.extend_from_slice(&CURRENT_VERSION.to_be_bytes());
    key
}

impl MlsStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `records` (all of them already durable), as loaded at start-up.
    pub fn restore(records: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>) -> Self {
        Self {
            inner: RwLock::new(Records {
                values: records.into_iter().collect(),
                changed: BTreeSet::new(),
                undo: None,
            }),
        }
    }

    /// The records changed since the last call, which now count as durable. Call after every
    /// mutating operation and persist the result atomically before reporting success.
    pub fn take_changes(&mut self) -> ChangeSet {
        let Ok(records) = self.inner.get_mut() else {
            return ChangeSet::default();
        };
        let mut changes = ChangeSet::default();
        // A BTreeSet: puts and deletes come out sorted.
        for key in std::mem::take(&mut records.changed) {
            match records.values.get(&key) {
                Some(value) => changes.puts.push((key, value.clone())),
                None => changes.deletes.push(key),
            }
        }
        changes
    }

    /// Every record, sorted: a full snapshot (for export, or a first write of a new store).
    pub fn snapshot(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        match self.inner.read() {
            Ok(records) => records
                .values
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            Err(_) => BTreeMap::new(),
        }
    }

    /// Reads one record written by hybrid-edge itself (not by openmls).
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.inner.read().ok()?.values.get(key).cloned()
    }

    /// Writes one record of hybrid-edge itself; it lands in the next change set.
    pub fn put(&self, key: Vec<u8>, value: Vec<u8>) {
        let _ = self.insert(key, value);
    }

    /// Deletes one record of hybrid-edge itself; it lands in the next change set.
    pub fn delete(&self, key: &[u8]) {
        let _ = self.remove(key.to_vec());
    }

    /// Total bytes of all records (keys and values).
    pub fn size_bytes(&self) -> usize {
        self.inner
            .read()
            .map(|r| r.values.iter().map(|(k, v)| k.len() + v.len()).sum())
            .unwrap_or(0)
    }

    /// From now on, remembers what each change replaces, so that
    /// [`rollback`](Self::rollback) can return to this state (for work whose outcome is
    /// known only at its end); [`keep`](Self::keep) forgets it. One journal at a time: a
    /// second `begin_undo` starts over from the state it finds.
    pub fn begin_undo(&self) {
        if let Ok(mut records) = self.inner.write() {
            let changed = records.changed.clone();
            records.undo = Some(Undo {
                before: HashMap::new(),
                changed,
            });
        }
    }

    /// Keeps the changes since [`begin_undo`](Self::begin_undo).
    pub fn keep(&self) {
        if let Ok(mut records) = self.inner.write() {
            records.undo = None;
        }
    }

    /// Returns every record, and the journal of changes, to what they were at
    /// [`begin_undo`](Self::begin_undo). Without one, does nothing.
    pub fn rollback(&self) {
        let Ok(mut records) = self.inner.write() else {
            return;
        };
        let Some(undo) = records.undo.take() else {
            return;
        };
        for (key, value) in undo.before {
            match value {
                Some(value) => records.values.insert(key, value),
                None => records.values.remove(&key),
            };
        }
        records.changed = undo.changed;
    }

    /// Stores `value` under `key`; an unchanged value is not a change.
    fn insert(&self, key: Vec<u8>, value: Vec<u8>) -> Result<()> {
        let mut records = self.inner.write().map_err(|_| MlsStoreError::Lock)?;
        if records.values.get(&key) != Some(&value) {
            records.keep_before(&key);
            records.changed.insert(key.clone());
            records.values.insert(key, value);
        }
        Ok(())
    }

    /// Deletes `key`; deleting what is not there is not a change.
    fn remove(&self, key: Vec<u8>) -> Result<()> {
        let mut records = self.inner.write().map_err(|_| MlsStoreError::Lock)?;
        if records.values.contains_key(&key) {
            records.keep_before(&key);
            records.values.remove(&key);
            records.changed.insert(key);
        }
        Ok(())
    }

    fn read_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let records = self.inner.read().map_err(|_| MlsStoreError::Lock)?;
        Ok(records.values.get(key).cloned())
    }

    fn write_entity<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &self,
        label: &[u8],
        key: &K,
        value: &V,
    ) -> Result<()> {
        self.insert(storage_key(label, key)?, encode(label, value)?)
    }

    fn read_entity<K: Serialize + ?Sized, V: DeserializeOwned>(
        &self,
        label: &[u8],
        key: &K,
    ) -> Result<Option<V>> {
        match self.read_raw(&storage_key(label, key)?)? {
            Some(bytes) => decode(label, &bytes).map(Some),
            None => Ok(None),
        }
    }

    fn delete_entity<K: Serialize + ?Sized>(&self, label: &[u8], key: &K) -> Result<()> {
        self.remove(storage_key(label, key)?)
    }

    /// A list record: the postcard encodings of its items, in order.
    fn read_items<K: Serialize + ?Sized>(&self, label: &[u8], key: &K) -> Result<Vec<Vec<u8>>> {
        match self.read_raw(&storage_key(label, key)?)? {
            Some(bytes) => decode(label, &bytes),
            None => Ok(Vec::new()),
        }
    }

    fn read_list<K: Serialize + ?Sized, V: DeserializeOwned>(
        &self,
        label: &[u8],
        key: &K,
    ) -> Result<Vec<V>> {
        self.read_items(label, key)?
            .iter()
            .map(|item| decode(label, item))
            .collect()
    }

    fn append<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &self,
        label: &[u8],
        key: &K,
        item: &V,
    ) -> Result<()> {
        let mut items = self.read_items(label, key)?;
        items.push(encode(label, item)?);
        self.write_entity(label, key, &items)
    }

    /// Removes the first item equal to `item`.
    fn remove_item<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &self,
        label: &[u8],
        key: &K,
        item: &V,
    ) -> Result<()> {
        let mut items = self.read_items(label, key)?;
        let item = encode(label, item)?;
        if let Some(at) = items.iter().position(|stored| *stored == item) {
            items.remove(at);
            self.write_entity(label, key, &items)?;
        }
        Ok(())
    }
}

// The group join configuration is JSON: its past-epoch policy deserializes with
// `deserialize_any` (an untagged enum), which postcard cannot do. It is written once per
// group.
impl MlsStore {
    fn write_json<K: Serialize + ?Sized, V: Serialize>(
        &self,
        label: &[u8],
        key: &K,
        value: &V,
    ) -> Result<()> {
        let value = serde_json::to_vec(value).map_err(|e| MlsStoreError::codec(label, e))?;
        self.insert(storage_key(label, key)?, value)
    }

    fn read_json<K: Serialize + ?Sized, V: DeserializeOwned>(
        &self,
        label: &[u8],
        key: &K,
    ) -> Result<Option<V>> {
        match self.read_raw(&storage_key(label, key)?)? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| MlsStoreError::codec(label, e)),
            None => Ok(None),
        }
    }
}

/// `fn $name<generics>(&self, key, value)`: writes one record (generic order as in the trait).
macro_rules! write_record {
    ($name:ident<$($g:ident: $bound:ident),+>($key:ident: $k:ident, $value:ident: $v:ident) => $label:expr) => {
        fn $name<$($g: traits::$bound<CURRENT_VERSION>),+>(&self, $key: &$k, $value: &$v) -> Result<()> {
            self.write_entity($label, $key, $value)
        }
    };
}

/// `fn $name<generics>(&self, key) -> Option<V>`: reads one record.
macro_rules! read_record {
    ($name:ident<$($g:ident: $bound:ident),+>($key:ident: $k:ident) -> $v:ident => $label:expr) => {
        fn $name<$($g: traits::$bound<CURRENT_VERSION>),+>(&self, $key: &$k) -> Result<Option<$v>> {
            self.read_entity($label, $key)
        }
    };
}

/// `fn $name<K>(&self, key)`: deletes one record.
macro_rules! delete_record {
    ($name:ident<$g:ident: $bound:ident>($key:ident) => $label:expr) => {
        fn $name<$g: traits::$bound<CURRENT_VERSION>>(&self, $key: &$g) -> Result<()> {
            self.delete_entity($label, $key)
        }
    };
}

impl StorageProvider<CURRENT_VERSION> for MlsStore {
    type Error = MlsStoreError;

    write_record!(write_tree<GroupId: GroupId, TreeSync: TreeSync>(group_id: GroupId, tree: TreeSync) => TREE);
    read_record!(tree<GroupId: GroupId, TreeSync: TreeSync>(group_id: GroupId) -> TreeSync => TREE);
    delete_record!(delete_tree<GroupId: GroupId>(group_id) => TREE);

    write_record!(write_interim_transcript_hash<GroupId: GroupId, Ith: InterimTranscriptHash>(group_id: GroupId, hash: Ith) => INTERIM_TRANSCRIPT_HASH);
    read_record!(interim_transcript_hash<GroupId: GroupId, Ith: InterimTranscriptHash>(group_id: GroupId) -> Ith => INTERIM_TRANSCRIPT_HASH);
    delete_record!(delete_interim_transcript_hash<GroupId: GroupId>(group_id) => INTERIM_TRANSCRIPT_HASH);

    write_record!(write_context<GroupId: GroupId, GroupContext: GroupContext>(group_id: GroupId, context: GroupContext) => GROUP_CONTEXT);
    read_record!(group_context<GroupId: GroupId, GroupContext: GroupContext>(group_id: GroupId) -> GroupContext => GROUP_CONTEXT);
    delete_record!(delete_context<GroupId: GroupId>(group_id) => GROUP_CONTEXT);

    write_record!(write_confirmation_tag<GroupId: GroupId, Tag: ConfirmationTag>(group_id: GroupId, tag: Tag) => CONFIRMATION_TAG);
    read_record!(confirmation_tag<GroupId: GroupId, Tag: ConfirmationTag>(group_id: GroupId) -> Tag => CONFIRMATION_TAG);
    delete_record!(delete_confirmation_tag<GroupId: GroupId>(group_id) => CONFIRMATION_TAG);

    write_record!(write_group_state<GroupState: GroupState, GroupId: GroupId>(group_id: GroupId, state: GroupState) => GROUP_STATE);
    read_record!(group_state<GroupState: GroupState, GroupId: GroupId>(group_id: GroupId) -> GroupState => GROUP_STATE);
    delete_record!(delete_group_state<GroupId: GroupId>(group_id) => GROUP_STATE);

    write_record!(write_message_secrets<GroupId: GroupId, Secrets: MessageSecrets>(group_id: GroupId, secrets: Secrets) => MESSAGE_SECRETS);
    read_record!(message_secrets<GroupId: GroupId, Secrets: MessageSecrets>(group_id: GroupId) -> Secrets => MESSAGE_SECRETS);
    delete_record!(delete_message_secrets<GroupId: GroupId>(group_id) => MESSAGE_SECRETS);

    write_record!(write_resumption_psk_store<GroupId: GroupId, Store: ResumptionPskStore>(group_id: GroupId, store: Store) => RESUMPTION_PSK_STORE);
    read_record!(resumption_psk_store<GroupId: GroupId, Store: ResumptionPskStore>(group_id: GroupId) -> Store => RESUMPTION_PSK_STORE);
    delete_record!(delete_all_resumption_psk_secrets<GroupId: GroupId>(group_id) => RESUMPTION_PSK_STORE);

    write_record!(write_own_leaf_index<GroupId: GroupId, Index: LeafNodeIndex>(group_id: GroupId, index: Index) => OWN_LEAF_NODE_INDEX);
    read_record!(own_leaf_index<GroupId: GroupId, Index: LeafNodeIndex>(group_id: GroupId) -> Index => OWN_LEAF_NODE_INDEX);
    delete_record!(delete_own_leaf_index<GroupId: GroupId>(group_id) => OWN_LEAF_NODE_INDEX);

    write_record!(write_group_epoch_secrets<GroupId: GroupId, Secrets: GroupEpochSecrets>(group_id: GroupId, secrets: Secrets) => EPOCH_SECRETS);
    read_record!(group_epoch_secrets<GroupId: GroupId, Secrets: GroupEpochSecrets>(group_id: GroupId) -> Secrets => EPOCH_SECRETS);
    delete_record!(delete_group_epoch_secrets<GroupId: GroupId>(group_id) => EPOCH_SECRETS);

    write_record!(write_signature_key_pair<Public: SignaturePublicKey, Pair: SignatureKeyPair>(public_key: Public, pair: Pair) => SIGNATURE_KEY_PAIR);
    read_record!(signature_key_pair<Public: SignaturePublicKey, Pair: SignatureKeyPair>(public_key: Public) -> Pair => SIGNATURE_KEY_PAIR);
    delete_record!(delete_signature_key_pair<Public: SignaturePublicKey>(public_key) => SIGNATURE_KEY_PAIR);

    write_record!(write_encryption_key_pair<Public: EncryptionKey, Pair: HpkeKeyPair>(public_key: Public, pair: Pair) => ENCRYPTION_KEY_PAIR);
    read_record!(encryption_key_pair<Pair: HpkeKeyPair, Public: EncryptionKey>(public_key: Public) -> Pair => ENCRYPTION_KEY_PAIR);
    delete_record!(delete_encryption_key_pair<Public: EncryptionKey>(public_key) => ENCRYPTION_KEY_PAIR);

    write_record!(write_key_package<Ref: HashReference, Package: KeyPackage>(hash_ref: Ref, package: Package) => KEY_PACKAGE);
    read_record!(key_package<Ref: HashReference, Package: KeyPackage>(hash_ref: Ref) -> Package => KEY_PACKAGE);
    delete_record!(delete_key_package<Ref: HashReference>(hash_ref) => KEY_PACKAGE);

    write_record!(write_psk<Id: PskId, Bundle: PskBundle>(psk_id: Id, psk: Bundle) => PSK);
    read_record!(psk<Bundle: PskBundle, Id: PskId>(psk_id: Id) -> Bundle => PSK);
    delete_record!(delete_psk<Id: PskId>(psk_id) => PSK);

    fn write_mls_join_config<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        MlsGroupJoinConfig: traits::MlsGroupJoinConfig<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        config: &MlsGroupJoinConfig,
    ) -> Result<()> {
        self.write_json(JOIN_CONFIG, group_id, config)
    }

    fn mls_group_join_config<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        MlsGroupJoinConfig: traits::MlsGroupJoinConfig<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<MlsGroupJoinConfig>> {
        self.read_json(JOIN_CONFIG, group_id)
    }

    delete_record!(delete_group_config<GroupId: GroupId>(group_id) => JOIN_CONFIG);

    fn append_own_leaf_node<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        LeafNode: traits::LeafNode<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        leaf_node: &LeafNode,
    ) -> Result<()> {
        self.append(OWN_LEAF_NODES, group_id, leaf_node)
    }

    fn own_leaf_nodes<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        LeafNode: traits::LeafNode<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Vec<LeafNode>> {
        self.read_list(OWN_LEAF_NODES, group_id)
    }

    delete_record!(delete_own_leaf_nodes<GroupId: GroupId>(group_id) => OWN_LEAF_NODES);

    fn write_encryption_epoch_key_pairs<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        EpochKey: traits::EpochKey<CURRENT_VERSION>,
        HpkeKeyPair: traits::HpkeKeyPair<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        epoch: &EpochKey,
        leaf_index: u32,
        key_pairs: &[HpkeKeyPair],
    ) -> Result<()> {
        self.write_entity(EPOCH_KEY_PAIRS, &(group_id, epoch, leaf_index), key_pairs)
    }

    fn encryption_epoch_key_pairs<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        EpochKey: traits::EpochKey<CURRENT_VERSION>,
        HpkeKeyPair: traits::HpkeKeyPair<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        epoch: &EpochKey,
        leaf_index: u32,
    ) -> Result<Vec<HpkeKeyPair>> {
        let pairs = self.read_entity(EPOCH_KEY_PAIRS, &(group_id, epoch, leaf_index))?;
        Ok(pairs.unwrap_or_default())
    }

    fn delete_encryption_epoch_key_pairs<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        EpochKey: traits::EpochKey<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        epoch: &EpochKey,
        leaf_index: u32,
    ) -> Result<()> {
        self.delete_entity(EPOCH_KEY_PAIRS, &(group_id, epoch, leaf_index))
    }

    fn queue_proposal<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ProposalRef: traits::ProposalRef<CURRENT_VERSION>,
        QueuedProposal: traits::QueuedProposal<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        proposal_ref: &ProposalRef,
        proposal: &QueuedProposal,
    ) -> Result<()> {
        self.write_entity(QUEUED_PROPOSAL, &(group_id, proposal_ref), proposal)?;
        self.append(PROPOSAL_QUEUE_REFS, group_id, proposal_ref)
    }

    fn queued_proposal_refs<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ProposalRef: traits::ProposalRef<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Vec<ProposalRef>> {
        self.read_list(PROPOSAL_QUEUE_REFS, group_id)
    }

    fn queued_proposals<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ProposalRef: traits::ProposalRef<CURRENT_VERSION>,
        QueuedProposal: traits::QueuedProposal<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Vec<(ProposalRef, QueuedProposal)>> {
        let refs: Vec<ProposalRef> = self.read_list(PROPOSAL_QUEUE_REFS, group_id)?;
        refs.into_iter()
            .map(|proposal_ref| {
                let proposal = self
                    .read_entity(QUEUED_PROPOSAL, &(group_id, &proposal_ref))?
                    .ok_or_else(|| MlsStoreError::codec(QUEUED_PROPOSAL, "missing"))?;
                Ok((proposal_ref, proposal))
            })
            .collect()
    }

    fn remove_proposal<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ProposalRef: traits::ProposalRef<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        proposal_ref: &ProposalRef,
    ) -> Result<()> {
        self.remove_item(PROPOSAL_QUEUE_REFS, group_id, proposal_ref)?;
        self.delete_entity(QUEUED_PROPOSAL, &(group_id, proposal_ref))
    }

    fn clear_proposal_queue<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ProposalRef: traits::ProposalRef<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        let refs: Vec<ProposalRef> = self.read_list(PROPOSAL_QUEUE_REFS, group_id)?;
        for proposal_ref in refs {
            self.delete_entity(QUEUED_PROPOSAL, &(group_id, proposal_ref))?;
        }
        self.delete_entity(PROPOSAL_QUEUE_REFS, group_id)
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
        store.delete(b"z"); // not there: no change
        store.put(b"c".to_vec(), b"4".to_vec()); // created and deleted again: a delete
        store.delete(b"c");
        let second = store.take_changes();
        assert_eq!(second.puts, vec![(b"b".to_vec(), b"3".to_vec())]);
        assert_eq!(second.deletes, vec![b"a".to_vec(), b"c".to_vec()]);

        // Replaying the change sets on a durable model gives the snapshot.
        let mut durable = BTreeMap::new();
        first.apply_to(&mut durable);
        second.apply_to(&mut durable);
        assert_eq!(durable, store.snapshot());
    }

    #[test]
    fn rollback_returns_records_and_journal_to_begin_undo() {
        let mut store = MlsStore::new();
        store.put(b"a".to_vec(), b"1".to_vec());
        store.put(b"b".to_vec(), b"2".to_vec());
        let durable_changes = store.take_changes();
        store.put(b"pending".to_vec(), b"p".to_vec()); // changed, not yet taken
        let before = store.snapshot();

        store.begin_undo();
        store.put(b"a".to_vec(), b"9".to_vec());
        store.put(b"a".to_vec(), b"10".to_vec()); // the first value before is kept
        store.delete(b"b");
        store.put(b"new".to_vec(), b"n".to_vec());
        store.rollback();
        assert_eq!(store.snapshot(), before);
        // The journal too: only what was pending before begin_undo is a change.
        let changes = store.take_changes();
        assert_eq!(changes.puts, vec![(b"pending".to_vec(), b"p".to_vec())]);
        assert!(changes.deletes.is_empty());

        // Kept work stays, and a rollback after keep does nothing.
        store.begin_undo();
        store.put(b"a".to_vec(), b"3".to_vec());
        store.keep();
        store.rollback();
        assert_eq!(store.get(b"a"), Some(b"3".to_vec()));
        let mut durable = BTreeMap::new();
        durable_changes.apply_to(&mut durable);
        changes.apply_to(&mut durable);
        store.take_changes().apply_to(&mut durable);
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

    #[test]
    fn lists_append_and_remove_in_order() {
        let store = MlsStore::new();
        for item in [1u32, 2, 3, 2] {
            store.append(OWN_LEAF_NODES, &7u8, &item).unwrap();
        }
        store.remove_item(OWN_LEAF_NODES, &7u8, &2u32).unwrap();
        let items: Vec<u32> = store.read_list(OWN_LEAF_NODES, &7u8).unwrap();
        assert_eq!(items, [1, 3, 2]);
        assert!(store
            .read_list::<_, u32>(OWN_LEAF_NODES, &8u8)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn corrupt_records_are_errors_not_panics() {
        let store = MlsStore::new();
        store
            .insert(storage_key(TREE, &1u8).unwrap(), vec![0xff, 0xff, 0xff])
            .unwrap();
        assert!(matches!(
            store.read_entity::<_, Vec<u64>>(TREE, &1u8),
            Err(MlsStoreError::Codec { .. })
        ));
        store
            .insert(storage_key(TREE, &2u8).unwrap(), vec![1, 5, 9])
            .unwrap();
        // One u8 then trailing bytes.
        assert!(store.read_entity::<_, u8>(TREE, &2u8).is_err());
    }
}
