use thiserror::Error;

/// Why an MLS operation failed.
///
/// Variants are split in two kinds: misuse of the API by the caller (unknown ciphersuite,
/// unknown group, a full DM, ...) and faults of untrusted input (a tampered, replayed or
/// malformed message, a forged identity binding). Each has a stable [`code`](MlsError::code),
/// the `code` of the JS `Error`; codes that other capabilities could also want carry an `Mls`
/// prefix, since all codes share one namespace in JS.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MlsError {
    // --- API misuse -------------------------------------------------------------------------
    /// The ciphersuite is unknown or the crypto provider cannot do it. There is no fallback.
    #[error("unsupported ciphersuite {name}")]
    UnsupportedCiphersuite {
        /// The suite that was asked for.
        name: String,
    },
    /// No group with this id is known to this client.
    #[error("unknown group {group_id}")]
    UnknownGroup {
        /// Hex of the group id.
        group_id: String,
    },
    /// The wallet signature does not recover to the address of the pending identity, or is
    /// not 65 bytes: the statement was signed by another account or not at all.
    #[error("the wallet signature does not bind this installation key to {address}: {reason}")]
    WalletSignatureMismatch {
        /// The address the identity is for.
        address: String,
        /// What went wrong.
        reason: String,
    },
    /// An argument is out of range (for example zero key packages, or an empty member list).
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// What is wrong with it.
        reason: String,
    },
    /// A DM has exactly two members: adding a third one is refused.
    #[error("a DM group has exactly two members")]
    DmMemberLimit,
    /// The member to remove is not in the group.
    #[error("{member} is not a member of the group")]
    MemberNotFound {
        /// The address or installation id given.
        member: String,
    },
    /// This client is no longer a member of the group (it left or was removed).
    #[error("this client is no longer a member of the group")]
    GroupInactive,
    /// A commit of this client is waiting for the relay's confirmation (see
    /// [`Client::set_confirm_commits`](super::Client::set_confirm_commits)): merge or clear
    /// it before committing or proposing again.
    #[error("a commit of this client is pending: merge or clear it first")]
    CommitPending,
    /// There is no pending commit to merge or clear.
    #[error("this client has no pending commit in the group")]
    NoPendingCommit,
    /// Another instance (a browser tab) holds this identity's storage: two writers would
    /// corrupt it. Raised by the JS `Client` when it cannot take the storage's Web Lock.
    #[error("another instance holds this identity: {name}")]
    IdentityLocked {
        /// The lock's name.
        name: String,
    },

    // --- Faults of untrusted input ----------------------------------------------------------
    /// The bytes are not a well-formed MLS message of the expected kind.
    #[error("malformed MLS message: {reason}")]
    MalformedMessage {
        /// What could not be parsed.
        reason: String,
    },
    /// A credential's wallet binding is missing, malformed or forged.
    #[error("invalid identity binding: {reason}")]
    InvalidIdentityBinding {
        /// What failed.
        reason: String,
    },
    /// A key package is invalid (bad signature, wrong suite, expired, ...).
    #[error("invalid key package: {reason}")]
    InvalidKeyPackage {
        /// What failed.
        reason: String,
    },
    /// A welcome cannot be used (not for us, bad secrets, bad tree).
    #[error("invalid welcome: {reason}")]
    InvalidWelcome {
        /// What failed.
        reason: String,
    },
    /// A message for a group this client does not know.
    #[error("message for unknown group {group_id}")]
    MessageForUnknownGroup {
        /// Hex of the group id in the message.
        group_id: String,
    },
    /// A message from an epoch that is too old (beyond `max_past_epochs`) or in the future.
    #[error("message from epoch {message_epoch}, group is at epoch {group_epoch}")]
    WrongEpoch {
        /// The epoch in the message header.
        message_epoch: u64,
        /// The group's current epoch.
        group_epoch: u64,
    },
    /// Decryption, a signature or a membership tag failed: the message was altered.
    #[error("tampered message: {reason}")]
    TamperedMessage {
        /// Which check failed.
        reason: String,
    },
    /// The message key was already used and deleted (forward secrecy): a replay.
    #[error("replayed message: its key was already used and deleted")]
    ReplayedMessage,
    /// The sender is not a member of the group.
    #[error("the sender is not a member of the group")]
    NotAMember,
    /// An application message that is not encrypted (PublicMessage) or a wire format the
    /// group refuses.
    #[error("refused wire format: {reason}")]
    UnencryptedMessage {
        /// What was refused.
        reason: String,
    },
    /// A commit or proposal that the group cannot apply (invalid proposals, bad path, ...).
    #[error("invalid commit or proposal: {reason}")]
    InvalidCommit {
        /// What failed.
        reason: String,
    },

    // --- Faults of this library or its storage ---------------------------------------------
    /// The stored state is missing or corrupt.
    #[error("storage: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// A bug in this library or in openmls (its `LibraryError`).
    #[error("internal error: {reason}")]
    Internal {
        /// The library's description.
        reason: String,
    },
}

