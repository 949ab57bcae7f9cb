//! `process_many` gives exactly the results and the state of one-by-one processing, also
//! when a signature in a run does not hold.

use openmls::prelude::{MlsMessageOut, OpenMlsProvider};
use openmls_basic_credential::SignatureKeyPair;
use openmls_traits::types::SignatureScheme;

use super::tests::{app_text, client, group_of, now};
use super::*;

/// Bob, and a copy of him restored from the same state.
fn twins(bob: &Client) -> (Client, Client) {
    (
        Client::restore(bob.snapshot()).unwrap(),
        Client::restore(bob.snapshot()).unwrap(),
    )
}

/// Processes `messages` with `process_many` on one twin and one by one on the other;
/// both must give the same results and end in the same state: the same records (openmls
/// writes the message secrets with hash-map order, so those are compared by what they
/// still decrypt: the whole backlog again, from the restored state).
fn same_as_one_by_one(bob: &Client, messages: &[Vec<u8>]) -> Vec<Result<Event, MlsError>> {
    let (mut many, mut single) = twins(bob);
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let batched = many.process_many(&refs, now());
    let one_by_one: Vec<_> = messages.iter().map(|m| single.process(m, now())).collect();
    assert_eq!(batched, one_by_one);
    let (a, b) = (many.snapshot(), single.snapshot());
    assert!(a.keys().eq(b.keys()));
    let differ = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(v) && !k.starts_with(b"MessageSecrets"))
        .count();
    assert_eq!(differ, 0);
    assert_eq!(
        many.take_changes().puts.len(),
        single.take_changes().puts.len()
    );
    let (mut many, mut single) = (Client::restore(a).unwrap(), Client::restore(b).unwrap());
    let again: Vec<_> = messages.iter().map(|m| many.process(m, now())).collect();
    let again_single: Vec<_> = messages.iter().map(|m| single.process(m, now())).collect();
    assert_eq!(again, again_single);
    batched
}

/// An application message from `sender` in `group_id`, signed with a key that is not the
/// sender's: it decrypts, and its signature does not hold.
fn wrongly_signed(sender: &mut Client, group_id: &[u8], content: &[u8]) -> Vec<u8> {
    let other = SignatureKeyPair::new(SignatureScheme::ED25519).unwrap();
    let group = sender.groups.get_mut(group_id).unwrap();
    let message: MlsMessageOut = group
        .mls
        .create_message(&sender.provider, &other, content)
        .unwrap();
    convert::to_bytes(message).unwrap()
}

#[test]
fn a_backlog_with_commits_replays_and_junk_reads_as_one_by_one() {
    let suite = Suite::default();
    let (mut alice, mut bob, mut carol) = (client(1, suite), client(2, suite), client(3, suite));
    let group_id = group_of(&mut [&mut alice, &mut bob, &mut carol], false);
    let mut other = client(4, suite);
    let other_group = group_of(&mut [&mut other, &mut bob], true);

    let mut backlog = Vec::new();
    for i in 0..5u8 {
        backlog.push(alice.encrypt(&group_id, &[b'a', i]).unwrap());
    }
    backlog.push(carol.encrypt(&group_id, b"carol").unwrap());
    backlog.push(other.encrypt(&other_group, b"dm").unwrap()); // another group: a new run
    backlog.push(alice.encrypt(&group_id, b"after the dm").unwrap());
    let rotation = alice.rotate_keys(&group_id, now()).unwrap();
    backlog.push(rotation.commit.clone());
    carol.process(&rotation.commit, now()).unwrap();
    backlog.push(carol.encrypt(&group_id, b"new epoch").unwrap());
    backlog.push(alice.encrypt(&group_id, b"new epoch too").unwrap());
    backlog.push(backlog[10].clone()); // a replay inside the same run
    backlog.push(backlog[1].clone()); // a replay from the epoch before
    backlog.push(vec![0xff; 40]); // junk

    let results = same_as_one_by_one(&bob, &backlog);
    let texts: Vec<Vec<u8>> = results
        .iter()
        .filter_map(|r| r.clone().ok())
        .filter(|e| matches!(e, Event::Application { .. }))
        .map(|e| app_text(e).1)
        .collect();
    assert_eq!(texts.len(), 10);
    assert_eq!(texts[0], b"a\x00");
    assert_eq!(texts[9], b"new epoch too");
    assert_eq!(results[11], Err(MlsError::ReplayedMessage));
    assert_eq!(results[12], Err(MlsError::ReplayedMessage));
    assert_eq!(
        results[13].as_ref().unwrap_err().code(),
        "MalformedMlsMessage"
    );
    assert!(matches!(results[8], Ok(Event::Commit { .. })));
}

