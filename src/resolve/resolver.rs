//! The resolver's front: what a caller asks ([`Request`]), the cache in front of the
//! [`Job`]s, names in chat text, and display names. Still sans-IO: the driver
//! (`crate::platform::resolver` on wasm32) performs the job's requests and hands the
//! finished job back to [`Resolver::settle`].
//!
//! The order for each lookup: [`Resolver::begin`] answers from the cache
//! ([`Begin::Fresh`], [`Begin::Stale`]), joins an identical lookup in flight
//! ([`Begin::Joined`]: wait for its ticket) or hands out a ticket ([`Begin::Lead`]); the
//! tickets of one call go into one [`Resolver::job`] (one `aggregate3` batch per round);
//! [`Resolver::settle`] drains the finished job into the cache and returns each ticket's
//! outcome. Errors are never cached.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use alloy_primitives::Address;

use super::cache::{Cache, CacheConfig, CacheKey, CacheStats, Cached, InFlight, Snapshot};
use super::error::ResolveError;
use super::job::{Job, JobConfig, NameChain, Query};
use crate::eth::{parse_address, shorten_address, EthError};

/// What a caller asks, before normalization.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    /// `resolveAddress(identifier, { coinType })`.
    Address {
        /// A name, a bare name or a `0x` address.
        identifier: String,
        /// ENSIP-9 coin type.
        coin_type: u64,
    },
    /// `lookupName(address, { chain })`.
    Name {
        /// The address (checksummed or all one case).
        address: String,
        /// Whose primary name.
        chain: NameChain,
    },
    /// `getText(name, key)`.
    Text {
        /// The name.
        name: String,
        /// The key.
        key: String,
    },
    /// `getAvatar(name)`.
    Avatar {
        /// The name.
        name: String,
    },
}

/// Why a request was refused before any lookup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A `0x` identifier or an address that is not a valid address.
    #[error(transparent)]
    Address(#[from] EthError),
    /// A name that is not valid under ENSIP-15.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
}

/// A prepared request: answered already, or a query with its cache key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// No lookup needed (an address given where an address is asked for).
    Answered(Option<String>),
    /// A lookup.
    Query(Query, CacheKey),
}

/// Normalizes a request: addresses are parsed (a wrong mixed-case checksum is an error),
/// names are ENSIP-15 normalized.
pub fn prepare(request: Request) -> Result<Prepared, RequestError> {
    Ok(match request {
        Request::Address {
            identifier,
            coin_type,
        } => {
            let id = identifier.trim();
            if id.starts_with("0x") || id.starts_with("0X") {
                let address = parse_address(id)?;
                return Ok(Prepared::Answered(Some(address.to_checksum(None))));
            }
            let name = super::normalize(id)?;
            if name.is_empty() {
                return Ok(Prepared::Answered(None));
            }
            let key = CacheKey::Forward {
                name: name.clone(),
                coin_type,
            };
            Prepared::Query(Query::Address { name, coin_type }, key)
        }
        Request::Name { address, chain } => {
            let address = parse_address(address.trim())?;
            let key = CacheKey::Reverse {
                address,
                coin_type: chain.coin_type(),
            };
            Prepared::Query(Query::Name { address, chain }, key)
        }
        Request::Text { name, key } => {
            let name = super::normalize(name.trim())?;
            let cache_key = CacheKey::Text {
                name: name.clone(),
                key: key.clone(),
            };
            Prepared::Query(Query::Text { name, key }, cache_key)
        }
        Request::Avatar { name } => {
            let name = super::normalize(name.trim())?;
            let key = CacheKey::Avatar { name: name.clone() };
            Prepared::Query(Query::Avatar { name }, key)
        }
    })
}

/// The answer of [`Resolver::begin`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// Answered without a lookup (fresh cache entry, or an address passed through).
    Fresh(Option<String>),
    /// An expired entry to serve now; `refresh` holds a ticket when this call should
    /// refresh it (none when a refresh is already in flight).
    Stale(Option<String>, Option<u32>),
    /// Look it up: put the ticket into a [`Resolver::job`].
    Lead(u32),
    /// An identical lookup is in flight under this ticket: wait for its outcome.
    Joined(u32),
}

