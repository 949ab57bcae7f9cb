//! Resolver operations on top of the [`Planner`]: queries that take several steps across
//! chains (Base reverse with the L2 fallback, ENSIP-12 avatars with NFT ownership), run as
//! one sans-IO [`Job`].
//!
//! A job advances in rounds: every query states what it needs next (lookups on a chain, or
//! an HTTP GET of NFT metadata), the lookups of one round leave as one `aggregate3` batch
//! per chain, and when every answer of the round is in, each query takes its next step.
//! Driving it is the planner's loop: [`Job::poll_transmit`], feed the answers back
//! ([`Job::handle_rpc_response`], [`Job::handle_rpc_failure`],
//! [`Job::handle_http_response`], [`Job::handle_http_failure`]), then [`Job::poll_event`],
//! until [`Job::is_done`].

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use alloy_primitives::{hex, Address, U256};
use alloy_sol_types::SolCall;

use super::abi::{self, IErc1155, IErc721, INameResolver};
use super::error::ResolveError;
use super::plan::{Answer, HttpMethod, Lookup, PlanConfig, Planner, Transmit, MAX_BODY_BYTES};
use crate::eth::namehash;

/// Ethereum mainnet's chain id: where the Universal Resolver lives.
pub const CHAIN_MAINNET: u64 = 1;

/// Base's chain id.
pub const CHAIN_BASE: u64 = 8453;

/// The Basenames L2 resolver on Base (`name(reverseNode)` for Base primary names).
pub const BASENAMES_L2_RESOLVER: Address = Address::new([
    0xc6, 0xd5, 0x66, 0xa5, 0x6a, 0x1a, 0xff, 0x65, 0x08, 0xb4, 0x1f, 0x6c, 0x90, 0xff, 0x13, 0x16,
    0x15, 0x58, 0x3b, 0xcd,
]);

/// Which chain's primary name [`Query::Name`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameChain {
    /// ENSIP-19 coin type 60 through the Universal Resolver.
    Mainnet,
    /// ENSIP-19 coin type `0x80002105` through the Universal Resolver, then the Basenames
    /// L2 resolver on Base; forward-verified either way.
    Base,
}

impl NameChain {
    /// The ENSIP-19 coin type of this chain's primary names.
    pub fn coin_type(self) -> u64 {
        match self {
            Self::Mainnet => abi::COIN_TYPE_ETH,
            Self::Base => abi::COIN_TYPE_BASE,
        }
    }
}

/// One thing to resolve. Names are ENSIP-15 normalized by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Name → address for a coin type (bare names try `.eth`, then `.base.eth`).
    Address {
        /// The normalized name.
        name: String,
        /// ENSIP-9 coin type.
        coin_type: u64,
    },
    /// Address → verified primary name.
    Name {
        /// The address.
        address: Address,
        /// Whose primary name.
        chain: NameChain,
    },
    /// A text record.
    Text {
        /// The normalized name.
        name: String,
        /// The key.
        key: String,
    },
    /// The ENSIP-12 avatar as a URL to load (https, a gateway URL or a data URI).
    Avatar {
        /// The normalized name.
        name: String,
    },
}

/// IPFS and Arweave gateways for ENSIP-12 URIs, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gateways {
    /// Base of `ipfs://` and `ipns://` URIs (default `https://ipfs.io`).
    pub ipfs: String,
    /// Base of `ar://` URIs (default `https://arweave.net`).
    pub arweave: String,
}

impl Default for Gateways {
    fn default() -> Self {
        Self {
            ipfs: "https://ipfs.io".into(),
            arweave: "https://arweave.net".into(),
        }
    }
}

/// Settings of a [`Job`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobConfig {
    /// The mainnet planner's settings (Universal Resolver, Multicall3, the localhost switch).
    pub plan: PlanConfig,
    /// Multicall3 on other chains, by chain id (default: the canonical address).
    pub multicall: BTreeMap<u64, Address>,
    /// Chains with an RPC endpoint (mainnet is assumed).
    pub chains: Vec<u64>,
    /// The Basenames L2 resolver on Base (`None`: no fallback).
    pub base_l2_resolver: Option<Address>,
    /// IPFS and Arweave gateways.
    pub gateways: Gateways,
}

