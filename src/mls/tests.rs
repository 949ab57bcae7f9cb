//! Conversations between clients, natively: round-trips, membership, typed failures,
//! forward secrecy and restore from persisted change sets.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use openmls::prelude::{
    BasicCredential, Capabilities, CredentialType, CredentialWithKey, ExtensionType, KeyPackage,
    Lifetime, MlsMessageOut,
};
use openmls_basic_credential::SignatureKeyPair;

use super::identity::tests::Wallet;
use super::identity::{statement, Binding};
use super::*;

/// openmls checks key package lifetimes against the system clock, so tests start at the
/// real time and move forward from there.
pub(super) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub(super) fn client(seed: u8, suite: Suite) -> Client {
    let wallet = Wallet::new(seed);
    let identity = wallet.identity(suite.signature_scheme(), now());
    let config = ClientConfig {
        suite,
        ..ClientConfig::default()
    };
    Client::new(identity, config).unwrap()
}

/// Alice, Bob, Carol and Dave (wallet seeds 1 to 4).
fn four_clients(suite: Suite) -> (Client, Client, Client, Client) {
    (
        client(1, suite),
        client(2, suite),
        client(3, suite),
        client(4, suite),
    )
}

fn key_package(c: &mut Client) -> Vec<u8> {
    c.create_key_packages(1, now()).unwrap().remove(0)
}

/// Alice creates a group with Bob (and others), everyone joins from the welcome.
pub(super) fn group_of(clients: &mut [&mut Client], dm: bool) -> Vec<u8> {
    let (alice, rest) = clients.split_first_mut().unwrap();
    let kps: Vec<_> = rest.iter_mut().map(|c| key_package(c)).collect();
    let (group_id, commit) = alice.create_group(&kps, dm, now()).unwrap();
    let welcome = commit.unwrap().welcome.unwrap();
    for c in rest.iter_mut() {
        match c.process(&welcome, now()).unwrap() {
            Event::Welcome { group_id: g, .. } => assert_eq!(g, group_id),
            other => panic!("expected a welcome, got {other:?}"),
        }
    }
    group_id
}

pub(super) fn app_text(event: Event) -> (String, Vec<u8>) {
    match event {
        Event::Application {
            sender, content, ..
        } => (sender.address_checksummed(), content),
        other => panic!("expected an application message, got {other:?}"),
    }
}