#[test]
fn a_signature_that_does_not_hold_fails_alone_and_costs_no_key() {
    let suite = Suite::default();
    let (mut alice, mut bob) = (client(1, suite), client(2, suite));
    let group_id = group_of(&mut [&mut alice, &mut bob], false);
    let mut backlog = vec![
        alice.encrypt(&group_id, b"one").unwrap(),
        alice.encrypt(&group_id, b"two").unwrap(),
    ];
    backlog.push(wrongly_signed(&mut alice, &group_id, b"forged"));
    backlog.push(alice.encrypt(&group_id, b"four").unwrap());
    let results = same_as_one_by_one(&bob, &backlog);
    assert_eq!(app_text(results[0].clone().unwrap()).1, b"one");
    assert_eq!(app_text(results[1].clone().unwrap()).1, b"two");
    let err = results[2].clone().unwrap_err();
    assert_eq!(err.code(), "TamperedMessage", "{err:?}");
    assert_eq!(app_text(results[3].clone().unwrap()).1, b"four");

    // After the failed batch the client checks signatures one by one again.
    let (mut many, _) = twins(&bob);
    let refs: Vec<&[u8]> = backlog.iter().map(Vec::as_slice).collect();
    many.process_many(&refs, now());
    let forged = wrongly_signed(&mut alice, &group_id, b"again");
    assert_eq!(
        many.process(&forged, now()).unwrap_err().code(),
        "TamperedMessage"
    );
    let fine = alice.encrypt(&group_id, b"fine").unwrap();
    assert_eq!(app_text(many.process(&fine, now()).unwrap()).1, b"fine");
    assert!(many.provider.crypto().check_deferred());
}

#[test]
fn nothing_and_single_messages_need_no_batch() {
    let suite = Suite::default();
    let (mut alice, mut bob) = (client(1, suite), client(2, suite));
    let group_id = group_of(&mut [&mut alice, &mut bob], true);
    assert!(bob.process_many(&[], now()).is_empty());
    let one = alice.encrypt(&group_id, b"only").unwrap();
    same_as_one_by_one(&bob, &[one]);
    let forged = wrongly_signed(&mut alice, &group_id, b"forged alone");
    same_as_one_by_one(&bob, &[forged]);
}

#[test]
fn when_a_batch_fails_joins_key_packages_and_runs_are_checked_one_by_one() {
    use std::sync::atomic::Ordering;
    let suite = Suite::default();
    let (mut alice, mut bob, mut carol) = (client(1, suite), client(2, suite), client(3, suite));
    let kps = [
        bob.create_key_packages(1, now()).unwrap().remove(0),
        carol.create_key_packages(1, now()).unwrap().remove(0),
    ];
    let before = bob.snapshot();
    // Alice checks the key packages one by one, then Bob the welcome's tree.
    alice
        .provider
        .crypto()
        .fail_batches
        .store(true, Ordering::Relaxed);
    let (group_id, commit) = alice.create_group(&kps, false, now()).unwrap();
    let welcome = commit.unwrap().welcome.unwrap();
    bob.provider
        .crypto()
        .fail_batches
        .store(true, Ordering::Relaxed);
    let joined = bob.process(&welcome, now()).unwrap();
    // The same as a twin whose batches hold; the key package is used once.
    let mut twin = Client::restore(before).unwrap();
    assert_eq!(twin.process(&welcome, now()).unwrap(), joined);
    assert_eq!(
        bob.process(&welcome, now()).unwrap_err().code(),
        twin.process(&welcome, now()).unwrap_err().code()
    );
    assert_eq!(bob.members(&group_id).unwrap().len(), 3);
    // And a run of messages.
    let messages: Vec<Vec<u8>> = (0..4u8)
        .map(|i| alice.encrypt(&group_id, &[i]).unwrap())
        .collect();
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let outcomes = bob.process_many(&refs, now());
    let texts: Vec<Vec<u8>> = outcomes
        .into_iter()
        .map(|o| app_text(o.unwrap()).1)
        .collect();
    assert_eq!(texts, vec![vec![0], vec![1], vec![2], vec![3]]);
}