/// The resolver's state: settings, the cache and the lookups in flight.
pub struct Resolver {
    config: Arc<JobConfig>,
    cache: Cache<String>,
    tickets: BTreeMap<u32, (Query, CacheKey)>,
    leads: BTreeMap<CacheKey, u32>,
    next_ticket: u32,
    /// Requests as typed → their cache key, so that a cache hit skips normalization and
    /// address parsing, for every kind (bounded like the cache; cleared when full).
    aliases: HashMap<Request, CacheKey>,
    max_aliases: usize,
}

impl Resolver {
    /// A resolver with these job and cache settings.
    pub fn new(config: JobConfig, cache: CacheConfig) -> Self {
        Self {
            config: Arc::new(config),
            cache: Cache::new(cache),
            tickets: BTreeMap::new(),
            leads: BTreeMap::new(),
            next_ticket: 1,
            aliases: HashMap::new(),
            max_aliases: cache.max_entries,
        }
    }

    /// Answers a request from the cache, or starts (or joins) its lookup.
    ///
    /// Errors: [`RequestError::Address`] (`InvalidAddress`, `InvalidAddressChecksum`),
    /// [`RequestError::Resolve`] (`InvalidName`).
    pub fn begin(&mut self, request: Request, now_ms: u64) -> Result<Begin, RequestError> {
        if let Some(key) = self.aliases.get(&request) {
            if let Cached::Fresh(value) = self.cache.peek_fresh(key, now_ms) {
                return Ok(Begin::Fresh(value));
            }
        }
        let (query, key) = match prepare(request.clone())? {
            Prepared::Answered(value) => return Ok(Begin::Fresh(value)),
            Prepared::Query(query, key) => (query, key),
        };
        if !self.aliases.contains_key(&request) {
            if self.aliases.len() >= self.max_aliases {
                self.aliases.clear();
            }
            self.aliases.insert(request, key.clone());
        }
        Ok(self.begin_query(query, key, now_ms))
    }

    /// [`begin`](Self::begin) for the address of a name [`find_names`] found: the name is
    /// normalized already, so it is not normalized again.
    pub fn begin_found(&mut self, found: &FoundName, coin_type: u64, now_ms: u64) -> Begin {
        let key = CacheKey::Forward {
            name: found.name.clone(),
            coin_type,
        };
        let query = Query::Address {
            name: found.name.clone(),
            coin_type,
        };
        self.begin_query(query, key, now_ms)
    }

    fn begin_query(&mut self, query: Query, key: CacheKey, now_ms: u64) -> Begin {
        match self.cache.get(&key, now_ms) {
            Cached::Fresh(value) => Begin::Fresh(value),
            Cached::Stale(value) => Begin::Stale(value, self.start(query, key)),
            Cached::Miss => match self.start(query, key.clone()) {
                Some(ticket) => Begin::Lead(ticket),
                None => Begin::Joined(self.leads.get(&key).copied().unwrap_or(0)),
            },
        }
    }

    fn start(&mut self, query: Query, key: CacheKey) -> Option<u32> {
        match self.cache.begin(&key) {
            InFlight::Joined => None,
            InFlight::Lead => {
                let ticket = self.next_ticket;
                self.next_ticket = self.next_ticket.wrapping_add(1).max(1);
                self.leads.insert(key.clone(), ticket);
                self.tickets.insert(ticket, (query, key));
                Some(ticket)
            }
        }
    }

    /// A job for these tickets (unknown tickets are skipped) and the tickets it runs: its
    /// [`Job`] event indices are positions in that list, which [`settle`](Self::settle) takes.
    pub fn job(&self, tickets: &[u32]) -> (Job, Vec<u32>) {
        let (known, queries) = tickets
            .iter()
            .filter_map(|&t| self.tickets.get(&t).map(|(q, _)| (t, q.clone())))
            .unzip();
        (Job::new(queries, self.config.clone()), known)
    }

