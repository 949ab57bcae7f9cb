//! Which Ethereum address signed a 32-byte hash: ECDSA public-key recovery on secp256k1.
//!
//! The same steps as `ecdsa::VerifyingKey::recover_from_prehash` (SEC 1 v2, §4.1.6), which
//! `alloy-primitives` calls, with two differences:
//! - No closing `verify_prehash`. That check computes u₁′·G + u₂′·Q again for a Q that was
//!   just built so that it equals R, so it cannot fail; it doubled the cost of every
//!   wallet-binding check (a 200-member welcome runs 200 of them).
//! - u₁·G + u₂·R is k256 0.14's variable-time GLV + wNAF combination, not 0.13's
//!   constant-time one. Everything in it is public: the signature, the hash and the key.
//!
//! The tests hold this to alloy's recovery on random, high-s and invalid signatures.

use alloy_primitives::{Address, Signature, B256, U256};
use k256_vartime::elliptic_curve::ff::{BatchInverter, PrimeField};
use k256_vartime::elliptic_curve::group::Group;
use k256_vartime::elliptic_curve::ops::{MulByGeneratorVartime, Reduce};
use k256_vartime::elliptic_curve::point::{BatchNormalize, DecompressPoint};
use k256_vartime::elliptic_curve::sec1::ToSec1Point;
use k256_vartime::elliptic_curve::subtle::Choice;
use k256_vartime::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

/// Why a signature recovers to no address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecoverError {
    /// r or s is zero or not below the group order.
    ScalarOutOfRange,
    /// No curve point has x = r.
    NoPointForR,
    /// The recovered key is the point at infinity.
    Infinity,
}

impl core::fmt::Display for RecoverError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::ScalarOutOfRange => "r or s is zero or not below the curve order",
            Self::NoPointForR => "r is not the x-coordinate of a curve point",
            Self::Infinity => "the recovered key is the point at infinity",
        })
    }
}

/// The address whose key made `signature` over `prehash`, as alloy's
/// `Signature::recover_address_from_prehash` computes it (high s is normalized first).
pub(crate) fn recover_address(
    signature: &Signature,
    prehash: &B256,
) -> Result<Address, RecoverError> {
    let mut one = recover_addresses(&[(*signature, *prehash)]);
    one.pop().unwrap_or(Err(RecoverError::Infinity))
}

/// [`recover_address`] for each `(signature, prehash)`, in order. The inversions of every
/// `r` and of every recovered point's `z` are done together (one field inversion each, by
/// Montgomery's trick), which is most of what a batch saves: a welcome checks every
/// member's binding at once.
pub(crate) fn recover_addresses(items: &[(Signature, B256)]) -> Vec<Result<Address, RecoverError>> {
    let parsed: Vec<Result<Parsed, RecoverError>> =
        items.iter().map(|(sig, hash)| parse(sig, hash)).collect();
    // r ≠ 0 for every parsed signature, so each has an inverse; r is public.
    let mut r_invs: Vec<Scalar> = parsed.iter().flatten().map(|p| p.r).collect();
    let mut scratch = vec![Scalar::ZERO; r_invs.len()];
    BatchInverter::invert_with_external_scratch(&mut r_invs, &mut scratch);
    let mut r_invs = r_invs.into_iter();
    let points: Vec<Result<ProjectivePoint, RecoverError>> = parsed
        .into_iter()
        .map(|parsed| {
            let p = parsed?;
            let r_inv = r_invs.next().ok_or(RecoverError::ScalarOutOfRange)?;
            let u1 = -(r_inv * p.z);
            let u2 = r_inv * p.s;
            let q = ProjectivePoint::mul_by_generator_and_mul_add_vartime(&u1, &u2, &p.big_r);
            if bool::from(q.is_identity()) {
                return Err(RecoverError::Infinity);
            }
            Ok(q)
        })
        .collect();
    let finite: Vec<ProjectivePoint> = points.iter().flatten().copied().collect();
    let mut affine = ProjectivePoint::batch_normalize_vartime(finite.as_slice()).into_iter();
    points
        .into_iter()
        .map(|point| {
            point?;
            let point = affine
                .next()
                .ok_or(RecoverError::Infinity)?
                .to_sec1_point(false);
            // Uncompressed SEC1 is 0x04 ‖ x ‖ y (65 bytes for every point but the identity,
            // excluded above); the address hashes x ‖ y.
            match point.as_bytes() {
                [0x04, xy @ ..] if xy.len() == 64 => Ok(Address::from_raw_public_key(xy)),
                _ => Err(RecoverError::Infinity),
            }
        })
        .collect()
}

/// A signature's scalars, the hash as a scalar, and `R`.
struct Parsed {
    r: Scalar,
    s: Scalar,
    z: Scalar,
    big_r: ProjectivePoint,
}

fn parse(signature: &Signature, prehash: &B256) -> Result<Parsed, RecoverError> {
    let signature = signature.normalized_s();
    let r = nonzero_scalar(signature.r())?;
    let s = nonzero_scalar(signature.s())?;
    let z = <Scalar as Reduce<FieldBytes>>::reduce(&prehash.0.into());
    // alloy's recovery id never marks r as reduced (an x ≥ n has probability ~2⁻¹²⁷).
    let y_is_odd = Choice::from(u8::from(signature.v()));
    let big_r = Option::<AffinePoint>::from(AffinePoint::decompress(&r.to_bytes(), y_is_odd))
        .ok_or(RecoverError::NoPointForR)?;
    Ok(Parsed {
        r,
        s,
        z,
        big_r: big_r.into(),
    })
}

