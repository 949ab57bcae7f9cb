//! `Client::process`, `Client::process_many` and `peek_header` on arbitrary bytes: typed
//! errors, never a panic.
//! The client is a member of one group; inputs that carry a 16-byte group id where an
//! `MLSMessage` does get the client's own, so that mutations reach openmls's validation and
//! decryption instead of stopping at "unknown group".

#![no_main]

use std::sync::Mutex;

use hybrid_edge::mls::{peek_header, Client};
use libfuzzer_sys::fuzz_target;

mod common;

static CLIENT: Mutex<Option<Client>> = Mutex::new(None);

/// `version(2) ‖ wire_format(2) ‖ group_id<V>`: a one-byte length 16 at offset 4.
const GROUP_ID_AT: usize = 5;

fuzz_target!(|data: &[u8]| {
    let _ = peek_header(data);
    let Ok(mut guard) = CLIENT.lock() else { return };
    let client = guard.get_or_insert_with(common::member_of_a_group);
    let mut input = data.to_vec();
    if let Some(group_id) = client.group_ids().into_iter().next() {
        let end = GROUP_ID_AT + group_id.len();
        if input.get(4) == Some(&16) && input.len() >= end && group_id.len() == 16 {
            input[GROUP_ID_AT..end].copy_from_slice(&group_id);
        }
    }
    let _ = client.process(&input, common::now());
    // A run of the same message (a replay after the first) and its halves: the batch
    // path, its rollback when a signature fails, and the split into runs.
    let half = input.len() / 2;
    let outcomes = client.process_many(
        &[&input, &input, &input[..half], &input[half..]],
        common::now(),
    );
    assert_eq!(outcomes.len(), 4);
});