#[test]
fn dm_round_trip_both_ways_in_every_suite() {
    for suite in Suite::ALL {
        let mut alice = client(1, suite);
        let mut bob = client(2, suite);
        let bob_kp = key_package(&mut bob);
        let (group_id, commit) = alice.create_group(&[bob_kp], true, now()).unwrap();
        let commit = commit.unwrap();
        assert_eq!(commit.epoch, 1);
        match bob.process(&commit.welcome.unwrap(), now()).unwrap() {
            Event::Welcome {
                group_id: g,
                epoch,
                members,
                dm,
            } => {
                assert_eq!(g, group_id);
                assert_eq!(epoch, 1);
                assert!(dm);
                let addresses: Vec<_> = members.iter().map(|m| m.address).collect();
                assert_eq!(
                    addresses,
                    [alice.identity().address, bob.identity().address]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(bob.is_dm(&group_id).unwrap());
        assert_eq!(
            alice.members(&group_id).unwrap(),
            bob.members(&group_id).unwrap()
        );

        let ct = alice.encrypt(&group_id, b"gm").unwrap();
        let (sender, content) = app_text(bob.process(&ct, now()).unwrap());
        assert_eq!(sender, alice.identity().address_checksummed());
        assert_eq!(content, b"gm");

        let ct = bob.encrypt(&group_id, b"gm back").unwrap();
        let (sender, content) = app_text(alice.process(&ct, now()).unwrap());
        assert_eq!(sender, bob.identity().address_checksummed());
        assert_eq!(content, b"gm back");
    }
}

#[test]
fn dm_takes_exactly_two_members() {
    let mut alice = client(1, Suite::default());
    let mut bob = client(2, Suite::default());
    let mut carol = client(3, Suite::default());
    let kps = vec![key_package(&mut bob), key_package(&mut carol)];
    assert_eq!(
        alice.create_group(&kps, true, now()).unwrap_err(),
        MlsError::DmMemberLimit
    );
    let group_id = group_of(&mut [&mut alice, &mut bob], true);
    let carol_kp = key_package(&mut carol);
    assert_eq!(
        alice.add_members(&group_id, &[carol_kp]).unwrap_err(),
        MlsError::DmMemberLimit
    );
}

#[test]
fn add_remove_leave_and_rotate_report_what_changed() {
    let suite = Suite::default();
    let (mut alice, mut bob, mut carol, mut dave) = four_clients(suite);
    let group_id = group_of(&mut [&mut alice, &mut bob], false);

    // Alice adds Carol: Bob learns who was added.
    let carol_kp = key_package(&mut carol);
    let out = alice.add_members(&group_id, &[carol_kp]).unwrap();
    assert_eq!(out.epoch, 2);
    carol.process(&out.welcome.unwrap(), now()).unwrap();
    match bob.process(&out.commit, now()).unwrap() {
        Event::Commit {
            epoch,
            sender,
            changes,
            ..
        } => {
            assert_eq!(epoch, 2);
            assert_eq!(sender.address, alice.identity().address);
            assert_eq!(changes.added.len(), 1);
            assert_eq!(changes.added[0].address, carol.identity().address);
            assert!(changes.removed.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(bob.members(&group_id).unwrap().len(), 3);

    // Carol rotates her keys: the others see her leaf updated.
    let t0 = now();
    assert!(!carol.rotation_due(&group_id, t0).unwrap());
    assert!(carol.rotation_due(&group_id, t0 + 24 * 3600).unwrap());
    assert!(carol
        .groups_due_for_rotation(t0 + 24 * 3600 - 120)
        .is_empty());
    assert_eq!(
        carol.groups_due_for_rotation(t0 + 24 * 3600),
        std::slice::from_ref(&group_id)
    );
    let out = carol.rotate_keys(&group_id, t0 + 24 * 3600).unwrap();
    assert!(!carol.rotation_due(&group_id, t0 + 24 * 3600).unwrap());
    for c in [&mut alice, &mut bob] {
        match c.process(&out.commit, now()).unwrap() {
            Event::Commit { changes, .. } => {
                assert_eq!(changes.updated.len(), 1);
                assert_eq!(changes.updated[0].address, carol.identity().address);
            }
            other => panic!("{other:?}"),
        }
    }

    // Bob leaves: a proposal, committed by Alice; Bob forgets the group.
    let proposal = bob.leave(&group_id).unwrap();
    assert!(matches!(
        bob.process(&proposal, now()).unwrap(),
        Event::Own {
            content_type: MessageContentType::Proposal,
            ..
        }
    ));
    for c in [&mut alice, &mut carol] {
        match c.process(&proposal, now()).unwrap() {
            Event::Proposal { changes, .. } => {
                assert_eq!(changes.removed[0].address, bob.identity().address)
            }
            other => panic!("{other:?}"),
        }
    }
    let out = alice.commit_pending_proposals(&group_id).unwrap();
    carol.process(&out.commit, now()).unwrap();
    match bob.process(&out.commit, now()).unwrap() {
        Event::Commit { changes, .. } => assert!(changes.self_removed),
        other => panic!("{other:?}"),
    }
    assert!(bob.group_ids().is_empty());

    // Alice adds Dave, then removes Carol by address.
    let dave_kp = key_package(&mut dave);
    let out = alice.add_members(&group_id, &[dave_kp]).unwrap();
    dave.process(&out.welcome.unwrap(), now()).unwrap();
    carol.process(&out.commit, now()).unwrap();
    let out = alice
        .remove_members(&group_id, &[carol.identity().address])
        .unwrap();
    match dave.process(&out.commit, now()).unwrap() {
        Event::Commit { changes, .. } => {
            assert_eq!(changes.removed[0].address, carol.identity().address)
        }
        other => panic!("{other:?}"),
    }
    match carol.process(&out.commit, now()).unwrap() {
        Event::Commit { changes, .. } => assert!(changes.self_removed),
        other => panic!("{other:?}"),
    }
    let members: Vec<_> = dave
        .members(&group_id)
        .unwrap()
        .into_iter()
        .map(|m| m.address)
        .collect();
    assert_eq!(members, [alice.identity().address, dave.identity().address]);
    assert_eq!(
        alice
            .remove_members(&group_id, &[carol.identity().address])
            .unwrap_err()
            .code(),
        "MemberNotFound"
    );

    // The remaining two still talk.
    let ct = dave.encrypt(&group_id, b"still here").unwrap();
    assert_eq!(
        app_text(alice.process(&ct, now()).unwrap()).1,
        b"still here"
    );
}

#[test]
fn adds_renew_the_committers_keys_only_when_asked() {
    let (mut alice, mut bob, mut carol, mut dave) = four_clients(Suite::default());
    let group_id = group_of(&mut [&mut alice, &mut bob], false);
    // Alice's leaf encryption key, as a member sees it.
    let alices_key = |c: &Client| {
        let group = &c.groups[&group_id].mls;
        let alice = group.members().next().unwrap();
        assert_eq!(alice.index.u32(), 0);
        alice.encryption_key
    };
    let first = alices_key(&alice);

    let out = alice
        .add_members(&group_id, &[key_package(&mut carol)])
        .unwrap();
    bob.process(&out.commit, now()).unwrap();
    carol.process(&out.welcome.unwrap(), now()).unwrap();
    for c in [&alice, &bob, &carol] {
        assert_eq!(alices_key(c), first);
    }

    // An add renews no keys, so it is no rotation; one with an update path is.
    let interval = ClientConfig::default().key_rotation_interval;
    let later = now() + interval;
    assert!(alice.rotation_due(&group_id, later).unwrap());
    let out = alice
        .add_members_and_update(&group_id, &[key_package(&mut dave)], later)
        .unwrap();
    assert!(!alice.rotation_due(&group_id, later + interval - 1).unwrap());
    assert!(alice.rotation_due(&group_id, later + interval).unwrap());
    bob.process(&out.commit, now()).unwrap();
    carol.process(&out.commit, now()).unwrap();
    dave.process(&out.welcome.unwrap(), now()).unwrap();
    let renewed = alices_key(&alice);
    assert_ne!(renewed, first);
    for c in [&bob, &carol, &dave] {
        assert_eq!(alices_key(c), renewed);
    }

    // Everyone still reads Alice, in the epoch both adds made.
    let ct = alice.encrypt(&group_id, b"four of us").unwrap();
    for c in [&mut bob, &mut carol, &mut dave] {
        assert_eq!(app_text(c.process(&ct, now()).unwrap()).1, b"four of us");
    }
}

/// Alice removes Bob, then adds Dave, who takes Bob's leaf; Carol follows both commits.
/// Returns the add (its welcome is Dave's).
fn dave_takes_bobs_leaf(
    group_id: &[u8],
    alice: &mut Client,
    bob: &Client,
    carol: &mut Client,
    dave: &mut Client,
) -> CommitOutput {
    let removed = alice
        .remove_members(group_id, &[bob.identity().address])
        .unwrap();
    carol.process(&removed.commit, now()).unwrap();
    let added = alice.add_members(group_id, &[key_package(dave)]).unwrap();
    carol.process(&added.commit, now()).unwrap();
    added
}

#[test]
fn a_leaf_taken_over_by_a_new_member_reports_the_new_sender() {
    // Alice keeps the senders of an epoch; Dave takes Bob's leaf after Bob is removed, and
    // his messages must name Dave, not the Bob of an earlier epoch.
    let suite = Suite::default();
    let (mut alice, mut bob, mut carol, mut dave) = four_clients(suite);
    let group_id = group_of(&mut [&mut alice, &mut bob, &mut carol], false);
    for _ in 0..2 {
        let ct = bob.encrypt(&group_id, b"from bob").unwrap();
        let (sender, _) = app_text(alice.process(&ct, now()).unwrap());
        assert_eq!(sender, bob.identity().address_checksummed());
    }
    let added = dave_takes_bobs_leaf(&group_id, &mut alice, &bob, &mut carol, &mut dave);
    dave.process(&added.welcome.unwrap(), now()).unwrap();
    let ct = dave.encrypt(&group_id, b"from dave").unwrap();
    for c in [&mut alice, &mut carol] {
        let (sender, content) = app_text(c.process(&ct, now()).unwrap());
        assert_eq!(sender, dave.identity().address_checksummed());
        assert_eq!(content, b"from dave");
    }
}

#[test]
fn a_late_message_names_the_member_who_sent_it_not_the_leaf_s_new_owner() {
    // Bob's message arrives after Bob was removed and Dave took his leaf; it is still within
    // the past epochs kept, so it decrypts, and it must name Bob.
    let suite = Suite::default();
    let (mut alice, mut bob, mut carol, mut dave) = four_clients(suite);
    let group_id = group_of(&mut [&mut alice, &mut bob, &mut carol], false);
    let late = bob.encrypt(&group_id, b"sent before I left").unwrap();
    dave_takes_bobs_leaf(&group_id, &mut alice, &bob, &mut carol, &mut dave);
    let (sender, content) = app_text(carol.process(&late, now()).unwrap());
    assert_eq!(content, b"sent before I left");
    assert_eq!(sender, bob.identity().address_checksummed());
}

#[test]
fn concurrent_commits_with_confirmation_leave_no_fork() {
    // Alice and Bob rotate at the same time; the relay takes Alice's. Bob's commit waited
    // instead of being merged, so processing Alice's drops it and Bob stays in the group.
    let suite = Suite::default();
    let (mut alice, mut bob, mut carol, mut dave) = four_clients(suite);
    let group_id = group_of(&mut [&mut alice, &mut bob, &mut carol], false);
    for c in [&mut alice, &mut bob, &mut carol] {
        c.set_confirm_commits(true);
    }
    let t0 = now() + 24 * 3600;
    assert!(bob.rotation_due(&group_id, t0).unwrap());
    let winner = alice.rotate_keys(&group_id, t0).unwrap();
    let loser = bob.rotate_keys(&group_id, t0).unwrap();
    assert!(winner.pending && loser.pending);
    assert_eq!((winner.epoch, loser.epoch), (2, 2));
    assert_eq!(
        alice.epoch(&group_id).unwrap(),
        1,
        "pending: not merged yet"
    );
    assert!(alice.has_pending_commit(&group_id).unwrap());
    // Nothing else is committed or proposed while a commit waits.
    assert_eq!(
        alice.rotate_keys(&group_id, t0).unwrap_err().code(),
        "CommitPending"
    );
    assert_eq!(alice.leave(&group_id).unwrap_err().code(), "CommitPending");
    // Messages still go out in the current epoch.
    let early = alice.encrypt(&group_id, b"still epoch 1").unwrap();
    assert_eq!(
        app_text(bob.process(&early, now()).unwrap()).1,
        b"still epoch 1"
    );

    // The relay accepted Alice's commit: she merges, the others process it. Its echo is
    // her own message before and after the merge (a past epoch's commit, for openmls).
    let own_commit = |c: &mut Client| match c.process(&winner.commit, now()).unwrap() {
        Event::Own {
            epoch,
            content_type,
            ..
        } => (epoch, content_type),
        other => panic!("{other:?}"),
    };
    assert_eq!(own_commit(&mut alice), (1, MessageContentType::Commit));
    assert_eq!(alice.merge_pending_commit(&group_id, t0).unwrap(), 2);
    assert_eq!(own_commit(&mut alice), (1, MessageContentType::Commit));
    assert!(
        !alice.rotation_due(&group_id, t0).unwrap(),
        "a merged self-update is a rotation"
    );
    let applied = |c: &mut Client| match c.process(&winner.commit, now()).unwrap() {
        Event::Commit {
            epoch,
            own_commit_discarded,
            ..
        } => (epoch, own_commit_discarded),
        other => panic!("{other:?}"),
    };
    assert_eq!(applied(&mut carol), (2, false));
    assert_eq!(applied(&mut bob), (2, true));
    assert!(!bob.has_pending_commit(&group_id).unwrap());
    assert!(
        bob.rotation_due(&group_id, t0).unwrap(),
        "the dropped rotation does not count"
    );
    assert_eq!(
        bob.merge_pending_commit(&group_id, t0).unwrap_err().code(),
        "NoPendingCommit"
    );
    // Everyone is at epoch 2 and talks.
    let ct = bob.encrypt(&group_id, b"no fork").unwrap();
    for c in [&mut alice, &mut carol] {
        assert_eq!(app_text(c.process(&ct, now()).unwrap()).1, b"no fork");
    }

    // Bob's retry at the new epoch; a cleared commit leaves the epoch as it was.
    let retry = bob.rotate_keys(&group_id, t0).unwrap();
    assert_eq!(bob.merge_pending_commit(&group_id, t0).unwrap(), 3);
    for c in [&mut alice, &mut carol] {
        c.process(&retry.commit, now()).unwrap();
    }
    carol.rotate_keys(&group_id, t0).unwrap();
    carol.clear_pending_commit(&group_id).unwrap();
    assert_eq!(carol.epoch(&group_id).unwrap(), 3);
    assert_eq!(
        carol.clear_pending_commit(&group_id).unwrap_err().code(),
        "NoPendingCommit"
    );

    // An add: the welcome is sent after the merge, and Dave talks with everyone.
    let added = alice
        .add_members(&group_id, &[key_package(&mut dave)])
        .unwrap();
    assert!(added.pending);
    assert_eq!(alice.merge_pending_commit(&group_id, t0).unwrap(), 4);
    for c in [&mut bob, &mut carol] {
        c.process(&added.commit, now()).unwrap();
    }
    dave.process(&added.welcome.unwrap(), now()).unwrap();
    let ct = dave.encrypt(&group_id, b"hi all").unwrap();
    for c in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(app_text(c.process(&ct, now()).unwrap()).1, b"hi all");
    }
}

#[test]
fn without_confirmation_the_loser_of_concurrent_commits_is_forked() {
    // Why confirmation exists: merged at once, Bob's own commit put him in an epoch 2 nobody
    // else has, and the winning commit for epoch 1 cannot be applied any more.
    let suite = Suite::default();
    let (mut alice, mut bob, mut carol, _) = four_clients(suite);
    let group_id = group_of(&mut [&mut alice, &mut bob, &mut carol], false);
    let winner = alice.rotate_keys(&group_id, now()).unwrap();
    let loser = bob.rotate_keys(&group_id, now()).unwrap();
    assert!(!winner.pending && !loser.pending);
    assert!(matches!(
        alice.process(&winner.commit, now()).unwrap(),
        Event::Own { .. }
    ));
    carol.process(&winner.commit, now()).unwrap();
    assert!(bob.process(&winner.commit, now()).is_err());
    let ct = alice.encrypt(&group_id, b"lost on bob").unwrap();
    assert!(bob.process(&ct, now()).is_err());
}

#[test]
fn tampered_replayed_and_unknown_group_messages_are_typed_errors() {
    let suite = Suite::default();
    let (mut alice, mut bob, mut eve) = (client(1, suite), client(2, suite), client(5, suite));
    let group_id = group_of(&mut [&mut alice, &mut bob], false);
    let ct = alice.encrypt(&group_id, b"hello").unwrap();

    // Any flipped bit of the ciphertext body.
    for i in [ct.len() - 1, ct.len() - 20, ct.len() / 2] {
        let mut bad = ct.clone();
        bad[i] ^= 0x01;
        let err = bob.process(&bad, now()).unwrap_err();
        assert!(err.is_untrusted_input(), "{err:?}");
        assert!(
            matches!(err.code(), "TamperedMessage" | "MalformedMlsMessage"),
            "{err:?}"
        );
    }
    assert_eq!(app_text(bob.process(&ct, now()).unwrap()).1, b"hello");
    assert_eq!(
        bob.process(&ct, now()).unwrap_err(),
        MlsError::ReplayedMessage
    );
    assert_eq!(
        eve.process(&ct, now()).unwrap_err().code(),
        "MessageForUnknownGroup"
    );
    assert_eq!(
        bob.encrypt(b"nope", b"x").unwrap_err().code(),
        "UnknownGroup"
    );
    for junk in [&b""[..], b"\x00\x01", &[0xff; 64]] {
        assert_eq!(
            bob.process(junk, now()).unwrap_err().code(),
            "MalformedMlsMessage"
        );
    }
    let mut trailing = ct.clone();
    trailing.push(0);
    assert_eq!(
        bob.process(&trailing, now()).unwrap_err().code(),
        "MalformedMlsMessage"
    );
}

#[test]
fn proposals_from_outside_the_group_are_not_a_member() {
    use openmls::prelude::SenderExtensionIndex;
    use openmls::prelude::{ExternalProposal, GroupEpoch, GroupId, JoinProposal, LeafNodeIndex};
    let suite = Suite::default();
    let (mut alice, mut bob, mut eve) = (client(1, suite), client(2, suite), client(5, suite));
    let group_id = group_of(&mut [&mut alice, &mut bob], false);
    let (gid, epoch) = (GroupId::from_slice(&group_id), GroupEpoch::from(1));
    // An "external sender" removing Alice: the group has no external senders.
    let remove = ExternalProposal::new_remove::<provider::Provider>(
        LeafNodeIndex::new(0),
        gid.clone(),
        epoch,
        &eve.identity.key_pair,
        SenderExtensionIndex::new(0),
    )
    .unwrap()
    .to_bytes()
    .unwrap();
    assert_eq!(
        bob.process(&remove, now()).unwrap_err(),
        MlsError::NotAMember
    );
    // A join proposal: new members come in only through members' commits.
    let eve_kp = key_package(&mut eve);
    let eve_kp = alice.parse_key_packages(&[eve_kp]).unwrap().remove(0);
    let join =
        JoinProposal::new::<crate::storage::MlsStore>(eve_kp, gid, epoch, &eve.identity.key_pair)
            .unwrap()
            .to_bytes()
            .unwrap();
    assert_eq!(bob.process(&join, now()).unwrap_err(), MlsError::NotAMember);
    assert_eq!(bob.members(&group_id).unwrap().len(), 2);
}

#[test]
fn messages_from_future_or_expired_epochs_are_wrong_epoch() {
    let suite = Suite::default();
    let (mut alice, mut bob) = (client(1, suite), client(2, suite));
    let group_id = group_of(&mut [&mut alice, &mut bob], false);
    let old = alice.encrypt(&group_id, b"epoch 1").unwrap();

    // Alice moves on without Bob seeing it: her next message is from the future for Bob.
    let commit = alice.rotate_keys(&group_id, now()).unwrap().commit;
    let future = alice.encrypt(&group_id, b"epoch 2").unwrap();
    assert_eq!(
        bob.process(&future, now()).unwrap_err(),
        MlsError::WrongEpoch {
            message_epoch: 2,
            group_epoch: 1
        }
    );
    bob.process(&commit, now()).unwrap();
    assert_eq!(app_text(bob.process(&future, now()).unwrap()).1, b"epoch 2");

    // Past epochs are kept for max_past_epochs (3) epochs, then deleted.
    let mut commits = Vec::new();
    for _ in 0..4 {
        commits.push(alice.rotate_keys(&group_id, now()).unwrap().commit);
    }
    for c in &commits {
        bob.process(c, now()).unwrap();
    }
    assert_eq!(bob.epoch(&group_id).unwrap(), 6);
    assert_eq!(bob.process(&old, now()).unwrap_err().code(), "WrongEpoch");
}

#[test]
fn late_messages_within_max_past_epochs_still_decrypt() {
    let suite = Suite::default();
    let (mut alice, mut bob) = (client(1, suite), client(2, suite));
    let group_id = group_of(&mut [&mut alice, &mut bob], false);
    let late = alice.encrypt(&group_id, b"late").unwrap();
    let commit = alice.rotate_keys(&group_id, now()).unwrap().commit;
    bob.process(&commit, now()).unwrap();
    assert_eq!(app_text(bob.process(&late, now()).unwrap()).1, b"late");
}

/// A key package whose credential claims `victim`'s address with `signer`'s signature.
fn forged_key_package(victim: &Wallet, signer: &Wallet, suite: Suite) -> Vec<u8> {
    let key_pair = SignatureKeyPair::new(suite.signature_scheme()).unwrap();
    let issued_at = now();
    let text = statement(
        &victim.address(),
        key_pair.signature_scheme(),
        key_pair.public(),
        issued_at,
    )
    .unwrap();
    let binding = Binding {
        address: victim.address(),
        scheme: key_pair.signature_scheme(),
        installation_key: key_pair.to_public_vec(),
        issued_at,
        wallet_signature: signer.sign(&text).try_into().unwrap(),
    };
    let provider = provider::Provider::default();
    key_pair
        .store(openmls_traits::OpenMlsProvider::storage(&provider))
        .unwrap();
    let credential = CredentialWithKey {
        credential: BasicCredential::new(binding.to_bytes()).into(),
        signature_key: key_pair.to_public_vec().into(),
    };
    let bundle = KeyPackage::builder()
        .key_package_lifetime(Lifetime::init(now() - 3600, now() + 3600))
        .leaf_node_capabilities(Capabilities::new(
            None,
            Some(&[suite.openmls()]),
            Some(&[ExtensionType::Unknown(client_dm_extension())]),
            None,
            Some(&[CredentialType::Basic]),
        ))
        .build(suite.openmls(), &provider, &key_pair, credential)
        .unwrap();
    MlsMessageOut::from(bundle.key_package().clone())
        .to_bytes()
        .unwrap()
}

fn client_dm_extension() -> u16 {
    super::client::DM_EXTENSION
}

#[test]
fn forged_bindings_are_rejected_in_key_packages_and_commits() {
    let suite = Suite::default();
    let (mut alice, mut bob) = (client(1, suite), client(2, suite));
    let (victim, mallory) = (Wallet::new(9), Wallet::new(10));
    let group_id = group_of(&mut [&mut alice, &mut bob], false);
    let forged = forged_key_package(&victim, &mallory, suite);

    // Through the API: refused before anything is committed.
    assert_eq!(
        alice
            .add_members(&group_id, std::slice::from_ref(&forged))
            .unwrap_err()
            .code(),
        "InvalidIdentityBinding"
    );
    assert_eq!(
        alice
            .create_group(std::slice::from_ref(&forged), false, now())
            .unwrap_err()
            .code(),
        "InvalidIdentityBinding"
    );
    assert_eq!(alice.epoch(&group_id).unwrap(), 1);

    // A malicious member bypasses its own checks: the others refuse the commit.
    let kp = alice.parse_key_packages_unverified(&forged);
    let group = super::client::lookup(&mut alice.groups, &group_id).unwrap();
    let (commit, _, _) = group
        .mls
        .add_members(&alice.provider, &alice.identity.key_pair, &[kp])
        .unwrap();
    let commit = commit.to_bytes().unwrap();
    assert_eq!(
        bob.process(&commit, now()).unwrap_err().code(),
        "InvalidIdentityBinding"
    );
    assert_eq!(bob.epoch(&group_id).unwrap(), 1);
}

#[test]
fn a_welcome_with_a_forged_member_is_rejected() {
    let suite = Suite::default();
    let (mut alice, mut bob) = (client(1, suite), client(2, suite));
    let forged = forged_key_package(&Wallet::new(9), &Wallet::new(10), suite);
    let bob_kp = key_package(&mut bob);
    // Alice's client is bypassed: she adds Bob and the forged member together.
    let (group_id, _) = alice.create_group(&[], false, now()).unwrap();
    let kps = vec![
        alice.parse_key_packages(&[bob_kp]).unwrap().remove(0),
        alice.parse_key_packages_unverified(&forged),
    ];
    let group = super::client::lookup(&mut alice.groups, &group_id).unwrap();
    let (_, welcome, _) = group
        .mls
        .add_members(&alice.provider, &alice.identity.key_pair, &kps)
        .unwrap();
    let welcome = welcome.to_bytes().unwrap();
    assert_eq!(
        bob.process(&welcome, now()).unwrap_err().code(),
        "InvalidIdentityBinding"
    );
    assert!(bob.group_ids().is_empty());
}

impl Client {
    /// Parses a key package without the wallet-binding check, as a malicious client would.
    fn parse_key_packages_unverified(&self, bytes: &[u8]) -> KeyPackage {
        use openmls::prelude::{MlsMessageBodyIn, ProtocolVersion};
        use openmls_traits::OpenMlsProvider;
        let message = super::client::parse_message(bytes).unwrap();
        let MlsMessageBodyIn::KeyPackage(kp) = message.extract() else {
            panic!("not a key package")
        };
        kp.validate(self.provider.crypto(), ProtocolVersion::Mls10)
            .unwrap()
    }
}

#[test]
fn a_decrypted_message_cannot_be_decrypted_again_from_stored_state() {
    let suite = Suite::default();
    let (mut alice, mut bob) = (client(1, suite), client(2, suite));
    let group_id = group_of(&mut [&mut alice, &mut bob], false);
    let ct = alice.encrypt(&group_id, b"read once").unwrap();
    let before = bob.snapshot();
    assert_eq!(app_text(bob.process(&ct, now()).unwrap()).1, b"read once");
    let changes = bob.take_changes();
    assert!(!changes.is_empty(), "the used key must be deleted durably");

    // Everything Bob persisted, restored into a new client: the key is gone.
    let mut restored = Client::restore(bob.snapshot()).unwrap();
    assert_eq!(
        restored.process(&ct, now()).unwrap_err(),
        MlsError::ReplayedMessage
    );
    // The state before decryption still could: the change set is what made the difference.
    let mut earlier = Client::restore(before).unwrap();
    assert_eq!(
        app_text(earlier.process(&ct, now()).unwrap()).1,
        b"read once"
    );
}

#[test]
fn restore_from_persisted_change_sets_and_keep_talking_both_ways() {
    let suite = Suite::default();
    let (mut alice, mut bob) = (client(1, suite), client(2, suite));
    let mut alice_db = BTreeMap::new();
    let mut bob_db = BTreeMap::new();
    let persist = |c: &mut Client, db: &mut BTreeMap<Vec<u8>, Vec<u8>>| {
        c.take_changes().apply_to(db);
    };
    persist(&mut alice, &mut alice_db);
    persist(&mut bob, &mut bob_db);

    let bob_kp = key_package(&mut bob);
    persist(&mut bob, &mut bob_db);
    let (group_id, commit) = alice.create_group(&[bob_kp], false, now()).unwrap();
    persist(&mut alice, &mut alice_db);
    bob.process(&commit.unwrap().welcome.unwrap(), now())
        .unwrap();
    persist(&mut bob, &mut bob_db);
    for i in 0..3u8 {
        let ct = alice.encrypt(&group_id, &[i]).unwrap();
        persist(&mut alice, &mut alice_db);
        bob.process(&ct, now()).unwrap();
        persist(&mut bob, &mut bob_db);
    }
    let commit = bob.rotate_keys(&group_id, now()).unwrap().commit;
    persist(&mut bob, &mut bob_db);
    alice.process(&commit, now()).unwrap();
    persist(&mut alice, &mut alice_db);

    // The durable copy is exactly the in-memory state.
    assert_eq!(alice_db, alice.snapshot());
    assert_eq!(bob_db, bob.snapshot());
    let (alice_id, bob_id) = (alice.identity().clone(), bob.identity().clone());
    drop(alice);
    drop(bob);

    let mut alice = Client::restore(alice_db).unwrap();
    let mut bob = Client::restore(bob_db).unwrap();
    assert_eq!(alice.identity(), &alice_id);
    assert_eq!(bob.identity(), &bob_id);
    assert_eq!(alice.group_ids(), std::slice::from_ref(&group_id));
    assert_eq!(bob.epoch(&group_id).unwrap(), 2);

    let ct = alice.encrypt(&group_id, b"after restart").unwrap();
    let (sender, content) = app_text(bob.process(&ct, now()).unwrap());
    assert_eq!(
        (sender, content),
        (alice_id.address_checksummed(), b"after restart".to_vec())
    );
    let ct = bob.encrypt(&group_id, b"me too").unwrap();
    assert_eq!(app_text(alice.process(&ct, now()).unwrap()).1, b"me too");
    let commit = alice.rotate_keys(&group_id, now()).unwrap().commit;
    bob.process(&commit, now()).unwrap();
    let ct = bob.encrypt(&group_id, b"new epoch").unwrap();
    assert_eq!(app_text(alice.process(&ct, now()).unwrap()).1, b"new epoch");
}

#[test]
fn a_pending_commit_survives_a_restart_and_merges_after_it() {
    let suite = Suite::default();
    let (mut alice, mut bob) = (client(1, suite), client(2, suite));
    let group_id = group_of(&mut [&mut alice, &mut bob], false);
    alice.set_confirm_commits(true);
    let pending = alice.rotate_keys(&group_id, now()).unwrap();
    let mut db = BTreeMap::new();
    alice.take_changes().apply_to(&mut db);
    drop(alice);

    // The setting is the running client's; the pending commit is state.
    let mut alice = Client::restore(db).unwrap();
    assert!(!alice.confirm_commits());
    assert!(alice.has_pending_commit(&group_id).unwrap());
    assert_eq!(alice.epoch(&group_id).unwrap(), 1);
    assert_eq!(
        alice.rotate_keys(&group_id, now()).unwrap_err().code(),
        "CommitPending"
    );
    assert_eq!(alice.merge_pending_commit(&group_id, now()).unwrap(), 2);
    bob.process(&pending.commit, now()).unwrap();
    let ct = bob.encrypt(&group_id, b"after the merge").unwrap();
    assert_eq!(
        app_text(alice.process(&ct, now()).unwrap()).1,
        b"after the merge"
    );
}

#[test]
fn restore_refuses_missing_or_corrupt_state() {
    assert_eq!(
        Client::restore(BTreeMap::new()).unwrap_err().code(),
        "MlsStorage"
    );
    let alice = client(1, Suite::default());
    let mut records = alice.snapshot();
    for value in records.values_mut() {
        if value.starts_with(b"{\"config\"") {
            value.truncate(5);
        }
    }
    assert_eq!(Client::restore(records).unwrap_err().code(), "MlsStorage");
}

#[test]
fn a_key_package_whose_signature_fails_is_named_among_many() {
    let suite = Suite::default();
    let (mut alice, mut bob, mut carol, mut dave) = four_clients(suite);
    let (group_id, _) = alice.create_group(&[], false, now()).unwrap();
    let good = [key_package(&mut bob), key_package(&mut dave)];
    let mut bad = key_package(&mut carol);
    let last = bad.len() - 1;
    bad[last] ^= 1; // the key package's own signature is its last field
    let alone = alice.add_members(&group_id, &[bad.clone()]).unwrap_err();
    assert_eq!(alone.code(), "InvalidKeyPackage", "{alone:?}");
    // Checked together with good ones: the same error, whatever its place; nothing added.
    for batch in [
        vec![good[0].clone(), bad.clone(), good[1].clone()],
        vec![good[0].clone(), good[1].clone(), bad.clone()],
        vec![bad.clone(), b"junk".to_vec()],
    ] {
        assert_eq!(alice.add_members(&group_id, &batch).unwrap_err(), alone);
    }
    // A malformed one after good ones: its own error (the batch of the others holds).
    assert_eq!(
        alice
            .add_members(&group_id, &[good[0].clone(), b"junk".to_vec()])
            .unwrap_err()
            .code(),
        "MalformedMlsMessage"
    );
    assert_eq!(alice.members(&group_id).unwrap().len(), 1);
    let out = alice.add_members(&group_id, &good).unwrap();
    assert_eq!(out.epoch, 1);
    assert_eq!(alice.members(&group_id).unwrap().len(), 3);
}

#[test]
fn key_packages_batch_last_resort_and_suite_checks() {
    let suite = Suite::default();
    let (mut alice, mut bob, mut carol) = (client(1, suite), client(2, suite), client(3, suite));
    assert_eq!(bob.create_key_packages(5, now()).unwrap().len(), 5);
    for bad in [0, 101] {
        assert_eq!(
            bob.create_key_packages(bad, now()).unwrap_err().code(),
            "MlsInvalidArgument"
        );
    }
    // A last-resort key package can be used by two groups.
    let last = bob.create_last_resort_key_package(now()).unwrap();
    for _ in 0..2 {
        let (_, commit) = alice
            .create_group(std::slice::from_ref(&last), false, now())
            .unwrap();
        bob.process(&commit.unwrap().welcome.unwrap(), now())
            .unwrap();
    }
    assert_eq!(bob.group_ids().len(), 2);
    // A single-use one cannot.
    let once = key_package(&mut bob);
    let (_, c1) = alice
        .create_group(std::slice::from_ref(&once), false, now())
        .unwrap();
    let (_, c2) = carol.create_group(&[once], false, now()).unwrap();
    bob.process(&c1.unwrap().welcome.unwrap(), now()).unwrap();
    assert_eq!(
        bob.process(&c2.unwrap().welcome.unwrap(), now())
            .unwrap_err()
            .code(),
        "InvalidWelcome"
    );
    // Lifetimes: a key package made 31 days ago (30-day lifetime) has expired.
    let month_ago = now() - 31 * 24 * 3600;
    let expired = bob.create_key_packages(1, month_ago).unwrap();
    assert_eq!(
        alice
            .create_group(&expired, false, now())
            .unwrap_err()
            .code(),
        "InvalidKeyPackage"
    );
    // Two key packages of one installation, or one of a member: refused before anything
    // changes (openmls would fail with a library error).
    let two = bob.create_key_packages(2, now()).unwrap();
    let groups = alice.group_ids().len();
    assert_eq!(
        alice.create_group(&two, false, now()).unwrap_err().code(),
        "InvalidKeyPackage"
    );
    assert_eq!(alice.group_ids().len(), groups);
    let (group_id, _) = alice.create_group(&two[..1], false, now()).unwrap();
    assert_eq!(
        alice.add_members(&group_id, &two[1..]).unwrap_err().code(),
        "InvalidKeyPackage"
    );
    let own = key_package(&mut alice);
    assert_eq!(
        alice.add_members(&group_id, &[own]).unwrap_err().code(),
        "InvalidKeyPackage"
    );
    // Another suite's key package.
    let mut p256 = client(4, Suite::P256Aes128P256);
    let kp = key_package(&mut p256);
    assert_eq!(
        alice.create_group(&[kp], false, now()).unwrap_err().code(),
        "InvalidKeyPackage"
    );
}

#[test]
fn relay_nonces_are_signed_by_the_installation_key_that_the_binding_names() {
    use openmls_traits::crypto::OpenMlsCrypto;
    use openmls_traits::types::SignatureScheme;
    let alice = client(1, Suite::default());
    let nonce = [7u8; 32];
    let signature = alice.sign_relay_nonce(&nonce).unwrap();
    let key = &alice.identity().installation_key;
    openmls_rust_crypto::RustCrypto::default()
        .verify_signature(SignatureScheme::ED25519, &nonce, key, &signature)
        .unwrap();
    // The binding the relay checks names that key, for the client's address.
    let bound = verify_binding(alice.binding(), key).unwrap();
    assert_eq!(bound.address, alice.identity().address);
    for bad in [&nonce[..31], &[0u8; 33][..], &[][..]] {
        assert_eq!(
            alice.sign_relay_nonce(bad).unwrap_err().code(),
            "MlsInvalidArgument"
        );
    }
    let p256 = client(
        2,
        Suite::from_name("MLS_128_DHKEMP256_AES128GCM_SHA256_P256").unwrap(),
    );
    assert_eq!(
        p256.sign_relay_nonce(&nonce).unwrap_err().code(),
        "MlsInvalidArgument"
    );
}

#[test]
fn client_config_and_identity_must_agree() {
    let wallet = Wallet::new(1);
    let ed = wallet.identity(Suite::default().signature_scheme(), now());
    let config = ClientConfig {
        suite: Suite::P256Aes128P256,
        ..ClientConfig::default()
    };
    assert_eq!(
        Client::new(ed, config).unwrap_err().code(),
        "MlsInvalidArgument"
    );
    let ed = wallet.identity(Suite::default().signature_scheme(), now());
    let config = ClientConfig {
        key_rotation_interval: 0,
        ..ClientConfig::default()
    };
    assert_eq!(
        Client::new(ed, config).unwrap_err().code(),
        "MlsInvalidArgument"
    );
}

#[test]
fn peek_header_reads_group_epoch_and_type_without_keys() {
    let suite = Suite::default();
    let (mut alice, mut bob) = (client(1, suite), client(2, suite));
    let bob_kp = key_package(&mut bob);
    let (group_id, commit) = alice
        .create_group(std::slice::from_ref(&bob_kp), false, now())
        .unwrap();
    let commit = commit.unwrap();
    let header = peek_header(&commit.commit).unwrap();
    assert_eq!(
        header,
        MessageHeader {
            group_id: group_id.clone(),
            epoch: 0,
            content_type: MessageContentType::Commit,
            encrypted: true,
        }
    );
    let ct = alice.encrypt(&group_id, b"x").unwrap();
    let header = peek_header(&ct).unwrap();
    assert_eq!(header.epoch, 1);
    assert_eq!(header.content_type, MessageContentType::Application);
    let proposal = alice.leave(&group_id).unwrap();
    assert_eq!(
        peek_header(&proposal).unwrap().content_type,
        MessageContentType::Proposal
    );
    for not_group in [
        &commit.welcome.unwrap()[..],
        &bob_kp,
        b"",
        &ct[..ct.len() - 1],
    ] {
        assert_eq!(
            peek_header(not_group).unwrap_err().code(),
            "MalformedMlsMessage"
        );
    }
}
