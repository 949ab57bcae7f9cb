//! A client that is a member of a two-member group, shared by the MLS fuzz targets.

use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::{eip191_hash_message, Address};
use hybrid_edge::mls::{Client, ClientConfig, IdentityRequest, Suite};
use k256::ecdsa::SigningKey;

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Signs like viem's `signMessage`: EIP-191, 65 bytes with v ∈ {27, 28}.
fn client(seed: u8) -> Client {
    let key = SigningKey::from_slice(&[seed; 32]).expect("valid scalar");
    let address = Address::from_public_key(key.verifying_key());
    let suite = Suite::default();
    let request = IdentityRequest::prepare(address, suite.signature_scheme(), now())
        .expect("identity request");
    let hash = eip191_hash_message(request.statement().as_bytes());
    let (sig, recid) = key.sign_prehash_recoverable(hash.as_slice()).expect("sign");
    let mut signature = sig.to_bytes().to_vec();
    signature.push(27 + recid.to_byte());
    let identity = request.complete(&signature).expect("complete");
    Client::new(identity, ClientConfig::default()).expect("client")
}

/// Bob, after joining Alice's group.
pub fn member_of_a_group() -> Client {
    let mut alice = client(1);
    let mut bob = client(2);
    let kp = bob.create_key_packages(1, now()).expect("key package");
    let (_, commit) = alice.create_group(&kp, false, now()).expect("group");
    let welcome = commit.and_then(|c| c.welcome).expect("welcome");
    bob.join_from_welcome(&welcome, now()).expect("join");
    bob
}
