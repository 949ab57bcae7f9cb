use std::fmt;
use std::str::FromStr;

use super::error::{excerpt, SanitizeError};

/// What a finding is. The names (`as_str`) are the `kind` strings of the JS API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SensitiveKind {
    /// A 64-hex-digit key in a key context, a WIF key or a BIP-32 `xprv`.
    PrivateKey,
    /// 12–24 BIP-39 English words with a valid checksum.
    SeedPhrase,
    /// The value after a password / PIN cue.
    Password,
    /// A Luhn-valid payment card number with a real issuer prefix.
    CardNumber,
    /// `0x` + 40 hex digits (sensitive only by policy).
    EthAddress,
    /// An e-mail address (sensitive only by policy).
    Email,
    /// An API token in a well-known provider format.
    ApiKey,
}

impl SensitiveKind {
    /// Every kind, in the order of their bits in [`KindSet`].
    pub const ALL: [SensitiveKind; 7] = [
        Self::PrivateKey,
        Self::SeedPhrase,
        Self::Password,
        Self::CardNumber,
        Self::EthAddress,
        Self::Email,
        Self::ApiKey,
    ];

    /// The stable snake_case name (`private_key`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PrivateKey => "private_key",
            Self::SeedPhrase => "seed_phrase",
            Self::Password => "password",
            Self::CardNumber => "card_number",
            Self::EthAddress => "eth_address",
            Self::Email => "email",
            Self::ApiKey => "api_key",
        }
    }

    /// Position in [`SensitiveKind::ALL`].
    pub fn index(self) -> usize {
        match self {
            Self::PrivateKey => 0,
            Self::SeedPhrase => 1,
            Self::Password => 2,
            Self::CardNumber => 3,
            Self::EthAddress => 4,
            Self::Email => 5,
            Self::ApiKey => 6,
        }
    }
}

impl fmt::Display for SensitiveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SensitiveKind {
    type Err = SanitizeError;

    /// Parses a snake_case name; errors with [`SanitizeError::UnknownKind`].
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| SanitizeError::UnknownKind {
                name: excerpt(name),
            })
    }
}

/// A set of kinds (which to look for, which count as sensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KindSet(u8);

impl KindSet {
    /// No kind.
    pub const EMPTY: KindSet = KindSet(0);
    /// Every kind.
    pub const ALL: KindSet = KindSet(0x7f);
    /// What [`contains_sensitive_data`](super::contains_sensitive_data) counts by default:
    /// every kind but `eth_address` and `email`, which are sensitive only by policy.
    pub const SENSITIVE: KindSet = KindSet(0x7f & !(1 << 4) & !(1 << 5));

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: SensitiveKind) -> bool {
        self.0 & (1 << kind.index()) != 0
    }

    /// The set with `kind` added.
    #[must_use]
    pub fn with(self, kind: SensitiveKind) -> KindSet {
        KindSet(self.0 | (1 << kind.index()))
    }

    /// The set with `kind` removed.
    #[must_use]
    pub fn without(self, kind: SensitiveKind) -> KindSet {
        KindSet(self.0 & !(1 << kind.index()))
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set as bits: bit `i` is [`SensitiveKind::ALL`]`[i]`.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The set of these bits (bit `i` is [`SensitiveKind::ALL`]`[i]`); bits of no kind are
    /// ignored.
    pub fn from_bits(bits: u32) -> KindSet {
        KindSet((bits & u32::from(Self::ALL.0)) as u8)
    }
}

impl FromIterator<SensitiveKind> for KindSet {
    fn from_iter<I: IntoIterator<Item = SensitiveKind>>(iter: I) -> Self {
        iter.into_iter().fold(KindSet::EMPTY, KindSet::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_stable() {
        let names: Vec<_> = SensitiveKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "private_key",
                "seed_phrase",
                "password",
                "card_number",
                "eth_address",
                "email",
                "api_key"
            ]
        );
        for (i, k) in SensitiveKind::ALL.into_iter().enumerate() {
            assert_eq!(k.index(), i);
            assert_eq!(k.as_str().parse::<SensitiveKind>(), Ok(k));
        }
        assert_eq!(
            "Password".parse::<SensitiveKind>().unwrap_err().code(),
            "UnknownSensitiveKind"
        );
    }

    #[test]
    fn sensitive_set_leaves_out_addresses_and_emails() {
        let s = KindSet::SENSITIVE;
        assert!(!s.contains(SensitiveKind::EthAddress));
        assert!(!s.contains(SensitiveKind::Email));
        for k in [
            SensitiveKind::PrivateKey,
            SensitiveKind::SeedPhrase,
            SensitiveKind::Password,
            SensitiveKind::CardNumber,
            SensitiveKind::ApiKey,
        ] {
            assert!(s.contains(k));
        }
        let set: KindSet = [SensitiveKind::Email].into_iter().collect();
        assert!(set.contains(SensitiveKind::Email) && !set.contains(SensitiveKind::ApiKey));
        assert!(set.without(SensitiveKind::Email).is_empty());
    }
}
