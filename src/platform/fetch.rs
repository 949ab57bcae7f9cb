//! HTTP through the runtime's `fetch` (gloo-net), a `setTimeout` sleep, the clock and
//! randomness: what the IO drivers need from the host, in browsers, Workers and Node ≥ 20.
//!
//! gloo-net calls `fetch` on the global scope (not `window`), so the same code runs in a
//! page, a Web or Service Worker, workerd and Node.

use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, ReadableStreamDefaultReader, RequestCredentials, RequestRedirect, Response,
};

use crate::resolve::plan::HttpMethod;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
}

/// Resolves after `ms` milliseconds (a `setTimeout` promise: browsers, Workers, Node).
pub async fn sleep(ms: u64) {
    let promise = Promise::new(&mut |resolve, _reject| {
        set_timeout(&resolve, ms as f64);
    });
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds since the Unix epoch (`Date.now()`).
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A number in `[0, 1)` (`Math.random()`), for retry jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// Whether this is workerd, which refuses some `RequestInit` fields (`credentials`) and
/// never sends ambient credentials anyway.
fn is_workerd() -> bool {
    let global = js_sys::global();
    Reflect::get(&global, &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"userAgent".into()))
        .ok()
        .and_then(|ua| ua.as_string())
        .is_some_and(|ua| ua == "Cloudflare-Workers")
}

/// Which `fetch` sends requests: the global one, or a function the caller gave (called as
/// `fetch(request)` with a `Request`, and expected to return a `Response` or a promise of one).
#[derive(Clone, Debug)]
pub struct Fetch {
    custom: Option<Function>,
    workerd: bool,
}

impl Default for Fetch {
    fn default() -> Self {
        Self::global()
    }
}

impl Fetch {
    /// The runtime's global `fetch`.
    pub fn global() -> Self {
        Self {
            custom: None,
            workerd: is_workerd(),
        }
    }

    /// A caller's `fetch` function.
    pub fn with_function(fetch: Function) -> Self {
        Self {
            custom: Some(fetch),
            workerd: is_workerd(),
        }
    }

    /// Sends one request: no credentials, redirects returned as they are (`manual`), a JSON
    /// `content-type` with a body, aborted after `timeout_ms` (reading the body included).
    /// `Err`: a network error, a timeout, or a request the runtime refused.
    pub async fn send(
        &self,
        method: HttpMethod,
        url: &str,
        body: Option<&str>,
        timeout_ms: u32,
    ) -> Result<Response, JsValue> {
        let method = match method {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
        };
        let signal = abort_after(timeout_ms)?;
        let mut builder = RequestBuilder::new(url)
            .method(method)
            .redirect(RequestRedirect::Manual)
            .abort_signal(Some(&signal));
        if !self.workerd {
            builder = builder.credentials(RequestCredentials::Omit);
        }
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(body),
            None => builder.build(),
        }
        .map_err(gloo_error)?;
        match &self.custom {
            None => request.send().await.map(Response::from).map_err(gloo_error),
            Some(fetch) => {
                let out = fetch.call1(&JsValue::UNDEFINED, &web_sys::Request::from(request))?;
                JsFuture::from(Promise::resolve(&out))
                    .await?
                    .dyn_into::<Response>()
            }
        }
    }
}

fn gloo_error(err: gloo_net::Error) -> JsValue {
    JsValue::from_str(&err.to_string())
}

/// `AbortSignal.timeout(ms)`, called through `Reflect` so that a runtime without it gives an
/// `Err` instead of an exception unwinding through Rust.
fn abort_after(timeout_ms: u32) -> Result<AbortSignal, JsValue> {
    let class = Reflect::get(&js_sys::global(), &"AbortSignal".into())?;
    let timeout: Function = Reflect::get(&class, &"timeout".into())?.dyn_into()?;
    timeout.call1(&class, &timeout_ms.into())?.dyn_into()
}

/// Cancels a response's body that will not be read (errors ignored).
pub async fn discard_body(response: &Response) {
    if let Some(body) = response.body() {
        let _ = JsFuture::from(body.cancel()).await;
    }
}

/// The body as bytes, or `Ok(None)` once it passes `max` bytes (declared by
/// `content-length`, or counted while reading: the rest is not read). `Err`: the stream
/// failed (network, timeout).
pub async fn read_capped(response: &Response, max: usize) -> Result<Option<Vec<u8>>, JsValue> {
    let declared = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        discard_body(response).await;
        return Ok(None);
    }
    let Some(body) = response.body() else {
        let buffer = JsFuture::from(response.array_buffer()?).await?;
        let bytes = Uint8Array::new(&buffer).to_vec();
        return Ok((bytes.len() <= max).then_some(bytes));
    };
    // Called through `Reflect` so that a body a custom `fetch` already read (a locked
    // stream: `getReader` throws) is an `Err`, not an exception unwinding through Rust.
    let get_reader: Function = Reflect::get(&body, &"getReader".into())?.dyn_into()?;
    let reader: ReadableStreamDefaultReader = get_reader.call0(&body)?.unchecked_into();
    let mut out = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await?;
        if Reflect::get(&chunk, &"done".into())?.is_truthy() {
            break;
        }
        // A stream of anything but bytes (a custom `Response`) is an error.
        let value: Uint8Array = Reflect::get(&chunk, &"value".into())?.dyn_into()?;
        // A plain copy: a subclass could report a length other than the bytes it holds,
        // which `copy_to` would assert on.
        let value = Uint8Array::new(&value);
        let len = value.length() as usize;
        if out.len() + len > max {
            let _ = JsFuture::from(reader.cancel()).await;
            return Ok(None);
        }
        let at = out.len();
        out.resize(at + len, 0);
        value.copy_to(&mut out[at..]);
    }
    Ok(Some(out))
}
