//! Real encodings built with `sol!`, checked against published selectors, and malicious
//! responses.

use alloy_primitives::{address, hex, Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolError, SolValue};

use super::*;
use crate::eth::{dns_encode, namehash};

#[test]
fn published_selectors() {
    assert_eq!(IAddrResolver::addrCall::SELECTOR, hex!("3b3b57de"));
    assert_eq!(IAddressResolver::addrCall::SELECTOR, hex!("f1cb7e06"));
    assert_eq!(ITextResolver::textCall::SELECTOR, hex!("59d1d43c"));
    assert_eq!(INameResolver::nameCall::SELECTOR, hex!("691f3431"));
    assert_eq!(IUniversalResolver::resolveCall::SELECTOR, hex!("9061b923"));
    assert_eq!(IMulticall3::aggregate3Call::SELECTOR, hex!("82ad56cb"));
    assert_eq!(IErc3668::OffchainLookup::SELECTOR, hex!("556f1830"));
    assert_eq!(
        IUniversalResolver::ResolverNotFound::SELECTOR,
        hex!("77209fe8")
    );
    assert_eq!(
        IUniversalResolver::ResolverNotContract::SELECTOR,
        hex!("1e9535f2")
    );
    assert_eq!(
        IUniversalResolver::UnsupportedResolverProfile::SELECTOR,
        hex!("7b1c461b")
    );
    assert_eq!(IErc721::ownerOfCall::SELECTOR, hex!("6352211e"));
    assert_eq!(IErc721::tokenURICall::SELECTOR, hex!("c87b56dd"));
    assert_eq!(IErc1155::balanceOfCall::SELECTOR, hex!("00fdd58e"));
    assert_eq!(IErc1155::uriCall::SELECTOR, hex!("0e89341c"));
    assert_eq!(IRevert::Error::SELECTOR, hex!("08c379a0"));
    assert_eq!(IRevert::Panic::SELECTOR, hex!("4e487b71"));
    assert_eq!(IBatchGateway::queryCall::SELECTOR, hex!("a780bab6"));
}

#[test]
fn addresses_and_coin_types() {
    assert_eq!(
        MULTICALL3,
        address!("cA11bde05977b3631167028862bE2a173976CA11")
    );
    assert_eq!(
        UNIVERSAL_RESOLVER,
        address!("eeeeeeee14d718c2b47d9923deab1335e144eeee")
    );
    assert_eq!(COIN_TYPE_BASE, 2_147_492_101);
}

#[test]
fn addr_calldata_is_the_selector_and_the_namehash() {
    let node = namehash("vitalik.eth").unwrap();
    assert_eq!(
        node,
        B256::from(hex!(
            "ee6c4522aab0003e8d14cd40a6af439055fd2577951148c14b6cea9a53475835"
        ))
    );
    let data = IAddrResolver::addrCall { node }.abi_encode();
    assert_eq!(data.len(), 36);
    assert_eq!(&data[..4], hex!("3b3b57de"));
    assert_eq!(&data[4..], node.as_slice());
}

fn vitalik() -> Address {
    address!("d8dA6BF26964aF9D7eEd9e03E53415D37aA96045")
}

#[test]
fn resolve_return_round_trip() {
    let inner = vitalik().abi_encode();
    let resolver = address!("231b0Ee14048e9dCcD1d247744d114a4EB5E8E63");
    let ret = (Bytes::from(inner), resolver).abi_encode_params();
    let resolved = decode_resolve_return(&ret).unwrap();
    assert_eq!(resolved.resolver, resolver);
    assert_eq!(decode_addr(&resolved.result).unwrap(), Some(vitalik()));
}

#[test]
fn resolve_calldata_carries_the_dns_name() {
    let name = dns_encode("vitalik.eth").unwrap();
    let data = IAddrResolver::addrCall {
        node: namehash("vitalik.eth").unwrap(),
    }
    .abi_encode();
    let call = IUniversalResolver::resolveCall {
        name: name.clone().into(),
        data: data.into(),
    }
    .abi_encode();
    assert_eq!(&call[..4], hex!("9061b923"));
    let back = IUniversalResolver::resolveCall::abi_decode(&call).unwrap();
    assert_eq!(back.name.as_ref(), name.as_slice());
    assert_eq!(&name[..], b"\x07vitalik\x03eth\x00");
}

