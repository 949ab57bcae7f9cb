//! The relay with the package's own hooks ([`PackageHooks`]): real wallet bindings
//! (EIP-191, verified by signature recovery) in the authorization matrix, and real openmls
//! commits ordered by their clear header. The Ed25519 signature over the nonce is the
//! embedder's check; here a signature is valid when it is the installation followed by the
//! nonce, and the test passes that verdict in as the Worker does.

use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::{eip191_hash_message, hex, Address};
use k256::ecdsa::SigningKey;
use openmls_traits::types::SignatureScheme;

use super::tests::sign;
use super::*;
use crate::mls::{self, IdentityRequest};
use crate::transport::frame::{decode, MessageId};

/// A test wallet signing like viem's `signMessage` (r ‖ s ‖ v, v ∈ {27, 28}).
struct Wallet(SigningKey);

impl Wallet {
    fn new(seed: u8) -> Self {
        Self(SigningKey::from_slice(&[seed; 32]).unwrap())
    }

    fn address(&self) -> Address {
        Address::from_public_key(self.0.verifying_key())
    }

    fn lower(&self) -> String {
        hex::encode_prefixed(self.address().as_slice())
    }

    fn sign(&self, text: &str) -> Vec<u8> {
        let hash = eip191_hash_message(text.as_bytes());
        let (sig, recid) = self.0.sign_prehash_recoverable(hash.as_slice()).unwrap();
        let mut out = sig.to_bytes().to_vec();
        out.push(27 + recid.to_byte());
        out
    }
}

const ISSUED_AT: u64 = 1_764_096_422;

/// The binding bytes of `docs/identity.md` (section 4) for an Ed25519 `key`, claiming
/// `address`, with the statement signed by `signer`.
fn binding(address: Address, key: &[u8], signer: &Wallet) -> Vec<u8> {
    let text = mls::statement(&address, SignatureScheme::ED25519, key, ISSUED_AT).unwrap();
    let mut out = vec![1];
    out.extend_from_slice(address.as_slice());
    out.extend_from_slice(&0x0807u16.to_be_bytes());
    out.push(key.len() as u8);
    out.extend_from_slice(key);
    out.extend_from_slice(&ISSUED_AT.to_be_bytes());
    out.extend_from_slice(&signer.sign(&text));
    out
}

fn t(name: &str) -> Topic {
    Topic::new(name).unwrap()
}

struct Bench {
    relay: Relay<MemoryStore>,
}

impl Bench {
    fn new() -> Self {
        Self {
            relay: Relay::new(RelayConfig::default(), MemoryStore::new()),
        }
    }

    /// Sends `frame` on `conn`, deciding the Ed25519 check as the Worker does.
    fn send(&mut self, conn: u64, frame: Frame) -> Vec<Frame> {
        let bytes = frame.encode(DEFAULT_MAX_FRAME_SIZE).unwrap();
        let valid = self.relay.pending_auth(ConnId(conn), &bytes).is_some_and(
            |(installation, nonce, signature)| signature == sign(&installation, &nonce),
        );
        self.relay
            .handle_frame(ConnId(conn), &bytes, 0, &PackageHooks::new(valid))
            .into_iter()
            .map(|RelayOutput::Send { bytes, .. }| decode(&bytes, usize::MAX).unwrap())
            .collect()
    }

    /// Opens `conn`, presents `installation` with `binding`, signs the nonce with
    /// `signed_by` (the installation's own key when it is the same), and returns the answer.
    fn login(
        &mut self,
        conn: u64,
        installation: &[u8],
        binding: Option<Vec<u8>>,
        signed_by: &[u8],
    ) -> Vec<Frame> {
        let nonce = [conn as u8; 32];
        self.relay.open(ConnId(conn), nonce, 0);
        let hello = match binding {
            Some(binding) => Frame::BoundHello {
                installation: installation.to_vec(),
                binding,
            },
            None => Frame::Hello {
                installation: installation.to_vec(),
            },
        };
        assert_eq!(self.send(conn, hello), [Frame::Challenge { nonce }]);
        self.send(
            conn,
            Frame::Auth {
                signature: sign(signed_by, &nonce),
            },
        )
    }

