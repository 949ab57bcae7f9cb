// Prints the size of the package's .wasm (raw, gzip -9, brotli) and what each capability
// adds, estimated from the function names of the release build (scripts/wasm-attribution.mjs).
//   --check   exit 1 when the gzip size exceeds the 1.0 MB budget
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { attribute } from './wasm-attribution.mjs';

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const budget = 1024 * 1024;
const wasm = readFileSync(new URL('../pkg/hybrid_edge_bg.wasm', import.meta.url));
const gzip = gzipSync(wasm, { level: 9 }).length;
const brotli = brotliCompressSync(wasm, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: wasm.length },
}).length;
console.log(`size: hybrid_edge_bg.wasm raw ${kb(wasm.length)}, gzip -9 ${kb(gzip)}, brotli ${kb(brotli)} (budget: 1.0 MB gzip, ${((100 * gzip) / budget).toFixed(1)} % used)`);

// The same wasm-bindgen pass as the build, keeping the function names to attribute by.
const release = new URL('../target/wasm32-unknown-unknown/release/hybrid_edge.wasm', import.meta.url);
if (existsSync(release)) {
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-edge-size-'));
  execFileSync('wasm-bindgen', [release.pathname, '--out-dir', dir, '--target', 'web']);
  const rows = attribute(join(dir, 'hybrid_edge_bg.wasm'));
  rmSync(dir, { recursive: true });
  console.log('size by capability (estimate: each one’s code gzip-compressed on its own):');
  for (const r of rows) {
    console.log(`  ${r.capability.padEnd(44)} ${kb(r.gzip).padStart(10)} gzip ${kb(r.raw).padStart(10)} raw ${String(r.functions).padStart(6)} fns`);
  }
}
if (process.argv.includes('--check') && gzip > budget) {
  console.error(`size: gzip size ${gzip} exceeds the ${budget}-byte budget`);
  process.exit(1);
}
