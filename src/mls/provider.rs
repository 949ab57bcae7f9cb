use openmls_rust_crypto::RustCrypto;
use openmls_traits::OpenMlsProvider;

use crate::storage::MlsStore;

/// openmls's provider: RustCrypto for crypto and randomness, [`MlsStore`] for state.
#[derive(Debug, Default)]
pub(crate) struct Provider {
    crypto: RustCrypto,
    pub(crate) store: MlsStore,
}

impl Provider {
    pub(crate) fn with_store(store: MlsStore) -> Self {
        Self {
            crypto: RustCrypto::default(),
            store,
        }
    }
}

impl OpenMlsProvider for Provider {
    type CryptoProvider = RustCrypto;
    type RandProvider = RustCrypto;
    type StorageProvider = MlsStore;

    fn storage(&self) -> &Self::StorageProvider {
        &self.store
    }

    fn crypto(&self) -> &Self::CryptoProvider {
        &self.crypto
    }

    fn rand(&self) -> &Self::RandProvider {
        &self.crypto
    }
}
