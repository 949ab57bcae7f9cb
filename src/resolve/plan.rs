//! The sans-IO resolution planner: it turns lookups into JSON-RPC `eth_call` requests and
//! CCIP-Read HTTP requests, and consumes their responses. The caller performs all IO.
//!
//! Driving it: create a [`Planner`] with the lookups, then loop
//! 1. drain [`Planner::poll_transmit`] and perform each [`Transmit`] (an `eth_call` to the
//!    chain's RPC endpoint, or an HTTP request to a CCIP-Read gateway);
//! 2. feed each answer back with [`Planner::handle_rpc_response`],
//!    [`Planner::handle_http_response`] or [`Planner::handle_http_failure`];
//! 3. drain [`Planner::poll_event`] for finished lookups;
//!
//! until [`Planner::is_done`]. The first `poll_transmit` returns one Multicall3
//! `aggregate3` batch carrying one Universal Resolver call per lookup (`allowFailure:
//! true`); each `OffchainLookup` is then followed on its own (gateway URLs in order, then the
//! callback `eth_call`). Bare names (no dot) try `<name>.eth`, then `<name>.base.eth`.
//! Reverse lookups go through the Universal Resolver's `reverse`, which verifies the
//! primary name's forward address on-chain (`ReverseAddressMismatch` → no name); a primary
//! name that is not in ENSIP-15 normal form is rejected too.

use std::collections::{BTreeMap, VecDeque};

use alloy_primitives::{hex, Address, U256};
use alloy_sol_types::SolCall;
use serde::{Deserialize, Serialize};

use super::abi::{self, IAddrResolver, IAddressResolver, IMulticall3, IUniversalResolver, Revert};
use super::error::ResolveError;
use crate::eth::{dns_encode, namehash};

/// The largest JSON-RPC or gateway response body the planner parses.
pub const MAX_BODY_BYTES: usize = 2 << 20;

/// The most CCIP-Read rounds one lookup may take (a callback may revert with another
/// `OffchainLookup`).
pub const MAX_CCIP_ROUNDS: u8 = 4;

/// One lookup to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Name → address for a coin type. The name must be ENSIP-15 normalized; a name without
    /// a dot is tried as `<name>.eth`, then `<name>.base.eth`.
    Forward {
        /// The normalized name.
        name: String,
        /// ENSIP-9 coin type (60 for Ethereum, [`abi::COIN_TYPE_BASE`] for Base).
        coin_type: u64,
    },
    /// Address → primary name for a coin type (ENSIP-19), forward-verified.
    Reverse {
        /// The address.
        address: Address,
        /// ENSIP-19 coin type.
        coin_type: u64,
    },
    /// An ENSIP-5 text record of a name (normalized, with a dot).
    Text {
        /// The normalized name.
        name: String,
        /// The record key (`avatar`, `url`, …).
        key: String,
    },
    /// A plain contract call, batched with the others (NFT ownership and metadata, the
    /// Basenames L2 resolver). A revert is an error.
    Call {
        /// The contract.
        to: Address,
        /// The calldata.
        data: Vec<u8>,
    },
}

/// What a finished lookup resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A forward lookup: the address, or `None` (no resolver, no record).
    Address(Option<Address>),
    /// A reverse lookup: the verified, normalized primary name, or `None`.
    Name(Option<String>),
    /// A text record, or `None` (no resolver, empty record).
    Text(Option<String>),
    /// The return data of a [`Lookup::Call`].
    Data(Vec<u8>),
}

/// A finished lookup: its index in the list given to [`Planner::new`], and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Index of the lookup.
    pub index: usize,
    /// The answer, or why there is none. Errors are never "not found".
    pub outcome: Result<Answer, ResolveError>,
}

/// HTTP method of a CCIP-Read request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// The URL template had `{data}`.
    Get,
    /// The URL template had no `{data}`: JSON body `{"data","sender"}`.
    Post,
}