impl Default for JobConfig {
    fn default() -> Self {
        Self {
            plan: PlanConfig::default(),
            multicall: BTreeMap::new(),
            chains: vec![CHAIN_MAINNET, CHAIN_BASE],
            base_l2_resolver: Some(BASENAMES_L2_RESOLVER),
            gateways: Gateways::default(),
        }
    }
}

/// A request of a [`Job`] for the caller to perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobTransmit {
    /// POST `body` (JSON-RPC) to an RPC endpoint of `chain_id`.
    Rpc {
        /// Hand this back with the answer.
        id: u64,
        /// The chain whose endpoint to use.
        chain_id: u64,
        /// The JSON-RPC request.
        body: String,
    },
    /// An HTTP request (CCIP-Read gateway, NFT metadata): no credentials, at most 4
    /// redirects ([`follow_redirect`]), bodies up to [`MAX_BODY_BYTES`].
    Http {
        /// Hand this back with the answer.
        id: u64,
        /// GET or POST.
        method: HttpMethod,
        /// The URL.
        url: String,
        /// The JSON body of a POST.
        body: Option<String>,
    },
}

/// What a query needs in its next round.
enum Need {
    Lookup(u64, Lookup),
    Get(String),
}

/// The answer to a [`Need`].
type Reply = Result<Replied, ResolveError>;

enum Replied {
    Answer(Answer),
    Body(Vec<u8>),
}

/// Where a query stands.
enum Stage {
    Address,
    Name { chain: NameChain, step: NameStep },
    Text,
    Avatar(AvatarStep),
    Done,
}

enum NameStep {
    Primary,
    L2,
    Verify(String),
}

enum AvatarStep {
    Record,
    Nft {
        erc1155: bool,
        token_id: U256,
        owner: Address,
    },
    Metadata,
}

/// A resolved NFT reference of an avatar record (`eip155:<chain>/erc721:<contract>/<id>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NftRef {
    /// The chain the token lives on.
    pub chain_id: u64,
    /// ERC-1155 (`true`) or ERC-721.
    pub erc1155: bool,
    /// The token contract.
    pub contract: Address,
    /// The token id.
    pub token_id: U256,
}

/// Parses an ENSIP-12 NFT avatar record (`eip155:1/erc721:0x…/42`).
pub fn parse_nft(record: &str) -> Option<NftRef> {
    let rest = record.trim().strip_prefix("eip155:")?;
    let (chain, rest) = rest.split_once('/')?;
    let (standard, rest) = rest.split_once(':')?;
    let (contract, id) = rest.split_once('/')?;
    let erc1155 = match standard.to_ascii_lowercase().as_str() {
        "erc721" => false,
        "erc1155" => true,
        _ => return None,
    };
    Some(NftRef {
        chain_id: chain.parse().ok()?,
        erc1155,
        contract: contract.parse().ok()?,
        token_id: U256::from_str_radix(id, 10).ok()?,
    })
}

/// Turns an ENSIP-12 URI into a URL to load: `https:` as is, `ipfs://`, `ipns://` and
/// `ar://` through the gateways, `data:` as is, a bare IPFS CID through the IPFS gateway.
/// `http://127.0.0.1` and `http://localhost` only with `allow_http_localhost`. `None`: any
/// other scheme.
pub fn resolve_uri(uri: &str, gateways: &Gateways, allow_http_localhost: bool) -> Option<String> {
    let uri = uri.trim();
    let lower = uri.get(..8).unwrap_or(uri).to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("data:") {
        return Some(uri.into());
    }
    if let Some(rest) = uri.strip_prefix("ipfs://") {
        let rest = rest.strip_prefix("ipfs/").unwrap_or(rest);
        return Some(format!("{}/ipfs/{rest}", gateways.ipfs));
    }
    if let Some(rest) = uri.strip_prefix("ipns://") {
        return Some(format!("{}/ipns/{rest}", gateways.ipfs));
    }
    if let Some(rest) = uri.strip_prefix("ar://") {
        return Some(format!("{}/{rest}", gateways.arweave));
    }
    let cid = (uri.starts_with("Qm") && uri.len() == 46) || uri.starts_with("bafy");
    if cid && uri.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Some(format!("{}/ipfs/{uri}", gateways.ipfs));
    }
    super::plan::url_allowed(uri, allow_http_localhost).then(|| uri.into())
}

