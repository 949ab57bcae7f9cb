//! Interoperability with a second MLS implementation (mls-rs, same ciphersuite): it joins a
//! hybrid-edge group from its welcome, hybrid-edge joins an mls-rs group, and both exchange
//! application messages and commits. mls-rs sends its commits as PublicMessage (its
//! default), hybrid-edge as PrivateMessage.

use std::time::{SystemTime, UNIX_EPOCH};

use mls_rs::client_builder::MlsConfig;
use mls_rs::group::ReceivedMessage;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::identity::SigningIdentity;
use mls_rs::{CipherSuite, CipherSuiteProvider, CryptoProvider, MlsMessage};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use super::identity::tests::Wallet;
use super::identity::{statement, Binding};
use super::*;

const SUITE: CipherSuite = CipherSuite::CURVE25519_CHACHA;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An mls-rs client whose basic credential is a hybrid-edge wallet binding
/// (`docs/identity.md`), produced from the documentation's rules alone.
fn mls_rs_client(wallet: &Wallet) -> mls_rs::Client<impl MlsConfig> {
    let crypto = RustCryptoProvider::default();
    let suite = crypto.cipher_suite_provider(SUITE).unwrap();
    let (secret, public) = suite.signature_key_generate().unwrap();
    let scheme = Suite::default().signature_scheme();
    let issued_at = now();
    let text = statement(&wallet.address(), scheme, public.as_bytes(), issued_at).unwrap();
    let binding = Binding {
        address: wallet.address(),
        scheme,
        installation_key: public.as_bytes().to_vec(),
        issued_at,
        wallet_signature: wallet.sign(&text).try_into().unwrap(),
    };
    let credential = BasicCredential::new(binding.to_bytes()).into_credential();
    mls_rs::Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .signing_identity(SigningIdentity::new(credential, public), secret, SUITE)
        .build()
}

fn hybrid_edge_client(wallet: &Wallet) -> Client {
    let identity = wallet.identity(Suite::default().signature_scheme(), now());
    Client::new(identity, ClientConfig::default()).unwrap()
}

fn application(event: Event) -> (alloy_primitives::Address, Vec<u8>) {
    match event {
        Event::Application {
            sender, content, ..
        } => (sender.address, content),
        other => panic!("expected an application message, got {other:?}"),
    }
}

fn mls_rs_application(received: ReceivedMessage) -> Vec<u8> {
    match received {
        ReceivedMessage::ApplicationMessage(m) => m.data().to_vec(),
        other => panic!("expected an application message, got {other:?}"),
    }
}

#[test]
fn mls_rs_joins_a_hybrid_edge_group_and_both_talk_and_commit() {
    let (alice_wallet, mira_wallet) = (Wallet::new(1), Wallet::new(20));
    let mut alice = hybrid_edge_client(&alice_wallet);
    let mira = mls_rs_client(&mira_wallet);

    let kp = mira
        .generate_key_package_message(Default::default(), Default::default(), None)
        .unwrap()
        .to_bytes()
        .unwrap();
    let (group_id, commit) = alice.create_group(&[kp], false, now()).unwrap();
    let welcome = MlsMessage::from_bytes(&commit.unwrap().welcome.unwrap()).unwrap();
    // The welcome carries the ratchet tree: no tree passed separately.
    let (mut mira_group, _) = mira.join_group(None, &welcome, None).unwrap();
    assert_eq!(mira_group.group_id(), &group_id[..]);
    let members: Vec<_> = alice.members(&group_id).unwrap();
    assert_eq!(members[1].address, mira_wallet.address());

    let ct = alice.encrypt(&group_id, b"hello mls-rs").unwrap();
    let received = mira_group
        .process_incoming_message(MlsMessage::from_bytes(&ct).unwrap())
        .unwrap();
    assert_eq!(mls_rs_application(received), b"hello mls-rs");

    let ct = mira_group
        .encrypt_application_message(b"hello hybrid-edge", vec![])
        .unwrap();
    let (sender, content) = application(alice.process(&ct.to_bytes().unwrap(), now()).unwrap());
    assert_eq!(sender, mira_wallet.address());
    assert_eq!(content, b"hello hybrid-edge");

    // mls-rs commits (a PublicMessage by default), hybrid-edge applies it.
    let out = mira_group.commit(vec![]).unwrap();
    mira_group.apply_pending_commit().unwrap();
    let header = peek_header(&out.commit_message.to_bytes().unwrap()).unwrap();
    assert!(!header.encrypted);
    match alice
        .process(&out.commit_message.to_bytes().unwrap(), now())
        .unwrap()
    {
        Event::Commit { sender, epoch, .. } => {
            assert_eq!(sender.address, mira_wallet.address());
            assert_eq!(epoch, 2);
        }
        other => panic!("{other:?}"),
    }
    // hybrid-edge commits (a PrivateMessage), mls-rs applies it.
    let out = alice.rotate_keys(&group_id, now()).unwrap();
    let received = mira_group
        .process_incoming_message(MlsMessage::from_bytes(&out.commit).unwrap())
        .unwrap();
    assert!(matches!(received, ReceivedMessage::Commit(_)));
    assert_eq!(mira_group.current_epoch(), 3);

    let ct = mira_group
        .encrypt_application_message(b"epoch 3", vec![])
        .unwrap();
    assert_eq!(
        application(alice.process(&ct.to_bytes().unwrap(), now()).unwrap()).1,
        b"epoch 3"
    );
}

