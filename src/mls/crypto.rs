//! openmls's crypto: RustCrypto, with the last few Ed25519 public keys kept decompressed,
//! and Ed25519 checks that can be deferred and done together.
//!
//! openmls passes the verifier a sender's key as 32 bytes for every message, and RustCrypto
//! decompresses it (a field square root) each time: about 8 % of verifying one message. A
//! conversation has few senders, so they stay decompressed here.
//!
//! Checking many signatures at once (ed25519-dalek's `verify_batch`) shares the costly
//! doublings and takes about 0.4 of the time per signature for ten or more; see
//! [`Crypto::defer_ed25519`]. Everything else, and every result, is RustCrypto's.

use std::sync::{Mutex, OnceLock};

use curve25519_dalek::constants::EIGHT_TORSION;
use curve25519_dalek::scalar::Scalar;
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
    /// Ed25519 checks waiting for [`Crypto::check_deferred`], while deferring.
    deferred: Mutex<Option<Vec<DeferredCheck>>>,
    /// Tests: every batch fails, to drive the one-by-one paths with good signatures.
    #[cfg(test)]
    pub(crate) fail_batches: std::sync::atomic::AtomicBool,
}

/// One Ed25519 signature whose group equation is still to be checked.
#[derive(Debug)]
struct DeferredCheck {
    key: VerifyingKey,
    data: Vec<u8>,
    signature: Signature,
}

impl Crypto {
    /// The RustCrypto provider underneath (also openmls's randomness).
    pub(crate) fn rust_crypto(&self) -> &RustCrypto {
        &self.inner
    }

    /// From now until [`check_deferred`](Self::check_deferred), Ed25519 verifications only
    /// do the checks of `verify_strict` that concern one signature alone (a key and an `R`
    /// that are points not of small order, `R` and `s` canonically encoded) and answer `Ok`;
    /// the group equations wait for `check_deferred`. Whatever was done with those `Ok`s
    /// must be undone if it says no.
    pub(crate) fn defer_ed25519(&self) {
        *lock(&self.deferred) = Some(Vec::new());
    }

    /// Stops deferring and checks every deferred signature together: true when all hold
    /// (or none was deferred). The random weights of the batch equation come from a hash
    /// of all the inputs (ed25519-dalek's `verify_batch`), so a signer cannot choose them.
    ///
    /// A batch that holds means every signature satisfies RFC 8032's cofactored equation
    /// `[8][s]B = [8]R + [8][k]A` (§5.1.7 allows either); `verify_strict` checks the
    /// cofactorless one. They differ only for an `R` with a small-order component, which
    /// no honest signer produces and only the key's owner can make.
    pub(crate) fn check_deferred(&self) -> bool {
        let Some(checks) = lock(&self.deferred).take() else {
            return true;
        };
        if checks.is_empty() {
            return true;
        }
        #[cfg(test)]
        if self.fail_batches.load(std::sync::atomic::Ordering::Relaxed) {
            return false;
        }
        let data: Vec<&[u8]> = checks.iter().map(|c| c.data.as_slice()).collect();
        let signatures: Vec<Signature> = checks.iter().map(|c| c.signature).collect();
        let keys: Vec<VerifyingKey> = checks.iter().map(|c| c.key).collect();
        ed25519_dalek::verify_batch(&data, &signatures, &keys).is_ok()
    }

    /// Defers the check of a signature whose single-signature checks pass (see
    /// [`defer_ed25519`](Self::defer_ed25519)); `false` when not deferring.
    fn defer(
        &self,
        key: VerifyingKey,
        data: &[u8],
        signature: Signature,
    ) -> Result<bool, CryptoError> {
        let mut deferred = lock(&self.deferred);
        let Some(checks) = deferred.as_mut() else {
            return Ok(false);
        };
        // verify_strict's checks of the parts, in its order.
        let s = Scalar::from_canonical_bytes(*signature.s_bytes());
        if bool::from(s.is_none()) {
            return Err(CryptoError::InvalidSignature);
        }
        // A batch would pass R = identity, s = k·a, so small-order R is refused here, from
        // its bytes: verify_batch decompresses R itself (a field square root), and an R that
        // is no point fails the batch. verify_strict compares R's bytes with a canonical
        // encoding; a batch compares points, and decompression takes a `y` of p or more
        // modulo p.
        let r = signature.r_bytes();
        if small_order_y(r) || key.is_weak() || !canonical_y(r) {
            return Err(CryptoError::InvalidSignature);
        }
        checks.push(DeferredCheck {
            key,
            data: data.to_vec(),
            signature,
        });
        Ok(true)
    }

