use super::identity::MemberIdentity;

/// What [`Client::process`](super::Client::process) made of an incoming message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An application message from a verified member.
    Application {
        /// The group it belongs to.
        group_id: Vec<u8>,
        /// The epoch it was sent in.
        epoch: u64,
        /// Who sent it (verified when the member joined).
        sender: MemberIdentity,
        /// The decrypted content.
        content: Vec<u8>,
    },
    /// A commit that was verified and applied: the group is now at `epoch`.
    Commit {
        /// The group.
        group_id: Vec<u8>,
        /// The new epoch.
        epoch: u64,
        /// Who committed.
        sender: MemberIdentity,
        /// What changed.
        changes: Changes,
        /// True when this client had a commit pending for the same epoch: it lost, and was
        /// dropped (make it again at the new epoch if it is still wanted).
        own_commit_discarded: bool,
    },
    /// A proposal that was verified and queued; it takes effect with the next commit.
    Proposal {
        /// The group.
        group_id: Vec<u8>,
        /// Who proposed.
        sender: MemberIdentity,
        /// What it proposes.
        changes: Changes,
    },
    /// A welcome that was verified: this client joined the group.
    Welcome {
        /// The group joined.
        group_id: Vec<u8>,
        /// Its epoch.
        epoch: u64,
        /// Its members, this client included.
        members: Vec<MemberIdentity>,
        /// Whether it is a DM.
        dm: bool,
    },
    /// This client's own message, echoed back by the relay (nothing to apply).
    Own {
        /// The group.
        group_id: Vec<u8>,
        /// The epoch it was sent in.
        epoch: u64,
        /// What it carries: after a restart, the echo of a commit at the group's epoch while
        /// [`Client::has_pending_commit`](super::Client::has_pending_commit) means the relay
        /// took that commit (merge it).
        content_type: super::MessageContentType,
    },
}

/// Membership changes of a commit or proposal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Installations added.
    pub added: Vec<MemberIdentity>,
    /// Installations removed.
    pub removed: Vec<MemberIdentity>,
    /// Installations that replaced their leaf keys (the committer's own path included).
    pub updated: Vec<MemberIdentity>,
    /// True when this client was removed (it left, or was removed): the group is gone.
    pub self_removed: bool,
}

/// What a commit of this client produced: send `commit` to the group and, when members
/// were added, `welcome` to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOutput {
    /// The `MLSMessage` carrying the commit (a PrivateMessage).
    pub commit: Vec<u8>,
    /// The `MLSMessage` carrying the welcome, when members were added.
    pub welcome: Option<Vec<u8>>,
    /// The group's epoch after the commit (once merged, when it is pending).
    pub epoch: u64,
    /// True when the commit waits for [`Client::merge_pending_commit`] (see
    /// [`Client::set_confirm_commits`]): send `commit` first, `welcome` only after merging.
    ///
    /// [`Client::merge_pending_commit`]: super::Client::merge_pending_commit
    /// [`Client::set_confirm_commits`]: super::Client::set_confirm_commits
    pub pending: bool,
}
