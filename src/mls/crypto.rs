//! openmls's crypto: RustCrypto, with the last few Ed25519 public keys kept decompressed.
//!
//! openmls passes the verifier a sender's key as 32 bytes for every message, and RustCrypto
//! decompresses it (a field square root) each time: about 8 % of verifying one message. A
//! conversation has few senders, so they stay decompressed here. Everything else, and every
//! result, is RustCrypto's.

use std::sync::Mutex;

use ed25519_dalek::{Signature, VerifyingKey, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH};
use openmls::prelude::tls_codec::SecretVLBytes;
use openmls_rust_crypto::RustCrypto;
use openmls_traits::crypto::OpenMlsCrypto;
use openmls_traits::types::{
    AeadType, Ciphersuite, CryptoError, ExporterSecret, HashType, HpkeCiphertext, HpkeConfig,
    HpkeKeyPair, KemOutput, SignatureScheme,
};

use super::recent::Recent;

/// How many decompressed keys are kept (small groups' senders).
const KEPT_KEYS: usize = 16;

/// RustCrypto for openmls, with the most recently used Ed25519 keys kept decompressed.
#[derive(Debug, Default)]
pub(crate) struct Crypto {
    inner: RustCrypto,
    ed25519_keys: Mutex<Recent<VerifyingKey, KEPT_KEYS>>,
}

impl Crypto {
    /// The RustCrypto provider underneath (also openmls's randomness).
    pub(crate) fn rust_crypto(&self) -> &RustCrypto {
        &self.inner
    }

    /// RustCrypto's Ed25519 check (`verify_strict`, same errors) with a kept key.
    fn verify_ed25519(&self, data: &[u8], pk: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let pk: &[u8; PUBLIC_KEY_LENGTH] =
            pk.try_into().map_err(|_| CryptoError::CryptoLibraryError)?;
        // A poisoned lock only means a panic elsewhere; the cache holds no invariant to lose.
        let mut keys = self.ed25519_keys.lock().unwrap_or_else(|e| e.into_inner());
        let key = match keys.find(|k| k.as_bytes() == pk) {
            Some(key) => *key,
            None => {
                let key =
                    VerifyingKey::from_bytes(pk).map_err(|_| CryptoError::CryptoLibraryError)?;
                keys.push(key);
                key
            }
        };
        drop(keys);
        let signature: &[u8; SIGNATURE_LENGTH] = signature
            .try_into()
            .map_err(|_| CryptoError::CryptoLibraryError)?;
        key.verify_strict(data, &Signature::from_bytes(signature))
            .map_err(|_| CryptoError::InvalidSignature)
    }
}

impl OpenMlsCrypto for Crypto {
    fn supports(&self, ciphersuite: Ciphersuite) -> Result<(), CryptoError> {
        self.inner.supports(ciphersuite)
    }

    fn supported_ciphersuites(&self) -> Vec<Ciphersuite> {
        self.inner.supported_ciphersuites()
    }

    fn hkdf_extract(
        &self,
        hash_type: HashType,
        salt: &[u8],
        ikm: &[u8],
    ) -> Result<SecretVLBytes, CryptoError> {
        self.inner.hkdf_extract(hash_type, salt, ikm)
    }

    fn hmac(
        &self,
        hash_type: HashType,
        key: &[u8],
        message: &[u8],
    ) -> Result<SecretVLBytes, CryptoError> {
        self.inner.hmac(hash_type, key, message)
    }

    fn hkdf_expand(
        &self,
        hash_type: HashType,
        prk: &[u8],
        info: &[u8],
        okm_len: usize,
    ) -> Result<SecretVLBytes, CryptoError> {
        self.inner.hkdf_expand(hash_type, prk, info, okm_len)
    }

    fn hash(&self, hash_type: HashType, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.inner.hash(hash_type, data)
    }

    fn aead_encrypt(
        &self,
        alg: AeadType,
        key: &[u8],
        data: &[u8],
        nonce: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.inner.aead_encrypt(alg, key, data, nonce, aad)
    }

    fn aead_decrypt(
        &self,
        alg: AeadType,
        key: &[u8],
        ct_tag: &[u8],
        nonce: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.inner.aead_decrypt(alg, key, ct_tag, nonce, aad)
    }

