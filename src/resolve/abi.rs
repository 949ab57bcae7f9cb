//! The contract interfaces the resolver calls, as `sol!` definitions, and bounded decoders
//! for every response it reads.
//!
//! Everything that arrives from an RPC node or a CCIP-Read gateway goes through
//! [`decode_config`]: at most [`MAX_RESPONSE_BYTES`] of input and [`DECODE_MEMORY_LIMIT`]
//! bytes of decoded data (aliased offsets cannot multiply a small input into a large
//! allocation). Every decoder returns a typed result or a [`ResolveError`]; none panics.

use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use alloy_sol_types::{abi::AbiDecoderConfig, sol, SolCall, SolError, SolInterface};

use super::error::ResolveError;

/// The Universal Resolver v3 on mainnet (the default; configurable by the caller).
pub const UNIVERSAL_RESOLVER: Address = Address::new([
    0xee, 0xee, 0xee, 0xee, 0x14, 0xd7, 0x18, 0xc2, 0xb4, 0x7d, 0x99, 0x23, 0xde, 0xab, 0x13, 0x35,
    0xe1, 0x44, 0xee, 0xee,
]);

/// Multicall3, deployed at the same address on every chain.
pub const MULTICALL3: Address = Address::new([
    0xca, 0x11, 0xbd, 0xe0, 0x59, 0x77, 0xb3, 0x63, 0x11, 0x67, 0x02, 0x88, 0x62, 0xbe, 0x2a, 0x17,
    0x39, 0x76, 0xca, 0x11,
]);

/// ENSIP-9 coin type of Ethereum mainnet (SLIP-44 `60`).
pub const COIN_TYPE_ETH: u64 = 60;

/// ENSIP-11/19 coin type of an EVM chain: `0x80000000 | chainId`.
pub const fn evm_coin_type(chain_id: u32) -> u64 {
    0x8000_0000 | chain_id as u64
}

/// ENSIP-19 coin type of Base (`0x80000000 | 8453`).
pub const COIN_TYPE_BASE: u64 = evm_coin_type(8453);

/// The largest response (return data or revert data) the decoders accept.
pub const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// The most memory one decode may allocate for decoded values.
pub const DECODE_MEMORY_LIMIT: usize = 4 << 20;

/// The most URLs an `OffchainLookup` may list (ERC-3668 sets no bound; real resolvers use
/// one to three).
pub const MAX_CCIP_URLS: usize = 8;

/// Revert reasons and gateway messages longer than this are cut (they end up in error
/// messages).
const MAX_MESSAGE_CHARS: usize = 256;