    /// Drains the finished lookups of `job` into the cache and returns `(ticket, outcome)`
    /// for each; `tickets` is the list [`job`](Self::job) returned with it (fixed for the
    /// job's life, so lookups that finish in later rounds still map to their tickets). A
    /// failed lookup leaves the cache as it was.
    #[allow(clippy::type_complexity)]
    pub fn settle(
        &mut self,
        job: &mut Job,
        tickets: &[u32],
        now_ms: u64,
    ) -> Vec<(u32, Result<Option<String>, ResolveError>)> {
        let mut out = Vec::new();
        while let Some((index, outcome)) = job.poll_event() {
            let Some(&ticket) = tickets.get(index) else {
                continue;
            };
            if let Some((_, key)) = self.tickets.remove(&ticket) {
                self.leads.remove(&key);
                match &outcome {
                    Ok(value) => self.cache.insert(key, value.clone(), now_ms),
                    Err(_) => {
                        self.cache.abandon(&key);
                    }
                }
            }
            out.push((ticket, outcome));
        }
        out
    }

    /// Ends tickets whose job was abandoned (the driver failed): nothing is cached.
    pub fn cancel(&mut self, tickets: &[u32]) {
        for ticket in tickets {
            if let Some((_, key)) = self.tickets.remove(ticket) {
                self.leads.remove(&key);
                self.cache.abandon(&key);
            }
        }
    }

    /// Drops every cache entry.
    pub fn clear_cache(&mut self) {
        self.cache.clear();
    }

    /// The cache counters.
    pub fn stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// The cache as JSON, for a persistent backend.
    pub fn snapshot_json(&self, now_ms: u64) -> String {
        serde_json::to_string(&self.cache.snapshot(now_ms)).unwrap_or_default()
    }

    /// Restores a snapshot written by [`snapshot_json`](Self::snapshot_json); anything
    /// else is ignored (a corrupt store is an empty cache, not an error).
    pub fn restore_json(&mut self, json: &str, now_ms: u64) -> bool {
        if json.len() > 64 << 20 {
            return false;
        }
        match serde_json::from_str::<Snapshot<String>>(json) {
            Ok(snapshot) => {
                self.cache.restore(snapshot, now_ms);
                true
            }
            Err(_) => false,
        }
    }
}

/// A name found in text by [`find_names`]; offsets in UTF-16 code units (JS
/// `text.slice(start, end)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundName {
    /// The name as normalized.
    pub name: String,
    /// Start offset of the name as written.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
}

fn is_name_char(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || (c.is_ascii_punctuation() && !matches!(c, '.' | '-' | '_'))
        || matches!(
            c,
            '\u{3001}' | '\u{3002}' | '\u{FF0C}' | '\u{FF01}' | '\u{FF1F}'
        ))
}

/// Finds ENS names and Basenames in chat text: runs of name characters with at least two
/// labels whose normalized form ends in `.eth` (`alice.eth`, `sub.alice.base.eth`, unicode
/// labels). A trailing `.` (end of sentence) is not part of the name; runs that are not
/// valid ENSIP-15 names are skipped.
pub fn find_names(text: &str) -> Vec<FoundName> {
    let mut found = Vec::new();
    let mut utf16 = 0usize;
    let mut run: Option<(usize, usize)> = None; // (byte start, utf16 start)
    let mut chars = text.char_indices().peekable();
    loop {
        let next = chars.next();
        match next {
            Some((i, c)) if is_name_char(c) => {
                if run.is_none() {
                    run = Some((i, utf16));
                }
                utf16 += c.len_utf16();
            }
            other => {
                if let Some((byte_start, u_start)) = run.take() {
                    let byte_end = other.map_or(text.len(), |(i, _)| i);
                    let mut token = &text[byte_start..byte_end];
                    let mut u_end = utf16;
                    while let Some(t) = token.strip_suffix('.') {
                        token = t;
                        u_end -= 1;
                    }
                    let lower_ok = token.len() > 4 && token.contains('.');
                    if lower_ok {
                        if let Ok(name) = super::normalize(token) {
                            if name.ends_with(".eth") && name.len() > 4 {
                                found.push(FoundName {
                                    name,
                                    start: u_start,
                                    end: u_end,
                                });
                            }
                        }
                    }
                }
                match other {
                    Some((_, c)) => utf16 += c.len_utf16(),
                    None => break,
                }
            }
        }
    }
    found
}

