// `npm run bench:sanitizer`: throughput of the wasm sanitizer against the five-regex JS
// check of issue 3, in one Node process; first-call cost; 1 MB adversarial inputs against
// 1 MB of plain chat. Writes bench/results/sanitizer.json. Numbers only: nothing fails.
// MB are UTF-8 megabytes (10^6 bytes) of input text.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const t0 = performance.now();
const wasm = await import('../pkg/node.js');
const importMs = performance.now() - t0;
const corpusPath = process.argv[2]
  ?? fileURLToPath(new URL('../../shared/corpus/sanitizer-dev.jsonl', import.meta.url));
const rows = readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const texts = rows.map((r) => r.text);

// First call: builds the lazily built tables (the BIP-39 word index) on a text that needs them.
const firstText = 'backup: legal winner thank year wave sausage worth useful legal winner thank yellow';
let t = performance.now();
wasm.scan(firstText);
const firstCallMs = performance.now() - t;
t = performance.now();
wasm.scan(firstText);
const secondCallMs = performance.now() - t;

// The naive check of the issue: five regexes, `true` on the first that matches.
const NAIVE = [/private.?key/i, /seed.?phrase/i, /password/i, /\b\d{4}\s?\d{4}\s?\d{4}\s?\d{4}\b/, /0x[a-fA-F0-9]{40}/g];
function jsRegexCheck(text) {
  for (const re of NAIVE) {
    re.lastIndex = 0; // the /g one keeps state between calls
    if (re.test(text)) return true;
  }
  return false;
}

const mb = (list) => list.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0) / 1e6;
let sink = 0;
/** Calls `f` on every input until `ms` have passed (at least once); returns MB/s. */
function throughput(inputs, f, ms = 1500) {
  const size = mb(inputs);
  for (const s of inputs.slice(0, 200)) f(s); // warm-up
  let rounds = 0;
  const start = performance.now();
  do {
    for (const s of inputs) sink += f(s) ? 1 : 0;
    rounds++;
  } while (performance.now() - start < ms);
  return (size * rounds) / ((performance.now() - start) / 1000);
}
const contains = (s) => wasm.containsSensitiveData(s);
// The floor of any wasm function that reads a JS string: encoding it to UTF-8 in wasm
// memory. Timed alone, with the same encoder call the package makes.
const encoder = new TextEncoder();
let encodeBuffer = new Uint8Array(1 << 16);
const encodeOnly = (s) => {
  if (s.length * 3 > encodeBuffer.length) encodeBuffer = new Uint8Array(s.length * 3);
  return encoder.encodeInto(s, encodeBuffer).written > 0;
};
const scanAll = (s) => wasm.scan(s).length > 0;
// The floor of any wasm `containsSensitiveData`: the encoding above plus one call into wasm
// that does nothing (an internal getter), before a single byte is examined.
const generated = /** @type {any} */ (await import('../pkg/hybrid_edge.js'));
const floorOnly = (s) => encodeOnly(s) && generated.__sanitizeOutput() >= 0;

function tenMb(parts) {
  const one = parts.join('\n');
  let out = one;
  while (Buffer.byteLength(out) < 10e6) out += '\n' + one;
  return out;
}
const concat = tenMb(texts);
// Messages without any secret that the naive check also passes: neither side can stop
// early, both read all 10 MB.
const cleanTexts = rows.filter((r) => r.spans.length === 0 && !jsRegexCheck(r.text)).map((r) => r.text);
const clean = tenMb(cleanTexts);

