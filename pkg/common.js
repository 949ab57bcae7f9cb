// Small helpers the package's JS modules share.

/** A hybrid-edge `Error` with a stable `code`, shaped as the wasm facade throws them. */
export function hybridEdgeError(code, message, cause) {
  const err = new Error(message, cause === undefined ? undefined : { cause });
  return Object.assign(err, { name: 'HybridEdgeError', code });
}

/** Two hex digits per byte value. */
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes (message ids key the maps of unacknowledged messages: every publish and ack). */
export function hex(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_BYTES[bytes[i]];
  return out;
}

/** setTimeout's largest delay. */
const MAX_TIMEOUT_MS = 0x7fffffff;

/** The setTimeout delay until `at` (ms since 1970): never negative, never past the largest. */
export const delayUntil = (at) => Math.min(MAX_TIMEOUT_MS, Math.max(0, at - Date.now()));

/** An IndexedDB request's result as a promise. */
export const idbRequest = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

/** An IndexedDB transaction's completion (with `durability: 'strict'`, on disk) as a promise. */
export const idbCommitted = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = () => resolve(undefined);
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
});

/** Throws `InvalidConfig` unless `outbox` is a RelayOutboxStore (`load`, `put`, `delete`). */
export function checkOutbox(outbox) {
  if (typeof outbox?.load !== 'function' || typeof outbox.put !== 'function' || typeof outbox.delete !== 'function') {
    throw hybridEdgeError('InvalidConfig', 'invalid configuration: outbox must have load(), put(message) and delete(id)');
  }
}
