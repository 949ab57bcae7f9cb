use openmls::group::{CommitBuilder, Initial};
use openmls::prelude::{
    KeyPackage, LeafNodeParameters, MlsGroup, MlsMessageBodyIn, MlsMessageOut,
    ProcessedMessageContent, ProtocolMessage,
};

use openmls_traits::signatures::Signer;
use openmls_traits::OpenMlsProvider;

use super::client::{is_dm, lookup, parse_message, Client, GroupRecord};
use super::convert::{self, hex};
use super::error::MlsError;
use super::event::{Changes, CommitOutput, Event};
use super::header::MessageContentType;
use super::identity::trusted_identity;
use super::provider::Provider;
use super::verify;

impl Client {
    /// Encrypts an application message for the group: an `MLSMessage` carrying a
    /// PrivateMessage (plain-text application messages are never produced).
    pub fn encrypt(&mut self, group_id: &[u8], content: &[u8]) -> Result<Vec<u8>, MlsError> {
        let group = self
            .groups
            .get_mut(group_id)
            .ok_or_else(|| MlsError::UnknownGroup {
                group_id: hex(group_id),
            })?;
        let message = group
            .mls
            .create_message(&self.provider, &self.identity.signing(), content)
            .map_err(convert::create_message_error)?;
        convert::to_bytes(message)
    }

    /// Processes any incoming `MLSMessage`: an application message, a proposal or a commit
    /// of one of this client's groups, or a welcome.
    ///
    /// Every credential a commit, proposal or welcome brings in is verified before anything
    /// is applied. Errors (untrusted input, see [`MlsError::is_untrusted_input`]):
    /// [`MlsError::MalformedMessage`], [`MlsError::MessageForUnknownGroup`],
    /// [`MlsError::WrongEpoch`], [`MlsError::TamperedMessage`],
    /// [`MlsError::ReplayedMessage`], [`MlsError::NotAMember`],
    /// [`MlsError::UnencryptedMessage`], [`MlsError::InvalidCommit`],
    /// [`MlsError::InvalidIdentityBinding`], [`MlsError::InvalidWelcome`].
    pub fn process(&mut self, bytes: &[u8], now: u64) -> Result<Event, MlsError> {
        let message = parse_message(bytes)?;
        self.process_body(message.extract(), bytes, now)
    }

    /// [`process`](Self::process) for a parsed message (`bytes` is its encoding).
    pub(crate) fn process_body(
        &mut self,
        body: MlsMessageBodyIn,
        bytes: &[u8],
        now: u64,
    ) -> Result<Event, MlsError> {
        let protocol: ProtocolMessage = match body {
            MlsMessageBodyIn::PrivateMessage(m) => m.into(),
            MlsMessageBodyIn::PublicMessage(m) => m.into(),
            MlsMessageBodyIn::Welcome(welcome) => return self.join(welcome, now),
            _ => return Err(MlsError::malformed("not a group message or welcome")),
        };
        self.process_protocol(protocol, bytes)
    }

