//! Base58check private keys: WIF (version 0x80 / 0xef) and BIP-32 extended private keys
//! (`xprv`, `tprv`, `yprv`, `zprv`). Validation is the checksum, via `bs58`.

/// BIP-32 / SLIP-132 version bytes of extended *private* keys.
const XPRV_VERSIONS: [[u8; 4]; 4] = [
    [0x04, 0x88, 0xAD, 0xE4], // xprv
    [0x04, 0x35, 0x83, 0x94], // tprv
    [0x04, 0x9D, 0x78, 0x78], // yprv
    [0x04, 0xB2, 0x43, 0x0C], // zprv
];

/// Which base58 key a token is, if any.
pub(crate) fn is_base58_key(token: &[u8]) -> bool {
    match (token.len(), token.first()) {
        // Uncompressed WIF (5… mainnet, 9… testnet) or compressed (K/L mainnet, c testnet).
        (51, Some(b'5' | b'9')) | (52, Some(b'K' | b'L' | b'c')) => is_wif(token),
        (111, Some(b'x' | b't' | b'y' | b'z')) => is_xprv(token),
        _ => false,
    }
}

fn decode(token: &[u8]) -> Option<Vec<u8>> {
    bs58::decode(token).with_check(None).into_vec().ok()
}

fn is_wif(token: &[u8]) -> bool {
    let Some(payload) = decode(token) else {
        return false;
    };
    match payload.as_slice() {
        [0x80 | 0xEF, key @ ..] if key.len() == 32 => true,
        [0x80 | 0xEF, key @ .., 0x01] if key.len() == 32 => true,
        _ => false,
    }
}

fn is_xprv(token: &[u8]) -> bool {
    let Some(payload) = decode(token) else {
        return false;
    };
    // version(4) depth(1) parent(4) child(4) chain code(32) 0x00 key(32) = 78 bytes.
    payload.len() == 78
        && XPRV_VERSIONS.iter().any(|v| payload.starts_with(v))
        && payload.get(45) == Some(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_vectors() {
        // Bitcoin wiki "Wallet import format" example and BIP-32 test vector 1 (m).
        assert!(is_base58_key(
            b"5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"
        ));
        assert!(is_base58_key(
            b"KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617"
        ));
        assert!(is_base58_key(
            b"xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
        ));
    }

    #[test]
    fn tampering_and_public_keys_fail() {
        // One character changed.
        assert!(!is_base58_key(
            b"5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTK"
        ));
        assert!(!is_base58_key(
            b"xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHj"
        ));
        // The matching xpub is public.
        assert!(!is_base58_key(
            b"xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8"
        ));
        assert!(!is_base58_key(
            b"5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyT"
        ));
    }
}
