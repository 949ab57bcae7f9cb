//! The planner against a simulated node: requests are decoded with `sol!`, responses are
//! real ABI encodings.

use alloy_primitives::{address, hex, Address, Bytes, FixedBytes};
use alloy_sol_types::{SolCall, SolError, SolValue};
use serde_json::Value;

use super::*;
use crate::resolve::abi::{IErc3668, IUniversalResolver as UR};

fn alice() -> Address {
    address!("00000000000000000000000000000000000a11ce")
}

fn vitalik() -> Address {
    address!("d8dA6BF26964aF9D7eEd9e03E53415D37aA96045")
}

fn forward(name: &str) -> Lookup {
    Lookup::Forward {
        name: name.into(),
        coin_type: abi::COIN_TYPE_ETH,
    }
}

/// Takes the next transmit, which must be an `eth_call`: (id, to, calldata).
fn eth_call(planner: &mut Planner) -> (u64, Address, Vec<u8>) {
    let Some(Transmit::EthCall { id, body }) = planner.poll_transmit() else {
        panic!("expected an eth_call")
    };
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["method"], "eth_call");
    assert_eq!(json["id"], id);
    assert_eq!(json["params"][1], "latest");
    let to = json["params"][0]["to"].as_str().unwrap().parse().unwrap();
    let data = hex::decode(json["params"][0]["data"].as_str().unwrap()).unwrap();
    (id, to, data)
}

/// Decodes an aggregate3 batch into the Universal Resolver calldata of each call.
fn batch_calls(to: Address, data: &[u8]) -> Vec<Vec<u8>> {
    assert_eq!(to, abi::MULTICALL3);
    assert_eq!(&data[..4], hex!("82ad56cb"));
    let call = IMulticall3::aggregate3Call::abi_decode(data).unwrap();
    call.calls
        .into_iter()
        .map(|c| {
            assert_eq!(c.target, abi::UNIVERSAL_RESOLVER);
            assert!(c.allowFailure);
            c.callData.to_vec()
        })
        .collect()
}

fn rpc_result(data: &[u8]) -> Vec<u8> {
    format!(
        r#"{{"jsonrpc":"2.0","id":1,"result":"{}"}}"#,
        hex::encode_prefixed(data)
    )
    .into_bytes()
}

/// The JSON-RPC answer to an `aggregate3` call with these (success, return data) results.
pub(crate) fn batch_result(results: Vec<(bool, Vec<u8>)>) -> Vec<u8> {
    let results: Vec<_> = results
        .into_iter()
        .map(|(success, data)| IMulticall3::Result {
            success,
            returnData: data.into(),
        })
        .collect();
    rpc_result(&IMulticall3::aggregate3Call::abi_encode_returns(&results))
}

fn resolved(addr: Address) -> Vec<u8> {
    (
        Bytes::from(addr.abi_encode()),
        address!("0000000000000000000000000000000000000123"),
    )
        .abi_encode_params()
}

fn not_found(name: &str) -> Vec<u8> {
    UR::ResolverNotFound {
        name: dns_encode(name).unwrap().into(),
    }
    .abi_encode()
}

/// A JSON-RPC error answer carrying revert data.
fn rpc_revert(data: &[u8]) -> Vec<u8> {
    format!(
        r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":3,"message":"execution reverted","data":"{}"}}}}"#,
        hex::encode_prefixed(data)
    )
    .into_bytes()
}

fn events(planner: &mut Planner) -> Vec<Resolution> {
    std::iter::from_fn(|| planner.poll_event()).collect()
}