const results = {};
const line = (name, c, s, j, e) => {
  console.log(`${name.padEnd(30)} containsSensitiveData ${c.toFixed(1).padStart(8)} MB/s   scan ${s.toFixed(1).padStart(7)} MB/s   JS regex check ${j.toFixed(1).padStart(8)} MB/s   contains/JS ${(c / j).toFixed(2)}x   scan/JS ${(s / j).toFixed(2)}x   (UTF-8 encoding alone ${e.toFixed(1)} MB/s = ${(e / j).toFixed(2)}x JS)`);
};
console.log(`bench:sanitizer — Node ${process.version}, ${texts.length} corpus texts (${mb(texts).toFixed(2)} MB)`);
console.log(`import + instantiate ${importMs.toFixed(1)} ms; first scan ${firstCallMs.toFixed(2)} ms (second ${secondCallMs.toFixed(3)} ms)`);
for (const [name, inputs] of [
  ['corpus texts (per message)', texts],
  ['10 MB concatenation', [concat]],
  ['10 MB of clean messages', [clean]],
]) {
  const c = throughput(inputs, contains);
  const s = throughput(inputs, scanAll);
  const j = throughput(inputs, jsRegexCheck);
  const e = throughput(inputs, encodeOnly);
  const f = throughput(inputs, floorOnly);
  line(name, c, s, j, e);
  console.log(`${''.padEnd(30)} floor of a wasm check (encoding + one empty wasm call) ${f.toFixed(1)} MB/s = ${(f / j).toFixed(2)}x JS: the ${(2).toFixed(0)}x target leaves ${(1e3 * (1 / (2 * j) - 1 / f)).toFixed(2)} ns per byte for detection`);
  results[name] = { containsMBps: c, scanMBps: s, jsRegexMBps: j, encodeMBps: e, floorMBps: f };
}

// Adversarial inputs, 1 MB each, against 1 MB of plain chat: time of one full scan.
// Exactly the first 1 MB of repeated `unit`, cut once in bytes (trimming one character at
// a time re-measured the whole megabyte per character).
const oneMb = (unit) => {
  const bytes = Buffer.from(unit.repeat(Math.ceil(1e6 / unit.length) + 1)).subarray(0, 1e6);
  // A cut inside a multi-byte character decodes as U+FFFD: drop it.
  return bytes.toString('utf8').replace(/\uFFFD$/, '');
};
const words = 'abandon ability able about above absent absorb abstract absurd abuse access accident ';
const adversarial = {
  'plain chat': oneMb(cleanTexts.join('\n')),
  'all 0x': oneMb('0x'),
  'all digits': oneMb('7'),
  'all hex': oneMb('a3f9'),
  'all BIP-39 words': oneMb(words),
  'all base58': oneMb('5Kb8kLf9zgWQnogidDA76MzPL6TsZZY36hWXMssSzNydYXYB9KF'),
  'digit groups': oneMb('4111 '),
  'password cues': oneMb('pw:'),
  'API key prefixes': oneMb('sk-'),
  'at signs': oneMb('a@b.'),
  'unclosed markers': oneMb('[REDACTED:'),
};
const timeScan = (s) => {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    sink += wasm.scan(s).length;
    best = Math.min(best, performance.now() - start);
  }
  return best;
};
const plainMs = timeScan(adversarial['plain chat']);
results.adversarial = {};
for (const [name, input] of Object.entries(adversarial)) {
  const ms = name === 'plain chat' ? plainMs : timeScan(input);
  results.adversarial[name] = { scanMs: ms, ratioToPlain: ms / plainMs };
  console.log(`1 MB ${name.padEnd(18)} scan ${ms.toFixed(1).padStart(7)} ms  (${(ms / plainMs).toFixed(2)}x plain chat)`);
}

const headline = results['corpus texts (per message)'];
const out = {
  containsMBps: headline.containsMBps,
  scanMBps: headline.scanMBps,
  jsRegexMBps: headline.jsRegexMBps,
  encodeMBps: headline.encodeMBps,
  floorMBps: headline.floorMBps,
  firstCallMs,
  importMs,
  node: process.version,
  results,
  sink,
};
mkdirSync(new URL('../bench/results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../bench/results/sanitizer.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
console.log('wrote bench/results/sanitizer.json');
