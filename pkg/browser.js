// Browsers and bundlers (Vite): fetch and instantiate the wasm once, at import.
import init from './hybrid_edge.js';
await init({ module_or_path: new URL('./hybrid_edge_bg.wasm', import.meta.url) });
export * from './hybrid_edge.js';
export { scan, containsSensitiveData } from './sanitize.js';
export { RelayConnection } from './transport.js';
export { Resolver, createResolver, indexedDbStore } from './resolver.js';
