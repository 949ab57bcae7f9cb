use openmls::prelude::Ciphersuite;
use openmls_traits::crypto::OpenMlsCrypto;

use super::error::MlsError;

/// The ciphersuites hybrid-edge offers. The default is X25519 + ChaCha20-Poly1305 + Ed25519,
/// fast in wasm without AES hardware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Suite {
    /// `MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519` (0x0003).
    #[default]
    X25519ChaCha20Ed25519,
    /// `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519` (0x0001).
    X25519Aes128Ed25519,
    /// `MLS_128_DHKEMP256_AES128GCM_SHA256_P256` (0x0002).
    P256Aes128P256,
}

impl Suite {
    /// All suites, default first.
    pub const ALL: [Suite; 3] = [
        Suite::X25519ChaCha20Ed25519,
        Suite::X25519Aes128Ed25519,
        Suite::P256Aes128P256,
    ];

    /// The RFC 9420 name, as used in the JS API.
    pub fn name(self) -> &'static str {
        match self {
            Self::X25519ChaCha20Ed25519 => "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
            Self::X25519Aes128Ed25519 => "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
            Self::P256Aes128P256 => "MLS_128_DHKEMP256_AES128GCM_SHA256_P256",
        }
    }

    /// Parses an RFC 9420 suite name. Any other name, including real suites that
    /// hybrid-edge does not offer (the AES-256 and P-384/P-521 ones), is
    /// [`MlsError::UnsupportedCiphersuite`].
    pub fn from_name(name: &str) -> Result<Self, MlsError> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| MlsError::UnsupportedCiphersuite {
                name: super::excerpt(name),
            })
    }

    pub(crate) fn openmls(self) -> Ciphersuite {
        match self {
            Self::X25519ChaCha20Ed25519 => {
                Ciphersuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519
            }
            Self::X25519Aes128Ed25519 => Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
            Self::P256Aes128P256 => Ciphersuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
        }
    }

    /// Checks that the crypto provider really implements this suite, so that a provider
    /// change can never turn into a silent fallback.
    pub(crate) fn ensure_supported(self, crypto: &impl OpenMlsCrypto) -> Result<(), MlsError> {
        crypto
            .supports(self.openmls())
            .map_err(|_| MlsError::UnsupportedCiphersuite {
                name: self.name().to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openmls_rust_crypto::RustCrypto;

    #[test]
    fn names_round_trip_and_the_provider_supports_all() {
        let crypto = RustCrypto::default();
        for s in Suite::ALL {
            assert_eq!(Suite::from_name(s.name()).unwrap(), s);
            s.ensure_supported(&crypto).unwrap();
        }
        assert_eq!(Suite::default(), Suite::X25519ChaCha20Ed25519);
    }

    #[test]
    fn aes256_and_unknown_suites_are_refused() {
        for name in [
            "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448",
            "MLS_256_DHKEMP521_AES256GCM_SHA512_P521",
            "mls_128_dhkemx25519_chacha20poly1305_sha256_ed25519",
            "",
        ] {
            assert_eq!(
                Suite::from_name(name).unwrap_err().code(),
                "UnsupportedCiphersuite"
            );
        }
        // The provider itself does not do the AES-256 suites either.
        let crypto = RustCrypto::default();
        let aes256 = Ciphersuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384;
        assert!(crypto.supports(aes256).is_err());
    }
}
