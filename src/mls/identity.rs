//! Wallet-bound installation identities (format: `docs/identity.md`).
//!
//! Each installation generates its own MLS signature key. The wallet signs (EIP-191
//! `personal_sign`) a human-readable [statement](statement) naming that key; the MLS
//! credential (a `basic` credential) carries address, key, time and the wallet signature, so
//! any member can check the binding offline by recovering the signer's address.

use alloy_primitives::{eip191_hash_message, keccak256, Address, Signature, B256};
use openmls::prelude::{BasicCredential, Credential, CredentialType};
use openmls_basic_credential::SignatureKeyPair;
use openmls_traits::types::SignatureScheme;

use super::error::MlsError;
use super::recover::{recover_address, recover_addresses, RecoverError};
use super::signer::InstallationSigner;

/// Version byte of the binary credential and the `Version:` line of the statement.
const VERSION: u8 = 1;
/// The wallet signature: `r ‖ s ‖ v`.
const WALLET_SIGNATURE_LEN: usize = 65;
/// 9999-12-31T23:59:59Z: the statement's date has four year digits.
const MAX_ISSUED_AT: u64 = 253_402_300_799;

/// A verified member identity: the wallet address that vouched for an installation key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberIdentity {
    /// The wallet address, verified by signature recovery.
    pub address: Address,
    /// `0x` + hex of the first 16 bytes of keccak256(installation key).
    pub installation_id: String,
    /// The installation's MLS signature public key.
    pub installation_key: Vec<u8>,
    /// When the wallet signed the binding (Unix seconds, as claimed by the signer).
    pub issued_at: u64,
}

impl MemberIdentity {
    /// The EIP-55 checksummed address.
    pub fn address_checksummed(&self) -> String {
        self.address.to_checksum(None)
    }
}

/// The fields of a binding, as carried in the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding {
    pub address: Address,
    pub scheme: SignatureScheme,
    pub installation_key: Vec<u8>,
    pub issued_at: u64,
    pub wallet_signature: [u8; WALLET_SIGNATURE_LEN],
}

