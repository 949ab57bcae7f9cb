// `npm run bench:resolver`: hybrid-edge's Resolver against viem on the same local ENS
// deployment (tests/resolver/harness.mjs: anvil, the real ENS contracts, request-counting
// proxies), in one Node process. 100 distinct on-chain names: HTTP requests at the node and
// wall time; then cache-hit latency from JS and a warm restart from a caller's store.
// Writes bench/results/resolver.json. Numbers only: nothing fails.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { createPublicClient, http } from 'viem';
import { mainnet } from 'viem/chains';
import { startEnsChain } from '../tests/resolver/harness.mjs';
import { attribute } from './wasm-attribution.mjs';

const { Resolver } = await import('../pkg/node.js');
const env = await startEnsChain();
const names = env.many.map(([name]) => name);
const expected = env.many.map(([, address]) => address);
const round = (x, digits = 2) => Number(x.toFixed(digits));

async function measure(run) {
  env.mainnet.reset();
  const t = performance.now();
  const got = await run();
  const wallMs = performance.now() - t;
  const ok = JSON.stringify(got) === JSON.stringify(expected);
  return { wallMs: round(wallMs), httpRequests: env.mainnet.count, ok };
}

// Warm-up (JIT, connection pools) on another name set member, not measured.
await new Resolver(env.options()).resolveAddress('alice.eth');
await createPublicClient({ chain: mainnet, transport: http(env.mainnet.url) }).getEnsAddress({ name: 'alice.eth' });

const ours = await measure(() => new Resolver(env.options()).resolveMany(names));
const viemClient = createPublicClient({ chain: mainnet, transport: http(env.mainnet.url) });
const viem = await measure(() => Promise.all(names.map((name) => viemClient.getEnsAddress({ name }))));
const viemMulticallClient = createPublicClient({ chain: mainnet, transport: http(env.mainnet.url), batch: { multicall: true } });
const viemMulticall = await measure(() => Promise.all(names.map((name) => viemMulticallClient.getEnsAddress({ name }))));

// Cache hits from JS: awaited one at a time, and the synchronous part alone.
const warm = new Resolver(env.options());
await warm.resolveMany(names);
// A warm-up pass (JIT), then five timed rounds; the median round is reported, so that a
// burst of load on the machine moves one round, not the figure.
const hits = 20_000;
for (let i = 0; i < 2_000; i++) await warm.resolveAddress(names[i % names.length]);
const rounds = [];
let t;
for (let r = 0; r < 5; r++) {
  t = performance.now();
  for (let i = 0; i < hits; i++) await warm.resolveAddress(names[i % names.length]);
  rounds.push(((performance.now() - t) * 1000) / hits);
}
rounds.sort((a, b) => a - b);
const cacheHitMicros = round(rounds[2], 3);

// A restart with a warm store (the Workers KV / IndexedDB path): 0 requests for cached names.
const kv = new Map();
const store = { get: async (k) => kv.get(k) ?? null, put: async (k, v) => { kv.set(k, v); } };
const before = new Resolver(env.options({ cache: { store } }));
await before.resolveMany(names);
await before.flush();
env.mainnet.reset();
const after = new Resolver(env.options({ cache: { store } }));
t = performance.now();
const reloaded = await after.resolveMany(names);
const warmReloadMs = round(performance.now() - t);
const warmReloadRequests = env.mainnet.count;

await env.close();

// The wasm the resolver adds (estimate per capability, as `npm run size` prints it).
const wasm = readFileSync(new URL('../pkg/hybrid_edge_bg.wasm', import.meta.url));
let resolverWasmGzip = null;
const release = new URL('../target/wasm32-unknown-unknown/release/hybrid_edge.wasm', import.meta.url);
if (existsSync(release)) {
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-edge-bench-'));
  execFileSync('wasm-bindgen', [release.pathname, '--out-dir', dir, '--target', 'web']);
  // The core and its fetch driver (src/platform/, gloo-net).
  const rows = attribute(join(dir, 'hybrid_edge_bg.wasm')).filter((r) => r.capability === 'resolve' || r.capability.startsWith('platform'));
  resolverWasmGzip = rows.length ? rows.reduce((sum, r) => sum + r.gzip, 0) : null;
  rmSync(dir, { recursive: true });
}

const result = {
  names: names.length,
  httpRequests: ours.httpRequests,
  viemHttpRequests: viem.httpRequests,
  viemMulticallHttpRequests: viemMulticall.httpRequests,
  wallMs: ours.wallMs,
  viemWallMs: viem.wallMs,
  viemMulticallWallMs: viemMulticall.wallMs,
  correct: { hybridEdge: ours.ok, viem: viem.ok, viemMulticall: viemMulticall.ok },
  cacheHitMicros,
  warmReloadRequests,
  warmReloadMs,
  warmReloadCorrect: JSON.stringify(reloaded) === JSON.stringify(expected),
  wasmGzipBytes: gzipSync(wasm, { level: 9 }).length,
  resolverWasmGzipBytes: resolverWasmGzip,
  node: process.version,
  date: new Date().toISOString(),
};
console.log(`resolver bench: ${result.names} names`);
console.log(`  hybrid-edge resolveMany        ${String(result.httpRequests).padStart(4)} HTTP requests ${String(result.wallMs).padStart(9)} ms`);
console.log(`  viem getEnsAddress ×100        ${String(result.viemHttpRequests).padStart(4)} HTTP requests ${String(result.viemWallMs).padStart(9)} ms`);
console.log(`  viem, batch.multicall: true    ${String(result.viemMulticallHttpRequests).padStart(4)} HTTP requests ${String(result.viemMulticallWallMs).padStart(9)} ms`);
console.log(`  cache hit from JS: ${result.cacheHitMicros} µs; warm restart from a store: ${result.warmReloadRequests} requests, ${result.warmReloadMs} ms`);
console.log(`  wasm: ${result.wasmGzipBytes} bytes gzip, resolver ≈ ${result.resolverWasmGzipBytes} bytes gzip`);
mkdirSync(new URL('../bench/results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../bench/results/resolver.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
