//! Every credential that arrives is checked here before openmls state changes.

use openmls::prelude::{
    Credential, Extension, KeyPackage, LeafNode, LeafNodeIndex, MlsGroup, Proposal, QueuedProposal,
    Sender, StagedCommit,
};

use super::error::MlsError;
use super::event::Changes;
use super::identity::{trusted_identity, verify_credential, verify_credentials, MemberIdentity};
use super::recent::Recent;

/// Verifies the wallet binding of a leaf node against its signature key.
pub(crate) fn verify_leaf(leaf: &LeafNode) -> Result<MemberIdentity, MlsError> {
    verify_credential(leaf.credential(), leaf.signature_key().as_slice())
}

/// Verifies the wallet binding of a key package's leaf.
pub(crate) fn verify_key_package(key_package: &KeyPackage) -> Result<MemberIdentity, MlsError> {
    verify_leaf(key_package.leaf_node())
}

/// The identity of the member at `index` (verified when it entered the group).
pub(crate) fn member_at(group: &MlsGroup, index: LeafNodeIndex) -> Option<MemberIdentity> {
    // The leaf itself, not a walk over every member (this runs for every message).
    trusted_identity(group.member(index)?).ok()
}

/// The identity of a message sender that is a member.
pub(crate) fn sender_identity(
    group: &MlsGroup,
    sender: &Sender,
) -> Result<MemberIdentity, MlsError> {
    match sender {
        Sender::Member(index) => member_at(group, *index).ok_or(MlsError::NotAMember),
        _ => Err(MlsError::NotAMember),
    }
}

/// How many senders' identities a group keeps.
const KEPT_SENDERS: usize = 64;

/// The identities of a group's recent application-message senders, by credential. Reading
/// one from its credential hashes the installation key (Keccak-256), which a conversation
/// would otherwise repeat for every message.
#[derive(Debug, Default)]
pub(crate) struct SenderCache(Recent<(Vec<u8>, MemberIdentity), KEPT_SENDERS>);

impl SenderCache {
    /// The identity in `credential`: the credential that verified an application message's
    /// signature, which openmls takes from the tree of the message's epoch (a late message
    /// names who sent it even if the leaf has a new owner since). Its binding was verified
    /// when it entered the group.
    pub(crate) fn identity(&mut self, credential: &Credential) -> Result<MemberIdentity, MlsError> {
        let bytes = credential.serialized_content();
        if let Some((_, identity)) = self.0.find(|(b, _)| b == bytes) {
            return Ok(identity.clone());
        }
        let identity = trusted_identity(credential)?;
        self.0.push((bytes.to_vec(), identity.clone()));
        Ok(identity)
    }
}

/// Verifies the credentials a proposal brings in and describes what it changes.
pub(crate) fn verify_proposal(
    group: &MlsGroup,
    queued: &QueuedProposal,
    changes: &mut Changes,
) -> Result<(), MlsError> {
    match queued.proposal() {
        Proposal::Add(add) => changes.added.push(verify_key_package(add.key_package())?),
        Proposal::Update(update) => changes.updated.push(verify_leaf(update.leaf_node())?),
        Proposal::Remove(remove) => {
            let removed = remove.removed();
            if removed == group.own_leaf_index() {
                changes.self_removed = true;
            }
            changes.removed.extend(member_at(group, removed));
        }
        Proposal::SelfRemove => {
            if let Sender::Member(index) = queued.sender() {
                if *index == group.own_leaf_index() {
                    changes.self_removed = true;
                }
                changes.removed.extend(member_at(group, *index));
            }
        }
        Proposal::GroupContextExtensions(gce) => {
            // openmls does not expose external senders' keys, so their bindings cannot be
            // checked: hybrid-edge groups have none, and refuse to get any.
            let external = gce
                .extensions()
                .iter()
                .any(|e| matches!(e, Extension::ExternalSenders(_)));
            if external {
                return Err(MlsError::InvalidCommit {
                    reason: "external senders are not supported".into(),
                });
            }
        }
        _ => {}
    }
    Ok(())
}

/// Verifies every credential a commit brings in (its proposals and its path's new leaf) and
/// describes what it changes. Nothing is applied here.
pub(crate) fn verify_commit(group: &MlsGroup, staged: &StagedCommit) -> Result<Changes, MlsError> {
    let mut changes = Changes::default();
    // The bindings of every key package the commit adds, checked together.
    let added: Vec<_> = staged
        .queued_proposals()
        .filter_map(|queued| match queued.proposal() {
            Proposal::Add(add) => Some(add.key_package().leaf_node()),
            _ => None,
        })
        .map(|leaf| (leaf.credential(), leaf.signature_key().as_slice()))
        .collect();
    let mut added = verify_credentials(&added).into_iter();
    for queued in staged.queued_proposals() {
        match queued.proposal() {
            Proposal::Add(_) => changes.added.push(
                added
                    .next()
                    .unwrap_or(Err(MlsError::binding("no binding result")))?,
            ),
            _ => verify_proposal(group, queued, &mut changes)?,
        }
    }
    if let Some(leaf) = staged.update_path_leaf_node() {
        changes.updated.push(verify_leaf(leaf)?);
    }
    changes.self_removed |= staged.self_removed();
    Ok(changes)
}
