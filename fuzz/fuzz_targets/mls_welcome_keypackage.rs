//! Welcome and key-package decoding on arbitrary bytes: typed errors, never a panic.

#![no_main]

use std::sync::Mutex;

use hybrid_edge::mls::Client;
use libfuzzer_sys::fuzz_target;

mod common;

static CLIENT: Mutex<Option<Client>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let Ok(mut guard) = CLIENT.lock() else { return };
    let client = guard.get_or_insert_with(common::member_of_a_group);
    let _ = client.join_from_welcome(data, common::now());
    let Some(group_id) = client.group_ids().into_iter().next() else { return };
    // Key packages are parsed and verified before any commit is built.
    let _ = client.add_members(&group_id, &[data.to_vec()]);
});
