//! State storage for the capabilities, designed for write-behind persistence.
//!
//! openmls reads and writes its state synchronously; IndexedDB, Durable Object storage and
//! most Node stores are asynchronous. So state lives in memory ([`MlsStore`]) and, after
//! every mutating call, the caller takes the [`ChangeSet`] of that call and writes it as one
//! atomic batch before reporting success. Restoring is the reverse: load every record and
//! hand them to [`MlsStore::restore`]. [`MlsStore`] is openmls's `StorageProvider`: records
//! in postcard, a journal of the keys each call changed, [`MlsStoreError`] for a record that
//! does not decode.

mod change_set;
mod mls_store;

pub use change_set::ChangeSet;
pub use mls_store::{MlsStore, MlsStoreError};