    /// RustCrypto's Ed25519 check (`verify_strict`, same errors) with a kept key.
    fn verify_ed25519(&self, data: &[u8], pk: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let pk: &[u8; PUBLIC_KEY_LENGTH] =
            pk.try_into().map_err(|_| CryptoError::CryptoLibraryError)?;
        let mut keys = lock(&self.ed25519_keys);
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
        let signature = Signature::from_bytes(signature);
        if self.defer(key, data, signature)? {
            return Ok(());
        }
        key.verify_strict(data, &signature)
            .map_err(|_| CryptoError::InvalidSignature)
    }
}

/// Whether an Edwards point encoding names a point of small order (if it names a point). A
/// point's `y` fixes it up to the sign of `x`, and the negation of a small-order point has
/// small order too, so the test is whether `y` is one of the eight torsion points' `y`s.
/// That also covers the encodings of x = 0 with the sign bit set, which decompress to the
/// identity or to (0, −1).
fn small_order_y(encoding: &[u8; 32]) -> bool {
    static TORSION_YS: OnceLock<[[u8; 32]; 8]> = OnceLock::new();
    let ys =
        TORSION_YS.get_or_init(|| EIGHT_TORSION.map(|point| y_bytes(point.compress().as_bytes())));
    ys.contains(&y_bytes(encoding))
}

/// An encoding without its sign bit: `y` alone.
fn y_bytes(encoding: &[u8; 32]) -> [u8; 32] {
    let mut y = *encoding;
    y[31] &= 0x7f;
    y
}

/// Whether an Edwards point encoding's `y` (the low 255 bits) is below p = 2²⁵⁵ − 19. The
/// sign bit needs no check here: the points whose `x` is 0 are of small order.
fn canonical_y(encoding: &[u8; 32]) -> bool {
    let high = encoding[31] & 0x7f;
    !(high == 0x7f && encoding[1..31].iter().all(|&b| b == 0xff) && encoding[0] >= 0xed)
}