#[test]
fn one_batch_for_forward_and_reverse() {
    let mut planner = Planner::new(
        vec![
            forward("vitalik.eth"),
            forward("nobody.eth"),
            Lookup::Reverse {
                address: vitalik(),
                coin_type: abi::COIN_TYPE_ETH,
            },
        ],
        PlanConfig::default(),
    );
    let (id, to, data) = eth_call(&mut planner);
    assert!(
        planner.poll_transmit().is_none(),
        "one request for the batch"
    );
    let calls = batch_calls(to, &data);
    assert_eq!(calls.len(), 3);
    let first = UR::resolveWithGatewaysCall::abi_decode(&calls[0]).unwrap();
    assert_eq!(first.name.as_ref(), b"\x07vitalik\x03eth\x00");
    // As viem calls it: the only batch gateway is the client itself (ENSIP-21).
    assert_eq!(first.gateways, vec![LOCAL_BATCH_GATEWAY.to_string()]);
    assert_eq!(
        first.data.as_ref(),
        IAddrResolver::addrCall {
            node: namehash("vitalik.eth").unwrap()
        }
        .abi_encode()
    );
    let reverse = UR::reverseWithGatewaysCall::abi_decode(&calls[2]).unwrap();
    assert_eq!(reverse.gateways, vec![LOCAL_BATCH_GATEWAY.to_string()]);
    assert_eq!(reverse.lookupAddress.as_ref(), vitalik().as_slice());
    assert_eq!(reverse.coinType, U256::from(60));

    let primary = ("vitalik.eth".to_string(), Address::ZERO, Address::ZERO).abi_encode_params();
    planner.handle_rpc_response(
        id,
        &batch_result(vec![
            (true, resolved(vitalik())),
            (false, not_found("nobody.eth")),
            (true, primary),
        ]),
    );
    assert_eq!(
        events(&mut planner),
        [
            Resolution {
                index: 0,
                outcome: Ok(Answer::Address(Some(vitalik())))
            },
            Resolution {
                index: 1,
                outcome: Ok(Answer::Address(None))
            },
            Resolution {
                index: 2,
                outcome: Ok(Answer::Name(Some("vitalik.eth".into())))
            },
        ]
    );
    assert!(planner.is_done());
}

#[test]
fn bare_name_tries_eth_then_base_eth() {
    let mut planner = Planner::new(vec![forward("alice")], PlanConfig::default());
    let (id, to, data) = eth_call(&mut planner);
    let call = UR::resolveWithGatewaysCall::abi_decode(&batch_calls(to, &data)[0]).unwrap();
    assert_eq!(call.name.as_ref(), b"\x05alice\x03eth\x00");
    // alice.eth has a resolver but no address record.
    planner.handle_rpc_response(id, &batch_result(vec![(true, resolved(Address::ZERO))]));
    assert!(events(&mut planner).is_empty());
    let (id, to, data) = eth_call(&mut planner);
    let call = UR::resolveWithGatewaysCall::abi_decode(&batch_calls(to, &data)[0]).unwrap();
    assert_eq!(call.name.as_ref(), b"\x05alice\x04base\x03eth\x00");
    planner.handle_rpc_response(id, &batch_result(vec![(true, resolved(alice()))]));
    assert_eq!(
        events(&mut planner)[0].outcome,
        Ok(Answer::Address(Some(alice())))
    );
}

#[test]
fn base_coin_type_uses_addr_with_coin_type() {
    let mut planner = Planner::new(
        vec![Lookup::Forward {
            name: "alice.base.eth".into(),
            coin_type: abi::COIN_TYPE_BASE,
        }],
        PlanConfig::default(),
    );
    let (id, to, data) = eth_call(&mut planner);
    let call = UR::resolveWithGatewaysCall::abi_decode(&batch_calls(to, &data)[0]).unwrap();
    assert_eq!(&call.data[..4], hex!("f1cb7e06"));
    let record = IAddressResolver::addrCall::abi_decode(&call.data).unwrap();
    assert_eq!(record.coinType, U256::from(0x8000_0000u64 | 8453));
    let ret = (
        Bytes::from(Bytes::copy_from_slice(alice().as_slice()).abi_encode()),
        Address::ZERO,
    )
        .abi_encode_params();
    planner.handle_rpc_response(id, &batch_result(vec![(true, ret)]));
    assert_eq!(
        events(&mut planner)[0].outcome,
        Ok(Answer::Address(Some(alice())))
    );
}

fn offchain(sender: Address, urls: &[&str]) -> Vec<u8> {
    IErc3668::OffchainLookup {
        sender,
        urls: urls.iter().map(|u| u.to_string()).collect(),
        callData: vec![0xde, 0xad].into(),
        callbackFunction: FixedBytes(hex!("b4a85801")),
        extraData: vec![0xee].into(),
    }
    .abi_encode()
}

fn start_offchain(urls: &[&str], sender: Address) -> Planner {
    let mut planner = Planner::new(vec![forward("offchain.eth")], PlanConfig::default());
    let (id, _, _) = eth_call(&mut planner);
    planner.handle_rpc_response(id, &batch_result(vec![(false, offchain(sender, urls))]));
    planner
}

