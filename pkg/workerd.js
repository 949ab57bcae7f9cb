// Cloudflare Workers: the wasm arrives as a compiled WebAssembly.Module import. Only
// instantiate here; nothing may draw random numbers at global scope.
import module from './hybrid_edge_bg.wasm';
import { initSync } from './hybrid_edge.js';
initSync({ module });
export * from './hybrid_edge.js';
export { scan, containsSensitiveData } from './sanitize.js';
export { RelayConnection } from './transport.js';
export { Client, Group, MemoryStore, IndexedDbStore, DurableObjectStore } from './mls.js';
export { RelayPool } from './pool.js';
export { IndexedDbOutbox } from './outbox-idb.js';
export { Resolver, createResolver, indexedDbStore } from './resolver.js';
