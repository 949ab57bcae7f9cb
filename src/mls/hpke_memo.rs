//! HPKE sealing as RustCrypto does it, with one shortcut for welcomes.
//!
//! A welcome seals the group secrets to every new member with the same HPKE `info`: the
//! encrypted group info, which carries the ratchet tree (about 100 KB for 200 members).
//! HPKE's key schedule hashes that `info` on every seal (`LabeledExtract("", "info_hash",
//! info)`), so adding 199 members hashed 20 MB: about 31 ms of a 160 ms add in wasm. The
//! result depends on the bytes alone, so the last large extraction is remembered and reused
//! when the next one has exactly the same input (compared in full). Smaller inputs, among
//! them everything that holds a secret (shared secrets, PSKs), are never kept.
//!
//! Everything else is `hpke-rs` with RustCrypto's primitives, as `openmls_rust_crypto`
//! seals, and randomness from [`HpkePrng`]; the tests open what this seals with
//! `openmls_rust_crypto`.

use std::cell::RefCell;

use super::hpke_prng::HpkePrng;
use hpke_rs::{Hpke, HpkeError, Mode};
use hpke_rs_crypto::error::Error;
use hpke_rs_crypto::types::{AeadAlgorithm, KdfAlgorithm, KemAlgorithm};
use hpke_rs_crypto::HpkeCrypto;
use hpke_rs_rust_crypto::HpkeRustCrypto;
use openmls_traits::types::{
    CryptoError, HpkeAeadType, HpkeCiphertext, HpkeConfig, HpkeKdfType, HpkeKemType,
};

/// Inputs at least this long are remembered: only `info` hashes reach it (a group info
/// with a tree of a few members), never an input that carries a secret.
const MEMO_MIN: usize = 4096;

/// The last large extraction: algorithm, salt, input, and the key it gave.
struct Extracted {
    alg: KdfAlgorithm,
    salt: Vec<u8>,
    ikm: Vec<u8>,
    prk: Vec<u8>,
}

thread_local! {
    static LAST: RefCell<Option<Extracted>> = const { RefCell::new(None) };
}

/// Drops the remembered extraction (called after each commit that may carry a welcome, so
/// that a group info is not kept past the call that sealed to it).
pub(crate) fn forget() {
    LAST.set(None);
}

/// Equal bytes, compared eight at a time (a byte loop is most of the saving's cost).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a8, a_rest) = a.as_chunks::<8>();
    let (b8, b_rest) = b.as_chunks::<8>();
    a_rest == b_rest
        && a8
            .iter()
            .zip(b8)
            .all(|(x, y)| u64::from_ne_bytes(*x) == u64::from_ne_bytes(*y))
}

/// RustCrypto's HPKE primitives, with large extractions remembered (see the module).
#[derive(Debug)]
pub(crate) struct MemoCrypto;

impl HpkeCrypto for MemoCrypto {
    type HpkePrng = HpkePrng;

    fn name() -> String {
        "RustCrypto, large extractions remembered".into()
    }

    fn supports_kdf(alg: KdfAlgorithm) -> Result<(), Error> {
        HpkeRustCrypto::supports_kdf(alg)
    }

    fn supports_kem(alg: KemAlgorithm) -> Result<(), Error> {
        HpkeRustCrypto::supports_kem(alg)
    }

    fn supports_aead(alg: AeadAlgorithm) -> Result<(), Error> {
        HpkeRustCrypto::supports_aead(alg)
    }

    fn prng() -> Self::HpkePrng {
        HpkePrng
    }

    fn kdf_extract(alg: KdfAlgorithm, salt: &[u8], ikm: &[u8]) -> Result<Vec<u8>, Error> {
        if ikm.len() < MEMO_MIN {
            return HpkeRustCrypto::kdf_extract(alg, salt, ikm);
        }
        let known = LAST.with_borrow(|last| {
            last.as_ref()
                .filter(|e| e.alg == alg && e.salt == salt && same_bytes(&e.ikm, ikm))
                .map(|e| e.prk.clone())
        });
        if let Some(prk) = known {
            return Ok(prk);
        }
        let prk = HpkeRustCrypto::kdf_extract(alg, salt, ikm)?;
        LAST.set(Some(Extracted {
            alg,
            salt: salt.to_vec(),
            ikm: ikm.to_vec(),
            prk: prk.clone(),
        }));
        Ok(prk)
    }

