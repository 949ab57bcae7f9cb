// Types for every runtime entry (browser.js, node.js, workerd.js): each one instantiates
// the wasm at import, so the functions are ready to call.
export * from './hybrid_edge.js';
// MLS: `Client`, `Group` and the storage backends (hand-written JS around the wasm core).
export * from './mls.js';