/// `value` as a scalar in [1, n), the range ECDSA allows for r and s.
fn nonzero_scalar(value: U256) -> Result<Scalar, RecoverError> {
    let repr = FieldBytes::from(value.to_be_bytes::<32>());
    Option::<Scalar>::from(Scalar::from_repr(repr))
        .filter(|scalar| !bool::from(scalar.is_zero()))
        .ok_or(RecoverError::ScalarOutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{keccak256, uint, U256 as AU256};
    use k256::ecdsa::SigningKey;

    /// The secp256k1 group order n.
    const N: AU256 = uint!(0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141_U256);

    fn alloy(signature: &Signature, prehash: &B256) -> Option<Address> {
        signature.recover_address_from_prehash(prehash).ok()
    }

    fn sign(key: &SigningKey, prehash: &B256) -> Signature {
        let (sig, recid) = key.sign_prehash_recoverable(prehash.as_slice()).unwrap();
        Signature::from_signature_and_parity(sig, recid.is_y_odd())
    }

    #[test]
    fn recovers_the_signer_like_alloy() {
        for i in 0u32..200 {
            let key = SigningKey::from_slice(keccak256(i.to_be_bytes()).as_slice()).unwrap();
            let prehash = keccak256(format!("message {i}"));
            let signature = sign(&key, &prehash);
            let expected = Address::from_private_key(&key);
            assert_eq!(recover_address(&signature, &prehash), Ok(expected));
            assert_eq!(alloy(&signature, &prehash), Some(expected));
            // Another hash recovers some other key, in both.
            let other = keccak256(format!("other {i}"));
            let got = recover_address(&signature, &other).ok();
            assert_ne!(got, Some(expected));
            assert_eq!(got, alloy(&signature, &other));
        }
    }

    #[test]
    fn high_s_is_normalized_like_alloy() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let prehash = keccak256(b"high s");
        let low = sign(&key, &prehash);
        // (r, n − s) with the other parity is the same signature in high-s form.
        let high = Signature::new(low.r(), N - low.s(), !low.v());
        assert_eq!(
            recover_address(&high, &prehash),
            Ok(Address::from_private_key(&key))
        );
        assert_eq!(
            alloy(&high, &prehash),
            Some(Address::from_private_key(&key))
        );
    }

    #[test]
    fn flipped_parity_recovers_another_key_like_alloy() {
        let key = SigningKey::from_slice(&[9u8; 32]).unwrap();
        let prehash = keccak256(b"parity");
        let sig = sign(&key, &prehash);
        let flipped = Signature::new(sig.r(), sig.s(), !sig.v());
        let got = recover_address(&flipped, &prehash).unwrap();
        assert_ne!(got, Address::from_private_key(&key));
        assert_eq!(Some(got), alloy(&flipped, &prehash));
    }

    #[test]
    fn invalid_signatures_recover_nothing_like_alloy() {
        let prehash = keccak256(b"invalid");
        let one = AU256::from(1u8);
        let cases = [
            (
                Signature::new(AU256::ZERO, one, false),
                RecoverError::ScalarOutOfRange,
            ),
            (
                Signature::new(one, AU256::ZERO, false),
                RecoverError::ScalarOutOfRange,
            ),
            (
                Signature::new(N, one, false),
                RecoverError::ScalarOutOfRange,
            ),
            // x = 5 is not on secp256k1 (5³ + 7 = 132 is not a square mod p).
            (
                Signature::new(AU256::from(5u8), one, false),
                RecoverError::NoPointForR,
            ),
        ];
        for (signature, error) in cases {
            assert_eq!(
                recover_address(&signature, &prehash),
                Err(error),
                "{signature:?}"
            );
            assert_eq!(alloy(&signature, &prehash), None, "{signature:?}");
        }
    }

    #[test]
    fn a_batch_recovers_each_signature_as_alone() {
        // Valid signatures among invalid ones (zero, out-of-range, off-curve r): each result
        // in place, equal to alloy's for that signature alone.
        let mut items = Vec::new();
        for i in 0u32..40 {
            let key = SigningKey::from_slice(keccak256(i.to_le_bytes()).as_slice()).unwrap();
            let prehash = keccak256(format!("batch {i}"));
            let signature = match i % 5 {
                1 => Signature::new(AU256::ZERO, AU256::from(1u8), false),
                3 => Signature::new(AU256::from(5u8), AU256::from(1u8), true),
                4 => Signature::new(N, AU256::from(1u8), false),
                _ => sign(&key, &prehash),
            };
            items.push((signature, prehash));
        }
        let batch = recover_addresses(&items);
        assert_eq!(batch.len(), items.len());
        for ((signature, prehash), got) in items.iter().zip(&batch) {
            assert_eq!(*got, recover_address(signature, prehash));
            assert_eq!(got.ok(), alloy(signature, prehash));
        }
        assert_eq!(batch.iter().filter(|r| r.is_ok()).count(), 16);
        assert!(recover_addresses(&[]).is_empty());
    }

    #[test]
    fn random_bytes_agree_with_alloy() {
        // Mostly invalid points and scalars: both must accept and refuse the same inputs.
        let mut accepted = 0;
        for i in 0u32..300 {
            let r = AU256::from_be_bytes(keccak256([b"r".as_slice(), &i.to_be_bytes()].concat()).0);
            let s = AU256::from_be_bytes(keccak256([b"s".as_slice(), &i.to_be_bytes()].concat()).0);
            let signature = Signature::new(r, s, i % 2 == 0);
            let prehash = keccak256(i.to_le_bytes());
            let got = recover_address(&signature, &prehash).ok();
            assert_eq!(got, alloy(&signature, &prehash), "case {i}");
            accepted += usize::from(got.is_some());
        }
        // About half of all x are on the curve; both branches ran.
        assert!((100..200).contains(&accepted), "{accepted}");
    }
}
