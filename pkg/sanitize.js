// `scan` and `containsSensitiveData` without per-call allocations: the text is encoded with
// `TextEncoder.encodeInto` straight into a buffer in wasm memory, and findings come back as
// numbers from another (see `src/js/sanitize.rs`). Same results and errors as the plain
// wasm-bindgen functions, which remain the path for anything unusual (non-string input).
import * as generated from './hybrid_edge.js';

/** The generated bindings, including the internal `__` ones that have no public types. */
const core = /** @type {any} */ (generated);

const encoder = new TextEncoder();
/** The largest input buffer (bytes); longer texts take the ordinary path. */
const MAX_INPUT = 1 << 24;
// Set up on first use: the entry modules instantiate the wasm after importing this one.
let state = null;

function ready() {
  if (state === null) {
    state = {
      memory: core.__sanitizeMemory(),
      names: core.__sanitizeKindNames(),
      all: core.__sanitizeKindMask(undefined, false),
      sensitive: core.__sanitizeKindMask(undefined, true),
      address: 0,
      capacity: 0,
      bytes: null,
      buffer: null,
      words: null,
      floats: null,
    };
  }
  return state;
}

/** Encodes `text` into the input buffer; returns its length in bytes, or -1 if it does not fit. */
function write(s, text) {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit. A buffer grown for a huge text is
  // given back once texts are small again.
  const need = text.length * 3;
  // Past 16 MiB the ordinary path (which sizes its copy to the text) is used: wasm memory
  // never shrinks, and one huge text must not pin a buffer three times its size.
  if (need > MAX_INPUT) return -1;
  const grow = need > s.capacity;
  if (grow || (s.capacity > 1 << 22 && need <= 1 << 16)) {
    // Grown geometrically, so texts that grow a little at a time do not reallocate on
    // every call; shrunk back to what is needed.
    s.capacity = grow ? Math.min(MAX_INPUT, Math.max(need, 2 * s.capacity, 1 << 12)) : Math.max(need, 1 << 12);
    s.address = core.__sanitizeInput(s.capacity);
    s.bytes = null;
    if (s.address === 0) {
      s.capacity = 0; // the memory cannot hold it: the caller takes the ordinary path
      return -1;
    }
  }
  followMemory(s);
  s.bytes ??= new Uint8Array(s.buffer, s.address, s.capacity);
  return encoder.encodeInto(text, s.bytes).written;
}

/** A grown wasm memory replaces its ArrayBuffer (views of the old one are empty): new views. */
function followMemory(s) {
  if (s.buffer === s.memory.buffer) return;
  s.buffer = s.memory.buffer;
  s.bytes = null;
  s.words = new Uint32Array(s.buffer);
  s.floats = new Float32Array(s.buffer);
}

export function containsSensitiveData(text, kinds) {
  if (typeof text !== 'string') return core.containsSensitiveData(text, kinds);
  const s = ready();
  const mask = kinds == null ? s.sensitive : core.__sanitizeKindMask(kinds, true);
  const len = write(s, text);
  const found = len < 0 ? -1 : core.__containsIn(len, mask);
  return found < 0 ? core.containsSensitiveData(text, kinds) : found === 1;
}

export function scan(text, options) {
  if (typeof text !== 'string' || (options != null && typeof options !== 'object')) {
    return core.scan(text, options);
  }
  const s = ready();
  const kinds = options == null ? undefined : options.kinds;
  const mask = kinds === undefined ? s.all : core.__sanitizeKindMask(kinds, false);
  const len = write(s, text);
  const count = len < 0 ? -1 : core.__scanIn(len, mask);
  if (count < 0) return core.scan(text, options);
  followMemory(s); // the scan may have grown the memory
  const { words, floats, names } = s;
  const at = core.__sanitizeOutput() >>> 2;
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    const o = at + i * 5;
    const finding = { kind: names[words[o]], start: words[o + 1], end: words[o + 2], confidence: floats[o + 3] };
    if (words[o + 4] !== 0) finding.valid = words[o + 4] === 2;
    out[i] = finding;
  }
  return out;
}