#[test]
fn ccip_read_in_order_with_fallback_then_callback() {
    let mut planner = start_offchain(
        &[
            "https://a.example/{sender}/{data}.json",
            "https://b.example/",
        ],
        abi::UNIVERSAL_RESOLVER,
    );
    let Some(Transmit::Http {
        id,
        method,
        url,
        body,
    }) = planner.poll_transmit()
    else {
        panic!("expected a gateway request")
    };
    assert_eq!(method, HttpMethod::Get);
    assert_eq!(
        url,
        "https://a.example/0xeeeeeeee14d718c2b47d9923deab1335e144eeee/0xdead.json"
    );
    assert_eq!(body, None);
    planner.handle_http_response(id, 503, b"busy");
    let Some(Transmit::Http {
        id,
        method,
        url,
        body,
    }) = planner.poll_transmit()
    else {
        panic!("expected the second gateway")
    };
    assert_eq!(
        (method, url.as_str()),
        (HttpMethod::Post, "https://b.example/")
    );
    let body: Value = serde_json::from_str(&body.unwrap()).unwrap();
    assert_eq!(body["data"], "0xdead");
    assert_eq!(body["sender"], "0xeeeeeeee14d718c2b47d9923deab1335e144eeee");
    planner.handle_http_response(id, 200, br#"{"data":"0xc0ffee"}"#);

    let (id, to, data) = eth_call(&mut planner);
    assert_eq!(to, abi::UNIVERSAL_RESOLVER);
    assert_eq!(&data[..4], hex!("b4a85801"));
    let (response, extra) = <(Bytes, Bytes)>::abi_decode_params(&data[4..]).unwrap();
    assert_eq!(
        (response.as_ref(), extra.as_ref()),
        (&hex!("c0ffee")[..], &[0xee][..])
    );
    planner.handle_rpc_response(id, &rpc_result(&resolved(alice())));
    assert_eq!(
        events(&mut planner)[0].outcome,
        Ok(Answer::Address(Some(alice())))
    );
    assert!(planner.is_done());
}

#[test]
fn ccip_wrong_sender_too_many_urls_and_insecure_urls() {
    let mut wrong = start_offchain(&["https://a/{data}"], vitalik());
    assert_eq!(
        events(&mut wrong)[0].outcome,
        Err(ResolveError::CcipSenderMismatch {
            expected: abi::UNIVERSAL_RESOLVER,
            sender: vitalik()
        })
    );
    let urls = ["https://a/{data}"; 9];
    let mut many = start_offchain(&urls, abi::UNIVERSAL_RESOLVER);
    assert_eq!(
        events(&mut many)[0].outcome,
        Err(ResolveError::CcipTooManyUrls { count: 9, max: 8 })
    );
    let mut insecure = start_offchain(
        &["http://evil.example/{data}", "file:///etc/passwd"],
        abi::UNIVERSAL_RESOLVER,
    );
    assert!(insecure.poll_transmit().is_none());
    assert_eq!(
        events(&mut insecure)[0].outcome,
        Err(ResolveError::CcipGatewayFailed { status: None })
    );
}

#[test]
fn ccip_4xx_is_an_error_and_network_failures_fall_through() {
    let mut planner = start_offchain(
        &["https://a/{data}", "https://b/{data}"],
        abi::UNIVERSAL_RESOLVER,
    );
    let Some(Transmit::Http { id, .. }) = planner.poll_transmit() else {
        panic!()
    };
    planner.handle_http_failure(id);
    let Some(Transmit::Http { id, url, .. }) = planner.poll_transmit() else {
        panic!()
    };
    assert_eq!(url, "https://b/0xdead");
    planner.handle_http_response(id, 404, b"no such name");
    assert_eq!(
        events(&mut planner)[0].outcome,
        Err(ResolveError::GatewayHttpError {
            status: 404,
            message: "no such name".into()
        })
    );
}

#[test]
fn endless_offchain_lookups_stop() {
    let mut planner = start_offchain(&["https://a/{data}"], abi::UNIVERSAL_RESOLVER);
    for _ in 1..MAX_CCIP_ROUNDS {
        let Some(Transmit::Http { id, .. }) = planner.poll_transmit() else {
            panic!()
        };
        planner.handle_http_response(id, 200, br#"{"data":"0x"}"#);
        let (id, _, _) = eth_call(&mut planner);
        let revert = offchain(abi::UNIVERSAL_RESOLVER, &["https://a/{data}"]);
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":3,"message":"execution reverted","data":"{}"}}}}"#,
            hex::encode_prefixed(revert)
        );
        planner.handle_rpc_response(id, body.as_bytes());
    }
    let Some(Transmit::Http { id, .. }) = planner.poll_transmit() else {
        panic!()
    };
    planner.handle_http_response(id, 200, br#"{"data":"0x"}"#);
    let (id, _, _) = eth_call(&mut planner);
    let revert = offchain(abi::UNIVERSAL_RESOLVER, &["https://a/{data}"]);
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":3,"message":"execution reverted","data":"{}"}}}}"#,
        hex::encode_prefixed(revert)
    );
    planner.handle_rpc_response(id, body.as_bytes());
    assert_eq!(
        events(&mut planner)[0].outcome,
        Err(ResolveError::CcipTooManyRounds { max: 4 })
    );
}

#[test]
fn reverse_rejects_mismatch_and_unnormalized_names() {
    let reverse = |address| Lookup::Reverse {
        address,
        coin_type: abi::COIN_TYPE_BASE,
    };
    let mut planner = Planner::new(
        vec![reverse(vitalik()), reverse(alice())],
        PlanConfig::default(),
    );
    let (id, _, _) = eth_call(&mut planner);
    let mismatch = UR::ReverseAddressMismatch {
        primary: "vitalik.eth".into(),
        primaryAddress: alice().to_vec().into(),
    }
    .abi_encode();
    let unnormalized = ("Alice.eth".to_string(), Address::ZERO, Address::ZERO).abi_encode_params();
    planner.handle_rpc_response(
        id,
        &batch_result(vec![(false, mismatch), (true, unnormalized)]),
    );
    let outcomes: Vec<_> = events(&mut planner)
        .into_iter()
        .map(|e| e.outcome)
        .collect();
    assert_eq!(outcomes, [Ok(Answer::Name(None)), Ok(Answer::Name(None))]);
}

#[test]
fn malicious_rpc_answers_are_errors_never_not_found() {
    let bodies: [(&[u8], ResolveError); 4] = [
        (
            b"<html>",
            ResolveError::RpcMalformed {
                what: "JSON-RPC response",
            },
        ),
        (
            br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"rate limited"}}"#,
            ResolveError::RpcError {
                code: -32005,
                message: "rate limited".into(),
            },
        ),
        (
            br#"{"jsonrpc":"2.0","id":1,"result":"0x0000"}"#,
            ResolveError::AbiDecode {
                what: "aggregate3 return",
            },
        ),
        (
            br#"{"jsonrpc":"2.0","id":1,"result":"0xzz"}"#,
            ResolveError::RpcMalformed {
                what: "eth_call result",
            },
        ),
    ];
    for (body, expected) in bodies {
        let mut planner = Planner::new(
            vec![forward("a.eth"), forward("b.eth")],
            PlanConfig::default(),
        );
        let (id, _, _) = eth_call(&mut planner);
        planner.handle_rpc_response(id, body);
        let outcomes: Vec<_> = events(&mut planner)
            .into_iter()
            .map(|e| e.outcome)
            .collect();
        assert_eq!(outcomes, [Err(expected.clone()), Err(expected)]);
    }
    // Truncated batch, and a batch with the wrong number of results.
    let mut planner = Planner::new(vec![forward("a.eth")], PlanConfig::default());
    let (id, _, _) = eth_call(&mut planner);
    planner.handle_rpc_response(id, &batch_result(vec![]));
    assert!(matches!(
        events(&mut planner)[0].outcome,
        Err(ResolveError::AbiDecode { .. })
    ));
    // An oversized body is refused before parsing.
    let mut planner = Planner::new(vec![forward("a.eth")], PlanConfig::default());
    let (id, _, _) = eth_call(&mut planner);
    planner.handle_rpc_response(id, &vec![b' '; MAX_BODY_BYTES + 1]);
    assert!(matches!(
        events(&mut planner)[0].outcome,
        Err(ResolveError::ResponseTooLarge { .. })
    ));
    // Unknown ids are ignored.
    planner.handle_rpc_response(999, b"{}");
    planner.handle_http_response(999, 200, b"{}");
}