    /// [`process`](Self::process) for a group message (`bytes` is its encoding).
    pub(crate) fn process_protocol(
        &mut self,
        protocol: ProtocolMessage,
        bytes: &[u8],
    ) -> Result<Event, MlsError> {
        let group_id = protocol.group_id().as_slice().to_vec();
        let message_epoch = protocol.epoch().as_u64();
        let content_type = MessageContentType::from(protocol.content_type());
        let group =
            self.groups
                .get_mut(&group_id)
                .ok_or_else(|| MlsError::MessageForUnknownGroup {
                    group_id: hex(&group_id),
                })?;
        // The relay echoes this client's own commits and proposals, possibly after the
        // commit was merged: openmls would call them messages from a past epoch.
        if content_type != MessageContentType::Application && group.is_own(bytes) {
            return Ok(Event::Own {
                group_id,
                epoch: message_epoch,
                content_type,
            });
        }
        let group_epoch = group.mls.epoch().as_u64();
        if message_epoch > group_epoch {
            return Err(MlsError::WrongEpoch {
                message_epoch,
                group_epoch,
            });
        }
        let processed = group
            .mls
            .process_message(&self.provider, protocol)
            .map_err(|e| convert::process_error(e, message_epoch, group_epoch))?;
        let sender = processed.sender().clone();
        let credential = processed.credential().clone();
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(app) => Ok(Event::Application {
                group_id,
                epoch: message_epoch,
                sender: group.senders.identity(&credential)?,
                content: app.into_bytes(),
            }),
            ProcessedMessageContent::ProposalMessage(queued) => {
                let sender = verify::sender_identity(&group.mls, &sender)?;
                let mut changes = Changes::default();
                verify::verify_proposal(&group.mls, &queued, &mut changes)?;
                check_dm_size(&group.mls, &changes)?;
                group
                    .mls
                    .store_pending_proposal(self.provider.storage(), *queued)
                    .map_err(MlsError::storage)?;
                Ok(Event::Proposal {
                    group_id,
                    sender,
                    changes,
                })
            }
            ProcessedMessageContent::StagedCommitMessage(staged) => {
                let sender = verify::sender_identity(&group.mls, &sender)?;
                let changes = verify::verify_commit(&group.mls, &staged)?;
                check_dm_size(&group.mls, &changes)?;
                // Another member's commit for this epoch won: merging it drops ours.
                let own_commit_discarded = group.mls.pending_commit().is_some();
                group
                    .mls
                    .merge_staged_commit(&self.provider, *staged)
                    .map_err(MlsError::storage)?;
                let epoch = group.mls.epoch().as_u64();
                if changes.self_removed {
                    self.drop_group(&group_id)?;
                }
                Ok(Event::Commit {
                    group_id,
                    epoch,
                    sender,
                    changes,
                    own_commit_discarded,
                })
            }
            ProcessedMessageContent::OwnPrivateMessage => Ok(Event::Own {
                group_id,
                epoch: message_epoch,
                content_type,
            }),
            // Join proposals from outside the group: hybrid-edge groups take new members
            // only through members' commits.
            _ => Err(MlsError::NotAMember),
        }
    }

    /// Adds the owners of `key_packages` (`MLSMessage`s) in one commit, merged at once (or
    /// pending, see [`set_confirm_commits`](Self::set_confirm_commits)).
    /// Send the commit to the group and the welcome to the new members.
    ///
    /// The commit carries no update path (RFC 9420 §12.4 makes it optional for adds, as
    /// ts-mls and mls-rs leave it out); [`add_members_and_update`](Self::add_members_and_update)
    /// also renews this member's keys.
    ///
    /// Errors: [`MlsError::UnknownGroup`], [`MlsError::DmMemberLimit`],
    /// [`MlsError::MalformedMessage`], [`MlsError::InvalidKeyPackage`],
    /// [`MlsError::InvalidIdentityBinding`].
    pub fn add_members(
        &mut self,
        group_id: &[u8],
        key_packages: &[Vec<u8>],
    ) -> Result<CommitOutput, MlsError> {
        self.add_members_with(group_id, key_packages, false)
    }

    /// [`add_members`](Self::add_members) with an update path in the same commit: new keys
    /// for this member's leaf and direct path (post-compromise security, as
    /// [`rotate_keys`](Self::rotate_keys) gives), at the cost of path secrets to derive and
    /// seal. Once merged it counts as a rotation at `now` (Unix seconds), as a self-update
    /// does.
    pub fn add_members_and_update(
        &mut self,
        group_id: &[u8],
        key_packages: &[Vec<u8>],
        now: u64,
    ) -> Result<CommitOutput, MlsError> {
        let out = self.add_members_with(group_id, key_packages, true)?;
        if !out.pending {
            self.record_rotation(group_id, now)?;
        }
        Ok(out)
    }

    fn add_members_with(
        &mut self,
        group_id: &[u8],
        key_packages: &[Vec<u8>],
        self_update: bool,
    ) -> Result<CommitOutput, MlsError> {
        if key_packages.is_empty() {
            return Err(MlsError::InvalidArgument {
                reason: "no key packages".into(),
            });
        }
        self.group(group_id)?.check_no_pending_commit()?;
        let parsed = self.parse_key_packages(key_packages)?;
        let at_once = !self.confirm_commits;
        self.add_parsed(group_id, parsed, at_once, self_update)
    }

    /// Adds parsed key packages in one commit, with an update path if `self_update`;
    /// `at_once` merges it (a new group's first commit always is: nobody else can commit to
    /// it yet).
    pub(crate) fn add_parsed(
        &mut self,
        group_id: &[u8],
        key_packages: Vec<KeyPackage>,
        at_once: bool,
        self_update: bool,
    ) -> Result<CommitOutput, MlsError> {
        let group = lookup(&mut self.groups, group_id)?;
        if is_dm(&group.mls) && group.mls.members().count() + key_packages.len() > 2 {
            return Err(MlsError::DmMemberLimit);
        }
        if let Some(member) = group.mls.members().find(|m| {
            key_packages
                .iter()
                .any(|kp| kp.leaf_node().signature_key().as_slice() == m.signature_key.as_slice())
        }) {
            return Err(MlsError::InvalidKeyPackage {
                reason: format!(
                    "installation {} is already a member",
                    super::identity::installation_id(&member.signature_key)
                ),
            });
        }
        let group = self
            .groups
            .get_mut(group_id)
            .ok_or(MlsError::GroupInactive)?;
        let added = stage_own_commit(
            &mut group.mls,
            &self.provider,
            &self.identity.signing(),
            |builder| {
                builder
                    .propose_adds(key_packages)
                    .force_self_update(self_update)
            },
        );
        super::hpke_memo::forget();
        let (commit, welcome) = added?;
        self.merge_own(group_id, commit, welcome, at_once)
    }

    /// Removes every installation of `addresses` in one commit, merged at once (or pending,
    /// see [`set_confirm_commits`](Self::set_confirm_commits)).
    ///
    /// Errors: [`MlsError::UnknownGroup`], [`MlsError::MemberNotFound`] (an address without
    /// installations in the group, or this client's own: use [`leave`](Self::leave)).
    pub fn remove_members(
        &mut self,
        group_id: &[u8],
        addresses: &[alloy_primitives::Address],
    ) -> Result<CommitOutput, MlsError> {
        let group = self.group(group_id)?;
        group.check_no_pending_commit()?;
        let own = group.mls.own_leaf_index();
        let mut leaves = Vec::new();
        for address in addresses {
            let before = leaves.len();
            leaves.extend(group.mls.members().filter_map(|m| {
                let id = trusted_identity(&m.credential).ok()?;
                (id.address == *address && m.index != own).then_some(m.index)
            }));
            if leaves.len() == before {
                return Err(MlsError::MemberNotFound {
                    member: address.to_checksum(None),
                });
            }
        }
        if leaves.is_empty() {
            return Err(MlsError::InvalidArgument {
                reason: "no members to remove".into(),
            });
        }
        let group = lookup(&mut self.groups, group_id)?;
        let (commit, welcome) = stage_own_commit(
            &mut group.mls,
            &self.provider,
            &self.identity.signing(),
            |builder| builder.propose_removals(leaves),
        )?;
        self.merge_own(group_id, commit, welcome, !self.confirm_commits)
    }

    /// Proposes to leave the group: send the returned proposal; this client is out when a
    /// member commits it (see [`commit_pending_proposals`](Self::commit_pending_proposals)),
    /// and processing that commit forgets the group.
    pub fn leave(&mut self, group_id: &[u8]) -> Result<Vec<u8>, MlsError> {
        let group = lookup(&mut self.groups, group_id)?;
        group.check_no_pending_commit()?;
        let proposal = group
            .mls
            .leave_group(&self.provider, &self.identity.signing())
            .map_err(MlsError::internal)?;
        let bytes = convert::to_bytes(proposal)?;
        group.remember_own(&bytes);
        Ok(bytes)
    }

    /// Commits the proposals received so far (for example another member's leave).
    pub fn commit_pending_proposals(&mut self, group_id: &[u8]) -> Result<CommitOutput, MlsError> {
        let group = lookup(&mut self.groups, group_id)?;
        group.check_no_pending_commit()?;
        // The builder takes the group's stored proposals by default.
        let committed = stage_own_commit(
            &mut group.mls,
            &self.provider,
            &self.identity.signing(),
            |builder| builder,
        );
        super::hpke_memo::forget();
        let (commit, welcome) = committed?;
        self.merge_own(group_id, commit, welcome, !self.confirm_commits)
    }

    /// Replaces this client's leaf keys with a self-update commit (post-compromise
    /// security), merged at once (or pending, see
    /// [`set_confirm_commits`](Self::set_confirm_commits)); pending proposals are committed
    /// with it.
    pub fn rotate_keys(&mut self, group_id: &[u8], now: u64) -> Result<CommitOutput, MlsError> {
        let group = lookup(&mut self.groups, group_id)?;
        group.check_no_pending_commit()?;
        let (commit, welcome) = stage_own_commit(
            &mut group.mls,
            &self.provider,
            &self.identity.signing(),
            |builder| {
                builder
                    .leaf_node_parameters(LeafNodeParameters::default())
                    .force_self_update(true)
            },
        )?;
        let out = self.merge_own(group_id, commit, welcome, !self.confirm_commits)?;
        if !out.pending {
            self.record_rotation(group_id, now)?;
        }
        Ok(out)
    }

    fn record_rotation(&mut self, group_id: &[u8], now: u64) -> Result<(), MlsError> {
        lookup(&mut self.groups, group_id)?.last_rotation = now;
        self.write_group_record(group_id, GroupRecord { last_rotation: now })
    }

    /// Makes own commits wait for the relay: with `on`, [`add_members`](Self::add_members),
    /// [`remove_members`](Self::remove_members), [`rotate_keys`](Self::rotate_keys) and
    /// [`commit_pending_proposals`](Self::commit_pending_proposals) leave their commit
    /// pending (RFC 9420 §14: a client applies its commit once the delivery service has
    /// accepted it). Send the commit; when the relay acknowledges it, call
    /// [`merge_pending_commit`](Self::merge_pending_commit) and only then send the welcome.
    /// When it answers `StaleEpoch`, another member's commit won: processing that commit
    /// drops this one (the event says so), or [`clear_pending_commit`](Self::clear_pending_commit)
    /// drops it at once; then commit again. Off (the default), own commits are merged at
    /// once, which is right only where no two members commit concurrently.
    pub fn set_confirm_commits(&mut self, on: bool) {
        self.confirm_commits = on;
    }

    /// Whether own commits wait for [`merge_pending_commit`](Self::merge_pending_commit).
    pub fn confirm_commits(&self) -> bool {
        self.confirm_commits
    }

    /// Whether a commit of this client waits in the group.
    pub fn has_pending_commit(&self, group_id: &[u8]) -> Result<bool, MlsError> {
        Ok(self.group(group_id)?.mls.pending_commit().is_some())
    }

    /// Applies this client's pending commit (the relay accepted it) and returns the group's
    /// new epoch. A commit that replaced this client's leaf keys (it carried an update path,
    /// as every self-update does) counts as a rotation at `now`.
    ///
    /// Errors: [`MlsError::UnknownGroup`], [`MlsError::NoPendingCommit`].
    pub fn merge_pending_commit(&mut self, group_id: &[u8], now: u64) -> Result<u64, MlsError> {
        let group = lookup(&mut self.groups, group_id)?;
        let pending = group
            .mls
            .pending_commit()
            .ok_or(MlsError::NoPendingCommit)?;
        let rotated = pending.update_path_leaf_node().is_some();
        group
            .mls
            .merge_pending_commit(&self.provider)
            .map_err(MlsError::storage)?;
        let epoch = group.mls.epoch().as_u64();
        if rotated {
            self.record_rotation(group_id, now)?;
        }
        Ok(epoch)
    }

    /// Drops this client's pending commit (the relay refused it: `StaleEpoch`); the group
    /// stays at its epoch.
    ///
    /// Errors: [`MlsError::UnknownGroup`], [`MlsError::NoPendingCommit`].
    pub fn clear_pending_commit(&mut self, group_id: &[u8]) -> Result<(), MlsError> {
        let group = lookup(&mut self.groups, group_id)?;
        if group.mls.pending_commit().is_none() {
            return Err(MlsError::NoPendingCommit);
        }
        group
            .mls
            .clear_pending_commit(self.provider.storage())
            .map_err(MlsError::storage)
    }

    /// True when this client's last self-update in the group (or its joining) is at least
    /// `key_rotation_interval` seconds before `now`: call [`rotate_keys`](Self::rotate_keys).
    pub fn rotation_due(&self, group_id: &[u8], now: u64) -> Result<bool, MlsError> {
        let group = self.group(group_id)?;
        Ok(now.saturating_sub(group.last_rotation) >= self.config.key_rotation_interval)
    }

    /// The groups whose [`rotation_due`](Self::rotation_due) is true at `now`: a timer in the
    /// driver calls this and [`rotate_keys`](Self::rotate_keys) for each.
    pub fn groups_due_for_rotation(&self, now: u64) -> Vec<Vec<u8>> {
        self.groups
            .iter()
            .filter(|(_, g)| {
                now.saturating_sub(g.last_rotation) >= self.config.key_rotation_interval
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Merges the commit just staged (`at_once`) or leaves it pending for
    /// [`merge_pending_commit`](Self::merge_pending_commit).
    fn merge_own(
        &mut self,
        group_id: &[u8],
        commit: MlsMessageOut,
        welcome: Option<MlsMessageOut>,
        at_once: bool,
    ) -> Result<CommitOutput, MlsError> {
        let group = lookup(&mut self.groups, group_id)?;
        if at_once {
            group
                .mls
                .merge_pending_commit(&self.provider)
                .map_err(MlsError::storage)?;
        }
        // A pending commit takes the group to the next epoch once merged (an epoch comes
        // from a welcome, so it is not trusted to leave room for one more).
        let epoch = group
            .mls
            .epoch()
            .as_u64()
            .saturating_add(u64::from(!at_once));
        let commit = convert::to_bytes(commit)?;
        group.remember_own(&commit);
        Ok(CommitOutput {
            commit,
            welcome: welcome.map(convert::to_bytes).transpose()?,
            epoch,
            pending: !at_once,
        })
    }
}

/// Builds, signs and stages a commit as openmls's `add_members`, `remove_members`,
/// `self_update` and `commit_to_pending_proposals` do (the group's stored proposals
/// included), minus the GroupInfo they export with every commit of a group that carries
/// its ratchet tree: the whole tree serialized, hashed and signed, and an external key
/// derived, for an object this package never publishes (a welcome makes its own).
/// Returns the commit and, when it adds members, the welcome.
fn stage_own_commit(
    mls: &mut MlsGroup,
    provider: &Provider,
    signer: &impl Signer,
    proposals: impl for<'g> FnOnce(CommitBuilder<'g, Initial>) -> CommitBuilder<'g, Initial>,
) -> Result<(MlsMessageOut, Option<MlsMessageOut>), MlsError> {
    if !mls.is_active() {
        return Err(MlsError::GroupInactive);
    }
    let bundle = proposals(mls.commit_builder())
        .load_psks(provider.storage())
        .map_err(MlsError::internal)?
        .create_group_info(false)
        .build(provider.rand(), provider.crypto(), signer, |_| true)
        .map_err(MlsError::internal)?
        .stage_commit(provider)
        .map_err(MlsError::internal)?;
    let welcome = bundle.to_welcome_msg();
    let (commit, _, _) = bundle.into_contents();
    Ok((commit, welcome))
}

/// A DM never grows beyond two members, whatever a peer commits.
fn check_dm_size(group: &openmls::prelude::MlsGroup, changes: &Changes) -> Result<(), MlsError> {
    let size = group.members().count() + changes.added.len();
    if is_dm(group) && size.saturating_sub(changes.removed.len()) > 2 {
        return Err(MlsError::InvalidCommit {
            reason: "a DM cannot have more than two members".into(),
        });
    }
    Ok(())
}
