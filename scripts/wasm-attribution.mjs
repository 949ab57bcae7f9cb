// Attributes the code and data of the release wasm to the project's capabilities, from the
// function names cargo leaves in the pre-wasm-bindgen module (target/…/hybrid_edge.wasm).
// A function counts for the first project module or known crate its symbol path names,
// generic instantiations included (`drop_in_place<openmls::…>` counts for MLS). Sizes are
// estimates: the gzip column compresses each capability's function bodies on its own.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** Crate name → capability; project modules map by their own name (`hybrid_edge::mls`). */
const CRATES = {
  mls: ['openmls', 'openmls_rust_crypto', 'openmls_basic_credential', 'openmls_traits', 'openmls_memory_storage',
    'hpke_rs', 'hpke_rs_crypto', 'hpke_rs_rust_crypto', 'tls_codec', 'x25519_dalek', 'curve25519_dalek',
    'ed25519_dalek', 'chacha20poly1305', 'chacha20', 'poly1305', 'aes_gcm', 'aes', 'ghash', 'polyval', 'p256',
    'p384', 'ecdsa', 'elliptic_curve', 'primeorder', 'hkdf', 'hmac', 'rand_chacha', 'serde_json', 'pbkdf2'],
  sanitize: ['bip39', 'aho_corasick', 'bs58'],
  resolve: ['alloy_sol_types', 'alloy_dyn_abi', 'gloo_net', 'gloo_utils', 'http'],
  transport: ['postcard', 'cobs'],
  eth: ['alloy_primitives', 'k256', 'tiny_keccak', 'sha3', 'keccak', 'ruint', 'const_hex'],
};
const PROJECT = ['mls', 'sanitize', 'resolve', 'transport', 'storage', 'eth', 'js', 'platform'];
const crateOwner = new Map(Object.entries(CRATES).flatMap(([cap, crates]) => crates.map((c) => [c, cap])));

function leb(buf, pos) {
  let result = 0, shift = 0, byte;
  do { byte = buf[pos++]; result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return [result, pos];
}
function name(buf, pos) {
  const [len, p] = leb(buf, pos);
  return [buf.toString('utf8', p, p + len), p + len];
}

/** Splits a legacy-mangled Rust symbol (`_ZN11hybrid_edge3mls…17h…E`) into the words of
 * its path, generic arguments included (`drop_in_place<openmls::group::…>`). */
function pathWords(symbol) {
  const words = [];
  let i = symbol.startsWith('_ZN') ? 3 : -1;
  while (i >= 0 && i < symbol.length && symbol[i] !== 'E') {
    const digits = /^\d+/.exec(symbol.slice(i));
    if (!digits) break;
    i += digits[0].length;
    const ident = symbol.slice(i, i + Number(digits[0]));
    i += Number(digits[0]);
    words.push(...ident.replace(/\$[A-Z]+\$|\$u[0-9a-f]+\$|\.\./g, ' ').split(/[^A-Za-z0-9_]+/).filter(Boolean));
  }
  return words.length ? words : symbol.split(/[^A-Za-z0-9_]+/).filter(Boolean);
}

/** The capability a function belongs to: the first project module or known crate its path names. */
function owner(symbol) {
  const words = pathWords(symbol);
  for (let k = 0; k < words.length; k++) {
    if (words[k] === 'hybrid_edge' && PROJECT.includes(words[k + 1])) {
      return words[k + 1] === 'js' ? 'js facade' : words[k + 1] === 'platform' ? 'platform (resolver driver)' : words[k + 1];
    }
    if (crateOwner.has(words[k])) return crateOwner.get(words[k]);
  }
  return 'runtime (std, alloc, serde, wasm-bindgen, …)';
}

export function attribute(path) {
  const buf = readFileSync(path);
  let pos = 8, importedFns = 0;
  const bodies = [], names = new Map(), data = [];
  while (pos < buf.length) {
    const id = buf[pos];
    const [size, start] = leb(buf, pos + 1);
    const end = start + size;
    if (id === 2) { // imports: functions come first in the index space
      let [count, p] = leb(buf, start);
      for (let i = 0; i < count; i++) {
        [, p] = name(buf, p); [, p] = name(buf, p);
        const kind = buf[p++];
        if (kind === 0) { [, p] = leb(buf, p); importedFns++; }
        else if (kind === 1) { p += 1; const flags = buf[p++]; [, p] = leb(buf, p); if (flags & 1) [, p] = leb(buf, p); }
        else if (kind === 2) { const flags = buf[p++]; [, p] = leb(buf, p); if (flags & 1) [, p] = leb(buf, p); }
        else if (kind === 3) { p += 2; }
      }
    } else if (id === 10) {
      let [count, p] = leb(buf, start);
      for (let i = 0; i < count; i++) {
        const [len, q] = leb(buf, p);
        bodies.push(buf.subarray(q, q + len));
        p = q + len;
      }
    } else if (id === 11) {
      data.push(buf.subarray(start, end));
    } else if (id === 0) {
      const [section, p] = name(buf, start);
      if (section === 'name') {
        let q = p;
        while (q < end) {
          const sub = buf[q];
          const [len, r] = leb(buf, q + 1);
          if (sub === 1) {
            let [count, s] = leb(buf, r);
            for (let i = 0; i < count; i++) {
              let idx, n;
              [idx, s] = leb(buf, s); [n, s] = name(buf, s);
              names.set(idx, n);
            }
          }
          q = r + len;
        }
      }
    }
    pos = end;
  }
  const groups = new Map();
  bodies.forEach((body, i) => {
    const who = owner(names.get(i + importedFns) ?? '');
    (groups.get(who) ?? groups.set(who, []).get(who)).push(body);
  });
  const rows = [...groups].map(([who, parts]) => {
    const all = Buffer.concat(parts);
    return { capability: who, functions: parts.length, raw: all.length, gzip: gzipSync(all, { level: 9 }).length };
  });
  const dataAll = Buffer.concat(data);
  rows.push({ capability: 'data segments (tables, strings)', functions: 0, raw: dataAll.length, gzip: gzipSync(dataAll, { level: 9 }).length });
  return rows.sort((a, b) => b.gzip - a.gzip);
}
