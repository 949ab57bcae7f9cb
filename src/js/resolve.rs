//! ENS name normalization (ENSIP-15) and the resolver's async driver, which
//! `pkg/resolver.js` wraps with options parsing and cache persistence.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{
    names_in_text_to_js, opt_string_to_js, resolve_stats_to_js, settled_many_to_js, to_js_error,
};
use crate::platform::resolver::{Lookup, Resolver};
use crate::resolve;
use crate::resolve::resolver::{self as core, RequestError};

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

pub(crate) fn request_error(err: RequestError) -> JsValue {
    match err {
        RequestError::Address(e) => to_js_error(e),
        RequestError::Resolve(e) => to_js_error(e),
    }
}

/// A lookup as a promise: settled at once when it needs no wait (a cache hit).
fn promise(mut lookup: Lookup) -> Promise {
    match lookup.now() {
        Some(Ok(value)) => Promise::resolve(&opt_string_to_js(value)),
        Some(Err(e)) => Promise::reject(&request_error(e)),
        None => {
            future_to_promise(
                async move { lookup.await.map(opt_string_to_js).map_err(request_error) },
            )
        }
    }
}

/// The resolver's fetch driver (Rust, gloo-net). Low level: use `Resolver`, which adds
/// options parsing and a persistent cache.
#[wasm_bindgen(js_name = ResolverDriver)]
pub struct ResolverDriver {
    inner: Resolver,
}

#[wasm_bindgen(js_class = ResolverDriver)]
impl ResolverDriver {
    /// A driver from options JSON (`rpc` by chain id, `timeoutMs`, `universalResolver`,
    /// `multicall`, `baseL2Resolver`, `gateways`, `cache`, `retry`,
    /// `dangerouslyAllowHttpLocalhost`), an optional `fetch` and a function called after
    /// each job settled into the cache.
    ///
    /// @throws {HybridEdgeError} `InvalidResolverOptions`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        options_json: &str,
        fetch: Option<js_sys::Function>,
        on_settled: Option<js_sys::Function>,
    ) -> Result<ResolverDriver, JsValue> {
        let options = core::parse_options(options_json).map_err(to_js_error)?;
        let inner = Resolver::new(options).map_err(to_js_error)?;
        if let Some(fetch) = fetch {
            inner.set_fetch(fetch);
        }
        if let Some(f) = on_settled {
            inner.set_on_settled(move || {
                let _ = f.call0(&JsValue::UNDEFINED);
            });
        }
        Ok(Self { inner })
    }

    /// One lookup: `kind` `address` (`a` the identifier), `name` (`a` the address, `b` the
    /// chain), `text` (`a` the name, `b` the key) or `avatar` (`a` the name). A promise of a
    /// string or `null`; rejects with a `HybridEdgeError`.
    pub fn lookup(&self, kind: &str, a: &str, b: &str, coin_type: f64) -> Promise {
        match core::request(kind, a, b, coin_type as u64) {
            Ok(request) => promise(self.inner.lookup(request)),
            Err(e) => Promise::reject(&to_js_error(e)),
        }
    }

    /// The verified name (beautified), else the short address.
    #[wasm_bindgen(js_name = getDisplayName)]
    pub fn get_display_name(&self, address: String, chain_name: &str) -> Promise {
        let inner = self.inner.clone();
        let chain = core::parse_chain(chain_name).map_err(to_js_error);
        future_to_promise(async move {
            let name = inner.get_display_name(&address, chain?).await;
            name.map(JsValue::from).map_err(request_error)
        })
    }

    /// Addresses (or `null`) of names, in one batch; rejects with the first failure.
    #[wasm_bindgen(js_name = resolveMany)]
    pub fn resolve_many(&self, names: Vec<String>, coin_type: f64) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let got = inner.resolve_many(&names, coin_type as u64).await;
            let got = got.map_err(request_error)?;
            Ok(got
                .into_iter()
                .map(opt_string_to_js)
                .collect::<js_sys::Array>()
                .into())
        })
    }

    /// `[{ name, address } | { name, error }]`, in one batch; never rejects.
    #[wasm_bindgen(js_name = resolveManySettled)]
    pub fn resolve_many_settled(&self, names: Vec<String>, coin_type: f64) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let got = inner.resolve_many_settled(&names, coin_type as u64).await;
            Ok(settled_many_to_js(names, got).into())
        })
    }

    /// `{ text, names: [{ name, address, start, end }] }`.
    #[wasm_bindgen(js_name = resolveNamesInText)]
    pub fn resolve_names_in_text(&self, text: String, coin_type: f64) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let got = inner.resolve_names_in_text(&text, coin_type as u64).await;
            got.map(names_in_text_to_js).map_err(request_error)
        })
    }

    /// Drops every cache entry.
    #[wasm_bindgen(js_name = clearCache)]
    pub fn clear_cache(&self) {
        self.inner.clear_cache();
    }

    /// `{ size, hits, misses, staleServed, inflightJoined }`.
    pub fn stats(&self) -> JsValue {
        resolve_stats_to_js(self.inner.cache_stats())
    }

    /// The cache as JSON, for a persistent store.
    pub fn snapshot(&self) -> String {
        self.inner.snapshot_json()
    }

    /// Merges a {@link snapshot} into the cache; `false` when it was not one (ignored).
    pub fn restore(&self, json: &str) -> bool {
        self.inner.restore_json(json)
    }
}
