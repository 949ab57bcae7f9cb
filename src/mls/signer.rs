//! The installation's signer for openmls.
//!
//! `SignatureKeyPair` (openmls_basic_credential) rebuilds the Ed25519 signing key from its
//! seed on every signature, which derives the public key again: a second scalar
//! multiplication on each message sent. This signer expands the key once.

use std::fmt;

use ed25519_dalek::Signer as _;
use openmls_basic_credential::SignatureKeyPair;
use openmls_traits::signatures::{Signer, SignerError};
use openmls_traits::types::SignatureScheme;

/// Signs for one installation: Ed25519 with the key expanded once, other schemes through
/// the key pair.
pub(crate) struct InstallationSigner {
    ed25519: Option<ed25519_dalek::SigningKey>,
    scheme: SignatureScheme,
}

impl InstallationSigner {
    /// The signer of `pair`. A pair whose Ed25519 seed is not 32 bytes (never produced by
    /// openmls) keeps the slow path of the pair itself.
    pub(crate) fn new(pair: &SignatureKeyPair) -> Self {
        let ed25519 = (pair.signature_scheme() == SignatureScheme::ED25519)
            .then(|| ed25519_dalek::SigningKey::try_from(pair.private()).ok())
            .flatten()
            // The public key must be the pair's: never sign with a mismatched key.
            .filter(|k| k.verifying_key().as_bytes().as_slice() == pair.public());
        Self {
            ed25519,
            scheme: pair.signature_scheme(),
        }
    }

    /// Signs `payload` (the key pair signs when the key is not Ed25519).
    pub(crate) fn sign_with(
        &self,
        pair: &SignatureKeyPair,
        payload: &[u8],
    ) -> Result<Vec<u8>, SignerError> {
        match &self.ed25519 {
            Some(key) => Ok(key.sign(payload).to_bytes().to_vec()),
            None => pair.sign(payload),
        }
    }

    /// The scheme it signs with.
    pub(crate) fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

impl fmt::Debug for InstallationSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstallationSigner")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

/// The key pair with its expanded signer: what openmls is given to sign with.
pub(crate) struct SigningIdentity<'a> {
    pub(crate) pair: &'a SignatureKeyPair,
    pub(crate) signer: &'a InstallationSigner,
}

impl Signer for SigningIdentity<'_> {
    fn sign(&self, payload: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.signer.sign_with(self.pair, payload)
    }

    fn signature_scheme(&self) -> SignatureScheme {
        self.signer.scheme()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openmls_traits::crypto::OpenMlsCrypto;

    #[test]
    fn signatures_equal_the_key_pairs_and_verify() {
        let crypto = openmls_rust_crypto::RustCrypto::default();
        for scheme in [
            SignatureScheme::ED25519,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ] {
            let pair = SignatureKeyPair::new(scheme).unwrap();
            let signer = InstallationSigner::new(&pair);
            assert_eq!(signer.ed25519.is_some(), scheme == SignatureScheme::ED25519);
            let id = SigningIdentity {
                pair: &pair,
                signer: &signer,
            };
            let sig = id.sign(b"payload").unwrap();
            crypto
                .verify_signature(scheme, b"payload", pair.public(), &sig)
                .unwrap();
            if scheme == SignatureScheme::ED25519 {
                // Ed25519 is deterministic: the same bytes as the key pair's own signature.
                assert_eq!(sig, pair.sign(b"payload").unwrap());
            }
            assert!(crypto
                .verify_signature(scheme, b"other", pair.public(), &sig)
                .is_err());
        }
    }
}