    fn kdf_expand(
        alg: KdfAlgorithm,
        prk: &[u8],
        info: &[u8],
        output_size: usize,
    ) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::kdf_expand(alg, prk, info, output_size)
    }

    fn dh(alg: KemAlgorithm, pk: &[u8], sk: &[u8]) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::dh(alg, pk, sk)
    }

    fn secret_to_public(alg: KemAlgorithm, sk: &[u8]) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::secret_to_public(alg, sk)
    }

    fn kem_key_gen(
        alg: KemAlgorithm,
        prng: &mut Self::HpkePrng,
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        prng.kem_key_pair(alg)
    }

    fn kem_key_gen_derand(alg: KemAlgorithm, seed: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
        HpkeRustCrypto::kem_key_gen_derand(alg, seed)
    }

    /// Only the post-quantum KEMs encapsulate here (DH-KEMs go through `dh`); RustCrypto's
    /// provider, built without its `experimental` feature, has none either.
    fn kem_encaps(
        _alg: KemAlgorithm,
        _pk_r: &[u8],
        _prng: &mut Self::HpkePrng,
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        Err(Error::UnsupportedKemOperation)
    }

    fn kem_decaps(alg: KemAlgorithm, ct: &[u8], sk_r: &[u8]) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::kem_decaps(alg, ct, sk_r)
    }

    fn dh_validate_sk(alg: KemAlgorithm, sk: &[u8]) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::dh_validate_sk(alg, sk)
    }

    fn aead_seal(
        alg: AeadAlgorithm,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        msg: &[u8],
    ) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::aead_seal(alg, key, nonce, aad, msg)
    }

    fn aead_open(
        alg: AeadAlgorithm,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        msg: &[u8],
    ) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::aead_open(alg, key, nonce, aad, msg)
    }
}

