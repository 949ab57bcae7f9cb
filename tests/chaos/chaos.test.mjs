// The chaos run (chaos.mjs) under node:test: every message exactly once and in order per
// topic, through random connection drops (some mid-frame) and relay restarts. `npm test`
// runs the scale in CHAOS_MESSAGES / CHAOS_DROPS / CHAOS_RESTARTS (the full one by default).
import test from 'node:test';
import assert from 'node:assert/strict';
import { runChaos } from './chaos.mjs';

const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);

test('chaos: two clients through a fault-injecting proxy and relay restarts', async (t) => {
  const messages = env('CHAOS_MESSAGES', 10000);
  const drops = env('CHAOS_DROPS', 100);
  const restarts = env('CHAOS_RESTARTS', 3);
  const summary = await runChaos({
    messages, drops, restarts,
    seed: process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : undefined,
    log: (line) => t.diagnostic(line),
  });
  const { line, ...details } = summary;
  t.diagnostic(JSON.stringify(details));
  t.diagnostic(line);
  assert.equal(summary.sent, messages);
  assert.equal(summary.lost, 0, 'lost');
  assert.equal(summary.duplicated, 0, 'duplicated');
  assert.equal(summary.reordered, 0, 'reordered');
  assert.equal(summary.delivered, messages);
  assert.equal(summary.drops, drops);
  assert.equal(summary.restarts, restarts);
  assert.ok(summary.midFrameCuts > 0, 'some drops cut a frame in the middle');
});