/// The next URL of a redirect, or `None` when it may not be followed: after
/// [`MAX_REDIRECTS`], or to a URL that is not `https:` (nor an allowed localhost URL).
/// Relative locations (`/path`) resolve against the origin of `from`.
pub fn follow_redirect(
    from: &str,
    location: &str,
    redirects_so_far: u8,
    allow_http_localhost: bool,
) -> Option<String> {
    if redirects_so_far >= MAX_REDIRECTS {
        return None;
    }
    let next = if location.starts_with('/') && !location.starts_with("//") {
        let scheme_end = from.find("://")? + 3;
        let origin_end = from[scheme_end..]
            .find('/')
            .map_or(from.len(), |i| scheme_end + i);
        format!("{}{location}", &from[..origin_end])
    } else {
        location.to_string()
    };
    super::plan::url_allowed(&next, allow_http_localhost).then_some(next)
}

/// The most redirects one gateway or metadata request follows.
pub const MAX_REDIRECTS: u8 = 4;

/// Retry policy of RPC requests: attempts per endpoint and jittered exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts per endpoint, the first included (default 3).
    pub max_attempts: u32,
    /// The first backoff ceiling in ms (default 250).
    pub initial_delay_ms: u64,
    /// The largest wait in ms, `Retry-After` included (default 10,000).
    pub max_delay_ms: u64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_delay_ms: 250,
            max_delay_ms: 10_000,
        }
    }
}

impl RetryConfig {
    /// How long to wait before attempt `attempt + 1` after attempt `attempt` (from 1)
    /// ended with `status` (`None`: network error or timeout), or `None` to stop retrying
    /// this endpoint. Retries network errors, 408, 429 and 5xx; honours `Retry-After` in
    /// seconds (capped at `max_delay_ms`); otherwise full jitter: `jitter` (in `[0, 1)`,
    /// the caller's randomness) times the exponential ceiling.
    pub fn delay_ms(
        &self,
        attempt: u32,
        status: Option<u16>,
        retry_after: Option<&str>,
        jitter: f64,
    ) -> Option<u64> {
        if attempt >= self.max_attempts {
            return None;
        }
        if !matches!(status, None | Some(408) | Some(429) | Some(500..=599)) {
            return None;
        }
        if let Some(seconds) = retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
            return Some(seconds.saturating_mul(1000).min(self.max_delay_ms));
        }
        let ceiling = self
            .initial_delay_ms
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(30))
            .min(self.max_delay_ms);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.5
        };
        Some((ceiling as f64 * jitter) as u64)
    }
}

struct Slot {
    query: usize,
    need: usize,
}

struct Round {
    planners: Vec<(u64, Planner, Vec<Slot>)>,
    /// Job id → (planner index, planner id).
    ids: BTreeMap<u64, (usize, u64)>,
    /// Job id → metadata GET slot.
    gets: BTreeMap<u64, Slot>,
    replies: Vec<Vec<Option<Reply>>>,
}

/// A set of queries in flight. See the [module docs](self).
pub struct Job {
    config: Arc<JobConfig>,
    queries: Vec<(Query, Stage)>,
    round: Round,
    transmits: VecDeque<JobTransmit>,
    events: VecDeque<(usize, Result<Option<String>, ResolveError>)>,
    next_id: u64,
}

impl Job {
    /// A job for `queries`; events carry their indices. `config` may be shared (an
    /// `Arc<JobConfig>`): a resolver hands the same settings to every job without copying
    /// them.
    pub fn new(queries: Vec<Query>, config: impl Into<Arc<JobConfig>>) -> Self {
        let queries = queries
            .into_iter()
            .map(|q| {
                let stage = match &q {
                    Query::Address { .. } => Stage::Address,
                    Query::Name { chain, .. } => Stage::Name {
                        chain: *chain,
                        step: NameStep::Primary,
                    },
                    Query::Text { .. } => Stage::Text,
                    Query::Avatar { .. } => Stage::Avatar(AvatarStep::Record),
                };
                (q, stage)
            })
            .collect::<Vec<_>>();
        let needs = queries.iter().map(|(q, _)| first_needs(q)).collect();
        let mut job = Self {
            config: config.into(),
            queries,
            round: Round {
                planners: Vec::new(),
                ids: BTreeMap::new(),
                gets: BTreeMap::new(),
                replies: Vec::new(),
            },
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            next_id: 1,
        };
        job.start_round(needs);
        job
    }

