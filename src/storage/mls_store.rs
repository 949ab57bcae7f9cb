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

    /// Stores `value` under `key`; an unchanged value is not a change.
    fn insert(&self, key: Vec<u8>, value: Vec<u8>) -> Result<()> {
        let mut records = self.inner.write().map_err(|_| MlsStoreError::Lock)?;
        if records.values.get(&key) != Some(&value) {
            records.changed.insert(key.clone());
            records.values.insert(key, value);
        }
        Ok(())
    }

    /// Deletes `key`; deleting what is not there is not a change.
    fn remove(&self, key: Vec<u8>) -> Result<()> {
        let mut records = self.inner.write().map_err(|_| MlsStoreError::Lock)?;
        if records.values.remove(&key).is_some() {
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

/// The key of one epoch's encryption key pairs of a leaf.
fn epoch_key_pairs_key<'a, G: Serialize, E: Serialize>(
    group_id: &'a G,
    epoch: &'a E,
    leaf_index: u32,
) -> (&'a G, &'a E, u32) {
    (group_id, epoch, leaf_index)
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

impl StorageProvider<CURRENT_VERSION> for MlsStore {
    type Error = MlsStoreError;

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

    fn write_tree<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        TreeSync: traits::TreeSync<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        tree: &TreeSync,
    ) -> Result<()> {
        self.write_entity(TREE, group_id, tree)
    }

    fn write_interim_transcript_hash<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        InterimTranscriptHash: traits::InterimTranscriptHash<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        interim_transcript_hash: &InterimTranscriptHash,
    ) -> Result<()> {
        self.write_entity(INTERIM_TRANSCRIPT_HASH, group_id, interim_transcript_hash)
    }

    fn write_context<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        GroupContext: traits::GroupContext<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        group_context: &GroupContext,
    ) -> Result<()> {
        self.write_entity(GROUP_CONTEXT, group_id, group_context)
    }

    fn write_confirmation_tag<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ConfirmationTag: traits::ConfirmationTag<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        confirmation_tag: &ConfirmationTag,
    ) -> Result<()> {
        self.write_entity(CONFIRMATION_TAG, group_id, confirmation_tag)
    }

    fn write_group_state<
        GroupState: traits::GroupState<CURRENT_VERSION>,
        GroupId: traits::GroupId<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        group_state: &GroupState,
    ) -> Result<()> {
        self.write_entity(GROUP_STATE, group_id, group_state)
    }

    fn write_message_secrets<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        MessageSecrets: traits::MessageSecrets<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        message_secrets: &MessageSecrets,
    ) -> Result<()> {
        self.write_entity(MESSAGE_SECRETS, group_id, message_secrets)
    }

    fn write_resumption_psk_store<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ResumptionPskStore: traits::ResumptionPskStore<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        resumption_psk_store: &ResumptionPskStore,
    ) -> Result<()> {
        self.write_entity(RESUMPTION_PSK_STORE, group_id, resumption_psk_store)
    }

    fn write_own_leaf_index<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        LeafNodeIndex: traits::LeafNodeIndex<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        own_leaf_index: &LeafNodeIndex,
    ) -> Result<()> {
        self.write_entity(OWN_LEAF_NODE_INDEX, group_id, own_leaf_index)
    }

    fn write_group_epoch_secrets<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        GroupEpochSecrets: traits::GroupEpochSecrets<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        group_epoch_secrets: &GroupEpochSecrets,
    ) -> Result<()> {
        self.write_entity(EPOCH_SECRETS, group_id, group_epoch_secrets)
    }

    fn write_signature_key_pair<
        SignaturePublicKey: traits::SignaturePublicKey<CURRENT_VERSION>,
        SignatureKeyPair: traits::SignatureKeyPair<CURRENT_VERSION>,
    >(
        &self,
        public_key: &SignaturePublicKey,
        signature_key_pair: &SignatureKeyPair,
    ) -> Result<()> {
        self.write_entity(SIGNATURE_KEY_PAIR, public_key, signature_key_pair)
    }

    fn write_encryption_key_pair<
        EncryptionKey: traits::EncryptionKey<CURRENT_VERSION>,
        HpkeKeyPair: traits::HpkeKeyPair<CURRENT_VERSION>,
    >(
        &self,
        public_key: &EncryptionKey,
        key_pair: &HpkeKeyPair,
    ) -> Result<()> {
        self.write_entity(ENCRYPTION_KEY_PAIR, public_key, key_pair)
    }

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
        let key = epoch_key_pairs_key(group_id, epoch, leaf_index);
        self.write_entity(EPOCH_KEY_PAIRS, &key, key_pairs)
    }

    fn write_key_package<
        HashReference: traits::HashReference<CURRENT_VERSION>,
        KeyPackage: traits::KeyPackage<CURRENT_VERSION>,
    >(
        &self,
        hash_ref: &HashReference,
        key_package: &KeyPackage,
    ) -> Result<()> {
        self.write_entity(KEY_PACKAGE, hash_ref, key_package)
    }

    fn write_psk<
        PskId: traits::PskId<CURRENT_VERSION>,
        PskBundle: traits::PskBundle<CURRENT_VERSION>,
    >(
        &self,
        psk_id: &PskId,
        psk: &PskBundle,
    ) -> Result<()> {
        self.write_entity(PSK, psk_id, psk)
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

    fn own_leaf_nodes<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        LeafNode: traits::LeafNode<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Vec<LeafNode>> {
        self.read_list(OWN_LEAF_NODES, group_id)
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

    fn tree<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        TreeSync: traits::TreeSync<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<TreeSync>> {
        self.read_entity(TREE, group_id)
    }

    fn group_context<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        GroupContext: traits::GroupContext<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<GroupContext>> {
        self.read_entity(GROUP_CONTEXT, group_id)
    }

    fn interim_transcript_hash<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        InterimTranscriptHash: traits::InterimTranscriptHash<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<InterimTranscriptHash>> {
        self.read_entity(INTERIM_TRANSCRIPT_HASH, group_id)
    }

    fn confirmation_tag<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ConfirmationTag: traits::ConfirmationTag<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<ConfirmationTag>> {
        self.read_entity(CONFIRMATION_TAG, group_id)
    }

    fn group_state<
        GroupState: traits::GroupState<CURRENT_VERSION>,
        GroupId: traits::GroupId<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<GroupState>> {
        self.read_entity(GROUP_STATE, group_id)
    }

    fn message_secrets<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        MessageSecrets: traits::MessageSecrets<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<MessageSecrets>> {
        self.read_entity(MESSAGE_SECRETS, group_id)
    }

    fn resumption_psk_store<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ResumptionPskStore: traits::ResumptionPskStore<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<ResumptionPskStore>> {
        self.read_entity(RESUMPTION_PSK_STORE, group_id)
    }

    fn own_leaf_index<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        LeafNodeIndex: traits::LeafNodeIndex<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<LeafNodeIndex>> {
        self.read_entity(OWN_LEAF_NODE_INDEX, group_id)
    }

    fn group_epoch_secrets<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        GroupEpochSecrets: traits::GroupEpochSecrets<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<GroupEpochSecrets>> {
        self.read_entity(EPOCH_SECRETS, group_id)
    }

    fn signature_key_pair<
        SignaturePublicKey: traits::SignaturePublicKey<CURRENT_VERSION>,
        SignatureKeyPair: traits::SignatureKeyPair<CURRENT_VERSION>,
    >(
        &self,
        public_key: &SignaturePublicKey,
    ) -> Result<Option<SignatureKeyPair>> {
        self.read_entity(SIGNATURE_KEY_PAIR, public_key)
    }

    fn encryption_key_pair<
        HpkeKeyPair: traits::HpkeKeyPair<CURRENT_VERSION>,
        EncryptionKey: traits::EncryptionKey<CURRENT_VERSION>,
    >(
        &self,
        public_key: &EncryptionKey,
    ) -> Result<Option<HpkeKeyPair>> {
        self.read_entity(ENCRYPTION_KEY_PAIR, public_key)
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
        let key = epoch_key_pairs_key(group_id, epoch, leaf_index);
        Ok(self.read_entity(EPOCH_KEY_PAIRS, &key)?.unwrap_or_default())
    }

    fn key_package<
        KeyPackageRef: traits::HashReference<CURRENT_VERSION>,
        KeyPackage: traits::KeyPackage<CURRENT_VERSION>,
    >(
        &self,
        hash_ref: &KeyPackageRef,
    ) -> Result<Option<KeyPackage>> {
        self.read_entity(KEY_PACKAGE, hash_ref)
    }

    fn psk<PskBundle: traits::PskBundle<CURRENT_VERSION>, PskId: traits::PskId<CURRENT_VERSION>>(
        &self,
        psk_id: &PskId,
    ) -> Result<Option<PskBundle>> {
        self.read_entity(PSK, psk_id)
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

    fn delete_own_leaf_nodes<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(OWN_LEAF_NODES, group_id)
    }

    fn delete_group_config<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(JOIN_CONFIG, group_id)
    }

    fn delete_tree<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(TREE, group_id)
    }

    fn delete_confirmation_tag<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(CONFIRMATION_TAG, group_id)
    }

    fn delete_group_state<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(GROUP_STATE, group_id)
    }

    fn delete_context<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(GROUP_CONTEXT, group_id)
    }

    fn delete_interim_transcript_hash<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(INTERIM_TRANSCRIPT_HASH, group_id)
    }

    fn delete_message_secrets<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(MESSAGE_SECRETS, group_id)
    }

    fn delete_all_resumption_psk_secrets<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(RESUMPTION_PSK_STORE, group_id)
    }

    fn delete_own_leaf_index<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(OWN_LEAF_NODE_INDEX, group_id)
    }

    fn delete_group_epoch_secrets<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete_entity(EPOCH_SECRETS, group_id)
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

    fn delete_signature_key_pair<
        SignaturePublicKey: traits::SignaturePublicKey<CURRENT_VERSION>,
    >(
        &self,
        public_key: &SignaturePublicKey,
    ) -> Result<()> {
        self.delete_entity(SIGNATURE_KEY_PAIR, public_key)
    }

    fn delete_encryption_key_pair<EncryptionKey: traits::EncryptionKey<CURRENT_VERSION>>(
        &self,
        public_key: &EncryptionKey,
    ) -> Result<()> {
        self.delete_entity(ENCRYPTION_KEY_PAIR, public_key)
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
        let key = epoch_key_pairs_key(group_id, epoch, leaf_index);
        self.delete_entity(EPOCH_KEY_PAIRS, &key)
    }

    fn delete_key_package<KeyPackageRef: traits::HashReference<CURRENT_VERSION>>(
        &self,
        hash_ref: &KeyPackageRef,
    ) -> Result<()> {
        self.delete_entity(KEY_PACKAGE, hash_ref)
    }

    fn delete_psk<PskKey: traits::PskId<CURRENT_VERSION>>(&self, psk_id: &PskKey) -> Result<()> {
        self.delete_entity(PSK, psk_id)
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
