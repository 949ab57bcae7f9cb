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

mod flows {
    //! Whole jobs against a simulated node: requests decoded with `sol!`, real encodings back.

    use alloy_primitives::{address, Bytes};
    use alloy_sol_types::{SolCall, SolValue};
    use serde_json::Value;

    use super::super::*;
    use crate::resolve::abi::{IMulticall3, IUniversalResolver as UR};

    const L2: Address = address!("00000000000000000000000000000000000000b2");
    const DANA: Address = address!("000000000000000000000000000000000000da7a");
    const NFT: Address = address!("00000000000000000000000000000000000000f7");

    fn config() -> JobConfig {
        JobConfig {
            base_l2_resolver: Some(L2),
            ..JobConfig::default()
        }
    }

    /// The next transmit, an aggregate3 eth_call: (id, chain, [(target, calldata)]).
    fn batch(job: &mut Job) -> (u64, u64, Vec<(Address, Vec<u8>)>) {
        let Some(JobTransmit::Rpc { id, chain_id, body }) = job.poll_transmit() else {
            panic!("expected an eth_call")
        };
        let json: Value = serde_json::from_str(&body).unwrap();
        let data = hex::decode(json["params"][0]["data"].as_str().unwrap()).unwrap();
        let calls = IMulticall3::aggregate3Call::abi_decode(&data)
            .unwrap()
            .calls;
        let calls = calls
            .into_iter()
            .map(|c| (c.target, c.callData.to_vec()))
            .collect();
        (id, chain_id, calls)
    }

    fn answer(job: &mut Job, id: u64, results: Vec<(bool, Vec<u8>)>) {
        job.handle_rpc_response(id, &crate::resolve::plan::tests::batch_result(results));
    }

    fn resolved(result: Vec<u8>) -> Vec<u8> {
        (Bytes::from(result), L2).abi_encode_params()
    }

    fn base_fallback(forward: Address) -> Option<String> {
        let mut job = Job::new(
            vec![Query::Name {
                address: DANA,
                chain: NameChain::Base,
            }],
            config(),
        );
        // 1. ENSIP-19 on mainnet: no primary name.
        let (id, chain, calls) = batch(&mut job);
        assert_eq!((chain, calls.len()), (CHAIN_MAINNET, 1));
        let no_name = (String::new(), Address::ZERO, Address::ZERO).abi_encode_params();
        answer(&mut job, id, vec![(true, no_name)]);
        // 2. The L2 resolver on Base: name(reverseNode).
        let (id, chain, calls) = batch(&mut job);
        assert_eq!(chain, CHAIN_BASE);
        assert_eq!(calls[0].0, L2);
        let node = base_reverse_node(DANA);
        assert_eq!(calls[0].1, INameResolver::nameCall { node }.abi_encode());
        answer(
            &mut job,
            id,
            vec![(true, "dana.base.eth".to_string().abi_encode())],
        );
        // 3. Forward verification of dana.base.eth for Base's coin type, on mainnet.
        let (id, chain, calls) = batch(&mut job);
        assert_eq!(chain, CHAIN_MAINNET);
        let call = UR::resolveWithGatewaysCall::abi_decode(&calls[0].1).unwrap();
        assert_eq!(
            call.data.to_vec(),
            crate::resolve::abi::IAddressResolver::addrCall {
                node: namehash("dana.base.eth").unwrap(),
                coinType: U256::from(abi::COIN_TYPE_BASE),
            }
            .abi_encode()
        );
        let record = Bytes::from(forward.to_vec()).abi_encode();
        answer(&mut job, id, vec![(true, resolved(record))]);
        let (index, outcome) = job.poll_event().unwrap();
        assert_eq!(index, 0);
        assert!(job.is_done());
        outcome.unwrap()
    }

    #[test]
    fn unsupported_chain_finishes_without_requests() {
        // Base has no endpoint: the L2 fallback's chain is unsupported.
        let mut job = Job::new(
            vec![Query::Name {
                address: DANA,
                chain: NameChain::Base,
            }],
            JobConfig {
                chains: vec![CHAIN_MAINNET],
                ..config()
            },
        );
        // The first round asks mainnet (ENSIP-19): no primary name there.
        let (id, chain, _) = batch(&mut job);
        assert_eq!(chain, CHAIN_MAINNET);
        let no_name = (String::new(), Address::ZERO, Address::ZERO).abi_encode_params();
        answer(&mut job, id, vec![(true, no_name)]);
        // The fallback needs Base: no request, the typed error.
        assert_eq!(job.poll_transmit(), None);
        assert_eq!(
            job.poll_event(),
            Some((
                0,
                Err(ResolveError::UnsupportedChain {
                    chain_id: CHAIN_BASE
                })
            ))
        );
        assert!(job.is_done());
    }

    #[test]
    fn base_reverse_falls_back_to_the_l2_resolver_and_verifies_it() {
        assert_eq!(base_fallback(DANA).as_deref(), Some("dana.base.eth"));
        assert_eq!(
            base_fallback(address!("00000000000000000000000000000000000e7e00")),
            None
        );
    }

    fn avatar(owner_of: Address, token_uri: &str) -> (Option<String>, Option<String>) {
        let mut job = Job::new(
            vec![Query::Avatar {
                name: "alice.eth".into(),
            }],
            config(),
        );
        // 1. The avatar record and the name's address, in one batch.
        let (id, _, calls) = batch(&mut job);
        assert_eq!(calls.len(), 2);
        let record = format!("eip155:1/erc721:{NFT}/7").abi_encode();
        answer(
            &mut job,
            id,
            vec![
                (true, resolved(record)),
                (true, resolved(DANA.abi_encode())),
            ],
        );
        // 2. ownerOf and tokenURI on the NFT's chain.
        let (id, chain, calls) = batch(&mut job);
        assert_eq!((chain, calls.len()), (CHAIN_MAINNET, 2));
        assert!(calls.iter().all(|(to, _)| *to == NFT));
        answer(
            &mut job,
            id,
            vec![
                (true, owner_of.abi_encode()),
                (true, token_uri.to_string().abi_encode()),
            ],
        );
        // 3. The metadata, when it is not a data URI.
        let get = match job.poll_transmit() {
            Some(JobTransmit::Http { id, url, .. }) => {
                job.handle_http_response(id, 200, br#"{"image":"ar://tx1"}"#);
                Some(url)
            }
            Some(other) => panic!("unexpected {other:?}"),
            None => None,
        };
        let (_, outcome) = job.poll_event().unwrap();
        assert!(job.is_done());
        (outcome.unwrap(), get)
    }

    #[test]
    fn nft_avatars_need_ownership_and_resolve_their_metadata() {
        let (url, get) = avatar(DANA, "ipfs://QmMeta/7.json");
        assert_eq!(url.as_deref(), Some("https://arweave.net/tx1"));
        assert_eq!(get.as_deref(), Some("https://ipfs.io/ipfs/QmMeta/7.json"));
        // eyJpbWFnZSI6Imh0dHBzOi8vYS5leGFtcGxlL2kucG5nIn0= is {"image":"https://a.example/i.png"}
        let inline =
            "data:application/json;base64,eyJpbWFnZSI6Imh0dHBzOi8vYS5leGFtcGxlL2kucG5nIn0=";
        assert_eq!(
            avatar(DANA, inline),
            (Some("https://a.example/i.png".into()), None)
        );
        assert_eq!(avatar(L2, "ipfs://QmMeta/7.json"), (None, None)); // someone else's token
        assert_eq!(avatar(DANA, "http://evil.example/7.json"), (None, None)); // not https
    }
}