/// A request for the caller to perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit {
    /// A JSON-RPC `eth_call`: POST `body` to the chain's RPC endpoint.
    EthCall {
        /// Hand this back with the response.
        id: u64,
        /// The JSON-RPC request body.
        body: String,
    },
    /// A CCIP-Read gateway request (no credentials, follow at most 4 redirects).
    Http {
        /// Hand this back with the response.
        id: u64,
        /// GET or POST.
        method: HttpMethod,
        /// The URL, template filled in.
        url: String,
        /// The JSON body of a POST.
        body: Option<String>,
    },
}

/// Settings of a [`Planner`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanConfig {
    /// The Universal Resolver to call.
    pub universal_resolver: Address,
    /// The Multicall3 contract batching the calls.
    pub multicall: Address,
    /// Accept `http://127.0.0.1` and `http://localhost` gateway URLs (tests only); other
    /// URLs must be `https:`.
    pub dangerous_allow_http_localhost: bool,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            universal_resolver: abi::UNIVERSAL_RESOLVER,
            multicall: abi::MULTICALL3,
            dangerous_allow_http_localhost: false,
        }
    }
}

#[derive(Serialize)]
struct RpcRequest<'a> {
    jsonrpc: &'static str,
    id: u64,
    method: &'static str,
    params: (CallParams<'a>, &'static str),
}

#[derive(Serialize)]
struct CallParams<'a> {
    to: &'a str,
    data: &'a str,
}

#[derive(Deserialize)]
struct RpcResponse {
    #[serde(default)]
    result: Option<String>,
    #[serde(default)]
    error: Option<RpcErrorBody>,
}

#[derive(Deserialize)]
struct RpcErrorBody {
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Option<String>,
}

#[derive(Serialize)]
struct GatewayPost<'a> {
    data: &'a str,
    sender: &'a str,
}

#[derive(Deserialize)]
struct GatewayResponse {
    data: String,
}

/// The outcome of one `eth_call` as the planner sees it.
enum CallOutcome {
    Returned(Vec<u8>),
    Reverted(Vec<u8>),
}

enum Waiting {
    Batch(Vec<usize>),
    Callback(usize),
    Gateway(usize),
    /// One request of a local ENSIP-21 batch gateway: (lookup, request).
    BatchPart(usize, usize),
}

/// The URL of an ENSIP-21 batch gateway the client answers itself.
pub const LOCAL_BATCH_GATEWAY: &str = "x-batch-gateway:true";

/// The batch gateways given to the Universal Resolver's `…WithGateways` calls, as viem
/// does: only the local one, so offchain lookups go from this client straight to each
/// resolver's own gateways (never through a third-party batch gateway).
fn local_batch_gateway() -> Vec<String> {
    vec![LOCAL_BATCH_GATEWAY.to_owned()]
}

/// The most requests one local batch gateway query may carry.
pub const MAX_BATCH_REQUESTS: usize = 32;

/// An ENSIP-21 batch gateway query answered locally: each request goes to its own gateway
/// URLs in order.
struct LocalBatch {
    requests: Vec<abi::IBatchGateway::Request>,
    url: Vec<usize>,
    /// Per request: the HTTP status of its last failed gateway, if it answered.
    last_status: Vec<Option<u16>>,
    results: Vec<Option<(bool, Vec<u8>)>>,
}

impl std::fmt::Debug for LocalBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBatch")
            .field("requests", &self.requests.len())
            .field("url", &self.url)
            .field("results", &self.results)
            .finish()
    }
}

#[derive(Debug)]
enum State {
    Queued,
    Busy,
    Ccip {
        lookup: abi::OffchainLookup,
        url: usize,
        batch: Option<Box<LocalBatch>>,
    },
    Done,
}

