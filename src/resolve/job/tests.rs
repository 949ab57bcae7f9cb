//! Job policies: retries, redirects, ENSIP-12 URIs.

use super::*;

#[test]
fn retries_honour_retry_after_and_stop() {
    let r = RetryConfig::default();
    assert_eq!(r.delay_ms(1, Some(429), Some("2"), 0.5), Some(2000));
    assert_eq!(r.delay_ms(1, Some(429), Some("999"), 0.5), Some(10_000));
    assert_eq!(r.delay_ms(1, Some(503), None, 0.5), Some(125));
    assert_eq!(r.delay_ms(2, None, None, 1.0), Some(500));
    assert_eq!(r.delay_ms(3, None, None, 1.0), None);
    assert_eq!(r.delay_ms(1, Some(400), None, 1.0), None);
    assert_eq!(r.delay_ms(1, Some(503), None, f64::NAN), Some(125));
}

#[test]
fn redirects_are_bounded_and_https_only() {
    assert_eq!(
        follow_redirect("https://a.example/x/y", "/z", 0, false).as_deref(),
        Some("https://a.example/z")
    );
    assert_eq!(
        follow_redirect("https://a.example/", "http://b.example/", 0, false),
        None
    );
    assert_eq!(
        follow_redirect("https://a.example/", "https://b.example/", 4, false),
        None
    );
    assert_eq!(
        follow_redirect("http://127.0.0.1:8/a", "/b", 1, true).as_deref(),
        Some("http://127.0.0.1:8/b")
    );
}

#[test]
fn ensip12_uris_and_nfts() {
    let g = Gateways::default();
    assert_eq!(
        resolve_uri("ipfs://Qmabc/1.png", &g, false).as_deref(),
        Some("https://ipfs.io/ipfs/Qmabc/1.png")
    );
    assert_eq!(
        resolve_uri("ar://tx", &g, false).as_deref(),
        Some("https://arweave.net/tx")
    );
    assert_eq!(resolve_uri("http://evil.example/a.png", &g, false), None);
    assert_eq!(
        resolve_uri("data:image/png;base64,AA==", &g, false).as_deref(),
        Some("data:image/png;base64,AA==")
    );
    let nft = parse_nft("eip155:1/erc721:0xb7F7F6C52F2e2fdb1963Eab30438024864c313F6/2430").unwrap();
    assert_eq!(
        (nft.chain_id, nft.erc1155, nft.token_id),
        (1, false, U256::from(2430))
    );
    assert!(parse_nft("eip155:1/erc20:0xb7F7F6C52F2e2fdb1963Eab30438024864c313F6/1").is_none());
    assert_eq!(base64_decode("eyJhIjoxfQ==").unwrap(), br#"{"a":1}"#);
    assert_eq!(
        metadata_image(br#"{"image":"ipfs://QmX"}"#, &g, false).as_deref(),
        Some("https://ipfs.io/ipfs/QmX")
    );
}

#[test]
fn unsupported_chain_finishes_without_requests() {
    let config = JobConfig {
        chains: vec![],
        ..JobConfig::default()
    };
    let mut job = Job::new(
        vec![Query::Name {
            address: Address::ZERO,
            chain: NameChain::Base,
        }],
        config,
    );
    // The first round asks mainnet; answer "no primary name".
    let Some(JobTransmit::Rpc { id, chain_id, .. }) = job.poll_transmit() else {
        panic!()
    };
    assert_eq!(chain_id, CHAIN_MAINNET);
    job.handle_rpc_failure(
        id,
        ResolveError::RpcUnavailable {
            chain_id: 1,
            status: Some(503),
        },
    );
    let (index, outcome) = job.poll_event().unwrap();
    assert_eq!(index, 0);
    assert_eq!(
        outcome,
        Err(ResolveError::RpcUnavailable {
            chain_id: 1,
            status: Some(503)
        })
    );
    assert!(job.is_done());
}