/// A lock that a panic elsewhere poisoned still guards a cache or a list that holds no
/// invariant to lose.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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
        // RustCrypto's seal, with a welcome's large `info` hashed once for all its members.
        super::hpke_memo::seal(config, pk_r, info, aad, ptxt)
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
    use curve25519_dalek::edwards::CompressedEdwardsY;
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
    fn deferred_checks_hold_together_or_fail_together() {
        let crypto = Crypto::default();
        let signers: Vec<SigningKey> = (1..4u8).map(|i| SigningKey::from_bytes(&[i; 32])).collect();
        let signed = |i: usize, data: &[u8]| {
            let signer = &signers[i % signers.len()];
            (
                signer.verifying_key().to_bytes(),
                signer.sign(data).to_bytes(),
            )
        };
        let verify = |data: &[u8], pk: &[u8], sig: &[u8]| {
            crypto.verify_signature(SignatureScheme::ED25519, data, pk, sig)
        };
        // Not deferring: nothing waits.
        assert!(crypto.check_deferred());

        crypto.defer_ed25519();
        for i in 0..12 {
            let data = [i as u8; 40];
            let (pk, sig) = signed(i, &data);
            assert_eq!(verify(&data, &pk, &sig), Ok(()));
        }
        assert!(crypto.check_deferred());

        // One wrong signature among good ones: each answers Ok, the batch says no.
        crypto.defer_ed25519();
        for i in 0..6 {
            let data = [i as u8; 40];
            let (pk, sig) = signed(i, &data);
            let data = if i == 4 { [9u8; 40] } else { data };
            assert_eq!(verify(&data, &pk, &sig), Ok(()));
        }
        assert!(!crypto.check_deferred());
        // And deferring has stopped: a wrong signature is refused at once.
        let (pk, sig) = signed(0, b"x");
        assert_eq!(verify(b"y", &pk, &sig), rust_crypto_says(b"y", &pk, &sig));
        assert!(verify(b"y", &pk, &sig).is_err());
    }

    #[test]
    fn deferred_checks_refuse_at_once_what_verify_strict_refuses_for_one_part() {
        let crypto = Crypto::default();
        let signer = SigningKey::from_bytes(&[5; 32]);
        let pk = signer.verifying_key().to_bytes();
        let data = b"data";
        let sig = signer.sign(data).to_bytes();
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut not_on_curve = [0u8; 32];
        not_on_curve[0] = 2;
        // s = ℓ (not canonical), s with the top bits set, R the identity (small order).
        let ell: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let with = |r: Option<[u8; 32]>, s: Option<[u8; 32]>| {
            let mut out = sig;
            if let Some(r) = r {
                out[..32].copy_from_slice(&r);
            }
            if let Some(s) = s {
                out[32..].copy_from_slice(&s);
            }
            out
        };
        let mut high = [0u8; 32];
        high[31] = 0xe0;
        let cases = [
            (pk, with(None, Some(ell))),
            (pk, with(None, Some(high))),
            (pk, with(Some(identity), None)),
            (identity, sig),
        ];
        // R encoded with y + p in place of y (a point of large order): decompression reduces
        // y modulo p, verify_strict refuses the bytes.
        let non_canonical = (0..19u8)
            .flat_map(|k| [0u8, 0x80].map(|sign| (k, sign)))
            .map(|(k, sign)| {
                let mut r = [0xff; 32];
                r[0] = 0xed + k;
                r[31] = 0x7f | sign;
                r
            })
            .find(|r| {
                CompressedEdwardsY(*r)
                    .decompress()
                    .is_some_and(|p| !p.is_small_order())
            })
            .expect("some y below 19 is on the curve with a large-order point");
        assert!(!canonical_y(&non_canonical));
        assert!(canonical_y(&sig[..32].try_into().unwrap()));
        let cases = cases
            .into_iter()
            .chain([(pk, with(Some(non_canonical), None))]);
        for (key, bad) in cases {
            crypto.defer_ed25519();
            let ours = crypto.verify_signature(SignatureScheme::ED25519, data, &key, &bad);
            assert!(ours.is_err());
            assert_eq!(ours, rust_crypto_says(data, &key, &bad));
            assert!(crypto.check_deferred(), "nothing was deferred");
        }
        // R not on the curve is left to the batch, which then fails; one by one, it is
        // refused as RustCrypto refuses it.
        let bad = with(Some(not_on_curve), None);
        crypto.defer_ed25519();
        assert!(crypto
            .verify_signature(SignatureScheme::ED25519, data, &pk, &bad)
            .is_ok());
        assert!(!crypto.check_deferred());
        let ours = crypto.verify_signature(SignatureScheme::ED25519, data, &pk, &bad);
        assert!(ours.is_err());
        assert_eq!(ours, rust_crypto_says(data, &pk, &bad));
    }

    #[test]
    fn small_order_is_read_from_the_bytes_as_decompression_finds_it() {
        // Every torsion point, with either sign bit, and 20,000 other encodings: small_order_y
        // agrees with decompressing and testing the point wherever the bytes are a point.
        let torsion = EIGHT_TORSION.iter().flat_map(|point| {
            let bytes = point.compress().to_bytes();
            [bytes, {
                let mut b = bytes;
                b[31] ^= 0x80;
                b
            }]
        });
        let others = (0u32..20_000).map(|i| alloy_primitives::keccak256(i.to_le_bytes()).0);
        let (mut points, mut small) = (0, 0);
        for bytes in torsion.chain(others) {
            let Some(point) = CompressedEdwardsY(bytes).decompress() else {
                continue;
            };
            points += 1;
            small += usize::from(point.is_small_order());
            assert_eq!(
                small_order_y(&bytes),
                point.is_small_order(),
                "{bytes:02x?}"
            );
        }
        assert_eq!(small, 16);
        assert!(points > 9_000, "{points}");
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