/// Writes ` (address)` after each name of `found` that resolved (`addresses[i]`), as
/// `resolveNamesInText` returns the text.
pub fn annotate(text: &str, found: &[FoundName], addresses: &[Option<String>]) -> String {
    let mut inserts: Vec<(usize, &str)> = found
        .iter()
        .zip(addresses)
        .filter_map(|(f, a)| a.as_deref().map(|a| (f.end, a)))
        .collect();
    inserts.sort_by_key(|(end, _)| *end);
    let mut out = String::with_capacity(text.len() + inserts.len() * 45);
    let mut utf16 = 0usize;
    let mut next = inserts.iter().peekable();
    for c in text.chars() {
        while let Some((end, address)) = next.peek() {
            if *end == utf16 {
                out.push_str(" (");
                out.push_str(address);
                out.push(')');
                next.next();
            } else {
                break;
            }
        }
        out.push(c);
        utf16 += c.len_utf16();
    }
    for (_, address) in next {
        out.push_str(" (");
        out.push_str(address);
        out.push(')');
    }
    out
}

/// What `getDisplayName` shows: the beautified verified name, else the short address.
pub fn display_name(address: Address, name: Option<&str>) -> String {
    if let Some(pretty) = name.and_then(|n| super::beautify(n).ok()) {
        return pretty;
    }
    shorten_address(&address.to_checksum(None)).unwrap_or_default()
}

