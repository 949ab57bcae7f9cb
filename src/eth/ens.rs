use alloy_primitives::{hex, keccak256, B256};

use super::error::EthError;

/// The longest label the DNS wire format can carry.
const MAX_DNS_LABEL: usize = 255;

/// `keccak256(label)`, or the hash itself when the label is written in ENS's encoded form
/// `[<64 hex digits>]` (a label known only by its hash).
pub fn labelhash(label: &str) -> B256 {
    encoded_labelhash(label).unwrap_or_else(|| keccak256(label.as_bytes()))
}

/// EIP-137 namehash: `namehash("") = 0x00…00`,
/// `namehash(label.rest) = keccak256(namehash(rest) ‖ labelhash(label))`.
///
/// The name must already be normalized (ENSIP-15) if it came from a user. Errors with
/// [`EthError::InvalidName`] on an empty label (`"a..eth"`, `".eth"`, `"eth."`).
pub fn namehash(name: &str) -> Result<B256, EthError> {
    let mut node = B256::ZERO;
    if name.is_empty() {
        return Ok(node);
    }
    for label in name.rsplit('.') {
        check_label(label, name)?;
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(node.as_slice());
        buf[32..].copy_from_slice(labelhash(label).as_slice());
        node = keccak256(buf);
    }
    Ok(node)
}

/// DNS wire-format encoding of a name (as ENSIP-10 `resolve(bytes name, …)` takes it):
/// each label as a length byte and its bytes, then a zero byte.
///
/// A label longer than 255 bytes cannot be length-prefixed, so it is replaced by its
/// encoded labelhash `[<64 hex digits>]`, as ENS does. Errors with
/// [`EthError::InvalidName`] on an empty label.
pub fn dns_encode(name: &str) -> Result<Vec<u8>, EthError> {
    let mut out = Vec::with_capacity(name.len() + 2);
    if !name.is_empty() {
        for label in name.split('.') {
            check_label(label, name)?;
            if label.len() > MAX_DNS_LABEL {
                let encoded = format!("[{}]", hex::encode(keccak256(label.as_bytes())));
                push_label(&mut out, encoded.as_bytes());
            } else {
                push_label(&mut out, label.as_bytes());
            }
        }
    }
    out.push(0);
    Ok(out)
}

fn push_label(out: &mut Vec<u8>, label: &[u8]) {
    // Callers bound the length to 255 (an encoded labelhash is 66 bytes).
    out.push(u8::try_from(label.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(label);
}

fn check_label(label: &str, name: &str) -> Result<(), EthError> {
    if label.is_empty() {
        return Err(EthError::InvalidName {
            reason: format!("empty label in {:?}", super::error::excerpt(name)),
        });
    }
    Ok(())
}

fn encoded_labelhash(label: &str) -> Option<B256> {
    let inner = label.strip_prefix('[')?.strip_suffix(']')?;
    if inner.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(inner, &mut bytes).ok()?;
    Some(B256::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;

    #[test]
    fn eip137_vectors() {
        assert_eq!(namehash("").unwrap(), B256::ZERO);
        assert_eq!(
            namehash("eth").unwrap(),
            b256!("93cdeb708b7545dc668eb9280176169d1c33cfd8ed6f04690a0bcc88a93fc4ae")
        );
        assert_eq!(
            namehash("foo.eth").unwrap(),
            b256!("de9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f")
        );
    }

    #[test]
    fn encoded_labelhash_stands_for_its_label() {
        let eth = labelhash("eth");
        assert_eq!(
            eth,
            b256!("4f5b812789fc606be1b3b16908db13fc7a9adf7ca72641f84d75b47069d3d7f0")
        );
        let encoded = format!("foo.[{}]", hex::encode(eth));
        assert_eq!(namehash(&encoded).unwrap(), namehash("foo.eth").unwrap());
        // Not 64 hex digits: an ordinary label.
        assert_eq!(labelhash("[abc]"), keccak256("[abc]"));
    }

    #[test]
    fn dns_encoding_matches_ens() {
        assert_eq!(
            dns_encode("test.eth").unwrap(),
            hex::decode("04746573740365746800").unwrap()
        );
        assert_eq!(dns_encode("").unwrap(), [0]);
        let utf8 = dns_encode("🦊.eth").unwrap();
        assert_eq!(utf8[0], 4);
        assert_eq!(&utf8[1..5], "🦊".as_bytes());
    }

    #[test]
    fn long_labels_become_labelhashes() {
        let long = "a".repeat(256);
        let encoded = dns_encode(&format!("{long}.eth")).unwrap();
        assert_eq!(encoded[0], 66);
        let expected = format!("[{}]", hex::encode(keccak256(long.as_bytes())));
        assert_eq!(&encoded[1..67], expected.as_bytes());
        assert_eq!(&encoded[67..], b"\x03eth\x00");
        // 255 bytes still fit as they are.
        let max = "b".repeat(255);
        assert_eq!(dns_encode(&max).unwrap()[0], 255);
    }

    #[test]
    fn empty_labels_are_rejected() {
        for bad in ["a..eth", ".eth", "eth.", "."] {
            assert_eq!(namehash(bad).unwrap_err().code(), "InvalidName", "{bad}");
            assert_eq!(dns_encode(bad).unwrap_err().code(), "InvalidName", "{bad}");
        }
    }
}