    fn signature_key_gen(&self, alg: SignatureScheme) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
        self.inner.signature_key_gen(alg)
    }

    fn verify_signature(
        &self,
        alg: SignatureScheme,
        data: &[u8],
        pk: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        match alg {
            SignatureScheme::ED25519 => self.verify_ed25519(data, pk, signature),
            _ => self.inner.verify_signature(alg, data, pk, signature),
        }
    }

    fn sign(&self, alg: SignatureScheme, data: &[u8], key: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.inner.sign(alg, data, key)
    }

    fn hpke_seal(
        &self,
        config: HpkeConfig,
        pk_r: &[u8],
        info: &[u8],
        aad: &[u8],
        ptxt: &[u8],
    ) -> Result<HpkeCiphertext, CryptoError> {
        self.inner.hpke_seal(config, pk_r, info, aad, ptxt)
    }

    fn hpke_open(
        &self,
        config: HpkeConfig,
        input: &HpkeCiphertext,
        sk_r: &[u8],
        info: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.inner.hpke_open(config, input, sk_r, info, aad)
    }

    fn hpke_setup_sender_and_export(
        &self,
        config: HpkeConfig,
        pk_r: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        exporter_length: usize,
    ) -> Result<(KemOutput, ExporterSecret), CryptoError> {
        self.inner.hpke_setup_sender_and_export(
            config,
            pk_r,
            info,
            exporter_context,
            exporter_length,
        )
    }

    fn hpke_setup_receiver_and_export(
        &self,
        config: HpkeConfig,
        enc: &[u8],
        sk_r: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        exporter_length: usize,
    ) -> Result<ExporterSecret, CryptoError> {
        self.inner.hpke_setup_receiver_and_export(
            config,
            enc,
            sk_r,
            info,
            exporter_context,
            exporter_length,
        )
    }

    fn derive_hpke_keypair(
        &self,
        config: HpkeConfig,
        ikm: &[u8],
    ) -> Result<HpkeKeyPair, CryptoError> {
        self.inner.derive_hpke_keypair(config, ikm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn rust_crypto_says(data: &[u8], pk: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        RustCrypto::default().verify_signature(SignatureScheme::ED25519, data, pk, sig)
    }

    #[test]
    fn ed25519_results_match_rust_crypto() {
        let crypto = Crypto::default();
        // More signers than kept keys, twice round, so keys are both found and replaced.
        let signers: Vec<SigningKey> = (0..KEPT_KEYS as u8 + 5)
            .map(|i| SigningKey::from_bytes(&[i + 1; 32]))
            .collect();
        for round in 0..2u8 {
            for (i, signer) in signers.iter().enumerate() {
                let data = [round, i as u8, 7];
                let pk = signer.verifying_key().to_bytes();
                let sig = signer.sign(&data).to_bytes();
                let mut bad_sig = sig;
                bad_sig[5] ^= 1;
                let other = [round, i as u8, 8];
                let cases: [(&[u8], &[u8], &[u8]); 5] = [
                    (&data, &pk, &sig),
                    (&other, &pk, &sig),
                    (&data, &pk, &bad_sig),
                    (&data, &pk, &sig[..63]),
                    (&data, &pk[..31], &sig),
                ];
                for (d, k, s) in cases {
                    let ours = crypto.verify_signature(SignatureScheme::ED25519, d, k, s);
                    assert_eq!(ours, rust_crypto_says(d, k, s), "signer {i} round {round}");
                }
                assert_eq!(
                    crypto.verify_signature(SignatureScheme::ED25519, &data, &pk, &sig),
                    Ok(())
                );
            }
        }
        assert_eq!(crypto.ed25519_keys.lock().unwrap().len(), KEPT_KEYS);
    }

    #[test]
    fn keys_that_do_not_decompress_or_have_small_order_are_refused_like_rust_crypto() {
        let crypto = Crypto::default();
        let signer = SigningKey::from_bytes(&[3; 32]);
        let data = b"data";
        let sig = signer.sign(data).to_bytes();
        // y = 2 is not on the curve; the identity (y = 1) has small order.
        let mut not_on_curve = [0u8; 32];
        not_on_curve[0] = 2;
        let mut identity = [0u8; 32];
        identity[0] = 1;
        for pk in [not_on_curve, identity] {
            let ours = crypto.verify_signature(SignatureScheme::ED25519, data, &pk, &sig);
            assert!(ours.is_err());
            assert_eq!(ours, rust_crypto_says(data, &pk, &sig));
        }
        // A refused key is not kept.
        assert!(crypto.ed25519_keys.lock().unwrap().len() <= 1);
    }
}
