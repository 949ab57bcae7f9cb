//! Every resolver ABI decoder on arbitrary bytes: typed results or typed errors, never a
//! panic, and memory bounded by the decoder limits.
#![no_main]

use hybrid_edge::resolve::{abi, plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = abi::decode_resolve_return(data);
    let _ = abi::decode_reverse_return(data);
    let _ = abi::decode_addr(data);
    let _ = abi::decode_addr_coin(data);
    let _ = abi::decode_string(data);
    let _ = abi::decode_owner_of(data);
    let _ = abi::decode_balance_of(data);
    let _ = abi::decode_batch_query(data);
    if let Ok(results) = abi::decode_aggregate3(data, data.first().map_or(0, |b| usize::from(*b))) {
        for result in results {
            let _ = abi::decode_revert(&result.data);
        }
    }
    if let abi::Revert::OffchainLookup(lookup) = abi::decode_revert(data) {
        if abi::validate_offchain_lookup(&lookup, abi::UNIVERSAL_RESOLVER).is_ok() {
            assert!(!lookup.urls.is_empty() && lookup.urls.len() <= abi::MAX_CCIP_URLS);
        }
        let _ = lookup.callback_call_data(data);
    }
    // The same bytes as a JSON-RPC body, then as a gateway body, fed to a planner.
    let mut planner = plan::Planner::new(
        vec![plan::Lookup::Forward {
            name: "a".into(),
            coin_type: abi::COIN_TYPE_ETH,
        }],
        plan::PlanConfig::default(),
    );
    for _ in 0..8 {
        match planner.poll_transmit() {
            Some(plan::Transmit::EthCall { id, .. }) => planner.handle_rpc_response(id, data),
            Some(plan::Transmit::Http { id, .. }) => planner.handle_http_response(id, 200, data),
            None => break,
        }
    }
    while planner.poll_event().is_some() {}
});
