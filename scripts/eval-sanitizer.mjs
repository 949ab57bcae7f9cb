// `npm run eval:sanitizer`: scores the wasm sanitizer on a labelled corpus (default: the dev
// corpus, ../shared/corpus/sanitizer-dev.jsonl beside the repo; or the path given) with the
// scoring rule of issue 3: a predicted span matches a gold span of the same kind when it
// overlaps at least half of the gold span's length, one-to-one. Prints per-kind P/R/F1,
// micro F1 and message-level recall.
//   --check   exit 1 below the targets (micro F1 0.97, each kind 0.93, recall 0.99)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scan } from '../pkg/node.js';

const args = process.argv.slice(2);
const check = args.includes('--check');
const path = args.find((a) => !a.startsWith('--'))
  ?? fileURLToPath(new URL('../../shared/corpus/sanitizer-dev.jsonl', import.meta.url));
const rows = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

/** @type {Map<string, {tp: number, fp: number, fn: number}>} */
const perKind = new Map();
const counts = (k) => perKind.get(k) ?? perKind.set(k, { tp: 0, fp: 0, fn: 0 }).get(k);
let withGold = 0;
let recalled = 0;
for (const row of rows) {
  const predicted = scan(row.text);
  const used = new Array(predicted.length).fill(false);
  for (const g of row.spans) {
    const need = (g.end - g.start) * 0.5;
    const i = predicted.findIndex((p, j) => !used[j] && p.kind === g.kind
      && Math.min(p.end, g.end) - Math.max(p.start, g.start) >= need);
    if (i >= 0) { used[i] = true; counts(g.kind).tp++; } else { counts(g.kind).fn++; }
  }
  predicted.forEach((p, j) => { if (!used[j]) counts(p.kind).fp++; });
  if (row.spans.length > 0) {
    withGold++;
    if (predicted.length > 0) recalled++;
  }
}

const f1 = ({ tp, fp, fn }) => {
  const p = tp / Math.max(tp + fp, 1);
  const r = tp / Math.max(tp + fn, 1);
  return { p, r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
};
const fmt = (x) => x.toFixed(4);
console.log(`eval:sanitizer on ${path} (${rows.length} messages)`);
console.log('kind          precision  recall     F1      tp   fp   fn');
let ok = true;
const total = { tp: 0, fp: 0, fn: 0 };
for (const [kind, c] of [...perKind].sort()) {
  const s = f1(c);
  total.tp += c.tp; total.fp += c.fp; total.fn += c.fn;
  if (s.f1 < 0.93) ok = false;
  console.log(`${kind.padEnd(13)} ${fmt(s.p)}     ${fmt(s.r)}     ${fmt(s.f1)}  ${String(c.tp).padStart(4)} ${String(c.fp).padStart(4)} ${String(c.fn).padStart(4)}`);
}
const micro = f1(total);
const recall = recalled / Math.max(withGold, 1);
if (micro.f1 < 0.97 || recall < 0.99) ok = false;
console.log(`micro         ${fmt(micro.p)}     ${fmt(micro.r)}     ${fmt(micro.f1)}  ${String(total.tp).padStart(4)} ${String(total.fp).padStart(4)} ${String(total.fn).padStart(4)}`);
console.log(`message-level recall ${fmt(recall)} (${recalled}/${withGold} messages with a secret got a finding)`);
console.log(`targets (micro F1 ≥ 0.97, every kind ≥ 0.93, recall ≥ 0.99): ${ok ? 'met' : 'NOT met'}`);
if (check && !ok) process.exit(1);
