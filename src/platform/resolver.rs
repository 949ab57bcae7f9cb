//! The resolver's IO driver: an async [`Resolver`] around the sans-IO
//! [`crate::resolve::resolver::Resolver`] and its [`Job`]s, doing the HTTP with `fetch`.
//!
//! The core decides everything (what to request, the `aggregate3` batches, CCIP-Read, the
//! retry delays, which redirects to follow, the body cap, the cache); the driver only moves
//! bytes:
//!
//! - **JSON-RPC**: `POST` to the chain's endpoints in order; each endpoint retried while
//!   [`RetryConfig::delay_ms`] says so (network errors, timeouts, 408, 429 and 5xx, with
//!   `Retry-After` and full jitter); then the next endpoint. A body over
//!   [`MAX_BODY_BYTES`] is a failure of that attempt.
//! - **Gateways and metadata** (CCIP-Read, NFT metadata): `GET`/`POST` with redirects
//!   followed one at a time as [`follow_redirect`] allows, bodies capped while read.
//! - Every request: no credentials, `redirect: 'manual'`, an `AbortSignal` timeout
//!   covering the body.
//! - **Coalescing**: a lookup identical to one in flight waits for that one's ticket
//!   ([`Begin::Joined`]); an expired entry is served at once and refreshed in the
//!   background ([`Begin::Stale`]).
//!
//! A call's new lookups run as one job in a task of their own (`spawn_local`): a caller
//! that stops waiting does not stop lookups that others joined.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::fetch::{discard_body, now_ms, random, read_capped, sleep, Fetch};
use crate::eth::parse_address;
use crate::resolve::cache::CacheStats;
use crate::resolve::job::{follow_redirect, Job, JobTransmit, NameChain, RetryConfig};
use crate::resolve::plan::{HttpMethod, MAX_BODY_BYTES};
use crate::resolve::resolver::{self as core, Begin, FoundName, Options, Request, RequestError};
use crate::resolve::ResolveError;

/// One lookup's outcome: a value (`None`: not registered / no record) or why it failed.
type Outcome = Result<Option<String>, ResolveError>;

/// Where the callers of one ticket wait.
#[derive(Default)]
struct Ticket {
    outcome: Option<Outcome>,
    wakers: Vec<Waker>,
}

type TicketRef = Rc<RefCell<Ticket>>;

/// A lookup that began: answered at once (a cache hit, an address passed through, a
/// refused request) or waiting for its ticket. Await it, or take [`Lookup::now`] first.
#[must_use = "a lookup does nothing until awaited"]
pub struct Lookup(LookupState);

enum LookupState {
    Ready(Option<Result<Option<String>, RequestError>>),
    Waiting(TicketRef),
}

impl Lookup {
    fn ready(result: Result<Option<String>, RequestError>) -> Self {
        Self(LookupState::Ready(Some(result)))
    }

    /// The answer if it needs no wait (taken: awaiting afterwards gives `Ok(None)`), else
    /// `None`. A JS facade answers cache hits without a task this way.
    pub fn now(&mut self) -> Option<Result<Option<String>, RequestError>> {
        match &mut self.0 {
            LookupState::Ready(result) => result.take(),
            LookupState::Waiting(_) => None,
        }
    }
}