#[test]
fn zero_address_and_empty_record_are_none() {
    assert_eq!(decode_addr(&Address::ZERO.abi_encode()).unwrap(), None);
    assert_eq!(decode_addr_coin(&Bytes::new().abi_encode()).unwrap(), None);
    let base = Bytes::copy_from_slice(vitalik().as_slice()).abi_encode();
    assert_eq!(decode_addr_coin(&base).unwrap(), Some(vitalik()));
    let odd = Bytes::from(vec![1u8; 19]).abi_encode();
    assert_eq!(
        decode_addr_coin(&odd),
        Err(ResolveError::AbiDecode {
            what: "addr(coinType) record length"
        })
    );
}

#[test]
fn reverse_return_and_strings() {
    let ret = ("vitalik.eth".to_string(), vitalik(), Address::ZERO).abi_encode_params();
    let rev = decode_reverse_return(&ret).unwrap();
    assert_eq!(rev.primary, "vitalik.eth");
    assert_eq!(rev.resolver, vitalik());
    assert_eq!(
        decode_string(&"https://x".to_string().abi_encode()).unwrap(),
        "https://x"
    );
    assert_eq!(decode_owner_of(&vitalik().abi_encode()).unwrap(), vitalik());
    assert_eq!(
        decode_balance_of(&U256::from(3).abi_encode()).unwrap(),
        U256::from(3)
    );
}

#[test]
fn aggregate3_round_trip_and_count() {
    let results = vec![
        IMulticall3::Result {
            success: true,
            returnData: vec![1, 2, 3].into(),
        },
        IMulticall3::Result {
            success: false,
            returnData: Bytes::new(),
        },
    ];
    let ret = IMulticall3::aggregate3Call::abi_encode_returns(&results);
    assert_eq!(
        decode_aggregate3(&ret, 2).unwrap(),
        [
            CallResult {
                success: true,
                data: vec![1, 2, 3].into()
            },
            CallResult {
                success: false,
                data: Bytes::new()
            }
        ]
    );
    assert_eq!(
        decode_aggregate3(&ret, 3),
        Err(ResolveError::AbiDecode {
            what: "aggregate3 result count"
        })
    );
}

fn lookup(sender: Address, urls: usize) -> Vec<u8> {
    IErc3668::OffchainLookup {
        sender,
        urls: (0..urls)
            .map(|i| format!("https://g{i}/{{sender}}/{{data}}"))
            .collect(),
        callData: vec![0xab; 5].into(),
        callbackFunction: FixedBytes(hex!("b4a85801")),
        extraData: vec![0xcd; 3].into(),
    }
    .abi_encode()
}

#[test]
fn offchain_lookup_is_decoded_and_validated() {
    let data = lookup(UNIVERSAL_RESOLVER, 2);
    assert_eq!(&data[..4], hex!("556f1830"));
    let Revert::OffchainLookup(l) = decode_revert(&data) else {
        panic!("not an OffchainLookup")
    };
    assert_eq!(l.urls.len(), 2);
    assert_eq!(validate_offchain_lookup(&l, UNIVERSAL_RESOLVER), Ok(()));
    assert_eq!(
        validate_offchain_lookup(&l, vitalik()),
        Err(ResolveError::CcipSenderMismatch {
            expected: vitalik(),
            sender: UNIVERSAL_RESOLVER
        })
    );
    let callback = l.callback_call_data(b"resp");
    assert_eq!(&callback[..4], hex!("b4a85801"));
    let (resp, extra) = <(Bytes, Bytes)>::abi_decode_params(&callback[4..]).unwrap();
    assert_eq!(resp.as_ref(), b"resp");
    assert_eq!(extra.as_ref(), &[0xcd; 3]);

    let Revert::OffchainLookup(many) = decode_revert(&lookup(UNIVERSAL_RESOLVER, 9)) else {
        panic!("not an OffchainLookup")
    };
    assert_eq!(
        validate_offchain_lookup(&many, UNIVERSAL_RESOLVER),
        Err(ResolveError::CcipTooManyUrls { count: 9, max: 8 })
    );
    let Revert::OffchainLookup(none) = decode_revert(&lookup(UNIVERSAL_RESOLVER, 0)) else {
        panic!("not an OffchainLookup")
    };
    assert!(validate_offchain_lookup(&none, UNIVERSAL_RESOLVER).is_err());
}