    fn subscribe(&mut self, conn: u64, topic: &str) -> Vec<Frame> {
        self.send(
            conn,
            Frame::Subscribe {
                topic: t(topic),
                cursor: 0,
            },
        )
    }
}

fn refused(topic: Option<&str>) -> Vec<Frame> {
    vec![Frame::Error(ErrorFrame::Unauthorized {
        id: None,
        topic: topic.map(t),
    })]
}

const KEY_A: [u8; 32] = [0xa1; 32];
const KEY_M: [u8; 32] = [0xe1; 32];

#[test]
fn a_verified_binding_gives_the_connection_its_address_and_inbox() {
    let alice = Wallet::new(1);
    let bob = Wallet::new(2);
    let mut b = Bench::new();
    let good = binding(alice.address(), &KEY_A, &alice);
    assert_eq!(
        mls::verify_binding(&good, &KEY_A).unwrap().address,
        alice.address()
    );
    assert_eq!(b.login(1, &KEY_A, Some(good), &KEY_A), [Frame::Welcome]);
    let inbox = format!("inbox/{}", alice.lower());
    assert!(b.subscribe(1, &inbox).is_empty());
    // Only the exact lower-case spelling is an inbox; the checksummed one is refused.
    let checksummed = format!("inbox/{}", alice.address().to_checksum(None));
    assert_eq!(b.subscribe(1, &checksummed), refused(Some(&checksummed)));
    let other = format!("inbox/{}", bob.lower());
    assert_eq!(b.subscribe(1, &other), refused(Some(&other)));
    // Without a binding the key is proven but no address: groups yes, inboxes no.
    assert_eq!(b.login(2, &KEY_M, None, &KEY_M), [Frame::Welcome]);
    assert_eq!(b.subscribe(2, &inbox), refused(Some(&inbox)));
    assert!(b.subscribe(2, "group/g").is_empty());
}

#[test]
fn require_binding_refuses_a_plain_hello() {
    let alice = Wallet::new(1);
    let mut b = Bench::new();
    b.relay = Relay::new(
        RelayConfig {
            require_binding: true,
            ..RelayConfig::default()
        },
        MemoryStore::new(),
    );
    b.relay.open(ConnId(1), [1; 32], 0);
    let hello = Frame::Hello {
        installation: KEY_A.to_vec(),
    };
    assert_eq!(b.send(1, hello), refused(None));
    // The connection cannot recover: no challenge was handed out.
    let good = binding(alice.address(), &KEY_A, &alice);
    let bound = Frame::BoundHello {
        installation: KEY_A.to_vec(),
        binding: good.clone(),
    };
    assert_eq!(b.send(1, bound), refused(None));
    let auth = Frame::Auth {
        signature: sign(&KEY_A, &[1; 32]),
    };
    assert_eq!(b.send(1, auth), refused(None));
    // A bound connection is welcome.
    assert_eq!(b.login(2, &KEY_A, Some(good), &KEY_A), [Frame::Welcome]);
}

#[test]
fn authz_a_forged_binding_is_refused() {
    let alice = Wallet::new(1);
    let mallory = Wallet::new(3);
    let mut b = Bench::new();
    // Alice's address over Mallory's key, signed by Mallory's wallet.
    let forged = binding(alice.address(), &KEY_M, &mallory);
    assert_eq!(b.login(1, &KEY_M, Some(forged), &KEY_M), refused(None));
    // A valid binding of Mallory's with Alice's address written over hers.
    let mut rewritten = binding(mallory.address(), &KEY_M, &mallory);
    rewritten[1..21].copy_from_slice(alice.address().as_slice());
    assert_eq!(b.login(2, &KEY_M, Some(rewritten), &KEY_M), refused(None));
    // A flipped signature bit, a truncated binding, garbage, an empty one.
    let mut flipped = binding(mallory.address(), &KEY_M, &mallory);
    let last = flipped.len() - 10;
    flipped[last] ^= 1;
    let truncated = binding(mallory.address(), &KEY_M, &mallory)[..100].to_vec();
    for (conn, bad) in [
        (3, flipped),
        (4, truncated),
        (5, vec![0xff; 140]),
        (6, vec![]),
    ] {
        assert_eq!(b.login(conn, &KEY_M, Some(bad), &KEY_M), refused(None));
        // And nothing is readable or writable afterwards.
        assert_eq!(b.subscribe(conn, "group/g"), refused(None));
    }
}

