//! Native speed of the MLS core (`cargo bench --bench mls`), the workload of
//! `npm run bench:mls` without wasm or JS: 100-byte application messages between two
//! members (encrypt + decrypt pairs per second), and the group sequence "add N − 1 members
//! in one commit, one joins from the Welcome, an empty commit (self-update), one member
//! processes it" for 200 and 1,000 members. Each figure is also taken with the change set
//! taken after every call, as a client that persists its state must.
//!
//! Added in one commit, the 1,000-member tree is sparse: its parent nodes are blank except
//! on the creator's path, so a commit encrypts to many nodes' resolutions. The dense row
//! first fills every parent node (one member of each pair of leaves joins and commits a
//! self-update, the creator processes it), then times adding a member, its join, a
//! self-update and processing it on that tree. Building the dense tree takes about a
//! minute; its time is printed but is not part of the figures.
//!
//! Numbers only: nothing here passes or fails. The last line, `native: …`, is what
//! `scripts/bench-mls.mjs` reads.

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy_primitives::{eip191_hash_message, Address};
use hybrid_edge::mls::{Client, ClientConfig, Event, IdentityRequest, Suite};
use k256::ecdsa::SigningKey;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A member whose wallet (a fixed k256 key per index) signed its binding, the way viem's
/// `signMessage` does (EIP-191, 65 bytes r ‖ s ‖ v).
fn client(index: u32) -> Client {
    let mut secret = [0x11u8; 32];
    secret[..4].copy_from_slice(&index.to_be_bytes());
    let wallet = SigningKey::from_slice(&secret).expect("a valid secp256k1 key");
    let address = Address::from_public_key(wallet.verifying_key());
    let suite = Suite::default();
    let request = IdentityRequest::prepare(address, suite.signature_scheme(), now())
        .expect("an identity request");
    let hash = eip191_hash_message(request.statement().as_bytes());
    let (signature, recovery) = wallet
        .sign_prehash_recoverable(hash.as_slice())
        .expect("a signature");
    let mut bytes = signature.to_bytes().to_vec();
    bytes.push(27 + recovery.to_byte());
    let identity = request.complete(&bytes).expect("a bound identity");
    Client::new(identity, ClientConfig::default()).expect("a client")
}

/// Encrypt + decrypt pairs per second between two members of a DM.
fn message_pairs(persist: bool) -> f64 {
    let (mut alice, mut bob) = (client(1), client(2));
    let kp = bob.create_key_packages(1, now()).expect("key package");
    let (group, commit) = alice.create_group(&kp, true, now()).expect("group");
    let welcome = commit.and_then(|c| c.welcome).expect("welcome");
    bob.process(&welcome, now()).expect("join");
    let content = [0x61u8; 100];
    let start = Instant::now();
    let mut pairs = 0u32;
    while start.elapsed() < Duration::from_millis(1500) {
        let ct = alice.encrypt(&group, &content).expect("encrypt");
        let event = bob.process(&ct, now()).expect("decrypt");
        if persist {
            black_box(alice.take_changes());
            black_box(bob.take_changes());
        }
        black_box(event);
        pairs += 1;
    }
    f64::from(pairs) / start.elapsed().as_secs_f64()
}

/// Milliseconds of each step of the group sequence with `size` members.
struct GroupTimes {
    add: f64,
    join: f64,
    update: f64,
    process_update: f64,
}

impl GroupTimes {
    fn total(&self) -> f64 {
        self.add + self.join + self.update + self.process_update
    }
}