sol! {
    /// The ENS Universal Resolver v3 (`IUniversalResolver`), with the errors it reverts with.
    interface IUniversalResolver {
        /// No resolver is set for the name or any of its parents.
        error ResolverNotFound(bytes name);
        /// The name's resolver has no code.
        error ResolverNotContract(bytes name, address resolver);
        /// The resolver does not implement the requested profile.
        error UnsupportedResolverProfile(bytes4 selector);
        /// The resolver itself reverted, with this data.
        error ResolverError(bytes errorData);
        /// The reverse record names a primary name whose forward address differs.
        error ReverseAddressMismatch(string primary, bytes primaryAddress);
        /// A CCIP-Read gateway answered with an HTTP error (through the batch gateway).
        error HttpError(uint16 status, string message);
        /// The DNS-encoded name could not be decoded.
        error DNSDecodingFailed(bytes dns);
        /// The name could not be DNS-encoded.
        error DNSEncodingFailed(string ens);
        /// A record holds an empty address.
        error EmptyAddress();
        /// The batch gateway's response did not decode.
        error InvalidBatchGatewayResponse();

        /// ENSIP-10 resolution of a DNS-encoded name: the record call's return data and the
        /// resolver that answered.
        function resolve(bytes name, bytes data) external view returns (bytes result, address resolver);
        /// [`resolve`] with explicit batch gateway URLs (as viem calls it).
        function resolveWithGateways(bytes name, bytes data, string[] gateways) external view returns (bytes result, address resolver);
        /// ENSIP-19 reverse resolution of an address for a coin type; the primary name is
        /// already forward-verified by the contract.
        function reverse(bytes lookupAddress, uint256 coinType) external view returns (string primary, address resolver, address reverseResolver);
        /// [`reverse`] with explicit batch gateway URLs (as viem calls it).
        function reverseWithGateways(bytes lookupAddress, uint256 coinType, string[] gateways) external view returns (string primary, address resolver, address reverseResolver);
    }

    /// EIP-137 `addr(bytes32)`: the Ethereum address record.
    interface IAddrResolver {
        /// The ETH address of a node.
        function addr(bytes32 node) external view returns (address);
    }

    /// ENSIP-9 `addr(bytes32,uint256)`: the address record for a coin type.
    interface IAddressResolver {
        /// The address of a node for a coin type, in that coin's binary form.
        function addr(bytes32 node, uint256 coinType) external view returns (bytes);
    }

    /// ENSIP-5 text records.
    interface ITextResolver {
        /// The text record `key` of a node.
        function text(bytes32 node, string key) external view returns (string);
    }

    /// EIP-181 `name(bytes32)`: the name record of a reverse node.
    interface INameResolver {
        /// The name record of a node.
        function name(bytes32 node) external view returns (string);
    }

    /// Multicall3 (`0xcA11bde05977b3631167028862bE2a173976CA11`).
    interface IMulticall3 {
        /// One call of a batch.
        struct Call3 {
            /// The contract to call.
            address target;
            /// Whether a revert of this call leaves the batch standing.
            bool allowFailure;
            /// The calldata.
            bytes callData;
        }
        /// One call's outcome.
        struct Result {
            /// Whether the call returned (`false`: it reverted, `returnData` is the revert data).
            bool success;
            /// Return data or revert data.
            bytes returnData;
        }
        /// Runs the calls in order and returns every outcome.
        function aggregate3(Call3[] calls) external payable returns (Result[] returnData);
    }

    /// ERC-3668 (CCIP-Read): the revert that asks the client to fetch off-chain data.
    interface IErc3668 {
        /// Fetch `callData` from one of `urls`, then call `sender.callbackFunction(response,
        /// extraData)`.
        error OffchainLookup(address sender, string[] urls, bytes callData, bytes4 callbackFunction, bytes extraData);
    }

    /// ENSIP-21 batch gateway (`x-batch-gateway:true`), answered locally by the client.
    interface IBatchGateway {
        /// One off-chain lookup.
        struct Request {
            /// The `OffchainLookup` sender.
            address sender;
            /// Its gateway URLs.
            string[] urls;
            /// Its calldata.
            bytes data;
        }
        /// Runs every lookup; `failures[i]` marks `responses[i]` as error data.
        function query(Request[] requests) external view returns (bool[] failures, bytes[] responses);
    }

    /// ERC-721, for ENSIP-12 NFT avatars.
    interface IErc721 {
        /// The owner of a token.
        function ownerOf(uint256 tokenId) external view returns (address);
        /// The metadata URI of a token.
        function tokenURI(uint256 tokenId) external view returns (string);
    }

    /// ERC-1155, for ENSIP-12 NFT avatars.
    interface IErc1155 {
        /// How many of a token an account holds.
        function balanceOf(address account, uint256 id) external view returns (uint256);
        /// The metadata URI template of a token (`{id}` to substitute).
        function uri(uint256 id) external view returns (string);
    }

    /// The revert data of `require(false, reason)` / `revert(reason)`.
    interface IRevert {
        /// `Error(string)`.
        error Error(string reason);
        /// `Panic(uint256)`: an assertion, overflow or similar.
        error Panic(uint256 code);
    }
}

/// The decoder settings used for every untrusted response.
pub fn decode_config() -> AbiDecoderConfig {
    AbiDecoderConfig::new().memory_limit(DECODE_MEMORY_LIMIT)
}

fn bounded(data: &[u8]) -> Result<&[u8], ResolveError> {
    if data.len() > MAX_RESPONSE_BYTES {
        return Err(ResolveError::ResponseTooLarge {
            len: data.len(),
            max: MAX_RESPONSE_BYTES,
        });
    }
    Ok(data)
}

fn abi_error(what: &'static str) -> impl FnOnce(alloy_sol_types::Error) -> ResolveError {
    move |_| ResolveError::AbiDecode { what }
}

fn cut(message: &str) -> String {
    message.chars().take(MAX_MESSAGE_CHARS).collect()
}

/// A successful Universal Resolver `resolve` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The return data of the record call (decode it with the record's decoder).
    pub result: Bytes,
    /// The resolver that answered.
    pub resolver: Address,
}

/// Decodes the return data of `resolve` / `resolveWithGateways` (they share one return
/// type). Errors: [`ResolveError::ResponseTooLarge`], [`ResolveError::AbiDecode`].
pub fn decode_resolve_return(data: &[u8]) -> Result<Resolved, ResolveError> {
    let ret = IUniversalResolver::resolveCall::abi_decode_returns_with_config(
        bounded(data)?,
        decode_config(),
    )
    .map_err(abi_error("resolve return"))?;
    Ok(Resolved {
        result: ret.result,
        resolver: ret.resolver,
    })
}

/// A successful Universal Resolver `reverse` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reversed {
    /// The primary name, verified on-chain against the forward record (`""`: none).
    pub primary: String,
    /// The forward resolver of the primary name.
    pub resolver: Address,
    /// The resolver that holds the reverse record.
    pub reverse_resolver: Address,
}