#[test]
fn unencodable_names_finish_without_a_request() {
    let mut planner = Planner::new(vec![forward("a..eth")], PlanConfig::default());
    assert!(planner.poll_transmit().is_none());
    assert_eq!(
        events(&mut planner)[0].outcome,
        Err(ResolveError::UnencodableName {
            name: "a..eth".into()
        })
    );
}

/// A planner whose forward lookup of `offchain.eth` got an ENSIP-21 batch lookup carrying
/// `requests` (to `x-batch-gateway:true`), with the gateway requests it sent.
fn local_batch(requests: Vec<abi::IBatchGateway::Request>) -> Planner {
    let query = abi::IBatchGateway::queryCall { requests }.abi_encode();
    let revert = IErc3668::OffchainLookup {
        sender: abi::UNIVERSAL_RESOLVER,
        urls: vec![LOCAL_BATCH_GATEWAY.into()],
        callData: query.into(),
        callbackFunction: FixedBytes(hex!("b4a85801")),
        extraData: vec![0xee].into(),
    }
    .abi_encode();
    let mut planner = Planner::new(vec![forward("offchain.eth")], PlanConfig::default());
    let (id, _, _) = eth_call(&mut planner);
    planner.handle_rpc_response(id, &batch_result(vec![(false, revert)]));
    planner
}