#[test]
fn authz_a_binding_for_another_installation_or_address_is_refused() {
    let alice = Wallet::new(1);
    let mallory = Wallet::new(3);
    let mut b = Bench::new();
    let alices = binding(alice.address(), &KEY_A, &alice);
    // Mallory presents Alice's (valid) binding with her own key: it names another key.
    assert_eq!(
        b.login(1, &KEY_M, Some(alices.clone()), &KEY_M),
        refused(None)
    );
    // Mallory presents Alice's key and binding but cannot sign Alice's nonce.
    assert_eq!(b.login(2, &KEY_A, Some(alices), &KEY_M), refused(None));
    // Mallory's own valid binding gets her in, as herself: Alice's inbox stays closed.
    let hers = binding(mallory.address(), &KEY_M, &mallory);
    assert_eq!(b.login(3, &KEY_M, Some(hers), &KEY_M), [Frame::Welcome]);
    let inbox = format!("inbox/{}", alice.lower());
    assert_eq!(b.subscribe(3, &inbox), refused(Some(&inbox)));
    assert!(b
        .subscribe(3, &format!("inbox/{}", mallory.lower()))
        .is_empty());
}

#[test]
fn authz_a_replayed_bound_auth_is_refused() {
    let alice = Wallet::new(1);
    let mut b = Bench::new();
    let good = binding(alice.address(), &KEY_A, &alice);
    assert_eq!(
        b.login(1, &KEY_A, Some(good.clone()), &KEY_A),
        [Frame::Welcome]
    );
    let stolen = sign(&KEY_A, &[1; 32]);
    // Again on the same connection: the nonce is spent.
    assert_eq!(
        b.send(
            1,
            Frame::Auth {
                signature: stolen.clone()
            }
        ),
        refused(None)
    );
    // On a new connection with the same binding: a new nonce, so the old signature fails.
    b.relay.open(ConnId(2), [2; 32], 0);
    assert_eq!(
        b.send(
            2,
            Frame::BoundHello {
                installation: KEY_A.to_vec(),
                binding: good,
            }
        ),
        [Frame::Challenge { nonce: [2; 32] }]
    );
    assert_eq!(b.send(2, Frame::Auth { signature: stolen }), refused(None));
    let inbox = format!("inbox/{}", alice.lower());
    assert_eq!(b.subscribe(2, &inbox), refused(None));
}

/// The bindings `tests/relay/relay.test.mjs` presents to the relay in workerd: the
/// installation keys are the Ed25519 keys of the seeds `0x11…`, `0x22…` and `0x33…`
/// (public keys computed by Node), the wallets those of seeds 1, 2 and 3. ECDSA signing is
/// deterministic (RFC 6979), so the file is reproducible; `UPDATE_FIXTURES=1` rewrites it.
#[test]
fn the_workerd_test_bindings_are_current() {
    let keys = [
        (
            "alice",
            "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737",
            1,
        ),
        (
            "bob",
            "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0",
            2,
        ),
        (
            "mallory",
            "17cb79fb2b4120f2b1ec65e4198d6e08b28e813feb01e4a400839b85e18080ce",
            3,
        ),
    ];
    let mut parties = serde_json::Map::new();
    for (name, key, wallet) in keys {
        let key = hex::decode(key).unwrap();
        let wallet = Wallet::new(wallet);
        let bound = binding(wallet.address(), &key, &wallet);
        assert!(mls::verify_binding(&bound, &key).is_ok());
        parties.insert(
            name.into(),
            serde_json::json!({
                "installation": hex::encode(&key),
                "address": wallet.lower(),
                "binding": hex::encode(&bound),
            }),
        );
    }
    // Alice's address and Mallory's key, signed by Mallory's wallet.
    let forged = binding(
        Wallet::new(1).address(),
        &hex::decode(keys[2].1).unwrap(),
        &Wallet::new(3),
    );
    let fixture = serde_json::json!({
        "issuedAt": ISSUED_AT,
        "parties": parties,
        "forged": hex::encode(forged),
    });
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/relay/bindings.json");
    let text = serde_json::to_string_pretty(&fixture).unwrap() + "\n";
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), text);
}

