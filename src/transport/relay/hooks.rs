//! [`RelayHooks`] backed by the rest of the package: the wallet binding is checked with the
//! MLS identity code (EIP-191 signature recovery, `docs/identity.md`) and the clear MLS
//! framing header is read with [`peek_header`](crate::mls::peek_header).

use super::{Classified, Handshake, Identity, RelayHooks};
use crate::mls::{peek_header, verify_binding, MessageContentType};

/// The relay's checks for one input. The installation-key signature over the nonce is the
/// embedder's (WebCrypto Ed25519 is asynchronous in Workers, so it runs before
/// [`Relay::handle_frame`](super::Relay::handle_frame) and its result is passed in);
/// everything else is decided here.
#[derive(Debug, Clone, Copy, Default)]
pub struct PackageHooks {
    signature_valid: bool,
}

impl PackageHooks {
    /// Hooks for an input whose `Auth` signature (if it is one) the embedder found valid or
    /// not; for any other frame the value is not read.
    pub fn new(signature_valid: bool) -> Self {
        Self { signature_valid }
    }
}

impl RelayHooks for PackageHooks {
    /// A valid signature with a binding that verifies for this installation key gives the
    /// binding's address (lower-case `0x` hex); without a binding, an identity with no
    /// address (it reads no inbox). A bad signature or a binding that does not verify
    /// (forged, for another key, malformed) refuses the connection.
    fn verify(
        &self,
        installation: &[u8],
        _nonce: &[u8; 32],
        _signature: &[u8],
        binding: Option<&[u8]>,
    ) -> Option<Identity> {
        if !self.signature_valid {
            return None;
        }
        let address = match binding {
            None => String::new(),
            Some(binding) => {
                let member = verify_binding(binding, installation).ok()?;
                alloy_primitives::hex::encode_prefixed(member.address.as_slice())
            }
        };
        Some(Identity {
            installation: installation.to_vec(),
            address,
        })
    }

    /// An MLS PublicMessage or PrivateMessage gives its group id, epoch and whether it is a
    /// commit. Bytes that begin like one (version `mls10`, then wire format PublicMessage or
    /// PrivateMessage) but do not parse are [`Classified::Malformed`]; anything else
    /// (welcomes, key packages, opaque bytes) is [`Classified::Opaque`].
    fn classify(&self, payload: &[u8]) -> Classified {
        match peek_header(payload) {
            Ok(header) => Classified::Message {
                group_id: header.group_id,
                handshake: Handshake {
                    epoch: header.epoch,
                    is_commit: header.content_type == MessageContentType::Commit,
                },
            },
            Err(_) if matches!(payload, [0, 1, 0, 1 | 2, ..]) => Classified::Malformed,
            Err(_) => Classified::Opaque,
        }
    }
}