fn group_sequence(size: u32, persist: bool) -> GroupTimes {
    let mut creator = client(1);
    let mut joiner = client(2);
    let mut kps = joiner.create_key_packages(1, now()).expect("key package");
    for i in 3..=size {
        let mut member = client(i);
        kps.extend(member.create_key_packages(1, now()).expect("key package"));
    }
    let (group, _) = creator.create_group(&[], false, now()).expect("group");
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;

    let t = Instant::now();
    let added = creator.add_members(&group, &kps).expect("add");
    if persist {
        black_box(creator.take_changes());
    }
    let add = ms(t);

    let t = Instant::now();
    let welcome = added.welcome.expect("welcome");
    let joined = joiner.process(&welcome, now()).expect("join");
    assert!(matches!(joined, Event::Welcome { .. }));
    if persist {
        black_box(joiner.take_changes());
    }
    let join = ms(t);

    let t = Instant::now();
    let update = creator.rotate_keys(&group, now()).expect("self-update");
    if persist {
        black_box(creator.take_changes());
    }
    let update_ms = ms(t);

    let t = Instant::now();
    black_box(joiner.process(&update.commit, now()).expect("process"));
    if persist {
        black_box(joiner.take_changes());
    }
    GroupTimes {
        add,
        join,
        update: update_ms,
        process_update: ms(t),
    }
}

/// The dense-tree figures at `size` members: see the module docs.
fn dense_sequence(size: u32) -> (GroupTimes, f64) {
    let setup = Instant::now();
    let mut creator = client(1);
    let (group, _) = creator.create_group(&[], false, now()).expect("group");
    let mut next = 2;
    // Leaves fill left to right: member `next` and `next + 1` share a parent (the creator's
    // leaf 0 pairs with the first one). The first of each pair commits a path, which fills
    // every parent node above it.
    while next < size {
        let mut committer = client(next);
        let mut kps = committer
            .create_key_packages(1, now())
            .expect("key package");
        if next + 1 < size {
            kps.extend(
                client(next + 1)
                    .create_key_packages(1, now())
                    .expect("key package"),
            );
        }
        let added = creator.add_members(&group, &kps).expect("add");
        committer
            .process(&added.welcome.expect("welcome"), now())
            .expect("join");
        let update = committer.rotate_keys(&group, now()).expect("self-update");
        creator.process(&update.commit, now()).expect("process");
        next += 2;
    }
    let setup_s = setup.elapsed().as_secs_f64();
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    let mut joiner = client(size + 1);
    let kps = joiner.create_key_packages(1, now()).expect("key package");
    let t = Instant::now();
    let added = creator.add_members(&group, &kps).expect("add");
    let add = ms(t);
    let t = Instant::now();
    joiner
        .process(&added.welcome.expect("welcome"), now())
        .expect("join");
    let join = ms(t);
    let t = Instant::now();
    let update = creator.rotate_keys(&group, now()).expect("self-update");
    let update_ms = ms(t);
    let t = Instant::now();
    black_box(joiner.process(&update.commit, now()).expect("process"));
    let times = GroupTimes {
        add,
        join,
        update: update_ms,
        process_update: ms(t),
    };
    (times, setup_s)
}

fn main() {
    let pairs = message_pairs(false);
    let pairs_persisted = message_pairs(true);
    println!(
        "100-byte messages, encrypt + decrypt: {pairs:8.0} pairs/s   with change sets taken: {pairs_persisted:8.0} pairs/s ({:.2}x)",
        pairs_persisted / pairs
    );
    let mut group200 = 0.0;
    for size in [200, 1000] {
        for persist in [false, true] {
            let g = group_sequence(size, persist);
            println!(
                "{size:5} members{}: add {:8.1} ms  join {:8.1} ms  self-update {:7.1} ms  process it {:7.1} ms  total {:8.1} ms",
                if persist { " (change sets)" } else { "              " },
                g.add,
                g.join,
                g.update,
                g.process_update,
                g.total()
            );
            if size == 200 && !persist {
                group200 = g.total();
            }
        }
    }
    if std::env::var_os("HYBRID_EDGE_BENCH_NO_DENSE").is_none() {
        let (g, setup_s) = dense_sequence(1000);
        println!(
            " 1000 members, dense tree: add one {:8.1} ms  its join {:8.1} ms  self-update {:7.1} ms  process it {:7.1} ms  (tree filled in {setup_s:.0} s)",
            g.add, g.join, g.update, g.process_update
        );
        println!(
            "native dense: add1000Ms={:.1} join1000Ms={:.1} update1000Ms={:.1} process1000Ms={:.1}",
            g.add, g.join, g.update, g.process_update
        );
    }
    println!("native: msgsPerSec={pairs:.0} group200Ms={group200:.1}");
}