// ----- real MLS messages through the commit-per-epoch rule ---------------------------

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn mls_client(seed: u8) -> mls::Client {
    let wallet = Wallet::new(seed);
    let request =
        IdentityRequest::prepare(wallet.address(), SignatureScheme::ED25519, unix_now()).unwrap();
    let signature = wallet.sign(request.statement());
    let identity = request.complete(&signature).unwrap();
    mls::Client::new(identity, mls::ClientConfig::default()).unwrap()
}

fn publish(b: &mut Bench, topic: &str, conn: u64, id: u8, payload: &[u8]) -> Vec<Frame> {
    b.send(
        conn,
        Frame::Publish(Publish {
            topic: t(topic),
            id: MessageId([id; 16]),
            payload: payload.to_vec(),
        }),
    )
}

fn acked(frames: &[Frame]) -> bool {
    matches!(frames, [Frame::Ack { .. }])
}

#[test]
fn real_mls_commits_first_of_an_epoch_wins() {
    let now = unix_now();
    let mut alice = mls_client(1);
    let mut bob = mls_client(2);
    let kp = bob.create_key_packages(1, now).unwrap().remove(0);
    let (group, created) = alice.create_group(&[kp], false, now).unwrap();
    bob.process(&created.unwrap().welcome.unwrap(), now)
        .unwrap();
    assert_eq!(
        (alice.epoch(&group).unwrap(), bob.epoch(&group).unwrap()),
        (1, 1)
    );

    // The group's topic: `group/` and its id in lower-case `0x` hex.
    let topic = &format!("group/{}", hex::encode_prefixed(&group));
    let mut b = Bench::new();
    // The installations sign in with their real bindings (the MLS credential identities).
    let alice_key = alice.identity().installation_key.clone();
    let bob_key = bob.identity().installation_key.clone();
    let a_binding = binding(Wallet::new(1).address(), &alice_key, &Wallet::new(1));
    let b_binding = binding(Wallet::new(2).address(), &bob_key, &Wallet::new(2));
    assert_eq!(
        b.login(1, &alice_key, Some(a_binding), &alice_key),
        [Frame::Welcome]
    );
    assert_eq!(
        b.login(2, &bob_key, Some(b_binding), &bob_key),
        [Frame::Welcome]
    );

    // Both commit in epoch 1 at once: Alice's reaches the relay first and wins.
    let from_alice = alice.rotate_keys(&group, now).unwrap();
    let from_bob = bob.rotate_keys(&group, now).unwrap();
    assert_eq!(
        mls::peek_header(&from_alice.commit).unwrap().content_type,
        mls::MessageContentType::Commit
    );
    assert!(acked(&publish(&mut b, topic, 1, 1, &from_alice.commit)));
    assert_eq!(
        publish(&mut b, topic, 2, 2, &from_bob.commit),
        [Frame::Error(ErrorFrame::StaleEpoch {
            id: MessageId([2; 16]),
            topic: t(topic),
        })]
    );
    assert_eq!(b.relay.store().epoch(&t(topic)), Some(2));
    // A retry of the winner is acknowledged again, not refused.
    assert!(acked(&publish(&mut b, topic, 1, 1, &from_alice.commit)));
    // Application messages are not ordered by epoch: Alice's in epoch 2 and Bob's late one
    // from epoch 1 are both stored.
    let app = alice.encrypt(&group, b"hello").unwrap();
    assert!(acked(&publish(&mut b, topic, 1, 3, &app)));
    let late = bob.encrypt(&group, b"late").unwrap();
    assert!(acked(&publish(&mut b, topic, 2, 4, &late)));
    // Alice's next commit (epoch 2) is accepted; her stale one (epoch 1, new id) is not.
    let next = alice.rotate_keys(&group, now).unwrap();
    assert!(acked(&publish(&mut b, topic, 1, 5, &next.commit)));
    assert_eq!(b.relay.store().epoch(&t(topic)), Some(3));
    assert!(matches!(
        publish(&mut b, topic, 1, 6, &from_alice.commit)[..],
        [Frame::Error(ErrorFrame::StaleEpoch { .. })]
    ));
    // Opaque bytes and a welcome are stored without ordering rules.
    assert!(acked(&publish(&mut b, topic, 1, 7, b"not mls")));
    assert_eq!(b.relay.store().epoch(&t(topic)), Some(3));
    // A commit of this group on another group's topic, or on a name that is not its id in
    // lower-case hex, is refused; so are its bytes cut short or with bytes appended.
    let refused_on = |id: u8, topic: &str| {
        vec![Frame::Error(ErrorFrame::Unauthorized {
            id: Some(MessageId([id; 16])),
            topic: Some(t(topic)),
        })]
    };
    let next2 = alice.rotate_keys(&group, now).unwrap();
    let upper = format!("group/0x{}", hex::encode_upper(&group));
    for (id, other) in [(8, "group/0x00"), (9, "group/real"), (10, upper.as_str())] {
        assert_eq!(
            publish(&mut b, other, 1, id, &next2.commit),
            refused_on(id, other)
        );
        assert_eq!(b.relay.store().epoch(&t(other)), None);
    }
    let cut = &next2.commit[..next2.commit.len() - 1];
    assert_eq!(publish(&mut b, topic, 1, 11, cut), refused_on(11, topic));
    let long = [next2.commit.as_slice(), b"x"].concat();
    assert_eq!(publish(&mut b, topic, 1, 12, &long), refused_on(12, topic));
    assert_eq!(b.relay.store().epoch(&t(topic)), Some(3));
    assert!(acked(&publish(&mut b, topic, 1, 13, &next2.commit)));
    assert_eq!(b.relay.store().epoch(&t(topic)), Some(4));

    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        let fixture = serde_json::json!({
            "groupId": hex::encode_prefixed(&group),
            "aliceCommitEpoch1": hex::encode(&from_alice.commit),
            "bobCommitEpoch1": hex::encode(&from_bob.commit),
            "aliceAppEpoch2": hex::encode(&app),
            "aliceCommitEpoch2": hex::encode(&next.commit),
        });
        let text = serde_json::to_string_pretty(&fixture).unwrap() + "\n";
        std::fs::write(MLS_FIXTURE, text).unwrap();
    }
}