    /// The next request to perform, if any.
    pub fn poll_transmit(&mut self) -> Option<JobTransmit> {
        if self.transmits.is_empty() {
            self.drain_planners();
        }
        self.transmits.pop_front()
    }

    /// The next finished query: its index and the value (an EIP-55 address, a name, a text,
    /// a URL; `None` = not found) or the error.
    pub fn poll_event(&mut self) -> Option<(usize, Result<Option<String>, ResolveError>)> {
        self.events.pop_front()
    }

    /// Whether every query finished and every event was polled.
    pub fn is_done(&self) -> bool {
        self.events.is_empty()
            && self.transmits.is_empty()
            && self.queries.iter().all(|(_, s)| matches!(s, Stage::Done))
    }

    /// Feeds the JSON-RPC response body of an [`JobTransmit::Rpc`].
    pub fn handle_rpc_response(&mut self, id: u64, body: &[u8]) {
        if let Some((p, inner)) = self.round.ids.remove(&id) {
            if let Some((_, planner, _)) = self.round.planners.get_mut(p) {
                planner.handle_rpc_response(inner, body);
            }
            self.after_input();
        }
    }

    /// Reports that an [`JobTransmit::Rpc`] failed on every endpoint.
    pub fn handle_rpc_failure(&mut self, id: u64, error: ResolveError) {
        if let Some((p, inner)) = self.round.ids.remove(&id) {
            if let Some((_, planner, _)) = self.round.planners.get_mut(p) {
                planner.handle_rpc_failure(inner, error);
            }
            self.after_input();
        }
    }

    /// Feeds the HTTP answer (after redirects) of an [`JobTransmit::Http`].
    pub fn handle_http_response(&mut self, id: u64, status: u16, body: &[u8]) {
        if let Some(slot) = self.round.gets.remove(&id) {
            let reply = if !(200..300).contains(&status) {
                Err(ResolveError::GatewayHttpError {
                    status,
                    message: String::from_utf8_lossy(body.get(..256).unwrap_or(body)).into(),
                })
            } else if body.len() > MAX_BODY_BYTES {
                Err(ResolveError::ResponseTooLarge {
                    len: body.len(),
                    max: MAX_BODY_BYTES,
                })
            } else {
                Ok(Replied::Body(body.to_vec()))
            };
            self.set_reply(slot, reply);
        } else if let Some((p, inner)) = self.round.ids.remove(&id) {
            if let Some((_, planner, _)) = self.round.planners.get_mut(p) {
                planner.handle_http_response(inner, status, body);
            }
        }
        self.after_input();
    }