#[test]
fn hybrid_edge_joins_an_mls_rs_group_and_both_talk_and_commit() {
    let (bob_wallet, mira_wallet) = (Wallet::new(2), Wallet::new(20));
    let mut bob = hybrid_edge_client(&bob_wallet);
    let mira = mls_rs_client(&mira_wallet);

    let mut mira_group = mira
        .create_group(Default::default(), Default::default(), None)
        .unwrap();
    let kp = bob.create_key_packages(1, now()).unwrap().remove(0);
    let out = mira_group
        .commit_builder()
        .add_member(MlsMessage::from_bytes(&kp).unwrap())
        .unwrap()
        .build()
        .unwrap();
    mira_group.apply_pending_commit().unwrap();
    let welcome = out.welcome_messages[0].to_bytes().unwrap();
    match bob.process(&welcome, now()).unwrap() {
        Event::Welcome { members, .. } => {
            assert_eq!(members[0].address, mira_wallet.address());
            assert_eq!(members[1].address, bob_wallet.address());
        }
        other => panic!("{other:?}"),
    }
    let group_id = mira_group.group_id().to_vec();

    let ct = mira_group
        .encrypt_application_message(b"from mls-rs", vec![])
        .unwrap();
    let (sender, content) = application(bob.process(&ct.to_bytes().unwrap(), now()).unwrap());
    assert_eq!(
        (sender, content),
        (mira_wallet.address(), b"from mls-rs".to_vec())
    );

    let ct = bob.encrypt(&group_id, b"from hybrid-edge").unwrap();
    let received = mira_group
        .process_incoming_message(MlsMessage::from_bytes(&ct).unwrap())
        .unwrap();
    assert_eq!(mls_rs_application(received), b"from hybrid-edge");

    let out = bob.rotate_keys(&group_id, now()).unwrap();
    let received = mira_group
        .process_incoming_message(MlsMessage::from_bytes(&out.commit).unwrap())
        .unwrap();
    assert!(matches!(received, ReceivedMessage::Commit(_)));

    let out = mira_group.commit(vec![]).unwrap();
    mira_group.apply_pending_commit().unwrap();
    bob.process(&out.commit_message.to_bytes().unwrap(), now())
        .unwrap();
    assert_eq!(bob.epoch(&group_id).unwrap(), mira_group.current_epoch());

    let ct = bob.encrypt(&group_id, b"still in sync").unwrap();
    let received = mira_group
        .process_incoming_message(MlsMessage::from_bytes(&ct).unwrap())
        .unwrap();
    assert_eq!(mls_rs_application(received), b"still in sync");
}

#[test]
fn an_mls_rs_member_with_a_plain_credential_is_refused() {
    let mut bob = hybrid_edge_client(&Wallet::new(2));
    let crypto = RustCryptoProvider::default();
    let suite = crypto.cipher_suite_provider(SUITE).unwrap();
    let (secret, public) = suite.signature_key_generate().unwrap();
    let credential = BasicCredential::new(b"mira".to_vec()).into_credential();
    let mira = mls_rs::Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .signing_identity(SigningIdentity::new(credential, public), secret, SUITE)
        .build();
    let mut group = mira
        .create_group(Default::default(), Default::default(), None)
        .unwrap();
    let kp = bob.create_key_packages(1, now()).unwrap().remove(0);
    let out = group
        .commit_builder()
        .add_member(MlsMessage::from_bytes(&kp).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let welcome = out.welcome_messages[0].to_bytes().unwrap();
    assert_eq!(
        bob.process(&welcome, now()).unwrap_err().code(),
        "InvalidIdentityBinding"
    );
    let kp = mira
        .generate_key_package_message(Default::default(), Default::default(), None)
        .unwrap()
        .to_bytes()
        .unwrap();
    assert_eq!(
        bob.create_group(&[kp], false, now()).unwrap_err().code(),
        "InvalidIdentityBinding"
    );
}