impl MlsError {
    /// The stable string code of this error (never reused, never renamed).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedCiphersuite { .. } => "UnsupportedCiphersuite",
            Self::UnknownGroup { .. } => "UnknownGroup",
            Self::WalletSignatureMismatch { .. } => "WalletSignatureMismatch",
            Self::InvalidArgument { .. } => "MlsInvalidArgument",
            Self::DmMemberLimit => "DmMemberLimit",
            Self::MemberNotFound { .. } => "MemberNotFound",
            Self::GroupInactive => "GroupInactive",
            Self::CommitPending => "CommitPending",
            Self::NoPendingCommit => "NoPendingCommit",
            Self::IdentityLocked { .. } => "IdentityLocked",
            Self::MalformedMessage { .. } => "MalformedMlsMessage",
            Self::InvalidIdentityBinding { .. } => "InvalidIdentityBinding",
            Self::InvalidKeyPackage { .. } => "InvalidKeyPackage",
            Self::InvalidWelcome { .. } => "InvalidWelcome",
            Self::MessageForUnknownGroup { .. } => "MessageForUnknownGroup",
            Self::WrongEpoch { .. } => "WrongEpoch",
            Self::TamperedMessage { .. } => "TamperedMessage",
            Self::ReplayedMessage => "ReplayedMessage",
            Self::NotAMember => "NotAMember",
            Self::UnencryptedMessage { .. } => "UnencryptedMessage",
            Self::InvalidCommit { .. } => "InvalidCommit",
            Self::Storage { .. } => "MlsStorage",
            Self::Internal { .. } => "MlsInternal",
        }
    }

    /// True for faults caused by untrusted input (as opposed to API misuse or internal
    /// faults): the caller should drop the message and carry on.
    pub fn is_untrusted_input(&self) -> bool {
        matches!(
            self,
            Self::MalformedMessage { .. }
                | Self::InvalidIdentityBinding { .. }
                | Self::InvalidKeyPackage { .. }
                | Self::InvalidWelcome { .. }
                | Self::MessageForUnknownGroup { .. }
                | Self::WrongEpoch { .. }
                | Self::TamperedMessage { .. }
                | Self::ReplayedMessage
                | Self::NotAMember
                | Self::UnencryptedMessage { .. }
                | Self::InvalidCommit { .. }
        )
    }

    pub(crate) fn internal(err: impl std::fmt::Display) -> Self {
        Self::Internal {
            reason: err.to_string(),
        }
    }

    pub(crate) fn storage(err: impl std::fmt::Display) -> Self {
        Self::Storage {
            reason: err.to_string(),
        }
    }

    pub(crate) fn malformed(err: impl std::fmt::Display) -> Self {
        Self::MalformedMessage {
            reason: err.to_string(),
        }
    }

    pub(crate) fn binding(reason: impl Into<String>) -> Self {
        Self::InvalidIdentityBinding {
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let s = String::new;
        let all = [
            MlsError::UnsupportedCiphersuite { name: s() },
            MlsError::UnknownGroup { group_id: s() },
            MlsError::WalletSignatureMismatch {
                address: s(),
                reason: s(),
            },
            MlsError::InvalidArgument { reason: s() },
            MlsError::DmMemberLimit,
            MlsError::MemberNotFound { member: s() },
            MlsError::GroupInactive,
            MlsError::CommitPending,
            MlsError::NoPendingCommit,
            MlsError::IdentityLocked { name: s() },
            MlsError::MalformedMessage { reason: s() },
            MlsError::InvalidIdentityBinding { reason: s() },
            MlsError::InvalidKeyPackage { reason: s() },
            MlsError::InvalidWelcome { reason: s() },
            MlsError::MessageForUnknownGroup { group_id: s() },
            MlsError::WrongEpoch {
                message_epoch: 0,
                group_epoch: 0,
            },
            MlsError::TamperedMessage { reason: s() },
            MlsError::ReplayedMessage,
            MlsError::NotAMember,
            MlsError::UnencryptedMessage { reason: s() },
            MlsError::InvalidCommit { reason: s() },
            MlsError::Storage { reason: s() },
            MlsError::Internal { reason: s() },
        ];
        let codes: Vec<_> = all.iter().map(MlsError::code).collect();
        assert_eq!(
            codes,
            [
                "UnsupportedCiphersuite",
                "UnknownGroup",
                "WalletSignatureMismatch",
                "MlsInvalidArgument",
                "DmMemberLimit",
                "MemberNotFound",
                "GroupInactive",
                "CommitPending",
                "NoPendingCommit",
                "IdentityLocked",
                "MalformedMlsMessage",
                "InvalidIdentityBinding",
                "InvalidKeyPackage",
                "InvalidWelcome",
                "MessageForUnknownGroup",
                "WrongEpoch",
                "TamperedMessage",
                "ReplayedMessage",
                "NotAMember",
                "UnencryptedMessage",
                "InvalidCommit",
                "MlsStorage",
                "MlsInternal",
            ]
        );
        let untrusted = all.iter().filter(|e| e.is_untrusted_input()).count();
        assert_eq!(untrusted, 11);
    }
}
