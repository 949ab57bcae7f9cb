//! openmls errors and encodings mapped to hybrid-edge's.

use std::fmt::Display;

use openmls::framing::errors::{MessageDecryptionError, SecretTreeError};
use openmls::prelude::{
    CreateMessageError, MlsGroupStateError, MlsMessageOut, ProcessMessageError, ValidationError,
    WelcomeError,
};

use super::error::MlsError;

/// Lower-case hex of an id, for error messages.
pub(crate) fn hex(bytes: &[u8]) -> String {
    alloy_primitives::hex::encode(bytes)
}

/// The standard RFC 9420 `MLSMessage` encoding.
pub(crate) fn to_bytes(message: MlsMessageOut) -> Result<Vec<u8>, MlsError> {
    message.to_bytes().map_err(MlsError::internal)
}

pub(crate) fn create_message_error(err: CreateMessageError) -> MlsError {
    match err {
        CreateMessageError::GroupStateError(_) => MlsError::GroupInactive,
        other => MlsError::internal(other),
    }
}

pub(crate) fn welcome_error<S: Display>(err: WelcomeError<S>) -> MlsError {
    match err {
        WelcomeError::LibraryError(e) => MlsError::internal(e),
        WelcomeError::StorageError(e) => MlsError::storage(e),
        other => MlsError::InvalidWelcome {
            reason: other.to_string(),
        },
    }
}

/// Sorts openmls's processing errors into the typed faults of untrusted input.
pub(crate) fn process_error<S: Display>(
    err: ProcessMessageError<S>,
    message_epoch: u64,
    group_epoch: u64,
) -> MlsError {
    let tampered = |reason: &dyn Display| MlsError::TamperedMessage {
        reason: reason.to_string(),
    };
    match err {
        ProcessMessageError::LibraryError(e) => MlsError::internal(e),
        ProcessMessageError::StorageError(e) => MlsError::storage(e),
        ProcessMessageError::IncompatibleWireFormat => MlsError::UnencryptedMessage {
            reason: "wire format refused by the group's policy".into(),
        },
        ProcessMessageError::GroupStateError(MlsGroupStateError::UseAfterEviction) => {
            MlsError::GroupInactive
        }
        ProcessMessageError::InvalidCommit(e) => MlsError::InvalidCommit {
            reason: e.to_string(),
        },
        ProcessMessageError::ValidationError(v) => match v {
            ValidationError::WrongEpoch | ValidationError::NoPastEpochData => {
                MlsError::WrongEpoch {
                    message_epoch,
                    group_epoch,
                }
            }
            ValidationError::WrongGroupId => MlsError::MessageForUnknownGroup {
                group_id: String::new(),
            },
            ValidationError::UnknownMember
            | ValidationError::NonMemberApplicationMessage
            | ValidationError::UnauthorizedExternalSender
            | ValidationError::NoExternalSendersExtension => MlsError::NotAMember,
            ValidationError::UnencryptedApplicationMessage | ValidationError::WrongWireFormat => {
                MlsError::UnencryptedMessage {
                    reason: v.to_string(),
                }
            }
            // openmls says "too distant in the past" both for an epoch whose secrets were
            // deleted (max_past_epochs) and for a deleted key of the current epoch.
            ValidationError::UnableToDecrypt(MessageDecryptionError::SecretTreeError(
                SecretTreeError::TooDistantInThePast,
            )) if message_epoch < group_epoch => MlsError::WrongEpoch {
                message_epoch,
                group_epoch,
            },
            ValidationError::UnableToDecrypt(MessageDecryptionError::SecretTreeError(
                SecretTreeError::SecretReuseError | SecretTreeError::TooDistantInThePast,
            )) => MlsError::ReplayedMessage,
            ValidationError::LibraryError(e) => MlsError::internal(e),
            other => tampered(&other),
        },
        other => tampered(&other),
    }
}
