// Node ≥ 20: read the wasm next to this file and instantiate it synchronously.
import * as nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { initSync } from './hybrid_edge.js';
import { _useNodeCrypto } from './mls.js';
initSync({ module: readFileSync(new URL('./hybrid_edge_bg.wasm', import.meta.url)) });
// MLS records at rest: the same AES-256-GCM through node:crypto, synchronously (mls.js).
_useNodeCrypto(nodeCrypto);
export * from './hybrid_edge.js';
export { scan, containsSensitiveData } from './sanitize.js';
export { RelayConnection } from './transport.js';
export { Client, Group, MemoryStore, IndexedDbStore, DurableObjectStore } from './mls.js';
export { RelayPool } from './pool.js';
export { IndexedDbOutbox } from './outbox-idb.js';
export { Resolver, createResolver, indexedDbStore } from './resolver.js';
