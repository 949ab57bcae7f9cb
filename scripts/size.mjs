// Prints the size of the package's .wasm: raw, gzip -9 and brotli (max quality).
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const path = new URL('../pkg/hybrid_edge_bg.wasm', import.meta.url);
const wasm = readFileSync(path);
const gzip = gzipSync(wasm, { level: 9 }).length;
const brotli = brotliCompressSync(wasm, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: wasm.length },
}).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const budget = 1024 * 1024;
console.log(`size: hybrid_edge_bg.wasm raw ${kb(wasm.length)}, gzip -9 ${kb(gzip)}, brotli ${kb(brotli)} (budget: 1.0 MB gzip, ${((100 * gzip) / budget).toFixed(1)} % used)`);
if (process.argv.includes('--check') && gzip > budget) {
  console.error(`size: gzip size ${gzip} exceeds the ${budget}-byte budget`);
  process.exit(1);
}
