// Browsers and bundlers (Vite): fetch and instantiate the wasm once, at import.
import init from './hybrid_edge.js';
await init({ module_or_path: new URL('./hybrid_edge_bg.wasm', import.meta.url) });
export * from './hybrid_edge.js';
export { scan, containsSensitiveData } from './sanitize.js';
export { RelayConnection } from './transport.js';
export { Client, Group, MemoryStore, IndexedDbStore, DurableObjectStore } from './mls.js';
export { RelayPool } from './pool.js';
export { IndexedDbOutbox } from './outbox-idb.js';
export { Resolver, createResolver, indexedDbStore } from './resolver.js';