impl Binding {
    /// `version ‖ address(20) ‖ scheme(u16 BE) ‖ key_len(u8) ‖ key ‖ issued_at(u64 BE) ‖ sig(65)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 20 + 2 + 1 + self.installation_key.len() + 8 + 65);
        out.push(VERSION);
        out.extend_from_slice(self.address.as_slice());
        out.extend_from_slice(&(self.scheme as u16).to_be_bytes());
        // Keys are 32 (Ed25519) or 65 (P-256) bytes; `prepare` only makes those.
        out.push(self.installation_key.len() as u8);
        out.extend_from_slice(&self.installation_key);
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        out.extend_from_slice(&self.wallet_signature);
        out
    }

    /// Parses [`Binding::to_bytes`] output; anything else is `InvalidIdentityBinding`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MlsError> {
        let mut r = Reader(bytes);
        let version = r.take::<1>()?[0];
        if version != VERSION {
            return Err(MlsError::binding(format!("unknown version {version}")));
        }
        let address = Address::from(r.take::<20>()?);
        let scheme = u16::from_be_bytes(r.take::<2>()?);
        let scheme = SignatureScheme::try_from(scheme)
            .ok()
            .filter(|s| scheme_name(*s).is_some())
            .ok_or_else(|| {
                MlsError::binding(format!("unsupported signature scheme {scheme:#06x}"))
            })?;
        let key_len = usize::from(r.take::<1>()?[0]);
        let installation_key = r.take_slice(key_len)?.to_vec();
        let issued_at = u64::from_be_bytes(r.take::<8>()?);
        let wallet_signature = r.take::<WALLET_SIGNATURE_LEN>()?;
        if !r.0.is_empty() {
            return Err(MlsError::binding("trailing bytes"));
        }
        if issued_at > MAX_ISSUED_AT {
            return Err(MlsError::binding("issued_at is after year 9999"));
        }
        Ok(Self {
            address,
            scheme,
            installation_key,
            issued_at,
            wallet_signature,
        })
    }

    /// Parses a binding that must name exactly `installation_key`.
    fn for_key(bytes: &[u8], installation_key: &[u8]) -> Result<Self, MlsError> {
        let binding = Self::from_bytes(bytes)?;
        if binding.installation_key != installation_key {
            return Err(MlsError::binding(
                "the binding names another installation key",
            ));
        }
        Ok(binding)
    }

    /// Recovers the statement's signer and checks it is `address`.
    fn verify(&self) -> Result<MemberIdentity, MlsError> {
        let (signature, hash) = self.signed_hash()?;
        self.identity_if_signed_by(recover_address(&signature, &hash))
    }

    /// The wallet signature and the EIP-191 hash of the statement it must sign.
    fn signed_hash(&self) -> Result<(Signature, B256), MlsError> {
        let text = statement(
            &self.address,
            self.scheme,
            &self.installation_key,
            self.issued_at,
        )?;
        let signature = Signature::from_raw(&self.wallet_signature)
            .map_err(|e| MlsError::binding(format!("wallet signature: {e}")))?;
        Ok((signature, eip191_hash_message(text.as_bytes())))
    }

    /// The verified identity, if the recovered `signer` is the binding's address.
    fn identity_if_signed_by(
        &self,
        signer: Result<Address, RecoverError>,
    ) -> Result<MemberIdentity, MlsError> {
        let signer =
            signer.map_err(|reason| MlsError::binding(format!("wallet signature: {reason}")))?;
        if signer != self.address {
            return Err(MlsError::binding(format!(
                "statement for {} was signed by {}",
                self.address.to_checksum(None),
                signer.to_checksum(None)
            )));
        }
        Ok(MemberIdentity {
            address: self.address,
            installation_id: installation_id(&self.installation_key),
            installation_key: self.installation_key.clone(),
            issued_at: self.issued_at,
        })
    }
}

/// Verifies the credential of a leaf (or key package) whose signature key is
/// `signature_key`: a hybrid-edge binding, for that very key, signed by the wallet it names.
pub fn verify_credential(
    credential: &Credential,
    signature_key: &[u8],
) -> Result<MemberIdentity, MlsError> {
    verify_binding(basic_content(credential)?, signature_key)
}

/// A basic credential's identity: its content (a binding, if it is a hybrid-edge one).
fn basic_content(credential: &Credential) -> Result<&[u8], MlsError> {
    if credential.credential_type() != CredentialType::Basic {
        return Err(MlsError::binding("not a basic credential"));
    }
    Ok(credential.serialized_content())
}

/// [`verify_credential`] for many leaves at once (a welcome's tree, a batch of key
/// packages), with one result per `(credential, signature key)` in order: the signer
/// recoveries share their inversions ([`recover_addresses`]).
pub(crate) fn verify_credentials(
    leaves: &[(&Credential, &[u8])],
) -> Vec<Result<MemberIdentity, MlsError>> {
    let signed: Vec<Result<(Binding, Signature, B256), MlsError>> = leaves
        .iter()
        .map(|(credential, signature_key)| {
            let binding = Binding::for_key(basic_content(credential)?, signature_key)?;
            let (signature, hash) = binding.signed_hash()?;
            Ok((binding, signature, hash))
        })
        .collect();
    let to_recover: Vec<(Signature, B256)> = signed
        .iter()
        .flatten()
        .map(|(_, signature, hash)| (*signature, *hash))
        .collect();
    let mut signers = recover_addresses(&to_recover).into_iter();
    signed
        .into_iter()
        .map(|signed| {
            let (binding, ..) = signed?;
            let signer = signers.next().unwrap_or(Err(RecoverError::Infinity));
            binding.identity_if_signed_by(signer)
        })
        .collect()
}