    /// Reports that an [`JobTransmit::Http`] got no answer (network error, timeout, too
    /// many redirects, body too large).
    pub fn handle_http_failure(&mut self, id: u64) {
        if let Some(slot) = self.round.gets.remove(&id) {
            self.set_reply(slot, Err(ResolveError::CcipGatewayFailed { status: None }));
        } else if let Some((p, inner)) = self.round.ids.remove(&id) {
            if let Some((_, planner, _)) = self.round.planners.get_mut(p) {
                planner.handle_http_failure(inner);
            }
        }
        self.after_input();
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn set_reply(&mut self, slot: Slot, reply: Reply) {
        if let Some(r) = self
            .round
            .replies
            .get_mut(slot.query)
            .and_then(|r| r.get_mut(slot.need))
        {
            *r = Some(reply);
        }
    }

    fn drain_planners(&mut self) {
        for p in 0..self.round.planners.len() {
            loop {
                let chain_id = self.round.planners[p].0;
                let Some(t) = self.round.planners[p].1.poll_transmit() else {
                    break;
                };
                let id = self.take_id();
                let out = match t {
                    Transmit::EthCall { id: inner, body } => {
                        self.round.ids.insert(id, (p, inner));
                        JobTransmit::Rpc { id, chain_id, body }
                    }
                    Transmit::Http {
                        id: inner,
                        method,
                        url,
                        body,
                    } => {
                        self.round.ids.insert(id, (p, inner));
                        JobTransmit::Http {
                            id,
                            method,
                            url,
                            body,
                        }
                    }
                };
                self.transmits.push_back(out);
            }
        }
        self.collect();
    }

    /// After an answer: the planners' next requests, then one [`collect`](Self::collect)
    /// (which `drain_planners` ends with).
    fn after_input(&mut self) {
        self.drain_planners();
    }

    /// Moves planner events into replies; when the round is complete, advances the queries.
    fn collect(&mut self) {
        for (_, planner, slots) in &mut self.round.planners {
            while let Some(r) = planner.poll_event() {
                if let Some(slot) = slots.get(r.index) {
                    if let Some(x) = self
                        .round
                        .replies
                        .get_mut(slot.query)
                        .and_then(|v| v.get_mut(slot.need))
                    {
                        *x = Some(r.outcome.map(Replied::Answer));
                    }
                }
            }
        }
        let complete = self
            .round
            .replies
            .iter()
            .all(|v| v.iter().all(Option::is_some));
        if !complete || self.round.replies.iter().all(Vec::is_empty) {
            return;
        }
        let replies = std::mem::take(&mut self.round.replies);
        let mut needs = Vec::with_capacity(replies.len());
        for (index, replies) in replies.into_iter().enumerate() {
            if replies.is_empty() {
                needs.push(Vec::new());
                continue;
            }
            let replies: Vec<Reply> = replies.into_iter().flatten().collect();
            match self.advance(index, replies) {
                Ok(next) if !next.is_empty() => needs.push(next),
                Ok(_) => needs.push(Vec::new()),
                Err(outcome) => {
                    self.queries[index].1 = Stage::Done;
                    self.events.push_back((index, outcome));
                    needs.push(Vec::new());
                }
            }
        }
        self.start_round(needs);
    }

    fn start_round(&mut self, needs: Vec<Vec<Need>>) {
        let mut by_chain: BTreeMap<u64, (Vec<Lookup>, Vec<Slot>)> = BTreeMap::new();
        let mut replies = Vec::with_capacity(needs.len());
        let mut gets = Vec::new();
        let mut unsupported = Vec::new();
        for (query, needs) in needs.into_iter().enumerate() {
            replies.push((0..needs.len()).map(|_| None).collect::<Vec<_>>());
            for (need, n) in needs.into_iter().enumerate() {
                match n {
                    Need::Lookup(chain, lookup) => {
                        if chain != CHAIN_MAINNET && !self.config.chains.contains(&chain) {
                            unsupported.push((Slot { query, need }, chain));
                            continue;
                        }
                        let entry = by_chain.entry(chain).or_default();
                        entry.0.push(lookup);
                        entry.1.push(Slot { query, need });
                    }
                    Need::Get(url) => gets.push((Slot { query, need }, url)),
                }
            }
        }
        self.round = Round {
            planners: Vec::new(),
            ids: BTreeMap::new(),
            gets: BTreeMap::new(),
            replies,
        };
        for (chain, (lookups, slots)) in by_chain {
            let mut plan = self.config.plan.clone();
            if chain != CHAIN_MAINNET {
                plan.multicall = self
                    .config
                    .multicall
                    .get(&chain)
                    .copied()
                    .unwrap_or(abi::MULTICALL3);
            }
            self.round
                .planners
                .push((chain, Planner::new(lookups, plan), slots));
        }
        for (slot, url) in gets {
            let id = self.take_id();
            self.round.gets.insert(id, slot);
            self.transmits.push_back(JobTransmit::Http {
                id,
                method: HttpMethod::Get,
                url,
                body: None,
            });
        }
        for (slot, chain_id) in unsupported {
            self.set_reply(slot, Err(ResolveError::UnsupportedChain { chain_id }));
        }
        // Rounds with nothing to send (only unsupported chains) complete at once.
        if self.round.planners.is_empty() && self.round.gets.is_empty() {
            self.collect();
        }
    }

    /// The next needs of a query given its replies, or its outcome (`Err(outcome)`).
    #[allow(clippy::type_complexity)]
    fn advance(
        &mut self,
        index: usize,
        mut replies: Vec<Reply>,
    ) -> Result<Vec<Need>, Result<Option<String>, ResolveError>> {
        let allow_http = self.config.plan.dangerous_allow_http_localhost;
        let base_l2 = self.config.base_l2_resolver;
        let gateways = &self.config.gateways;
        let (query, stage) = &mut self.queries[index];
        // The first reply decides the stage; later ones (avatar metadata) stay in `replies`.
        let first = (!replies.is_empty()).then(|| replies.remove(0));
        let first = match first {
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(Err(e)),
            None => return Err(Ok(None)),
        };
        match (query, stage) {
            (Query::Address { .. }, Stage::Address) => match first {
                Replied::Answer(Answer::Address(a)) => Err(Ok(a.map(|a| a.to_checksum(None)))),
                _ => Err(Ok(None)),
            },
            (Query::Text { .. }, Stage::Text) => match first {
                Replied::Answer(Answer::Text(t)) => Err(Ok(t)),
                _ => Err(Ok(None)),
            },
            (Query::Name { address, .. }, Stage::Name { chain, step }) => {
                let address = *address;
                let current = std::mem::replace(step, NameStep::Primary);
                match (current, first) {
                    (NameStep::Primary, Replied::Answer(Answer::Name(Some(name)))) => {
                        Err(Ok(Some(name)))
                    }
                    (NameStep::Primary, _) => match (*chain, base_l2) {
                        (NameChain::Base, Some(l2)) => {
                            *step = NameStep::L2;
                            let node = base_reverse_node(address);
                            let data = INameResolver::nameCall { node }.abi_encode();
                            Ok(vec![Need::Lookup(
                                CHAIN_BASE,
                                Lookup::Call { to: l2, data },
                            )])
                        }
                        _ => Err(Ok(None)),
                    },
                    (NameStep::L2, Replied::Answer(Answer::Data(data))) => {
                        let name = abi::decode_string(&data).map_err(Err)?;
                        let normal = super::normalize(&name).ok();
                        if name.is_empty() || normal.as_deref() != Some(name.as_str()) {
                            return Err(Ok(None));
                        }
                        *step = NameStep::Verify(name.clone());
                        Ok(vec![Need::Lookup(
                            CHAIN_MAINNET,
                            Lookup::Forward {
                                name,
                                coin_type: abi::COIN_TYPE_BASE,
                            },
                        )])
                    }
                    (NameStep::Verify(name), Replied::Answer(Answer::Address(found))) => {
                        Err(Ok((found == Some(address)).then_some(name)))
                    }
                    _ => Err(Ok(None)),
                }
            }
            (Query::Avatar { .. }, Stage::Avatar(step)) => {
                let step_now = std::mem::replace(step, AvatarStep::Metadata);
                match step_now {
                    AvatarStep::Record => {
                        let Replied::Answer(Answer::Text(Some(record))) = first else {
                            return Err(Ok(None));
                        };
                        let owner = match replies.pop() {
                            Some(Ok(Replied::Answer(Answer::Address(a)))) => a,
                            Some(Err(e)) => return Err(Err(e)),
                            _ => None,
                        };
                        let Some(nft) = parse_nft(&record) else {
                            return Err(Ok(resolve_uri(&record, gateways, allow_http)));
                        };
                        let Some(owner) = owner else {
                            return Err(Ok(None));
                        };
                        *step = AvatarStep::Nft {
                            erc1155: nft.erc1155,
                            token_id: nft.token_id,
                            owner,
                        };
                        let (ownership, uri) = if nft.erc1155 {
                            (
                                IErc1155::balanceOfCall {
                                    account: owner,
                                    id: nft.token_id,
                                }
                                .abi_encode(),
                                IErc1155::uriCall { id: nft.token_id }.abi_encode(),
                            )
                        } else {
                            (
                                IErc721::ownerOfCall {
                                    tokenId: nft.token_id,
                                }
                                .abi_encode(),
                                IErc721::tokenURICall {
                                    tokenId: nft.token_id,
                                }
                                .abi_encode(),
                            )
                        };
                        Ok(vec![
                            Need::Lookup(
                                nft.chain_id,
                                Lookup::Call {
                                    to: nft.contract,
                                    data: ownership,
                                },
                            ),
                            Need::Lookup(
                                nft.chain_id,
                                Lookup::Call {
                                    to: nft.contract,
                                    data: uri,
                                },
                            ),
                        ])
                    }
                    AvatarStep::Nft {
                        erc1155,
                        token_id,
                        owner,
                    } => {
                        let Replied::Answer(Answer::Data(ownership)) = first else {
                            return Err(Ok(None));
                        };
                        let mut rest = replies.into_iter();
                        let uri = match rest.next() {
                            Some(Ok(Replied::Answer(Answer::Data(d)))) => d,
                            Some(Err(e)) => return Err(Err(e)),
                            _ => return Err(Ok(None)),
                        };
                        let owns = if erc1155 {
                            abi::decode_balance_of(&ownership).map_err(Err)? > U256::ZERO
                        } else {
                            abi::decode_owner_of(&ownership).map_err(Err)? == owner
                        };
                        if !owns {
                            return Err(Ok(None));
                        }
                        let mut uri = abi::decode_string(&uri).map_err(Err)?;
                        if erc1155 {
                            let id = hex::encode(token_id.to_be_bytes::<32>());
                            uri = uri.replace("{id}", &id);
                        }
                        let Some(url) = resolve_uri(&uri, gateways, allow_http) else {
                            return Err(Ok(None));
                        };
                        match data_uri_body(&url) {
                            Some(body) => Err(Ok(metadata_image(&body, gateways, allow_http))),
                            None if url.starts_with("data:") => Err(Ok(None)),
                            None => Ok(vec![Need::Get(url)]),
                        }
                    }
                    AvatarStep::Metadata => match first {
                        Replied::Body(body) => Err(Ok(metadata_image(&body, gateways, allow_http))),
                        _ => Err(Ok(None)),
                    },
                }
            }
            _ => Err(Ok(None)),
        }
    }
}

fn first_needs(query: &Query) -> Vec<Need> {
    match query {
        Query::Address { name, coin_type } => vec![Need::Lookup(
            CHAIN_MAINNET,
            Lookup::Forward {
                name: name.clone(),
                coin_type: *coin_type,
            },
        )],
        Query::Name { address, chain } => vec![Need::Lookup(
            CHAIN_MAINNET,
            Lookup::Reverse {
                address: *address,
                coin_type: chain.coin_type(),
            },
        )],
        Query::Text { name, key } => vec![Need::Lookup(
            CHAIN_MAINNET,
            Lookup::Text {
                name: name.clone(),
                key: key.clone(),
            },
        )],
        Query::Avatar { name } => vec![
            Need::Lookup(
                CHAIN_MAINNET,
                Lookup::Text {
                    name: name.clone(),
                    key: "avatar".into(),
                },
            ),
            Need::Lookup(
                CHAIN_MAINNET,
                Lookup::Forward {
                    name: name.clone(),
                    coin_type: abi::COIN_TYPE_ETH,
                },
            ),
        ],
    }
}

/// The ENSIP-19 reverse node of an address on Base:
/// `namehash("<address hex>.80002105.reverse")`, as the Basenames L2 resolver keys it.
pub fn base_reverse_node(address: Address) -> alloy_primitives::B256 {
    let name = format!("{}.80002105.reverse", hex::encode(address.as_slice()));
    // A name of three non-empty ASCII labels always hashes.
    namehash(&name).unwrap_or_default()
}

/// The decoded body of a `data:` URI (base64 or percent-free plain text), if `url` is one.
fn data_uri_body(url: &str) -> Option<Vec<u8>> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    if meta.ends_with(";base64") {
        base64_decode(data)
    } else {
        Some(data.as_bytes().to_vec())
    }
}

/// The image URL of NFT metadata JSON (`image`, `image_url`, or `image_data` as an SVG
/// data URI), resolved like the avatar record itself.
fn metadata_image(body: &[u8], gateways: &Gateways, allow_http: bool) -> Option<String> {
    if body.len() > MAX_BODY_BYTES {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    for key in ["image", "image_url"] {
        if let Some(uri) = json.get(key).and_then(|v| v.as_str()) {
            return resolve_uri(uri, gateways, allow_http);
        }
    }
    let svg = json.get("image_data")?.as_str()?;
    Some(format!("data:image/svg+xml;utf8,{svg}"))
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for b in text.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