struct Item {
    lookup: Lookup,
    candidates: Vec<String>,
    candidate: usize,
    rounds: u8,
    state: State,
    /// Set when a request of a local batch gateway reached none of its gateways (the last
    /// HTTP status, if any): the contract's revert that follows is reported as
    /// [`ResolveError::CcipGatewayFailed`], the cause the client saw itself.
    gateway_failure: Option<Option<u16>>,
}

/// The sans-IO planner for a set of lookups. See the [module docs](self) for the loop.
pub struct Planner {
    config: PlanConfig,
    items: Vec<Item>,
    waiting: BTreeMap<u64, Waiting>,
    next_id: u64,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Resolution>,
}

impl Planner {
    /// A planner for `lookups`. Forward names that cannot be DNS-encoded finish at once with
    /// [`ResolveError::InvalidName`]-like errors on the first [`poll_event`](Self::poll_event).
    pub fn new(lookups: Vec<Lookup>, config: PlanConfig) -> Self {
        let items = lookups
            .into_iter()
            .map(|lookup| {
                let candidates = match &lookup {
                    Lookup::Forward { name, .. } if !name.contains('.') => {
                        vec![format!("{name}.eth"), format!("{name}.base.eth")]
                    }
                    Lookup::Forward { name, .. } | Lookup::Text { name, .. } => {
                        vec![name.clone()]
                    }
                    Lookup::Reverse { .. } | Lookup::Call { .. } => Vec::new(),
                };
                Item {
                    lookup,
                    candidates,
                    candidate: 0,
                    rounds: 0,
                    state: State::Queued,
                    gateway_failure: None,
                }
            })
            .collect();
        Self {
            config,
            items,
            waiting: BTreeMap::new(),
            next_id: 1,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The next request to perform, if any. Queued lookups leave as one `aggregate3` batch.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        if self.transmits.is_empty() {
            self.batch_queued();
        }
        self.transmits.pop_front()
    }

    /// The next finished lookup, if any.
    pub fn poll_event(&mut self) -> Option<Resolution> {
        self.events.pop_front()
    }

    /// Whether every lookup has finished and every event was polled.
    pub fn is_done(&self) -> bool {
        self.events.is_empty() && self.items.iter().all(|i| matches!(i.state, State::Done))
    }

    /// Feeds the body of the JSON-RPC response to the `eth_call` with this id. Unknown ids
    /// are ignored.
    pub fn handle_rpc_response(&mut self, id: u64, body: &[u8]) {
        let Some(waiting) = self.waiting.remove(&id) else {
            return;
        };
        let outcome = parse_rpc(body);
        match waiting {
            Waiting::Batch(indices) => self.handle_batch(indices, outcome),
            Waiting::Callback(index) => match outcome {
                Ok(CallOutcome::Returned(data)) => self.handle_success(index, &data),
                Ok(CallOutcome::Reverted(data)) => self.handle_revert(index, &data),
                Err(err) => self.finish(index, Err(err)),
            },
            Waiting::Gateway(index) | Waiting::BatchPart(index, _) => self.finish(
                index,
                Err(ResolveError::RpcMalformed {
                    what: "RPC answer to a gateway request",
                }),
            ),
        }
    }

    /// Reports that an `eth_call` got no usable answer (every endpoint failed after
    /// retries): each lookup waiting on it fails with `error`. Unknown ids are ignored.
    pub fn handle_rpc_failure(&mut self, id: u64, error: ResolveError) {
        match self.waiting.remove(&id) {
            Some(Waiting::Batch(indices)) => {
                for index in indices {
                    self.finish(index, Err(error.clone()));
                }
            }
            Some(Waiting::Callback(index))
            | Some(Waiting::Gateway(index))
            | Some(Waiting::BatchPart(index, _)) => self.finish(index, Err(error)),
            None => {}
        }
    }

    /// Feeds a CCIP-Read gateway's HTTP answer (after redirects). 2xx: the callback
    /// `eth_call` follows; 4xx: the lookup fails; 5xx: the next URL is tried.
    pub fn handle_http_response(&mut self, id: u64, status: u16, body: &[u8]) {
        let index = match self.waiting.remove(&id) {
            Some(Waiting::Gateway(index)) => index,
            Some(Waiting::BatchPart(index, part)) => {
                self.batch_part_answer(index, part, status, body);
                return;
            }
            _ => return,
        };
        match status {
            200..=299 => match parse_gateway(body) {
                Ok(response) => self.send_callback(index, &response),
                Err(err) => self.finish(index, Err(err)),
            },
            400..=499 => {
                let message = String::from_utf8_lossy(body.get(..256).unwrap_or(body)).into();
                self.finish(
                    index,
                    Err(ResolveError::GatewayHttpError { status, message }),
                );
            }
            _ => self.next_url(index, Some(status)),
        }
    }

    /// Reports that a gateway request failed without an HTTP answer (network error,
    /// timeout, too many redirects, body too large): the next URL is tried.
    pub fn handle_http_failure(&mut self, id: u64) {
        match self.waiting.remove(&id) {
            Some(Waiting::Gateway(index)) => self.next_url(index, None),
            Some(Waiting::BatchPart(index, part)) => self.batch_part_next(index, part, None),
            _ => {}
        }
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn batch_queued(&mut self) {
        let mut calls = Vec::new();
        let mut indices = Vec::new();
        for index in 0..self.items.len() {
            if !matches!(self.items[index].state, State::Queued) {
                continue;
            }
            let target = match &self.items[index].lookup {
                Lookup::Call { to, .. } => *to,
                _ => self.config.universal_resolver,
            };
            match self.resolver_call(index) {
                Ok(call_data) => {
                    self.items[index].state = State::Busy;
                    indices.push(index);
                    calls.push(IMulticall3::Call3 {
                        target,
                        allowFailure: true,
                        callData: call_data.into(),
                    });
                }
                Err(err) => self.finish(index, Err(err)),
            }
        }
        if calls.is_empty() {
            return;
        }
        let data = IMulticall3::aggregate3Call { calls }.abi_encode();
        let id = self.take_id();
        let body = rpc_body(id, self.config.multicall, &data);
        self.waiting.insert(id, Waiting::Batch(indices));
        self.transmits.push_back(Transmit::EthCall { id, body });
    }

    fn resolver_call(&self, index: usize) -> Result<Vec<u8>, ResolveError> {
        let item = &self.items[index];
        match &item.lookup {
            Lookup::Call { data, .. } => Ok(data.clone()),
            Lookup::Text { name, key } => {
                let invalid = |_| ResolveError::UnencodableName { name: name.clone() };
                let node = namehash(name).map_err(invalid)?;
                let dns = dns_encode(name).map_err(invalid)?;
                let record = abi::ITextResolver::textCall {
                    node,
                    key: key.clone(),
                }
                .abi_encode();
                Ok(IUniversalResolver::resolveWithGatewaysCall {
                    name: dns.into(),
                    data: record.into(),
                    gateways: local_batch_gateway(),
                }
                .abi_encode())
            }
            Lookup::Forward { coin_type, .. } => {
                let name = item
                    .candidates
                    .get(item.candidate)
                    .ok_or(ResolveError::AbiDecode {
                        what: "no candidate",
                    })?;
                let invalid = |_| ResolveError::UnencodableName { name: name.clone() };
                let node = namehash(name).map_err(invalid)?;
                let dns = dns_encode(name).map_err(invalid)?;
                let record = if *coin_type == abi::COIN_TYPE_ETH {
                    IAddrResolver::addrCall { node }.abi_encode()
                } else {
                    IAddressResolver::addrCall {
                        node,
                        coinType: U256::from(*coin_type),
                    }
                    .abi_encode()
                };
                Ok(IUniversalResolver::resolveWithGatewaysCall {
                    name: dns.into(),
                    data: record.into(),
                    gateways: local_batch_gateway(),
                }
                .abi_encode())
            }
            Lookup::Reverse { address, coin_type } => {
                Ok(IUniversalResolver::reverseWithGatewaysCall {
                    lookupAddress: address.to_vec().into(),
                    coinType: U256::from(*coin_type),
                    gateways: local_batch_gateway(),
                }
                .abi_encode())
            }
        }
    }

    fn handle_batch(&mut self, indices: Vec<usize>, outcome: Result<CallOutcome, ResolveError>) {
        let results = match outcome {
            Ok(CallOutcome::Returned(data)) => abi::decode_aggregate3(&data, indices.len()),
            Ok(CallOutcome::Reverted(_)) => Err(ResolveError::ContractReverted {
                selector: None,
                reason: Some("aggregate3 reverted".into()),
            }),
            Err(err) => Err(err),
        };
        match results {
            Ok(results) => {
                for (index, result) in indices.into_iter().zip(results) {
                    if result.success {
                        self.handle_success(index, &result.data);
                    } else {
                        self.handle_revert(index, &result.data);
                    }
                }
            }
            Err(err) => {
                for index in indices {
                    self.finish(index, Err(err.clone()));
                }
            }
        }
    }

    fn handle_success(&mut self, index: usize, data: &[u8]) {
        let Some(item) = self.items.get(index) else {
            return;
        };
        match &item.lookup {
            Lookup::Forward { coin_type, .. } => {
                let address = abi::decode_resolve_return(data).and_then(|r| {
                    if *coin_type == abi::COIN_TYPE_ETH {
                        abi::decode_addr(&r.result)
                    } else {
                        abi::decode_addr_coin(&r.result)
                    }
                });
                match address {
                    Ok(None) => self.not_found(index),
                    Ok(found) => self.finish(index, Ok(Answer::Address(found))),
                    Err(err) => self.finish(index, Err(err)),
                }
            }
            Lookup::Text { .. } => {
                let text = abi::decode_resolve_return(data)
                    .and_then(|r| abi::decode_string(&r.result))
                    .map(|t| Answer::Text((!t.is_empty()).then_some(t)));
                self.finish(index, text);
            }
            Lookup::Call { .. } => self.finish(index, Ok(Answer::Data(data.to_vec()))),
            Lookup::Reverse { .. } => {
                let name = abi::decode_reverse_return(data).map(|r| {
                    let normal = super::normalize(&r.primary).ok();
                    (!r.primary.is_empty() && normal.as_deref() == Some(r.primary.as_str()))
                        .then_some(r.primary)
                });
                self.finish(index, name.map(Answer::Name));
            }
        }
    }

    fn handle_revert(&mut self, index: usize, data: &[u8]) {
        if matches!(
            self.items.get(index).map(|i| &i.lookup),
            Some(Lookup::Call { .. })
        ) {
            let err = match abi::decode_revert(data) {
                Revert::Error(err) => err,
                _ => ResolveError::ContractReverted {
                    selector: data.get(..4).and_then(|s| s.try_into().ok()),
                    reason: None,
                },
            };
            self.finish(index, Err(err));
            return;
        }
        match abi::decode_revert(data) {
            Revert::OffchainLookup(lookup) => self.start_ccip(index, lookup),
            Revert::ResolverNotFound
            | Revert::ResolverNotContract
            | Revert::UnsupportedResolverProfile
            | Revert::ReverseAddressMismatch => self.not_found(index),
            Revert::Error(err) => {
                let err = match self
                    .items
                    .get_mut(index)
                    .and_then(|i| i.gateway_failure.take())
                {
                    Some(status) => ResolveError::CcipGatewayFailed { status },
                    None => err,
                };
                self.finish(index, Err(err))
            }
        }
    }

    fn not_found(&mut self, index: usize) {
        let Some(item) = self.items.get_mut(index) else {
            return;
        };
        match item.lookup {
            Lookup::Forward { .. } if item.candidate + 1 < item.candidates.len() => {
                item.candidate += 1;
                item.rounds = 0;
                item.state = State::Queued;
            }
            Lookup::Forward { .. } => self.finish(index, Ok(Answer::Address(None))),
            Lookup::Reverse { .. } => self.finish(index, Ok(Answer::Name(None))),
            Lookup::Text { .. } => self.finish(index, Ok(Answer::Text(None))),
            Lookup::Call { .. } => self.finish(
                index,
                Err(ResolveError::ContractReverted {
                    selector: None,
                    reason: None,
                }),
            ),
        }
    }

    fn start_ccip(&mut self, index: usize, lookup: abi::OffchainLookup) {
        let Some(item) = self.items.get_mut(index) else {
            return;
        };
        if item.rounds >= MAX_CCIP_ROUNDS {
            self.finish(
                index,
                Err(ResolveError::CcipTooManyRounds {
                    max: MAX_CCIP_ROUNDS,
                }),
            );
            return;
        }
        item.rounds += 1;
        if let Err(err) = abi::validate_offchain_lookup(&lookup, self.config.universal_resolver) {
            self.finish(index, Err(err));
            return;
        }
        self.items[index].state = State::Ccip {
            lookup,
            url: 0,
            batch: None,
        };
        self.send_gateway(index, None);
    }

    /// Sends the request for the current URL, skipping URLs that are not allowed.
    fn send_gateway(&mut self, index: usize, mut last_status: Option<u16>) {
        loop {
            let State::Ccip { lookup, url, .. } = &self.items[index].state else {
                return;
            };
            let Some(template) = lookup.urls.get(*url) else {
                self.finish(
                    index,
                    Err(ResolveError::CcipGatewayFailed {
                        status: last_status,
                    }),
                );
                return;
            };
            if template.trim().eq_ignore_ascii_case(LOCAL_BATCH_GATEWAY) {
                self.start_local_batch(index);
                return;
            }
            if !url_allowed(template, self.config.dangerous_allow_http_localhost) {
                last_status = None;
                if let State::Ccip { url, .. } = &mut self.items[index].state {
                    *url += 1;
                }
                continue;
            }
            let request = gateway_request(template, lookup.sender, &lookup.call_data);
            self.send_http(Waiting::Gateway(index), request);
            return;
        }
    }

    /// Queues one gateway request; its answer goes to `waiting`.
    fn send_http(
        &mut self,
        waiting: Waiting,
        (method, url, body): (HttpMethod, String, Option<String>),
    ) {
        let id = self.take_id();
        self.waiting.insert(id, waiting);
        self.transmits.push_back(Transmit::Http {
            id,
            method,
            url,
            body,
        });
    }

    /// Answers an `x-batch-gateway:true` lookup here: decodes the `query`, sends each
    /// request to its own gateways.
    fn start_local_batch(&mut self, index: usize) {
        let State::Ccip { lookup, batch, .. } = &mut self.items[index].state else {
            return;
        };
        let requests = match abi::decode_batch_query(&lookup.call_data) {
            Ok(r) if r.len() <= MAX_BATCH_REQUESTS => r,
            Ok(r) => {
                let count = r.len();
                self.finish(
                    index,
                    Err(ResolveError::CcipTooManyUrls {
                        count,
                        max: MAX_BATCH_REQUESTS,
                    }),
                );
                return;
            }
            Err(err) => {
                self.finish(index, Err(err));
                return;
            }
        };
        let n = requests.len();
        *batch = Some(Box::new(LocalBatch {
            requests,
            url: vec![0; n],
            last_status: vec![None; n],
            results: vec![None; n],
        }));
        for part in 0..n {
            self.send_batch_part(index, part);
        }
        self.batch_done(index);
    }

    /// Sends one batch request to its current URL, or records its failure when none is
    /// left (nested batch gateways and insecure URLs are skipped).
    fn send_batch_part(&mut self, index: usize, part: usize) {
        let allow_http = self.config.dangerous_allow_http_localhost;
        let Some(item) = self.items.get_mut(index) else {
            return;
        };
        let State::Ccip {
            batch: Some(batch), ..
        } = &mut item.state
        else {
            return;
        };
        let (Some(request), Some(url)) = (batch.requests.get(part), batch.url.get_mut(part)) else {
            return;
        };
        while let Some(template) = request.urls.get(*url) {
            if url_allowed(template, allow_http) && request.urls.len() <= abi::MAX_CCIP_URLS {
                let request = gateway_request(template, request.sender, &request.data);
                self.send_http(Waiting::BatchPart(index, part), request);
                return;
            }
            *url += 1;
        }
        item.gateway_failure = Some(batch.last_status.get(part).copied().flatten());
        if let Some(slot) = batch.results.get_mut(part) {
            *slot = Some((true, http_error(500, "every gateway failed")));
        }
    }

    fn batch_part_answer(&mut self, index: usize, part: usize, status: u16, body: &[u8]) {
        let result = match status {
            200..=299 => match parse_gateway(body) {
                Ok(data) => (false, data),
                Err(_) => (true, http_error(status, "malformed gateway response")),
            },
            400..=499 => {
                let message = String::from_utf8_lossy(body.get(..256).unwrap_or(body));
                (true, http_error(status, &message))
            }
            _ => return self.batch_part_next(index, part, Some(status)),
        };
        if let State::Ccip {
            batch: Some(batch), ..
        } = &mut self.items[index].state
        {
            if let Some(slot) = batch.results.get_mut(part) {
                *slot = Some(result);
            }
        }
        self.batch_done(index);
    }

    fn batch_part_next(&mut self, index: usize, part: usize, status: Option<u16>) {
        if let State::Ccip {
            batch: Some(batch), ..
        } = &mut self.items[index].state
        {
            if let Some(url) = batch.url.get_mut(part) {
                *url += 1;
            }
            if let Some(last) = batch.last_status.get_mut(part) {
                *last = status;
            }
        }
        self.send_batch_part(index, part);
        self.batch_done(index);
    }

    /// When every request of the local batch has its result, calls back with the
    /// `query` return data.
    fn batch_done(&mut self, index: usize) {
        let State::Ccip { batch, .. } = &mut self.items[index].state else {
            return;
        };
        if !batch
            .as_ref()
            .is_some_and(|b| b.results.iter().all(Option::is_some))
        {
            return;
        }
        let Some(done) = batch.take() else {
            return;
        };
        let (failures, responses) = done
            .results
            .into_iter()
            .flatten()
            .map(|(failed, data)| (failed, alloy_primitives::Bytes::from(data)))
            .unzip();
        let response =
            abi::IBatchGateway::queryCall::abi_encode_returns(&abi::IBatchGateway::queryReturn {
                failures,
                responses,
            });
        self.send_callback(index, &response);
    }

    fn next_url(&mut self, index: usize, status: Option<u16>) {
        if let State::Ccip { url, .. } = &mut self.items[index].state {
            *url += 1;
            self.send_gateway(index, status);
        }
    }

    fn send_callback(&mut self, index: usize, response: &[u8]) {
        let State::Ccip { lookup, .. } =
            std::mem::replace(&mut self.items[index].state, State::Busy)
        else {
            return;
        };
        let data = lookup.callback_call_data(response);
        let id = self.take_id();
        let body = rpc_body(id, lookup.sender, &data);
        self.waiting.insert(id, Waiting::Callback(index));
        self.transmits.push_back(Transmit::EthCall { id, body });
    }

    fn finish(&mut self, index: usize, outcome: Result<Answer, ResolveError>) {
        if let Some(item) = self.items.get_mut(index) {
            if !matches!(item.state, State::Done) {
                item.state = State::Done;
                self.events.push_back(Resolution { index, outcome });
            }
        }
    }
}

pub(crate) fn url_allowed(url: &str, allow_http_localhost: bool) -> bool {
    let lower = url.get(..8).map(str::to_ascii_lowercase);
    if lower.as_deref() == Some("https://") {
        return true;
    }
    allow_http_localhost
        && [
            "http://127.0.0.1:",
            "http://127.0.0.1/",
            "http://localhost:",
            "http://localhost/",
        ]
        .iter()
        .any(|p| url.starts_with(p))
}

/// The HTTP request of a CCIP-Read URL template: GET with `{data}`, else POST of
/// `{"data","sender"}`.
fn gateway_request(
    template: &str,
    sender: Address,
    call_data: &[u8],
) -> (HttpMethod, String, Option<String>) {
    let sender = hex::encode_prefixed(sender.as_slice());
    let data = hex::encode_prefixed(call_data);
    if template.contains("{data}") {
        let url = template
            .replace("{sender}", &sender)
            .replace("{data}", &data);
        (HttpMethod::Get, url, None)
    } else {
        let url = template.replace("{sender}", &sender);
        let body = serde_json::to_string(&GatewayPost {
            data: &data,
            sender: &sender,
        })
        .unwrap_or_default();
        (HttpMethod::Post, url, Some(body))
    }
}

/// `HttpError(status, message)` revert data, as a batch gateway reports a failed request.
fn http_error(status: u16, message: &str) -> Vec<u8> {
    alloy_sol_types::SolError::abi_encode(&abi::IUniversalResolver::HttpError {
        status,
        message: message.chars().take(256).collect(),
    })
}

fn rpc_body(id: u64, to: Address, data: &[u8]) -> String {
    let to = hex::encode_prefixed(to.as_slice());
    let data = hex::encode_prefixed(data);
    serde_json::to_string(&RpcRequest {
        jsonrpc: "2.0",
        id,
        method: "eth_call",
        params: (
            CallParams {
                to: &to,
                data: &data,
            },
            "latest",
        ),
    })
    .unwrap_or_default()
}

fn decode_hex(text: &str, what: &'static str) -> Result<Vec<u8>, ResolveError> {
    hex::decode(text).map_err(|_| ResolveError::RpcMalformed { what })
}

fn parse_rpc(body: &[u8]) -> Result<CallOutcome, ResolveError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ResolveError::ResponseTooLarge {
            len: body.len(),
            max: MAX_BODY_BYTES,
        });
    }
    let response: RpcResponse =
        serde_json::from_slice(body).map_err(|_| ResolveError::RpcMalformed {
            what: "JSON-RPC response",
        })?;
    match (response.result, response.error) {
        (Some(result), None) => Ok(CallOutcome::Returned(decode_hex(
            &result,
            "eth_call result",
        )?)),
        (_, Some(error)) => match error.data {
            // Nodes report a revert as an error carrying the revert data.
            Some(data) if data.starts_with("0x") => {
                Ok(CallOutcome::Reverted(decode_hex(&data, "revert data")?))
            }
            _ => Err(ResolveError::RpcError {
                code: error.code,
                message: error.message.chars().take(256).collect(),
            }),
        },
        (None, None) => Err(ResolveError::RpcMalformed {
            what: "JSON-RPC response without result or error",
        }),
    }
}

fn parse_gateway(body: &[u8]) -> Result<Vec<u8>, ResolveError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ResolveError::ResponseTooLarge {
            len: body.len(),
            max: MAX_BODY_BYTES,
        });
    }
    let response: GatewayResponse =
        serde_json::from_slice(body).map_err(|_| ResolveError::RpcMalformed {
            what: "gateway response",
        })?;
    decode_hex(&response.data, "gateway data")
}

#[cfg(test)]
pub(crate) mod tests;