/// Decodes the return data of `reverse` / `reverseWithGateways`.
/// Errors: [`ResolveError::ResponseTooLarge`], [`ResolveError::AbiDecode`].
pub fn decode_reverse_return(data: &[u8]) -> Result<Reversed, ResolveError> {
    let ret = IUniversalResolver::reverseCall::abi_decode_returns_with_config(
        bounded(data)?,
        decode_config(),
    )
    .map_err(abi_error("reverse return"))?;
    Ok(Reversed {
        primary: ret.primary,
        resolver: ret.resolver,
        reverse_resolver: ret.reverseResolver,
    })
}

/// Decodes `addr(bytes32)` return data: `None` for the zero address (no record).
pub fn decode_addr(data: &[u8]) -> Result<Option<Address>, ResolveError> {
    let addr =
        IAddrResolver::addrCall::abi_decode_returns_with_config(bounded(data)?, decode_config())
            .map_err(abi_error("addr return"))?;
    Ok((addr != Address::ZERO).then_some(addr))
}

/// Decodes `addr(bytes32,uint256)` return data for an EVM coin type: `None` when the
/// record is empty (or the zero address); [`ResolveError::AbiDecode`] when the record is
/// not 20 bytes.
pub fn decode_addr_coin(data: &[u8]) -> Result<Option<Address>, ResolveError> {
    let raw =
        IAddressResolver::addrCall::abi_decode_returns_with_config(bounded(data)?, decode_config())
            .map_err(abi_error("addr(coinType) return"))?;
    match raw.len() {
        0 => Ok(None),
        20 => {
            let addr = Address::from_slice(&raw);
            Ok((addr != Address::ZERO).then_some(addr))
        }
        _ => Err(ResolveError::AbiDecode {
            what: "addr(coinType) record length",
        }),
    }
}

/// Decodes a `string` return (`text`, `name`, `tokenURI`, `uri`).
pub fn decode_string(data: &[u8]) -> Result<String, ResolveError> {
    ITextResolver::textCall::abi_decode_returns_with_config(bounded(data)?, decode_config())
        .map_err(abi_error("string return"))
}

/// Decodes ERC-721 `ownerOf` return data.
pub fn decode_owner_of(data: &[u8]) -> Result<Address, ResolveError> {
    IErc721::ownerOfCall::abi_decode_returns_with_config(bounded(data)?, decode_config())
        .map_err(abi_error("ownerOf return"))
}

/// Decodes ERC-1155 `balanceOf` return data.
pub fn decode_balance_of(data: &[u8]) -> Result<U256, ResolveError> {
    IErc1155::balanceOfCall::abi_decode_returns_with_config(bounded(data)?, decode_config())
        .map_err(abi_error("balanceOf return"))
}

/// One call's outcome in a Multicall3 batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallResult {
    /// `true`: `data` is return data; `false`: the call reverted and `data` is revert data.
    pub success: bool,
    /// Return data or revert data.
    pub data: Bytes,
}

/// Decodes Multicall3 `aggregate3` return data into `(success, returnData)` per call.
/// Errors when the count differs from `expected` calls.
pub fn decode_aggregate3(data: &[u8], expected: usize) -> Result<Vec<CallResult>, ResolveError> {
    let results = IMulticall3::aggregate3Call::abi_decode_returns_with_config(
        bounded(data)?,
        decode_config(),
    )
    .map_err(abi_error("aggregate3 return"))?;
    if results.len() != expected {
        return Err(ResolveError::AbiDecode {
            what: "aggregate3 result count",
        });
    }
    Ok(results
        .into_iter()
        .map(|r| CallResult {
            success: r.success,
            data: r.returnData,
        })
        .collect())
}

/// A validated ERC-3668 `OffchainLookup` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffchainLookup {
    /// The contract that reverted (checked equal to the called contract).
    pub sender: Address,
    /// Gateway URL templates, in the order to try them (1 to [`MAX_CCIP_URLS`]).
    pub urls: Vec<String>,
    /// The data to send to the gateway.
    pub call_data: Bytes,
    /// The selector to call on `sender` with the gateway's response.
    pub callback_function: FixedBytes<4>,
    /// Passed back to the callback as given.
    pub extra_data: Bytes,
}

impl OffchainLookup {
    /// The calldata of the callback: `callbackFunction(bytes response, bytes extraData)`.
    pub fn callback_call_data(&self, response: &[u8]) -> Vec<u8> {
        let args = (Bytes::copy_from_slice(response), self.extra_data.clone());
        let mut out = self.callback_function.to_vec();
        out.extend_from_slice(&alloy_sol_types::SolValue::abi_encode_params(&args));
        out
    }
}

