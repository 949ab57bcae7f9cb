use openmls_rust_crypto::RustCrypto;
use openmls_traits::OpenMlsProvider;

use super::crypto::Crypto;
use crate::storage::MlsStore;

/// openmls's provider: RustCrypto for crypto (with [`Crypto`]'s kept Ed25519 keys) and
/// randomness, [`MlsStore`] for state.
#[derive(Debug, Default)]
pub(crate) struct Provider {
    crypto: Crypto,
    pub(crate) store: MlsStore,
}

impl Provider {
    pub(crate) fn with_store(store: MlsStore) -> Self {
        Self {
            crypto: Crypto::default(),
            store,
        }
    }
}

impl OpenMlsProvider for Provider {
    type CryptoProvider = Crypto;
    type RandProvider = RustCrypto;
    type StorageProvider = MlsStore;

    fn storage(&self) -> &Self::StorageProvider {
        &self.store
    }

    fn crypto(&self) -> &Self::CryptoProvider {
        &self.crypto
    }

    fn rand(&self) -> &Self::RandProvider {
        self.crypto.rust_crypto()
    }
}
