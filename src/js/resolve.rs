//! ENS name normalization (ENSIP-15) and the resolver core that `pkg/resolver.js` drives.

use wasm_bindgen::prelude::*;

use super::convert::{
    job_transmit_to_js, resolve_begin_to_js, resolve_stats_to_js, settled_to_js, to_js_error,
};
use crate::resolve;
use crate::resolve::job::{Job, RetryConfig};
use crate::resolve::resolver::{self as core, RequestError, Resolver};

/// Normalizes an ENS name under ENSIP-15: the form to hash ({@link namehash}) and compare.
///
/// `normalize('RaFfY.eth') === 'raffy.eth'`; emoji lose their FE0F; the empty name stays
/// empty. Normalize every name a user typed before resolving or hashing it.
///
/// @throws {HybridEdgeError} `InvalidName` when the name breaks an ENSIP-15 rule; the
/// message names the label and the rule, as the reference implementation words it (for
/// example `disallowed character: {20}` or `illegal mixture: Latin + Greek "α" {3B1}`).
#[wasm_bindgen]
pub fn normalize(name: &str) -> Result<String, JsValue> {
    resolve::normalize(name).map_err(to_js_error)
}

/// The ENSIP-15 display form of a name: normalized, but emoji keep their FE0F and `ξ`
/// becomes `Ξ` outside Greek labels. Show this; hash and compare {@link normalize}'s form.
///
/// @throws {HybridEdgeError} `InvalidName`, as {@link normalize}.
#[wasm_bindgen]
pub fn beautify(name: &str) -> Result<String, JsValue> {
    resolve::beautify(name).map_err(to_js_error)
}

fn request_error(err: RequestError) -> JsValue {
    match err {
        RequestError::Address(e) => to_js_error(e),
        RequestError::Resolve(e) => to_js_error(e),
    }
}

/// The resolver's sans-IO core (cache, coalescing, lookups). Low level: use `Resolver`,
/// which drives it with `fetch`.
#[wasm_bindgen(js_name = ResolverCore)]
pub struct ResolverCore {
    inner: Resolver,
    retry: RetryConfig,
    allow_http_localhost: bool,
}

#[wasm_bindgen(js_class = ResolverCore)]
impl ResolverCore {
    /// A core from options JSON (`universalResolver`, `multicall`, `chains`,
    /// `baseL2Resolver`, `gateways`, `cache`, `retry`, `dangerouslyAllowHttpLocalhost`).
    ///
    /// @throws {HybridEdgeError} `InvalidResolverOptions`.
    #[wasm_bindgen(constructor)]
    pub fn new(options_json: &str) -> Result<ResolverCore, JsValue> {
        let options = core::parse_options(options_json).map_err(to_js_error)?;
        Ok(Self {
            allow_http_localhost: options.job.plan.dangerous_allow_http_localhost,
            retry: options.retry,
            inner: Resolver::new(options.job, options.cache),
        })
    }

    /// Answers from the cache or hands out a ticket: the value itself when fresh (a string
    /// or `null`), else `{ state: 'stale' | 'lead' | 'joined', value?, ticket? }`. `kind`:
    /// 0 `address`, 1 `name`, 2 `text`, 3 `avatar`.
    ///
    /// @throws {HybridEdgeError} `InvalidName`, `InvalidAddress`, `InvalidAddressChecksum`,
    /// `InvalidResolverOptions`.
    pub fn begin(
        &mut self,
        kind: u8,
        a: &str,
        b: &str,
        coin_type: f64,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let kind = ["address", "name", "text", "avatar"]
            .get(usize::from(kind))
            .copied()
            .unwrap_or("");
        let request = core::request(kind, a, b, coin_type as u64).map_err(to_js_error)?;
        let begun = self
            .inner
            .begin(request, now_ms as u64)
            .map_err(request_error)?;
        Ok(resolve_begin_to_js(begun))
    }

    /// A job performing the lookups of these tickets.
    pub fn job(&self, tickets: Vec<u32>) -> ResolveJob {
        let (job, tickets) = self.inner.job(&tickets);
        ResolveJob { job, tickets }
    }

    /// Moves a job's finished lookups into the cache: `[{ ticket, value, error }]`.
    pub fn settle(&mut self, job: &mut ResolveJob, now_ms: f64) -> js_sys::Array {
        settled_to_js(self.inner.settle(&mut job.job, &job.tickets, now_ms as u64))
    }

    /// Ends the tickets of a job that will not finish; nothing is cached.
    pub fn cancel(&mut self, tickets: Vec<u32>) {
        self.inner.cancel(&tickets);
    }

