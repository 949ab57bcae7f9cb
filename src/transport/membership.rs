//! Who may use a group's topic on the relay. Changes to a group topic's member list travel
//! as messages of the topic itself, so the outbox, resends and idempotent acks carry them
//! like any other message; a prefix that no MLS message starts with marks them (an
//! `MLSMessage` starts with its protocol version, `00 01`).
//!
//! The relay applies a change only from a member (the first change of a topic makes its
//! sender the first member), and from then on takes publishes and subscriptions on that
//! topic only from members: someone removed from a group can no longer read its log or
//! take an epoch's place with a made-up commit.

use serde::{Deserialize, Serialize};

use super::error::TransportError;

/// An installation id: the first 16 bytes of keccak256(installation public key), as the
/// MLS layer shows it (`installationId`, `0x` hex).
pub type InstallationId = [u8; 16];

/// The marker in front of a membership change's postcard bytes.
pub const PREFIX: &[u8] = b"\0hybrid-edge/members/1\0";

/// Most installations one change may name (a change is one message, at most a frame).
pub const MAX_MEMBERSHIP_CHANGE: usize = 10_000;

/// Installations to add to and remove from a group topic's member list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipChange {
    /// Installations that may now read and write the topic.
    pub add: Vec<InstallationId>,
    /// Installations that may no longer (applied after `add`).
    pub remove: Vec<InstallationId>,
}

/// The id of an installation public key.
pub fn installation_id(installation_key: &[u8]) -> InstallationId {
    let hash = alloy_primitives::keccak256(installation_key);
    let mut id = [0u8; 16];
    id.copy_from_slice(&hash[..16]);
    id
}

/// Reads an installation id written as the MLS layer shows it: `0x` and 32 hex digits
/// (either case).
pub fn parse_installation_id(text: &str) -> Result<InstallationId, TransportError> {
    let invalid = || TransportError::InvalidInstallationId {
        id: text.chars().take(80).collect(),
    };
    let digits = text.strip_prefix("0x").ok_or_else(invalid)?;
    let mut id = [0u8; 16];
    alloy_primitives::hex::decode_to_slice(digits, &mut id).map_err(|_| invalid())?;
    Ok(id)
}

/// Installation ids stored one after the other, 16 bytes each (how an embedder persists a
/// member list).
pub fn ids_from_concatenated(bytes: &[u8]) -> Result<Vec<InstallationId>, TransportError> {
    let (ids, rest) = bytes.as_chunks::<16>();
    if !rest.is_empty() {
        return Err(TransportError::Malformed {
            reason: "member ids are 16 bytes each",
        });
    }
    Ok(ids.to_vec())
}

/// A payload that starts like a membership change but does not decode as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed membership change")]
pub struct MalformedMembershipChange;

impl MembershipChange {
    /// The change that adds and removes installation ids written as the MLS layer shows
    /// them (see [`parse_installation_id`]).
    pub fn parse(add: &[String], remove: &[String]) -> Result<MembershipChange, TransportError> {
        let ids = |list: &[String]| -> Result<Vec<InstallationId>, TransportError> {
            list.iter().map(|id| parse_installation_id(id)).collect()
        };
        Ok(MembershipChange {
            add: ids(add)?,
            remove: ids(remove)?,
        })
    }

    /// The message payload that carries this change.
    pub fn to_payload(&self) -> Vec<u8> {
        // Encoding plain vectors of arrays into a Vec cannot fail.
        postcard::to_extend(self, PREFIX.to_vec()).unwrap_or_else(|_| PREFIX.to_vec())
    }

    /// The change a payload carries; `None` for any other payload.
    pub fn from_payload(
        payload: &[u8],
    ) -> Option<Result<MembershipChange, MalformedMembershipChange>> {
        let body = payload.strip_prefix(PREFIX)?;
        Some(match postcard::from_bytes::<MembershipChange>(body) {
            Ok(change) if change.add.len() + change.remove.len() <= MAX_MEMBERSHIP_CHANGE => {
                // Exactly the encoding: no trailing bytes.
                if postcard::to_allocvec(&change).is_ok_and(|b| b.len() == body.len()) {
                    Ok(change)
                } else {
                    Err(MalformedMembershipChange)
                }
            }
            _ => Err(MalformedMembershipChange),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_round_trip_and_other_payloads_are_not_changes() {
        let change = MembershipChange {
            add: vec![[1; 16], [2; 16]],
            remove: vec![[3; 16]],
        };
        let payload = change.to_payload();
        assert_eq!(MembershipChange::from_payload(&payload), Some(Ok(change)));
        assert_eq!(
            MembershipChange::from_payload(&MembershipChange::default().to_payload()),
            Some(Ok(MembershipChange::default()))
        );
        // An MLS message, other bytes, a bare prefix's neighbour.
        for other in [
            &[0u8, 1, 0, 1][..],
            b"",
            b"hello",
            &PREFIX[..PREFIX.len() - 1],
        ] {
            assert_eq!(MembershipChange::from_payload(other), None);
        }
    }

    #[test]
    fn installation_ids_read_as_the_mls_layer_writes_them() {
        let key = [9u8; 32];
        let written = crate::mls::installation_id(&key);
        assert_eq!(parse_installation_id(&written), Ok(installation_id(&key)));
        assert_eq!(
            parse_installation_id(&written.to_uppercase().replacen("0X", "0x", 1)),
            Ok(installation_id(&key))
        );
        for bad in [
            "",
            "0x",
            "00112233445566778899aabbccddeeff",
            "0x0011",
            "0xzz112233445566778899aabbccddeeff",
        ] {
            assert_eq!(
                parse_installation_id(bad).unwrap_err().code(),
                "InvalidInstallationId",
                "{bad}"
            );
        }
    }

    #[test]
    fn changes_parse_from_written_ids_and_lists_from_concatenated_ids() {
        let (a, b) = (installation_id(b"a"), installation_id(b"b"));
        let written = |id: &InstallationId| format!("0x{}", alloy_primitives::hex::encode(id));
        assert_eq!(
            MembershipChange::parse(&[written(&a)], &[written(&b)]),
            Ok(MembershipChange {
                add: vec![a],
                remove: vec![b],
            })
        );
        let bad = MembershipChange::parse(&[written(&a)], &["0x12".to_owned()]);
        assert_eq!(bad.unwrap_err().code(), "InvalidInstallationId");

        assert_eq!(ids_from_concatenated(&[a, b].concat()), Ok(vec![a, b]));
        assert_eq!(ids_from_concatenated(&[]), Ok(vec![]));
        assert_eq!(
            ids_from_concatenated(&[0u8; 17]).unwrap_err().code(),
            "Malformed"
        );
    }

    #[test]
    fn truncated_or_padded_changes_are_malformed() {
        let payload = MembershipChange {
            add: vec![[7; 16]],
            remove: vec![],
        }
        .to_payload();
        let mut padded = payload.clone();
        padded.push(0);
        for bad in [&payload[..payload.len() - 1], &padded[..], PREFIX] {
            assert_eq!(
                MembershipChange::from_payload(bad),
                Some(Err(MalformedMembershipChange))
            );
        }
    }
}
