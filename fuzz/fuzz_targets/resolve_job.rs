//! The resolver's job and front on arbitrary network bytes: every RPC, gateway and NFT
//! metadata answer of a job with all query kinds (forward, Base reverse with the L2
//! fallback, text, avatar) comes from the input; plus chat text, cache snapshots, options,
//! avatar records and redirects. Typed results or typed errors, never a panic.
#![no_main]

use hybrid_edge::resolve::{cache, job, resolver};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let found = resolver::find_names(&text);
    let addresses: Vec<Option<String>> = found.iter().map(|_| Some("0x0".into())).collect();
    let _ = resolver::annotate(&text, &found, &addresses);
    let _ = resolver::parse_options(&text);
    let _ = job::parse_nft(&text);
    let _ = job::resolve_uri(&text, &job::Gateways::default(), true);
    let _ = job::follow_redirect("https://a.example/x", &text, 0, false);
    let mut front =
        resolver::Resolver::new(job::JobConfig::default(), cache::CacheConfig::default());
    let _ = front.restore_json(&text, 0);

    let queries = vec![
        job::Query::Address {
            name: "a".into(),
            coin_type: 60,
        },
        job::Query::Name {
            address: Default::default(),
            chain: job::NameChain::Base,
        },
        job::Query::Text {
            name: "a.eth".into(),
            key: "url".into(),
        },
        job::Query::Avatar {
            name: "a.eth".into(),
        },
    ];
    let mut j = job::Job::new(queries, job::JobConfig::default());
    // Answers: chunks of the input, each prefixed by a length byte.
    let mut rest = data;
    for _ in 0..64 {
        let Some(t) = j.poll_transmit() else { break };
        let (chunk, tail) = match rest.split_first() {
            Some((&len, tail)) => tail.split_at(usize::from(len).min(tail.len())),
            None => (&[][..], &[][..]),
        };
        rest = tail;
        match t {
            job::JobTransmit::Rpc { id, .. } if chunk.first() == Some(&0) => j.handle_rpc_failure(
                id,
                hybrid_edge::resolve::ResolveError::RpcUnavailable {
                    chain_id: 1,
                    status: None,
                },
            ),
            job::JobTransmit::Rpc { id, .. } => j.handle_rpc_response(id, chunk),
            job::JobTransmit::Http { id, .. } => match chunk.first() {
                Some(&s) if s < 8 => j.handle_http_failure(id),
                Some(&s) => j.handle_http_response(id, 100 + u16::from(s) * 2, chunk),
                None => j.handle_http_failure(id),
            },
        }
        while j.poll_event().is_some() {}
    }
});