/// Why a call reverted, decoded from its revert data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Revert {
    /// ERC-3668: follow with a CCIP-Read step. Not validated yet: see
    /// [`validate_offchain_lookup`].
    OffchainLookup(OffchainLookup),
    /// The name has no resolver (resolves to nothing).
    ResolverNotFound,
    /// The name's resolver is not a contract (resolves to nothing).
    ResolverNotContract,
    /// The resolver lacks the requested record type (resolves to nothing).
    UnsupportedResolverProfile,
    /// The reverse record's primary name does not resolve back to the address.
    ReverseAddressMismatch,
    /// Any other revert, as the error the caller reports.
    Error(ResolveError),
}

/// Decodes revert data from the Universal Resolver, a resolver, or any called contract.
///
/// Errors inside the result ([`Revert::Error`]): [`ResolveError::ResolverError`],
/// [`ResolveError::GatewayHttpError`], [`ResolveError::ContractReverted`] (with the reason
/// of `Error(string)`, or the selector of an unknown custom error).
pub fn decode_revert(data: &[u8]) -> Revert {
    let data = match bounded(data) {
        Ok(data) => data,
        Err(err) => return Revert::Error(err),
    };
    if data.get(..4) == Some(&IErc3668::OffchainLookup::SELECTOR[..]) {
        return match IErc3668::OffchainLookup::abi_decode_with_config(data, decode_config()) {
            Ok(lookup) => Revert::OffchainLookup(OffchainLookup {
                sender: lookup.sender,
                urls: lookup.urls,
                call_data: lookup.callData,
                callback_function: lookup.callbackFunction,
                extra_data: lookup.extraData,
            }),
            Err(_) => Revert::Error(ResolveError::AbiDecode {
                what: "OffchainLookup",
            }),
        };
    }
    use IUniversalResolver::IUniversalResolverErrors as U;
    if let Ok(err) = U::abi_decode_with_config(data, decode_config()) {
        return match err {
            U::ResolverNotFound(_) => Revert::ResolverNotFound,
            U::ResolverNotContract(_) => Revert::ResolverNotContract,
            U::UnsupportedResolverProfile(_) => Revert::UnsupportedResolverProfile,
            U::ReverseAddressMismatch(_) => Revert::ReverseAddressMismatch,
            U::ResolverError(e) => Revert::Error(ResolveError::ResolverError {
                data: e.errorData.to_vec(),
            }),
            U::HttpError(e) => Revert::Error(ResolveError::GatewayHttpError {
                status: e.status,
                message: cut(&e.message),
            }),
            U::DNSDecodingFailed(_)
            | U::DNSEncodingFailed(_)
            | U::EmptyAddress(_)
            | U::InvalidBatchGatewayResponse(_) => Revert::Error(ResolveError::ContractReverted {
                selector: selector_of(data),
                reason: None,
            }),
        };
    }
    if let Ok(err) = IRevert::IRevertErrors::abi_decode_with_config(data, decode_config()) {
        let reason = match err {
            IRevert::IRevertErrors::Error(e) => cut(&e.reason),
            IRevert::IRevertErrors::Panic(p) => format!("panic 0x{:x}", p.code),
        };
        return Revert::Error(ResolveError::ContractReverted {
            selector: selector_of(data),
            reason: Some(reason),
        });
    }
    Revert::Error(ResolveError::ContractReverted {
        selector: selector_of(data),
        reason: None,
    })
}

fn selector_of(data: &[u8]) -> Option<[u8; 4]> {
    data.get(..4).and_then(|s| s.try_into().ok())
}

/// Checks an `OffchainLookup` against the contract that was called: ERC-3668 requires
/// `sender == to`, at least one and at most [`MAX_CCIP_URLS`] URLs.
///
/// Errors: [`ResolveError::CcipSenderMismatch`], [`ResolveError::CcipTooManyUrls`].
pub fn validate_offchain_lookup(lookup: &OffchainLookup, to: Address) -> Result<(), ResolveError> {
    if lookup.sender != to {
        return Err(ResolveError::CcipSenderMismatch {
            expected: to,
            sender: lookup.sender,
        });
    }
    if lookup.urls.is_empty() || lookup.urls.len() > MAX_CCIP_URLS {
        return Err(ResolveError::CcipTooManyUrls {
            count: lookup.urls.len(),
            max: MAX_CCIP_URLS,
        });
    }
    Ok(())
}

/// Decodes a batch gateway `query` request (the calldata of a `x-batch-gateway:true`
/// lookup, to answer locally). At most [`MAX_CCIP_URLS`] requests.
pub fn decode_batch_query(data: &[u8]) -> Result<Vec<IBatchGateway::Request>, ResolveError> {
    let call = IBatchGateway::queryCall::abi_decode_with_config(bounded(data)?, decode_config())
        .map_err(abi_error("batch gateway query"))?;
    Ok(call.requests)
}

#[cfg(test)]
mod tests;