/// Real openmls messages for `tests/relay/relay.test.mjs` (the relay in workerd), written by
/// [`real_mls_commits_first_of_an_epoch_wins`] with `UPDATE_FIXTURES=1` (openmls output is
/// random, so the file is checked by its headers instead of being rebuilt).
const MLS_FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/relay/mls-messages.json");

#[test]
fn the_workerd_mls_messages_have_the_expected_headers() {
    let text = std::fs::read_to_string(MLS_FIXTURE).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    let header = |name: &str| {
        let bytes = hex::decode(fixture[name].as_str().unwrap()).unwrap();
        let h = mls::peek_header(&bytes).unwrap();
        (h.epoch, h.content_type)
    };
    use mls::MessageContentType::{Application, Commit};
    assert_eq!(header("aliceCommitEpoch1"), (1, Commit));
    assert_eq!(header("bobCommitEpoch1"), (1, Commit));
    assert_eq!(header("aliceAppEpoch2"), (2, Application));
    assert_eq!(header("aliceCommitEpoch2"), (2, Commit));
    let groups: std::collections::BTreeSet<_> = [
        "aliceCommitEpoch1",
        "bobCommitEpoch1",
        "aliceAppEpoch2",
        "aliceCommitEpoch2",
    ]
    .map(|n| {
        let bytes = hex::decode(fixture[n].as_str().unwrap()).unwrap();
        mls::peek_header(&bytes).unwrap().group_id
    })
    .into_iter()
    .collect();
    assert_eq!(groups.len(), 1);
    // The topic `tests/relay/relay.test.mjs` publishes them to is named by this id.
    let group = groups.into_iter().next().unwrap();
    assert_eq!(fixture["groupId"], hex::encode_prefixed(group));
}