/// Resolver options as JSON (the `Resolver` constructor's options without its functions
/// and store, chains by id), camelCase; every field optional.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OptionsJson {
    rpc: Option<BTreeMap<String, Vec<String>>>,
    /// A JS number: fractions and out-of-range values are clamped, as `AbortSignal.timeout`'s
    /// own conversion would.
    timeout_ms: Option<f64>,
    universal_resolver: Option<String>,
    multicall: Option<BTreeMap<String, String>>,
    chains: Option<Vec<u64>>,
    base_l2_resolver: Option<String>,
    gateways: Option<GatewaysJson>,
    cache: Option<CacheJson>,
    retry: Option<RetryJson>,
    dangerously_allow_http_localhost: Option<bool>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct GatewaysJson {
    ipfs: Option<String>,
    arweave: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CacheJson {
    forward_ttl_ms: Option<u64>,
    reverse_ttl_ms: Option<u64>,
    avatar_ttl_ms: Option<u64>,
    negative_ttl_ms: Option<u64>,
    stale_ms: Option<u64>,
    max_entries: Option<usize>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetryJson {
    max_attempts: Option<u32>,
    initial_delay_ms: Option<u64>,
    max_delay_ms: Option<u64>,
}

/// Every setting of a resolver, parsed from options JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Job settings.
    pub job: JobConfig,
    /// Cache settings.
    pub cache: CacheConfig,
    /// RPC retry policy.
    pub retry: super::job::RetryConfig,
    /// JSON-RPC endpoints by chain id, tried in order (a driver needs mainnet's).
    pub rpc: BTreeMap<u64, Vec<String>>,
    /// Per-request timeout in ms, body included (default 10,000).
    pub timeout_ms: u32,
}

/// The default per-request timeout of a driver, in ms.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;

impl Default for Options {
    /// No endpoints; every other setting its default.
    fn default() -> Self {
        Self {
            job: JobConfig::default(),
            cache: CacheConfig::default(),
            retry: super::job::RetryConfig::default(),
            rpc: BTreeMap::new(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

fn chain_id(text: &str, what: &str) -> Result<u64, ResolveError> {
    text.parse()
        .map_err(|_| ResolveError::InvalidResolverOptions {
            what: format!("{what}: chain id {text:?}"),
        })
}

fn option_address(text: &str, what: &str) -> Result<Address, ResolveError> {
    parse_address(text).map_err(|e| ResolveError::InvalidResolverOptions {
        what: format!("{what}: {e}"),
    })
}

/// Parses resolver options JSON (see [`Options`]); unknown fields are refused.
///
/// Errors: [`ResolveError::InvalidResolverOptions`].
pub fn parse_options(json: &str) -> Result<Options, ResolveError> {
    let raw: OptionsJson =
        serde_json::from_str(json).map_err(|e| ResolveError::InvalidResolverOptions {
            what: e.to_string(),
        })?;
    let mut job = JobConfig::default();
    let mut cache = CacheConfig::default();
    let mut retry = super::job::RetryConfig::default();
    let mut rpc = BTreeMap::new();
    for (chain, urls) in raw.rpc.unwrap_or_default() {
        let urls: Vec<String> = urls.into_iter().filter(|u| !u.is_empty()).collect();
        if !urls.is_empty() {
            rpc.insert(chain_id(&chain, "rpc")?, urls);
        }
    }
    if !rpc.is_empty() {
        job.chains = rpc.keys().copied().collect();
    }
    if let Some(ur) = raw.universal_resolver {
        job.plan.universal_resolver = option_address(&ur, "universalResolver")?;
    }
    for (chain, address) in raw.multicall.unwrap_or_default() {
        let id = chain_id(&chain, "multicall")?;
        let address = option_address(&address, "multicall")?;
        if id == super::job::CHAIN_MAINNET {
            job.plan.multicall = address;
        }
        job.multicall.insert(id, address);
    }
    if let Some(chains) = raw.chains {
        job.chains = chains;
    }
    if let Some(l2) = raw.base_l2_resolver {
        job.base_l2_resolver = match l2.as_str() {
            "" => None,
            a => Some(option_address(a, "baseL2Resolver")?),
        };
    }
    if let Some(g) = raw.gateways {
        if let Some(ipfs) = g.ipfs {
            job.gateways.ipfs = ipfs.trim_end_matches('/').into();
        }
        if let Some(ar) = g.arweave {
            job.gateways.arweave = ar.trim_end_matches('/').into();
        }
    }
    if let Some(c) = raw.cache {
        cache.forward_ttl_ms = c.forward_ttl_ms.unwrap_or(cache.forward_ttl_ms);
        cache.reverse_ttl_ms = c.reverse_ttl_ms.unwrap_or(cache.reverse_ttl_ms);
        cache.avatar_ttl_ms = c.avatar_ttl_ms.unwrap_or(cache.avatar_ttl_ms);
        cache.negative_ttl_ms = c.negative_ttl_ms.unwrap_or(cache.negative_ttl_ms);
        cache.stale_ms = c.stale_ms.unwrap_or(cache.stale_ms);
        cache.max_entries = c.max_entries.unwrap_or(cache.max_entries);
    }
    if let Some(r) = raw.retry {
        retry.max_attempts = r.max_attempts.unwrap_or(retry.max_attempts).max(1);
        retry.initial_delay_ms = r.initial_delay_ms.unwrap_or(retry.initial_delay_ms);
        retry.max_delay_ms = r.max_delay_ms.unwrap_or(retry.max_delay_ms);
    }
    job.plan.dangerous_allow_http_localhost = raw.dangerously_allow_http_localhost.unwrap_or(false);
    Ok(Options {
        job,
        cache,
        retry,
        rpc,
        timeout_ms: raw.timeout_ms.map_or(DEFAULT_TIMEOUT_MS, |ms| {
            ms.clamp(0.0, f64::from(u32::MAX)) as u32
        }),
    })
}

/// The chain of a primary name by its JS name: `mainnet` (or empty) or `base`.
///
/// Errors: [`ResolveError::InvalidResolverOptions`] for another name.
pub fn parse_chain(name: &str) -> Result<NameChain, ResolveError> {
    match name {
        "" | "mainnet" => Ok(NameChain::Mainnet),
        "base" => Ok(NameChain::Base),
        other => Err(ResolveError::InvalidResolverOptions {
            what: format!("chain {other:?} (mainnet or base)"),
        }),
    }
}

/// Builds a [`Request`] from the JS API's arguments: `kind` is `address` (`a` the
/// identifier), `name` (`a` the address, `b` the chain: `mainnet` or `base`), `text` (`a`
/// the name, `b` the key) or `avatar` (`a` the name).
///
/// Errors: [`ResolveError::InvalidResolverOptions`] for another kind or chain.
pub fn request(kind: &str, a: &str, b: &str, coin_type: u64) -> Result<Request, ResolveError> {
    Ok(match kind {
        "address" => Request::Address {
            identifier: a.into(),
            coin_type,
        },
        "name" => Request::Name {
            address: a.into(),
            chain: parse_chain(b)?,
        },
        "text" => Request::Text {
            name: a.into(),
            key: b.into(),
        },
        "avatar" => Request::Avatar { name: a.into() },
        other => {
            return Err(ResolveError::InvalidResolverOptions {
                what: format!("request kind {other:?}"),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_in_text_with_utf16_offsets() {
        let text = "pay alice.eth, then 🎉 bob.base.eth. not a.b or x.eth";
        let found = find_names(text);
        let names: Vec<_> = found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["alice.eth", "bob.base.eth", "x.eth"]);
        let utf16: Vec<u16> = text.encode_utf16().collect();
        let slice = |f: &FoundName| String::from_utf16(&utf16[f.start..f.end]).unwrap();
        assert_eq!(slice(&found[1]), "bob.base.eth");
        let out = annotate(
            text,
            &found,
            &[Some("0xA".into()), None, Some("0xC".into())],
        );
        assert_eq!(
            out,
            "pay alice.eth (0xA), then 🎉 bob.base.eth. not a.b or x.eth (0xC)"
        );
        assert_eq!(find_names("Ünïcödé.eth")[0].name, "ünïcödé.eth");
    }

    #[test]
    fn addresses_pass_through_and_names_normalize() {
        let p = prepare(Request::Address {
            identifier: "0xd8da6bf26964af9d7eed9e03e53415d37aa96045".into(),
            coin_type: 60,
        });
        assert_eq!(
            p,
            Ok(Prepared::Answered(Some(
                "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045".into()
            )))
        );
        let bad = prepare(Request::Address {
            identifier: "0xd8dA6bf26964aF9D7eEd9e03E53415D37aA96045".into(),
            coin_type: 60,
        });
        assert!(matches!(bad, Err(RequestError::Address(_))));
        let name = prepare(Request::Address {
            identifier: "Alice.ETH".into(),
            coin_type: 60,
        });
        assert!(
            matches!(name, Ok(Prepared::Query(Query::Address { ref name, .. }, _)) if name == "alice.eth")
        );
    }

    #[test]
    fn coalescing_tickets_and_errors_not_cached() {
        let mut r = Resolver::new(JobConfig::default(), CacheConfig::default());
        let req = || Request::Address {
            identifier: "alice.eth".into(),
            coin_type: 60,
        };
        let Ok(Begin::Lead(t)) = r.begin(req(), 0) else {
            panic!()
        };
        assert_eq!(r.begin(req(), 0), Ok(Begin::Joined(t)));
        r.cancel(&[t]);
        assert!(matches!(r.begin(req(), 0), Ok(Begin::Lead(_))));
        assert_eq!(r.stats().inflight_joined, 1);
    }

    #[test]
    fn failed_lookups_settle_to_their_tickets_and_are_not_cached() {
        let mut r = Resolver::new(JobConfig::default(), CacheConfig::default());
        let req = |name: &str| Request::Address {
            identifier: name.into(),
            coin_type: 60,
        };
        let (Ok(Begin::Lead(gone)), Ok(Begin::Lead(a)), Ok(Begin::Lead(b))) = (
            r.begin(req("gone.eth"), 0),
            r.begin(req("alice.eth"), 0),
            r.begin(req("bob.eth"), 0),
        ) else {
            panic!("three new lookups lead")
        };
        r.cancel(&[gone]);
        // The cancelled ticket is left out of the job; event indices follow the list it returns.
        let (mut job, tickets) = r.job(&[gone, a, b]);
        assert_eq!(tickets, [a, b]);
        let Some(super::super::job::JobTransmit::Rpc { id, .. }) = job.poll_transmit() else {
            panic!("one batched RPC request")
        };
        let failure = ResolveError::RpcUnavailable {
            chain_id: 1,
            status: Some(503),
        };
        job.handle_rpc_failure(id, failure.clone());
        let mut settled = r.settle(&mut job, &tickets, 1);
        settled.sort_by_key(|(t, _)| *t);
        assert_eq!(settled, [(a, Err(failure.clone())), (b, Err(failure))]);
        assert!(r.settle(&mut job, &tickets, 2).is_empty());
        // Nothing was cached: the same lookups lead again.
        assert!(matches!(r.begin(req("alice.eth"), 3), Ok(Begin::Lead(_))));
        assert!(matches!(r.begin(req("bob.eth"), 3), Ok(Begin::Lead(_))));
    }

    #[test]
    fn every_kind_hits_the_cache_as_typed_and_found_names_share_lookups() {
        let mut r = Resolver::new(JobConfig::default(), CacheConfig::default());
        let text = |name: &str| Request::Text {
            name: name.into(),
            key: "url".into(),
        };
        let Ok(Begin::Lead(t)) = r.begin(text("Alice.eth"), 0) else {
            panic!()
        };
        // Another spelling of the same name joins the lookup (same cache key).
        assert_eq!(r.begin(text("ALICE.eth"), 0), Ok(Begin::Joined(t)));
        r.cancel(&[t]);
        let found = &find_names("pay Alice.eth now")[0];
        let Begin::Lead(t) = r.begin_found(found, 60, 0) else {
            panic!()
        };
        let typed = Request::Address {
            identifier: "alice.ETH".into(),
            coin_type: 60,
        };
        assert_eq!(r.begin(typed.clone(), 0), Ok(Begin::Joined(t)));
        // Every request as typed remembers its key: answered from the cache on the alias path.
        assert_eq!(
            r.aliases.get(&text("ALICE.eth")),
            Some(&CacheKey::Text {
                name: "alice.eth".into(),
                key: "url".into()
            })
        );
        assert!(r.aliases.contains_key(&typed));
    }

    #[test]
    fn options_take_endpoints_by_chain_and_a_timeout() {
        let o = parse_options(
            r#"{"rpc":{"1":["https://a.example","","https://b.example"],"8453":[]},"timeoutMs":500}"#,
        )
        .unwrap();
        assert_eq!(
            o.rpc.get(&1).map(Vec::len),
            Some(2),
            "empty URLs are dropped"
        );
        assert_eq!(
            o.job.chains,
            [1],
            "a chain without endpoints is not supported"
        );
        assert_eq!(o.timeout_ms, 500);
        let fraction = parse_options(r#"{"timeoutMs":1500.5}"#).unwrap();
        assert_eq!(fraction.timeout_ms, 1500);
        assert_eq!(parse_options("{}").unwrap(), Options::default());
        assert!(matches!(
            parse_options(r#"{"rpc":{"main":["https://a.example"]}}"#),
            Err(ResolveError::InvalidResolverOptions { .. })
        ));
    }

    #[test]
    fn display_names() {
        let a: Address = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
            .parse()
            .unwrap();
        assert_eq!(display_name(a, None), "0xd8dA…6045");
        assert_eq!(display_name(a, Some("vitalik.eth")), "vitalik.eth");
    }
}