#[test]
fn ensip21_batch_gateway_is_answered_locally() {
    use crate::resolve::abi::IBatchGateway;
    let resolver = address!("00000000000000000000000000000000000000aa");
    let mut planner = local_batch(vec![
        IBatchGateway::Request {
            sender: resolver,
            urls: vec![
                "http://insecure.example/".into(),
                "https://g.example/{sender}/{data}".into(),
            ],
            data: vec![0x12, 0x34].into(),
        },
        IBatchGateway::Request {
            sender: resolver,
            urls: vec![
                "https://down.example/".into(),
                "https://bad.example/".into(),
            ],
            data: vec![0x56].into(),
        },
    ]);
    let mut requests = Vec::new();
    while let Some(Transmit::Http {
        id, method, url, ..
    }) = planner.poll_transmit()
    {
        requests.push((id, method, url));
    }
    assert_eq!(
        requests
            .iter()
            .map(|(_, m, u)| (*m, u.as_str()))
            .collect::<Vec<_>>(),
        [
            (
                HttpMethod::Get,
                "https://g.example/0x00000000000000000000000000000000000000aa/0x1234"
            ),
            (HttpMethod::Post, "https://down.example/"),
        ]
    );
    planner.handle_http_response(requests[0].0, 200, br#"{"data":"0xabcd"}"#);
    planner.handle_http_failure(requests[1].0);
    let Some(Transmit::Http { id, url, .. }) = planner.poll_transmit() else {
        panic!("expected the next URL of the second request")
    };
    assert_eq!(url, "https://bad.example/");
    planner.handle_http_response(id, 404, b"no such name");
    // The callback carries the query's return data: failures and responses in order.
    let (_, to, data) = eth_call(&mut planner);
    assert_eq!(to, abi::UNIVERSAL_RESOLVER);
    let (response, _) = <(Bytes, Bytes)>::abi_decode_params(&data[4..]).unwrap();
    let ret = IBatchGateway::queryCall::abi_decode_returns(&response).unwrap();
    assert_eq!(ret.failures, [false, true]);
    assert_eq!(ret.responses[0].as_ref(), &hex!("abcd")[..]);
    let err = UR::HttpError::abi_decode(&ret.responses[1]).unwrap();
    assert_eq!((err.status, err.message.as_str()), (404, "no such name"));
}

#[test]
fn ensip21_unreachable_gateways_are_reported_as_the_client_saw_them() {
    use crate::resolve::abi::IBatchGateway;
    let mut planner = local_batch(vec![IBatchGateway::Request {
        sender: address!("00000000000000000000000000000000000000aa"),
        urls: vec!["https://a.example/".into(), "https://b.example/".into()],
        data: vec![0x12].into(),
    }]);
    let Some(Transmit::Http { id, .. }) = planner.poll_transmit() else {
        panic!("expected the first gateway")
    };
    planner.handle_http_failure(id);
    let Some(Transmit::Http { id, .. }) = planner.poll_transmit() else {
        panic!("expected the second gateway")
    };
    planner.handle_http_response(id, 503, b"busy");
    // The contract hears "failed" (ENSIP-21) and reverts; the caller hears why.
    let (id, _, data) = eth_call(&mut planner);
    let (response, _) = <(Bytes, Bytes)>::abi_decode_params(&data[4..]).unwrap();
    let ret = IBatchGateway::queryCall::abi_decode_returns(&response).unwrap();
    assert_eq!(ret.failures, [true]);
    let http_error = UR::HttpError {
        status: 500,
        message: "every gateway failed".into(),
    }
    .abi_encode();
    planner.handle_rpc_response(id, &rpc_revert(&http_error));
    assert_eq!(
        events(&mut planner)[0].outcome,
        Err(ResolveError::CcipGatewayFailed { status: Some(503) })
    );
}