#[test]
fn universal_resolver_errors() {
    let nf = IUniversalResolver::ResolverNotFound {
        name: dns_encode("nobody.eth").unwrap().into(),
    }
    .abi_encode();
    assert_eq!(decode_revert(&nf), Revert::ResolverNotFound);
    let mismatch = IUniversalResolver::ReverseAddressMismatch {
        primary: "evil.eth".into(),
        primaryAddress: vec![1; 20].into(),
    }
    .abi_encode();
    assert_eq!(decode_revert(&mismatch), Revert::ReverseAddressMismatch);
    let re = IUniversalResolver::ResolverError {
        errorData: vec![9, 9].into(),
    }
    .abi_encode();
    assert_eq!(
        decode_revert(&re),
        Revert::Error(ResolveError::ResolverError { data: vec![9, 9] })
    );
    let http = IUniversalResolver::HttpError {
        status: 404,
        message: "x".repeat(10_000),
    }
    .abi_encode();
    let Revert::Error(ResolveError::GatewayHttpError { status, message }) = decode_revert(&http)
    else {
        panic!("not an HttpError")
    };
    assert_eq!((status, message.len()), (404, 256));
    let reason = IRevert::Error {
        reason: "nope".into(),
    }
    .abi_encode();
    assert_eq!(
        decode_revert(&reason),
        Revert::Error(ResolveError::ContractReverted {
            selector: Some(hex!("08c379a0")),
            reason: Some("nope".into())
        })
    );
    assert_eq!(
        decode_revert(&[]),
        Revert::Error(ResolveError::ContractReverted {
            selector: None,
            reason: None
        })
    );
}

#[test]
fn malicious_responses_are_typed_errors() {
    // Truncated: every prefix that cuts into the data fails cleanly (dropping only the
    // final zero padding is accepted, as by Solidity's own decoder).
    let ret = (Bytes::from(vec![7u8; 100]), vitalik()).abi_encode_params();
    for cut in 0..ret.len() - 28 {
        assert!(decode_resolve_return(&ret[..cut]).is_err(), "prefix {cut}");
    }
    let data = lookup(UNIVERSAL_RESOLVER, 3);
    for cut in 4..data.len() - 29 {
        assert!(
            matches!(decode_revert(&data[..cut]), Revert::Error(_)),
            "prefix {cut}"
        );
    }
    // A huge offset and a huge length.
    let mut huge = ret.clone();
    huge[..32].copy_from_slice(&[0xff; 32]);
    assert!(matches!(
        decode_resolve_return(&huge),
        Err(ResolveError::AbiDecode { .. })
    ));
    let mut long = ret.clone();
    long[64..96].copy_from_slice(&U256::from(u64::MAX).to_be_bytes::<32>());
    assert!(matches!(
        decode_resolve_return(&long),
        Err(ResolveError::AbiDecode { .. })
    ));
    // An array count of 2^64 in aggregate3.
    let mut count = IMulticall3::aggregate3Call::abi_encode_returns(&vec![]);
    count[32..64].copy_from_slice(&U256::from(u64::MAX).to_be_bytes::<32>());
    assert!(decode_aggregate3(&count, 0).is_err());
    // Oversized input.
    assert_eq!(
        decode_resolve_return(&vec![0; MAX_RESPONSE_BYTES + 1]),
        Err(ResolveError::ResponseTooLarge {
            len: MAX_RESPONSE_BYTES + 1,
            max: MAX_RESPONSE_BYTES
        })
    );
}

#[test]
fn aliased_offsets_hit_the_memory_limit() {
    // 4,000 results whose returnData all point at one 256 KiB blob: 1 GB if decoded naively.
    let n = 4_000usize;
    let blob = 256 * 1024;
    let mut data = Vec::new();
    data.extend_from_slice(&U256::from(32).to_be_bytes::<32>());
    data.extend_from_slice(&U256::from(n).to_be_bytes::<32>());
    // Offsets of each tuple, relative to the start of the array body (after the count).
    let tuple_at = 32 * n;
    for _ in 0..n {
        data.extend_from_slice(&U256::from(tuple_at).to_be_bytes::<32>());
    }
    data.extend_from_slice(&U256::from(1).to_be_bytes::<32>());
    data.extend_from_slice(&U256::from(64).to_be_bytes::<32>());
    data.extend_from_slice(&U256::from(blob).to_be_bytes::<32>());
    data.resize(data.len() + blob, 0);
    assert!(data.len() <= MAX_RESPONSE_BYTES);
    assert!(matches!(
        decode_aggregate3(&data, n),
        Err(ResolveError::AbiDecode { .. })
    ));
}

#[test]
fn batch_gateway_query_round_trip() {
    let call = IBatchGateway::queryCall {
        requests: vec![IBatchGateway::Request {
            sender: UNIVERSAL_RESOLVER,
            urls: vec!["https://a".into()],
            data: vec![1].into(),
        }],
    }
    .abi_encode();
    let reqs = decode_batch_query(&call).unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].urls, ["https://a"]);
    assert!(decode_batch_query(&call[..call.len() - 32]).is_err());
}