/// `OpenMlsCrypto::hpke_seal` as `openmls_rust_crypto` 0.6 does it (same modes, same error
/// mapping), over [`MemoCrypto`].
pub(crate) fn seal(
    config: HpkeConfig,
    pk_r: &[u8],
    info: &[u8],
    aad: &[u8],
    ptxt: &[u8],
) -> Result<HpkeCiphertext, CryptoError> {
    let kem = match config.0 {
        HpkeKemType::DhKemP256 => KemAlgorithm::DhKemP256,
        HpkeKemType::DhKemP384 => KemAlgorithm::DhKemP384,
        HpkeKemType::DhKemP521 => KemAlgorithm::DhKemP521,
        HpkeKemType::DhKem25519 => KemAlgorithm::DhKem25519,
        HpkeKemType::DhKem448 => KemAlgorithm::DhKem448,
        #[allow(unreachable_patterns)]
        _ => return Err(CryptoError::UnsupportedCiphersuite),
    };
    let kdf = match config.1 {
        HpkeKdfType::HkdfSha256 => KdfAlgorithm::HkdfSha256,
        HpkeKdfType::HkdfSha384 => KdfAlgorithm::HkdfSha384,
        HpkeKdfType::HkdfSha512 => KdfAlgorithm::HkdfSha512,
    };
    let aead = match config.2 {
        HpkeAeadType::AesGcm128 => AeadAlgorithm::Aes128Gcm,
        HpkeAeadType::AesGcm256 => AeadAlgorithm::Aes256Gcm,
        HpkeAeadType::ChaCha20Poly1305 => AeadAlgorithm::ChaCha20Poly1305,
        HpkeAeadType::Export => AeadAlgorithm::HpkeExport,
    };
    let (kem_output, ciphertext) = Hpke::<MemoCrypto>::new(Mode::Base, kem, kdf, aead)
        .seal(&pk_r.into(), info, aad, ptxt, None, None, None)
        .map_err(|e| match e {
            HpkeError::InvalidInput => CryptoError::InvalidLength,
            _ => CryptoError::CryptoLibraryError,
        })?;
    Ok(HpkeCiphertext {
        kem_output: kem_output.into(),
        ciphertext: ciphertext.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use openmls_rust_crypto::RustCrypto;
    use openmls_traits::crypto::OpenMlsCrypto;
    use openmls_traits::types::HpkeKeyPair;

    const CONFIG: HpkeConfig = HpkeConfig(
        HpkeKemType::DhKem25519,
        HpkeKdfType::HkdfSha256,
        HpkeAeadType::ChaCha20Poly1305,
    );

    fn key_pair(rust: &RustCrypto, seed: u8) -> HpkeKeyPair {
        rust.derive_hpke_keypair(CONFIG, &[seed; 32]).unwrap()
    }

    #[test]
    fn sealed_with_a_remembered_info_opens_with_rust_crypto() {
        let rust = RustCrypto::default();
        // A large info, as a welcome's (remembered), and a small one (never kept).
        let large: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for info in [&large[..], b"small info"] {
            for seed in 1..=4u8 {
                let pair = key_pair(&rust, seed);
                let ct = seal(CONFIG, &pair.public, info, b"aad", b"group secrets").unwrap();
                let opened = rust.hpke_open(CONFIG, &ct, &pair.private, info, b"aad");
                assert_eq!(opened.unwrap(), b"group secrets");
                // Another info (one byte off) gives other keys: the memory is not reused.
                let mut other = info.to_vec();
                other[info.len() / 2] ^= 1;
                let ct = seal(CONFIG, &pair.public, &other, b"aad", b"group secrets").unwrap();
                assert!(rust
                    .hpke_open(CONFIG, &ct, &pair.private, info, b"aad")
                    .is_err());
                assert_eq!(
                    rust.hpke_open(CONFIG, &ct, &pair.private, &other, b"aad")
                        .unwrap(),
                    b"group secrets"
                );
            }
        }
    }

    #[test]
    fn remembered_extraction_equals_a_fresh_one() {
        let ikm: Vec<u8> = (0..MEMO_MIN as u32 + 5).map(|i| i as u8).collect();
        let fresh = HpkeRustCrypto::kdf_extract(KdfAlgorithm::HkdfSha256, b"", &ikm).unwrap();
        assert_eq!(
            MemoCrypto::kdf_extract(KdfAlgorithm::HkdfSha256, b"", &ikm).unwrap(),
            fresh
        );
        assert_eq!(
            MemoCrypto::kdf_extract(KdfAlgorithm::HkdfSha256, b"", &ikm).unwrap(),
            fresh
        );
        // Same input, another salt or algorithm, and a change in the last (unaligned) bytes.
        let salted = HpkeRustCrypto::kdf_extract(KdfAlgorithm::HkdfSha256, b"s", &ikm).unwrap();
        assert_eq!(
            MemoCrypto::kdf_extract(KdfAlgorithm::HkdfSha256, b"s", &ikm).unwrap(),
            salted
        );
        let sha512 = HpkeRustCrypto::kdf_extract(KdfAlgorithm::HkdfSha512, b"s", &ikm).unwrap();
        assert_eq!(
            MemoCrypto::kdf_extract(KdfAlgorithm::HkdfSha512, b"s", &ikm).unwrap(),
            sha512
        );
        let mut tail = ikm.clone();
        *tail.last_mut().unwrap() ^= 0x80;
        let fresh_tail =
            HpkeRustCrypto::kdf_extract(KdfAlgorithm::HkdfSha512, b"s", &tail).unwrap();
        assert_eq!(
            MemoCrypto::kdf_extract(KdfAlgorithm::HkdfSha512, b"s", &tail).unwrap(),
            fresh_tail
        );
        assert_ne!(fresh_tail, sha512);
    }

    #[test]
    fn forget_drops_the_remembered_input() {
        let ikm = vec![7u8; MEMO_MIN];
        MemoCrypto::kdf_extract(KdfAlgorithm::HkdfSha256, b"", &ikm).unwrap();
        assert!(LAST.with_borrow(Option::is_some));
        forget();
        assert!(LAST.with_borrow(Option::is_none));
        // Small inputs are never kept.
        MemoCrypto::kdf_extract(KdfAlgorithm::HkdfSha256, b"", &ikm[1..]).unwrap();
        assert!(LAST.with_borrow(Option::is_none));
    }

    #[test]
    fn bytes_compare_like_slices() {
        let a: Vec<u8> = (0..37u8).collect();
        for cut in [0, 1, 8, 9, 36, 37] {
            assert!(same_bytes(&a[..cut], &a[..cut]));
        }
        for at in [0, 7, 8, 31, 32, 36] {
            let mut b = a.clone();
            b[at] ^= 1;
            assert!(!same_bytes(&a, &b), "{at}");
        }
        assert!(!same_bytes(&a[..8], &a[..9]));
    }
}