/// Verifies a wallet binding presented outside MLS (for example by a relay connection): the
/// bytes of a credential identity (`docs/identity.md`, section 4) that name exactly
/// `installation_key` and carry the named wallet's signature over the statement.
///
/// Returns the verified identity, or [`MlsError::InvalidIdentityBinding`] for anything else.
pub fn verify_binding(binding: &[u8], installation_key: &[u8]) -> Result<MemberIdentity, MlsError> {
    Binding::for_key(binding, installation_key)?.verify()
}

/// Reads the identity of a credential that was verified when it entered the group, without
/// the (slow) signature recovery.
pub(crate) fn trusted_identity(credential: &Credential) -> Result<MemberIdentity, MlsError> {
    // Read in place: this runs per message.
    let b = Binding::from_bytes(basic_content(credential)?)?;
    Ok(MemberIdentity {
        address: b.address,
        installation_id: installation_id(&b.installation_key),
        installation_key: b.installation_key,
        issued_at: b.issued_at,
    })
}

/// The exact text the wallet signs (UTF-8, `\n` line ends, no trailing newline).
///
/// ```text
/// hybrid-edge wants you to bind an installation key to your Ethereum account.
///
/// Address: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed
/// Installation key: Ed25519 0x<lower-case hex of the MLS signature public key>
/// Issued at: 2026-11-25T18:47:02Z
/// Version: 1
/// ```
pub fn statement(
    address: &Address,
    scheme: SignatureScheme,
    installation_key: &[u8],
    issued_at: u64,
) -> Result<String, MlsError> {
    let scheme = scheme_name(scheme).ok_or_else(|| MlsError::binding("unsupported scheme"))?;
    if issued_at > MAX_ISSUED_AT {
        return Err(MlsError::binding("issued_at is after year 9999"));
    }
    Ok(format!(
        "hybrid-edge wants you to bind an installation key to your Ethereum account.\n\
         \n\
         Address: {}\n\
         Installation key: {} {}\n\
         Issued at: {}\n\
         Version: {VERSION}",
        address.to_checksum(None),
        scheme,
        alloy_primitives::hex::encode_prefixed(installation_key),
        rfc3339_utc(issued_at),
    ))
}

/// `0x` + hex of the first 16 bytes of keccak256(installation key).
pub fn installation_id(installation_key: &[u8]) -> String {
    alloy_primitives::hex::encode_prefixed(&keccak256(installation_key)[..16])
}

fn scheme_name(scheme: SignatureScheme) -> Option<&'static str> {
    match scheme {
        SignatureScheme::ED25519 => Some("Ed25519"),
        SignatureScheme::ECDSA_SECP256R1_SHA256 => Some("P-256"),
        _ => None,
    }
}

/// EIP-191 `personal_sign` recovery: which address signed `text`.
fn recover_signer(text: &str, signature: &[u8]) -> Result<Address, String> {
    let sig = Signature::from_raw(signature).map_err(|e| e.to_string())?;
    let hash = eip191_hash_message(text.as_bytes());
    recover_address(&sig, &hash).map_err(|e| e.to_string())
}

/// First step of creating an identity: a fresh installation key and the statement the
/// wallet must sign. Finish with [`IdentityRequest::complete`].
#[derive(Debug)]
pub struct IdentityRequest {
    address: Address,
    key_pair: SignatureKeyPair,
    issued_at: u64,
    statement: String,
}

impl IdentityRequest {
    /// Generates an installation key for `scheme` and builds the statement for `address`,
    /// dated `now` (Unix seconds).
    pub fn prepare(address: Address, scheme: SignatureScheme, now: u64) -> Result<Self, MlsError> {
        if scheme_name(scheme).is_none() {
            return Err(MlsError::UnsupportedCiphersuite {
                name: format!("{scheme:?}"),
            });
        }
        let key_pair = SignatureKeyPair::new(scheme).map_err(MlsError::internal)?;
        let statement = statement(&address, scheme, key_pair.public(), now).map_err(|_| {
            MlsError::InvalidArgument {
                reason: "now is after year 9999".into(),
            }
        })?;
        Ok(Self {
            address,
            key_pair,
            issued_at: now,
            statement,
        })
    }

