use alloy_primitives::Address;

use super::error::{excerpt, EthError};

/// Parses `0x` + 40 hex digits into an [`Address`].
///
/// All-lowercase and all-uppercase hex carry no checksum and are accepted; mixed case must
/// pass EIP-55, else [`EthError::InvalidAddressChecksum`]. Anything else is
/// [`EthError::InvalidAddress`].
pub fn parse_address(input: &str) -> Result<Address, EthError> {
    let invalid = || EthError::InvalidAddress {
        input: excerpt(input),
    };
    let hex = input.strip_prefix("0x").ok_or_else(invalid)?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    let mut bytes = [0u8; 20];
    alloy_primitives::hex::decode_to_slice(hex, &mut bytes).map_err(|_| invalid())?;
    let address = Address::from(bytes);
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        let expected = address.to_checksum(None);
        if expected[2..] != *hex {
            return Err(EthError::InvalidAddressChecksum {
                input: input.to_owned(),
                expected,
            });
        }
    }
    Ok(address)
}

/// Returns the EIP-55 checksummed form of an address (see [`parse_address`] for what is
/// accepted and the errors).
pub fn to_checksum_address(input: &str) -> Result<String, EthError> {
    parse_address(input).map(|a| a.to_checksum(None))
}

/// Shortens an address for display and logs: `0x1234…abcd` (checksummed case: the first
/// four and the last four hex digits around an ellipsis).
pub fn shorten_address(input: &str) -> Result<String, EthError> {
    let full = to_checksum_address(input)?;
    Ok(format!("{}…{}", &full[..6], &full[38..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vectors listed in EIP-55.
    const EIP55: [&str; 8] = [
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    #[test]
    fn eip55_vectors_round_trip() {
        for v in EIP55 {
            // All-caps and all-lowercase vectors are valid as given; the checksummed
            // form of the mixed ones is themselves.
            let sum = to_checksum_address(v).unwrap();
            assert_eq!(sum.to_lowercase(), v.to_lowercase());
            assert_eq!(to_checksum_address(&v.to_lowercase()).unwrap(), sum);
            assert_eq!(to_checksum_address(&sum).unwrap(), sum);
        }
        assert_eq!(
            to_checksum_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").unwrap(),
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        );
    }

    #[test]
    fn all_uppercase_hex_is_accepted() {
        let upper = "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED";
        assert_eq!(
            to_checksum_address(upper).unwrap(),
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        );
    }

    #[test]
    fn wrong_checksum_is_rejected_with_the_expected_form() {
        let err = to_checksum_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").unwrap_err();
        assert_eq!(err.code(), "InvalidAddressChecksum");
        assert_eq!(
            err,
            EthError::InvalidAddressChecksum {
                input: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD".into(),
                expected: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".into(),
            }
        );
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for bad in [
            "",
            "0x",
            "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed0",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg",
            " 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaé",
        ] {
            assert_eq!(
                to_checksum_address(bad).unwrap_err().code(),
                "InvalidAddress",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn shorten_keeps_checksum_case() {
        assert_eq!(
            shorten_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").unwrap(),
            "0x5aAe…eAed"
        );
        assert_eq!(
            shorten_address("nope").unwrap_err().code(),
            "InvalidAddress"
        );
    }
}
