use serde::{Deserialize, Serialize};

use super::ciphersuite::Suite;
use super::error::MlsError;

/// Settings of a [`Client`](super::Client), fixed when the identity is created and stored
/// with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// The ciphersuite of every group and key package of this client.
    #[serde(with = "suite_name")]
    pub suite: Suite,
    /// How many past epochs' message keys are kept to decrypt late messages (default 3).
    pub max_past_epochs: usize,
    /// Seconds between self-updates of a group, see
    /// [`Client::rotation_due`](super::Client::rotation_due) (default 24 h).
    pub key_rotation_interval: u64,
    /// Seconds a fresh key package stays valid (default 30 days).
    pub key_package_lifetime: u64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            suite: Suite::default(),
            max_past_epochs: 3,
            key_rotation_interval: 24 * 60 * 60,
            key_package_lifetime: 30 * 24 * 60 * 60,
        }
    }
}

impl ClientConfig {
    /// Refuses values that would make the client useless or unbounded.
    pub fn validate(&self) -> Result<(), MlsError> {
        let invalid = |reason: &str| {
            Err(MlsError::InvalidArgument {
                reason: reason.into(),
            })
        };
        if self.max_past_epochs > 100 {
            return invalid("max_past_epochs above 100");
        }
        if self.key_rotation_interval == 0 {
            return invalid("key_rotation_interval is zero");
        }
        // openmls refuses leaf lifetimes longer than 84 days plus its one-hour margin.
        if !(3600..=84 * 24 * 60 * 60).contains(&self.key_package_lifetime) {
            return invalid("key_package_lifetime outside 1 hour ..= 84 days");
        }
        Ok(())
    }
}

mod suite_name {
    use super::Suite;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(suite: &Suite, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(suite.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Suite, D::Error> {
        let name = String::deserialize(d)?;
        Suite::from_name(&name).map_err(serde::de::Error::custom)
    }
}