impl Future for Lookup {
    type Output = Result<Option<String>, RequestError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().0 {
            LookupState::Ready(result) => Poll::Ready(result.take().unwrap_or(Ok(None))),
            LookupState::Waiting(ticket) => {
                let mut ticket = ticket.borrow_mut();
                if let Some(outcome) = &ticket.outcome {
                    return Poll::Ready(outcome.clone().map_err(RequestError::from));
                }
                if !ticket.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    ticket.wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

/// Polls every future until all are done (the requests of one round, concurrently).
struct JoinAll<F>(Vec<Option<Pin<Box<F>>>>);

impl<F: Future<Output = ()>> Future for JoinAll<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut pending = false;
        for slot in self.get_mut().0.iter_mut() {
            if let Some(future) = slot {
                if future.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    pending = true;
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

/// A name that [`Resolver::resolve_names_in_text`] found, with its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameInText {
    /// The name as normalized.
    pub name: String,
    /// Its EIP-55 address, or `None` (not registered / no record).
    pub address: Option<String>,
    /// Start offset of the name as written, in UTF-16 code units.
    pub start: usize,
    /// End offset (exclusive), in UTF-16 code units.
    pub end: usize,
}

/// What [`Resolver::resolve_names_in_text`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamesInText {
    /// The text with ` (0x…)` after each name that resolved.
    pub text: String,
    /// Every name found, in order.
    pub names: Vec<NameInText>,
}

struct Inner {
    core: RefCell<core::Resolver>,
    tickets: RefCell<HashMap<u32, TicketRef>>,
    options: Options,
    fetch: RefCell<Fetch>,
    on_settled: RefCell<Option<Rc<dyn Fn()>>>,
}

/// ENS names and Basenames ⇄ addresses over JSON-RPC and HTTP with `fetch`: the async
/// API of the resolver on wasm32 (browsers, Workers, Node ≥ 20).
///
/// Cloning is cheap and shares the cache and the lookups in flight. Lookups return
/// `Ok(None)` for "not registered / no record"; transport failures are errors
/// ([`ResolveError::RpcUnavailable`], [`ResolveError::CcipGatewayFailed`], …), never
/// `None`, and are never cached.
///
/// ```ignore
/// use hybrid_edge::platform::resolver::Resolver;
/// use hybrid_edge::resolve::resolver::Options;
///
/// let mut options = Options::default();
/// options.rpc.insert(1, vec!["https://eth.example".into()]);
/// let resolver = Resolver::new(options)?;
/// let address = resolver.resolve_address("vitalik.eth", 60).await?;
/// ```
#[derive(Clone)]
pub struct Resolver {
    inner: Rc<Inner>,
}

impl Resolver {
    /// A resolver with these settings (see [`core::parse_options`] for them as JSON). Chains
    /// without an endpoint in `options.rpc` are not supported (their lookups fail with
    /// [`ResolveError::UnsupportedChain`]).
    ///
    /// Errors: [`ResolveError::InvalidResolverOptions`] without a mainnet endpoint.
    pub fn new(mut options: Options) -> Result<Self, ResolveError> {
        if !options
            .rpc
            .contains_key(&crate::resolve::job::CHAIN_MAINNET)
        {
            return Err(ResolveError::InvalidResolverOptions {
                what: "rpc.mainnet is required".into(),
            });
        }
        options.job.chains = options.rpc.keys().copied().collect();
        let core = core::Resolver::new(options.job.clone(), options.cache);
        Ok(Self {
            inner: Rc::new(Inner {
                core: RefCell::new(core),
                tickets: RefCell::new(HashMap::new()),
                options,
                fetch: RefCell::new(Fetch::global()),
                on_settled: RefCell::new(None),
            }),
        })
    }

    /// Sends requests with this `fetch` function instead of the global one (called as
    /// `fetch(request)`; it returns a `Response` or a promise of one).
    pub fn set_fetch(&self, fetch: js_sys::Function) {
        *self.inner.fetch.borrow_mut() = Fetch::with_function(fetch);
    }

    /// Calls `f` after each job settled into the cache (to persist the cache).
    pub fn set_on_settled(&self, f: impl Fn() + 'static) {
        *self.inner.on_settled.borrow_mut() = Some(Rc::new(f));
    }

    /// Begins a lookup: answered from the cache, joined to an identical one in flight, or
    /// started (its job runs in a task of its own).
    pub fn lookup(&self, request: Request) -> Lookup {
        let mut leads = Vec::new();
        let lookup = match self.inner.start(request, now_ms(), &mut leads) {
            Ok(lookup) => lookup,
            Err(e) => Lookup::ready(Err(e)),
        };
        self.inner.spawn(leads);
        lookup
    }

    /// An EIP-55 address for a name (normalized first; a bare name tries `<name>.eth`, then
    /// `<name>.base.eth`), or `None`. A `0x` address passes through checksummed.
    /// `coin_type` is ENSIP-9's (60 for Ethereum, `0x80002105` for Base).
    ///
    /// Errors: `InvalidName`, `InvalidAddress`, `InvalidAddressChecksum`, and the lookup's
    /// transport and decoding errors.
    pub async fn resolve_address(
        &self,
        identifier: &str,
        coin_type: u64,
    ) -> Result<Option<String>, RequestError> {
        self.lookup(Request::Address {
            identifier: identifier.into(),
            coin_type,
        })
        .await
    }

    /// The forward-verified primary name of an address (ENSIP-19; Base falls back to the
    /// Basenames L2 resolver), or `None`.
    ///
    /// Errors: `InvalidAddress`, `InvalidAddressChecksum`, transport and decoding errors.
    pub async fn lookup_name(
        &self,
        address: &str,
        chain: NameChain,
    ) -> Result<Option<String>, RequestError> {
        self.lookup(Request::Name {
            address: address.into(),
            chain,
        })
        .await
    }

    /// The verified name (beautified), else the short form `0x1234…abcd`.
    ///
    /// Errors: as [`lookup_name`](Self::lookup_name).
    pub async fn get_display_name(
        &self,
        address: &str,
        chain: NameChain,
    ) -> Result<String, RequestError> {
        let name = self.lookup_name(address, chain).await?;
        let address = parse_address(address.trim())?;
        Ok(core::display_name(address, name.as_deref()))
    }

    /// An ENSIP-5 text record, or `None`.
    ///
    /// Errors: `InvalidName`, transport and decoding errors.
    pub async fn get_text(&self, name: &str, key: &str) -> Result<Option<String>, RequestError> {
        self.lookup(Request::Text {
            name: name.into(),
            key: key.into(),
        })
        .await
    }

    /// The ENSIP-12 avatar as a URL to load (https, an IPFS/Arweave gateway URL or a data
    /// URI), or `None`; NFT avatars only when the name's address owns the token.
    ///
    /// Errors: `InvalidName`, transport and decoding errors.
    pub async fn get_avatar(&self, name: &str) -> Result<Option<String>, RequestError> {
        self.lookup(Request::Avatar { name: name.into() }).await
    }

    /// Many names in one `aggregate3` batch: an address or `None` per name, in order.
    ///
    /// Errors: the first failing name's error, in order (`InvalidName` before any request;
    /// the answers that did arrive are cached). [`resolve_many_settled`](Self::resolve_many_settled)
    /// keeps every outcome.
    pub async fn resolve_many<S: AsRef<str>>(
        &self,
        names: &[S],
        coin_type: u64,
    ) -> Result<Vec<Option<String>>, RequestError> {
        let now = now_ms();
        let mut leads = Vec::new();
        let mut pending = Vec::with_capacity(names.len());
        for name in names {
            let request = Request::Address {
                identifier: name.as_ref().into(),
                coin_type,
            };
            match self.inner.start(request, now, &mut leads) {
                Ok(lookup) => pending.push(lookup),
                Err(e) => {
                    self.inner.abandon(&leads);
                    return Err(e);
                }
            }
        }
        self.inner.spawn(leads);
        let mut out = Vec::with_capacity(pending.len());
        for lookup in pending {
            out.push(lookup.await?);
        }
        Ok(out)
    }

    /// Like [`resolve_many`](Self::resolve_many) (one batch), but each name keeps its own
    /// outcome: an invalid name or a failing gateway affects only its entry.
    pub async fn resolve_many_settled<S: AsRef<str>>(
        &self,
        names: &[S],
        coin_type: u64,
    ) -> Vec<Result<Option<String>, RequestError>> {
        let now = now_ms();
        let mut leads = Vec::new();
        let pending: Vec<Lookup> = names
            .iter()
            .map(|name| {
                let request = Request::Address {
                    identifier: name.as_ref().into(),
                    coin_type,
                };
                self.inner
                    .start(request, now, &mut leads)
                    .unwrap_or_else(|e| Lookup::ready(Err(e)))
            })
            .collect();
        self.inner.spawn(leads);
        let mut out = Vec::with_capacity(pending.len());
        for lookup in pending {
            out.push(lookup.await);
        }
        out
    }

    /// Finds ENS names and Basenames in chat text ([`core::find_names`]), resolves them in
    /// one batch and returns the text with ` (0x…)` after each name that resolved.
    ///
    /// Errors: the first failing lookup's (transport, decoding).
    pub async fn resolve_names_in_text(
        &self,
        text: &str,
        coin_type: u64,
    ) -> Result<NamesInText, RequestError> {
        let found = core::find_names(text);
        let now = now_ms();
        let mut leads = Vec::new();
        let pending: Vec<Lookup> = found
            .iter()
            .map(|f| self.inner.start_found(f, coin_type, now, &mut leads))
            .collect();
        self.inner.spawn(leads);
        let mut addresses = Vec::with_capacity(pending.len());
        for lookup in pending {
            addresses.push(lookup.await?);
        }
        let text = core::annotate(text, &found, &addresses);
        let names = found
            .into_iter()
            .zip(addresses)
            .map(|(f, address)| NameInText {
                name: f.name,
                address,
                start: f.start,
                end: f.end,
            })
            .collect();
        Ok(NamesInText { text, names })
    }

    /// Drops every cache entry (lookups in flight still finish and are cached).
    pub fn clear_cache(&self) {
        self.inner.core.borrow_mut().clear_cache();
    }

    /// The cache counters: size, hits, misses, stale answers served, lookups joined.
    pub fn cache_stats(&self) -> CacheStats {
        self.inner.core.borrow().stats()
    }

    /// The cache as JSON, for a persistent store.
    pub fn snapshot_json(&self) -> String {
        self.inner.core.borrow().snapshot_json(now_ms())
    }

    /// Merges a [`snapshot_json`](Self::snapshot_json) into the cache (the entry that
    /// expires later wins); `false` when it was not one (ignored).
    pub fn restore_json(&self, json: &str) -> bool {
        self.inner.core.borrow_mut().restore_json(json, now_ms())
    }
}

/// The error of tickets whose job ended without their outcome.
fn ended() -> ResolveError {
    ResolveError::RpcUnavailable {
        chain_id: crate::resolve::job::CHAIN_MAINNET,
        status: None,
    }
}

impl Inner {
    /// Begins one lookup; new tickets go to `leads` (for one job).
    fn start(
        &self,
        request: Request,
        now: u64,
        leads: &mut Vec<u32>,
    ) -> Result<Lookup, RequestError> {
        let begun = self.core.borrow_mut().begin(request, now)?;
        Ok(self.follow(begun, leads))
    }

    /// [`start`](Self::start) for a name found in text (normalized already).
    fn start_found(
        &self,
        found: &FoundName,
        coin_type: u64,
        now: u64,
        leads: &mut Vec<u32>,
    ) -> Lookup {
        let begun = self.core.borrow_mut().begin_found(found, coin_type, now);
        self.follow(begun, leads)
    }

    fn follow(&self, begun: Begin, leads: &mut Vec<u32>) -> Lookup {
        match begun {
            Begin::Fresh(value) => Lookup::ready(Ok(value)),
            Begin::Stale(value, refresh) => {
                if let Some(ticket) = refresh {
                    leads.push(ticket);
                    self.wait(ticket);
                }
                Lookup::ready(Ok(value))
            }
            Begin::Lead(ticket) => {
                leads.push(ticket);
                Lookup(LookupState::Waiting(self.wait(ticket)))
            }
            Begin::Joined(ticket) => match self.tickets.borrow().get(&ticket) {
                Some(waiting) => Lookup(LookupState::Waiting(waiting.clone())),
                None => Lookup::ready(Err(ended().into())),
            },
        }
    }

    fn wait(&self, ticket: u32) -> TicketRef {
        let waiting = TicketRef::default();
        self.tickets.borrow_mut().insert(ticket, waiting.clone());
        waiting
    }

    /// Hands a ticket's outcome to its callers.
    fn finish(&self, ticket: u32, outcome: Outcome) {
        let Some(waiting) = self.tickets.borrow_mut().remove(&ticket) else {
            return;
        };
        let wakers = {
            let mut waiting = waiting.borrow_mut();
            waiting.outcome = Some(outcome);
            std::mem::take(&mut waiting.wakers)
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Ends tickets that will not finish (nothing is cached).
    fn abandon(&self, tickets: &[u32]) {
        let left: Vec<u32> = {
            let waiting = self.tickets.borrow();
            tickets
                .iter()
                .copied()
                .filter(|t| waiting.contains_key(t))
                .collect()
        };
        if left.is_empty() {
            return;
        }
        self.core.borrow_mut().cancel(&left);
        for ticket in left {
            self.finish(ticket, Err(ended()));
        }
    }

    /// Runs these tickets as one job in a task of its own.
    fn spawn(self: &Rc<Self>, leads: Vec<u32>) {
        if !leads.is_empty() {
            wasm_bindgen_futures::spawn_local(run(self.clone(), leads));
        }
    }

    /// Moves the job's finished lookups into the cache and to their callers.
    fn settle(&self, job: &RefCell<Job>, list: &[u32]) {
        let settled = self
            .core
            .borrow_mut()
            .settle(&mut job.borrow_mut(), list, now_ms());
        for (ticket, outcome) in settled {
            self.finish(ticket, outcome);
        }
    }

    /// Performs one request of the job and feeds the answer back.
    async fn perform(&self, job: &RefCell<Job>, list: &[u32], transmit: JobTransmit) {
        match transmit {
            JobTransmit::Rpc { id, chain_id, body } => {
                let out = self.post(chain_id, &body).await;
                let mut job = job.borrow_mut();
                match out {
                    Ok(bytes) => job.handle_rpc_response(id, &bytes),
                    Err(status) => job
                        .handle_rpc_failure(id, ResolveError::RpcUnavailable { chain_id, status }),
                }
            }
            JobTransmit::Http {
                id,
                method,
                url,
                body,
            } => {
                let out = self.http(method, &url, body.as_deref()).await;
                let mut job = job.borrow_mut();
                match out {
                    Some((status, bytes)) => job.handle_http_response(id, status, &bytes),
                    None => job.handle_http_failure(id),
                }
            }
        }
        self.settle(job, list);
    }

    /// JSON-RPC POST over the chain's endpoints in order, each retried as the core says.
    /// `Err`: the last HTTP status seen, if any.
    async fn post(&self, chain_id: u64, body: &str) -> Result<Vec<u8>, Option<u16>> {
        let fetch = self.fetch.borrow().clone();
        let retry: RetryConfig = self.options.retry;
        let mut last_status = None;
        let urls = self
            .options
            .rpc
            .get(&chain_id)
            .map_or(&[][..], Vec::as_slice);
        for url in urls {
            for attempt in 1.. {
                let mut status = None;
                let mut retry_after = None;
                if let Ok(res) = fetch
                    .send(HttpMethod::Post, url, Some(body), self.options.timeout_ms)
                    .await
                {
                    if res.ok() {
                        if let Ok(Some(bytes)) = read_capped(&res, MAX_BODY_BYTES).await {
                            return Ok(bytes);
                        }
                    } else {
                        status = Some(res.status());
                        retry_after = res.headers().get("retry-after").ok().flatten();
                        discard_body(&res).await;
                    }
                }
                last_status = status.or(last_status);
                match retry.delay_ms(attempt, status, retry_after.as_deref(), random()) {
                    Some(ms) => sleep(ms).await,
                    None => break,
                }
            }
        }
        Err(last_status)
    }

    /// A gateway or metadata request; redirects followed one by one as the core allows.
    /// `None`: no answer (network, timeout, a redirect not followed, a body over the cap).
    async fn http(
        &self,
        method: HttpMethod,
        url: &str,
        body: Option<&str>,
    ) -> Option<(u16, Vec<u8>)> {
        let fetch = self.fetch.borrow().clone();
        let allow_http = self.options.job.plan.dangerous_allow_http_localhost;
        let mut current = url.to_string();
        for redirects in 0u8.. {
            let res = fetch
                .send(method, &current, body, self.options.timeout_ms)
                .await
                .ok()?;
            let status = res.status();
            if (300..400).contains(&status) {
                if let Some(location) = res.headers().get("location").ok().flatten() {
                    discard_body(&res).await;
                    current = follow_redirect(&current, &location, redirects, allow_http)?;
                    continue;
                }
            }
            if res.type_() == web_sys::ResponseType::Opaqueredirect {
                return None; // browsers hide the target
            }
            return read_capped(&res, MAX_BODY_BYTES)
                .await
                .ok()
                .flatten()
                .map(|bytes| (status, bytes));
        }
        None
    }
}

/// One job: rounds of concurrent requests until nothing is left to send, then every
/// ticket settled (those without an outcome fail), then the settled hook.
async fn run(inner: Rc<Inner>, tickets: Vec<u32>) {
    let (job, list) = inner.core.borrow().job(&tickets);
    let job = RefCell::new(job);
    loop {
        let batch: Vec<JobTransmit> = {
            let mut job = job.borrow_mut();
            std::iter::from_fn(|| job.poll_transmit()).collect()
        };
        if batch.is_empty() {
            break;
        }
        let performs = batch
            .into_iter()
            .map(|t| Some(Box::pin(inner.perform(&job, &list, t))))
            .collect();
        JoinAll(performs).await;
    }
    inner.settle(&job, &list);
    inner.abandon(&tickets);
    let hook = inner.on_settled.borrow().clone();
    if let Some(hook) = hook {
        hook();
    }
}