    /// The text to pass to the wallet's `signMessage({ message })`.
    pub fn statement(&self) -> &str {
        &self.statement
    }

    /// The wallet address the identity is for.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Second step: takes the wallet's 65-byte signature over [`statement`](Self::statement).
    /// A signature by any other account is [`MlsError::WalletSignatureMismatch`].
    pub fn complete(self, wallet_signature: &[u8]) -> Result<Identity, MlsError> {
        let mismatch = |reason: String| MlsError::WalletSignatureMismatch {
            address: self.address.to_checksum(None),
            reason,
        };
        let signer = recover_signer(&self.statement, wallet_signature).map_err(mismatch)?;
        if signer != self.address {
            return Err(mismatch(format!("signed by {}", signer.to_checksum(None))));
        }
        self.complete_unchecked(wallet_signature)
    }

    /// Like [`complete`](Self::complete) but without checking that the signature recovers to
    /// the address: only its length (65 bytes) is checked.
    ///
    /// Dangerous: an identity whose signature does not recover to its address is refused by
    /// every peer ([`MlsError::InvalidIdentityBinding`]) and by [`Client::restore`]. It exists
    /// to test that peers do refuse such bindings.
    ///
    /// [`Client::restore`]: super::Client::restore
    pub fn complete_unchecked(self, wallet_signature: &[u8]) -> Result<Identity, MlsError> {
        let Ok(wallet_signature) = <[u8; WALLET_SIGNATURE_LEN]>::try_from(wallet_signature) else {
            return Err(MlsError::WalletSignatureMismatch {
                address: self.address.to_checksum(None),
                reason: "not 65 bytes".into(),
            });
        };
        let binding = Binding {
            address: self.address,
            scheme: self.key_pair.signature_scheme(),
            installation_key: self.key_pair.to_public_vec(),
            issued_at: self.issued_at,
            wallet_signature,
        };
        Ok(Identity {
            credential: BasicCredential::new(binding.to_bytes()).into(),
            member: MemberIdentity {
                address: self.address,
                installation_id: installation_id(&binding.installation_key),
                installation_key: binding.installation_key,
                issued_at: self.issued_at,
            },
            signer: InstallationSigner::new(&self.key_pair),
            key_pair: self.key_pair,
        })
    }
}

/// A complete installation identity: signature key pair and wallet-signed credential.
#[derive(Debug)]
pub struct Identity {
    pub(crate) key_pair: SignatureKeyPair,
    /// Signs for `key_pair` (the Ed25519 key expanded once).
    pub(crate) signer: InstallationSigner,
    pub(crate) credential: Credential,
    pub(crate) member: MemberIdentity,
}

