//! HPKE's randomness, without a call to the OS for every seal.
//!
//! `hpke-rs` takes a new generator for every `Hpke` value and key schedule
//! (`HpkeCrypto::prng()`), and RustCrypto seeds each one from the OS: in wasm a
//! `crypto.getRandomValues` call through JS, twice per seal, ~10 ms of a 200-member add and
//! its next self-update. Here every generator draws from one per-thread ChaCha20 that the
//! OS seeded once, as `rand`'s `ThreadRng` does.
//!
//! That ChaCha20 rekeys itself from its own output after every draw ("fast key erasure"),
//! so its state never holds a key that produced bytes already handed out: memory read later
//! cannot recompute a past ephemeral key, which would undo forward secrecy.

use std::cell::RefCell;
use std::convert::Infallible;

use hpke_rs_crypto::error::Error;
use hpke_rs_crypto::types::KemAlgorithm;
use hpke_rs_crypto::{HpkeCrypto, HpkeTestRng};
use hpke_rs_rust_crypto::HpkeRustCrypto;
use rand::rngs::SysRng;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng, TryCryptoRng, TryRng, UnwrapErr};
use zeroize::Zeroize;

thread_local! {
    static SOURCE: RefCell<Option<ChaCha20Rng>> = const { RefCell::new(None) };
}

/// Fills `dst` from the per-thread ChaCha20, then rekeys it.
fn draw(dst: &mut [u8]) {
    SOURCE.with_borrow_mut(|source| {
        let rng = source.get_or_insert_with(|| ChaCha20Rng::from_rng(&mut UnwrapErr(SysRng)));
        rng.fill_bytes(dst);
        // Replaces the state in place, output buffer included.
        *rng = ChaCha20Rng::from_rng(rng);
    });
}

/// HPKE's generator: a handle on the per-thread ChaCha20 (it holds no state of its own).
pub(crate) struct HpkePrng;

impl HpkePrng {
    /// A DH-KEM key pair from fresh random bytes, as RustCrypto's `kem_key_gen` makes one:
    /// a secret of the KEM's length, drawn again in the rare case the curve refuses it
    /// (a NIST scalar at or above the group order).
    pub(crate) fn kem_key_pair(&mut self, alg: KemAlgorithm) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let mut secret = vec![0u8; alg.private_key_len()];
        for _ in 0..8 {
            draw(&mut secret);
            match HpkeRustCrypto::secret_to_public(alg, &secret) {
                Ok(public) => return Ok((public, secret)),
                Err(Error::KemInvalidSecretKey) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::KemInvalidSecretKey)
    }
}

impl TryRng for HpkePrng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut word = [0; 4];
        draw(&mut word);
        Ok(u32::from_le_bytes(word))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut word = [0; 8];
        draw(&mut word);
        Ok(u64::from_le_bytes(word))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        draw(dst);
        Ok(())
    }
}

impl TryCryptoRng for HpkePrng {}

/// `hpke-rs` asks for "test bytes" where its test builds want fixed ones; here they are
/// random, as in RustCrypto's provider without its `deterministic-prng` feature.
impl HpkeTestRng for HpkePrng {
    type Error = Infallible;

    fn try_fill_test_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        draw(dest);
        Ok(())
    }

    fn seed(&mut self, _: &[u8]) {}
}

/// Nothing to erase: the handle holds no state.
impl Zeroize for HpkePrng {
    fn zeroize(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(prng: &mut HpkePrng) -> [u8; 32] {
        let mut out = [0; 32];
        prng.fill_bytes(&mut out);
        out
    }

    #[test]
    fn every_draw_gives_other_bytes() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            assert!(seen.insert(bytes(&mut HpkePrng)));
        }
        assert_ne!(HpkePrng.next_u64(), HpkePrng.next_u64());
    }

    #[test]
    fn the_source_rekeys_after_each_draw() {
        let key = || SOURCE.with_borrow(|s| s.as_ref().unwrap().get_seed());
        bytes(&mut HpkePrng);
        let before = key();
        let drawn = bytes(&mut HpkePrng);
        let after = key();
        assert_ne!(before, after);
        // The bytes came from the old key's stream, which the new state no longer holds.
        let mut old = ChaCha20Rng::from_seed(before);
        let mut first = [0; 32];
        old.fill_bytes(&mut first);
        assert_eq!(first, drawn);
    }

    #[test]
    fn key_pairs_agree_on_a_shared_secret_and_differ() {
        // Two pairs of each KEM: DH between them agrees both ways, so each public key is
        // its secret's; and no two draws give the same secret.
        for alg in [
            KemAlgorithm::DhKem25519,
            KemAlgorithm::DhKemP256,
            KemAlgorithm::DhKemP384,
        ] {
            let (public_a, secret_a) = HpkePrng.kem_key_pair(alg).unwrap();
            let (public_b, secret_b) = HpkePrng.kem_key_pair(alg).unwrap();
            assert_eq!(secret_a.len(), alg.private_key_len());
            assert_ne!(secret_a, secret_b);
            assert_eq!(
                HpkeRustCrypto::dh(alg, &public_b, &secret_a).unwrap(),
                HpkeRustCrypto::dh(alg, &public_a, &secret_b).unwrap()
            );
        }
    }
}