    /// Milliseconds to wait before retrying an RPC request, or `undefined` to give up on
    /// this endpoint.
    #[wasm_bindgen(js_name = retryDelay)]
    pub fn retry_delay(
        &self,
        attempt: u32,
        status: Option<u16>,
        retry_after: Option<String>,
        jitter: f64,
    ) -> Option<f64> {
        self.retry
            .delay_ms(attempt, status, retry_after.as_deref(), jitter)
            .map(|ms| ms as f64)
    }

    /// The URL to follow after a redirect, or `undefined` (too many, or not allowed).
    pub fn redirect(&self, from: &str, location: &str, redirects_so_far: u8) -> Option<String> {
        resolve::job::follow_redirect(from, location, redirects_so_far, self.allow_http_localhost)
    }

    /// The largest response body read, in bytes.
    #[wasm_bindgen(getter, js_name = maxBodyBytes)]
    pub fn max_body_bytes(&self) -> f64 {
        resolve::plan::MAX_BODY_BYTES as f64
    }

    /// ENS names in text: `[{ name, start, end }]` (UTF-16 offsets).
    #[wasm_bindgen(js_name = findNames)]
    pub fn find_names(&self, text: &str) -> js_sys::Array {
        super::convert::found_names_to_js(core::find_names(text))
    }

    /// The text with ` (address)` after each name of {@link findNames} that resolved
    /// (`addresses[i]`, `''` when not).
    pub fn annotate(&self, text: &str, addresses: Vec<String>) -> String {
        let found = core::find_names(text);
        let addresses: Vec<Option<String>> = addresses
            .into_iter()
            .map(|a| (!a.is_empty()).then_some(a))
            .collect();
        core::annotate(text, &found, &addresses)
    }

    /// The beautified name, else the short form of the address.
    ///
    /// @throws {HybridEdgeError} `InvalidAddress`, `InvalidAddressChecksum`.
    #[wasm_bindgen(js_name = displayName)]
    pub fn display_name(&self, address: &str, name: Option<String>) -> Result<String, JsValue> {
        let address = crate::eth::parse_address(address).map_err(to_js_error)?;
        Ok(core::display_name(address, name.as_deref()))
    }

    /// Drops every cache entry.
    #[wasm_bindgen(js_name = clearCache)]
    pub fn clear_cache(&mut self) {
        self.inner.clear_cache();
    }

    /// `{ size, hits, misses, staleServed, inflightJoined }`.
    pub fn stats(&self) -> JsValue {
        resolve_stats_to_js(self.inner.stats())
    }

    /// The cache as JSON, for a persistent store.
    pub fn snapshot(&self, now_ms: f64) -> String {
        self.inner.snapshot_json(now_ms as u64)
    }

    /// Restores a {@link snapshot}; `false` when it was not one (ignored).
    pub fn restore(&mut self, json: &str, now_ms: f64) -> bool {
        self.inner.restore_json(json, now_ms as u64)
    }
}

/// Lookups in flight; see `ResolverCore.job`.
#[wasm_bindgen(js_name = ResolveJob)]
pub struct ResolveJob {
    job: Job,
    tickets: Vec<u32>,
}

#[wasm_bindgen(js_class = ResolveJob)]
impl ResolveJob {
    /// The next request: `{ id, kind: 'rpc', chainId, body }` or `{ id, kind: 'http',
    /// method, url, body? }`, or `undefined`.
    #[wasm_bindgen(js_name = pollTransmit)]
    pub fn poll_transmit(&mut self) -> JsValue {
        self.job
            .poll_transmit()
            .map_or(JsValue::UNDEFINED, job_transmit_to_js)
    }

    /// The JSON-RPC response body of an `rpc` request.
    #[wasm_bindgen(js_name = rpcResponse)]
    pub fn rpc_response(&mut self, id: f64, body: &[u8]) {
        self.job.handle_rpc_response(id as u64, body);
    }

    /// An `rpc` request failed on every endpoint of its chain.
    #[wasm_bindgen(js_name = rpcFailure)]
    pub fn rpc_failure(&mut self, id: f64, chain_id: f64, status: Option<u16>) {
        let error = resolve::ResolveError::RpcUnavailable {
            chain_id: chain_id as u64,
            status,
        };
        self.job.handle_rpc_failure(id as u64, error);
    }

    /// The answer of an `http` request after redirects.
    #[wasm_bindgen(js_name = httpResponse)]
    pub fn http_response(&mut self, id: f64, status: u16, body: &[u8]) {
        self.job.handle_http_response(id as u64, status, body);
    }

    /// An `http` request got no answer (network, timeout, redirects, size).
    #[wasm_bindgen(js_name = httpFailure)]
    pub fn http_failure(&mut self, id: f64) {
        self.job.handle_http_failure(id as u64);
    }

    /// Whether every lookup finished.
    #[wasm_bindgen(js_name = isDone)]
    pub fn is_done(&self) -> bool {
        self.job.is_done()
    }
}