impl Identity {
    /// What openmls signs with: the key pair and its expanded key.
    pub(crate) fn signing(&self) -> super::signer::SigningIdentity<'_> {
        super::signer::SigningIdentity {
            pair: &self.key_pair,
            signer: &self.signer,
        }
    }

    /// Rebuilds an identity from its stored parts, re-verifying the binding.
    pub(crate) fn from_parts(
        key_pair: SignatureKeyPair,
        credential: Credential,
    ) -> Result<Self, MlsError> {
        let member = verify_credential(&credential, key_pair.public())?;
        Ok(Self {
            signer: InstallationSigner::new(&key_pair),
            key_pair,
            credential,
            member,
        })
    }

    /// Who this installation is.
    pub fn member(&self) -> &MemberIdentity {
        &self.member
    }

    /// The serialized `basic` credential identity (the binding, `docs/identity.md`).
    pub fn credential_identity(&self) -> &[u8] {
        self.credential.serialized_content()
    }
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
fn rfc3339_utc(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// A bounds-checked reader over untrusted bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take_slice(&mut self, n: usize) -> Result<&'a [u8], MlsError> {
        if self.0.len() < n {
            return Err(MlsError::binding("truncated credential"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], MlsError> {
        let slice = self.take_slice(N)?;
        <[u8; N]>::try_from(slice).map_err(|_| MlsError::binding("truncated credential"))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use k256::ecdsa::SigningKey;

    /// A test wallet that signs like viem's `account.signMessage({ message })`.
    pub(crate) struct Wallet(SigningKey);

    impl Wallet {
        pub fn new(seed: u8) -> Self {
            Self(SigningKey::from_slice(&[seed; 32]).unwrap())
        }

        pub fn address(&self) -> Address {
            Address::from_public_key(self.0.verifying_key())
        }

        /// EIP-191 personal_sign: 65 bytes r ‖ s ‖ v with v ∈ {27, 28}.
        pub fn sign(&self, text: &str) -> Vec<u8> {
            let hash = eip191_hash_message(text.as_bytes());
            let (sig, recid) = self.0.sign_prehash_recoverable(hash.as_slice()).unwrap();
            let mut out = sig.to_bytes().to_vec();
            out.push(27 + recid.to_byte());
            out
        }

        pub fn identity(&self, scheme: SignatureScheme, now: u64) -> Identity {
            let req = IdentityRequest::prepare(self.address(), scheme, now).unwrap();
            let sig = self.sign(req.statement());
            req.complete(&sig).unwrap()
        }
    }

    const NOW: u64 = 1_764_096_422; // 2025-11-25T18:47:02Z

    #[test]
    fn statement_is_exactly_as_documented() {
        let address: Address = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
            .parse()
            .unwrap();
        let text = statement(&address, SignatureScheme::ED25519, &[0xab; 32], NOW).unwrap();
        assert_eq!(
            text,
            format!(
                "hybrid-edge wants you to bind an installation key to your Ethereum account.\n\
                 \n\
                 Address: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n\
                 Installation key: Ed25519 0x{}\n\
                 Issued at: 2025-11-25T18:47:02Z\n\
                 Version: 1",
                "ab".repeat(32)
            )
        );
    }

    #[test]
    fn dates_format_like_rfc3339() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(MAX_ISSUED_AT), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn two_step_identity_verifies_and_round_trips() {
        for scheme in [
            SignatureScheme::ED25519,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ] {
            let wallet = Wallet::new(7);
            let id = wallet.identity(scheme, NOW);
            let member = verify_credential(&id.credential, id.key_pair.public()).unwrap();
            assert_eq!(member.address, wallet.address());
            assert_eq!(member, id.member);
            assert_eq!(member.issued_at, NOW);
            assert_eq!(member.installation_id.len(), 34);
            let bytes = id.credential_identity();
            assert_eq!(Binding::from_bytes(bytes).unwrap().to_bytes(), bytes);
        }
    }

    #[test]
    fn a_signature_by_another_wallet_is_refused_at_completion() {
        let alice = Wallet::new(1);
        let mallory = Wallet::new(2);
        let req = IdentityRequest::prepare(alice.address(), SignatureScheme::ED25519, NOW).unwrap();
        let sig = mallory.sign(req.statement());
        assert_eq!(
            req.complete(&sig).unwrap_err().code(),
            "WalletSignatureMismatch"
        );
        let req = IdentityRequest::prepare(alice.address(), SignatureScheme::ED25519, NOW).unwrap();
        assert_eq!(
            req.complete(&[0u8; 64]).unwrap_err().code(),
            "WalletSignatureMismatch"
        );
    }

    #[test]
    fn forged_bindings_are_rejected() {
        let alice = Wallet::new(1);
        let mallory = Wallet::new(2);
        let id = alice.identity(SignatureScheme::ED25519, NOW);
        let key = id.key_pair.to_public_vec();
        let good = Binding::from_bytes(id.credential_identity()).unwrap();
        let check = |b: &Binding, key: &[u8]| {
            let cred: Credential = BasicCredential::new(b.to_bytes()).into();
            verify_credential(&cred, key).unwrap_err().code()
        };
        // Claiming Alice's address with Mallory's signature.
        let mut forged = good.clone();
        forged.wallet_signature = mallory
            .sign(&statement(&alice.address(), forged.scheme, &key, NOW).unwrap())
            .try_into()
            .unwrap();
        assert_eq!(check(&forged, &key), "InvalidIdentityBinding");
        // Re-dating the statement breaks the signature.
        let mut redated = good.clone();
        redated.issued_at += 1;
        assert_eq!(check(&redated, &key), "InvalidIdentityBinding");
        // Alice's binding reused for another installation key.
        let other = SignatureKeyPair::new(SignatureScheme::ED25519).unwrap();
        assert_eq!(check(&good, other.public()), "InvalidIdentityBinding");
        let mut swapped = good.clone();
        swapped.installation_key = other.to_public_vec();
        assert_eq!(check(&swapped, other.public()), "InvalidIdentityBinding");
        // A flipped signature bit.
        let mut flipped = good.clone();
        flipped.wallet_signature[10] ^= 1;
        assert_eq!(check(&flipped, &key), "InvalidIdentityBinding");
        // Not a binding at all.
        let plain: Credential = BasicCredential::new(b"alice".to_vec()).into();
        assert_eq!(
            verify_credential(&plain, &key).unwrap_err().code(),
            "InvalidIdentityBinding"
        );
    }

    #[test]
    fn a_batch_of_credentials_gives_each_the_result_it_gets_alone() {
        let mallory = Wallet::new(99);
        let mut leaves: Vec<(Credential, Vec<u8>)> = Vec::new();
        for seed in 1..=12u8 {
            let wallet = Wallet::new(seed);
            let id = wallet.identity(SignatureScheme::ED25519, NOW);
            let key = id.key_pair.to_public_vec();
            let mut binding = Binding::from_bytes(id.credential_identity()).unwrap();
            match seed % 4 {
                // Signed by another wallet.
                1 => {
                    binding.wallet_signature = mallory
                        .sign(&statement(&wallet.address(), binding.scheme, &key, NOW).unwrap())
                        .try_into()
                        .unwrap()
                }
                // Not a binding at all.
                2 => {
                    leaves.push((BasicCredential::new(b"plain".to_vec()).into(), key));
                    continue;
                }
                // An r that is no curve x-coordinate (5³ + 7 is not a square mod p).
                3 => {
                    binding.wallet_signature[..32].fill(0);
                    binding.wallet_signature[31] = 5;
                }
                _ => {}
            }
            leaves.push((BasicCredential::new(binding.to_bytes()).into(), key));
        }
        let refs: Vec<(&Credential, &[u8])> =
            leaves.iter().map(|(c, k)| (c, k.as_slice())).collect();
        let batch = verify_credentials(&refs);
        assert_eq!(batch.len(), leaves.len());
        for ((credential, key), got) in leaves.iter().zip(&batch) {
            assert_eq!(*got, verify_credential(credential, key));
        }
        assert_eq!(batch.iter().filter(|r| r.is_ok()).count(), 3);
        assert!(verify_credentials(&[]).is_empty());
    }

    #[test]
    fn truncated_and_padded_bindings_do_not_parse() {
        let id = Wallet::new(3).identity(SignatureScheme::ED25519, NOW);
        let bytes = id.credential_identity();
        for cut in 0..bytes.len() {
            assert!(Binding::from_bytes(&bytes[..cut]).is_err());
        }
        let mut padded = bytes.to_vec();
        padded.push(0);
        assert!(Binding::from_bytes(&padded).is_err());
    }
}
