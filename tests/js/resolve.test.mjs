// ENSIP-15 normalize / beautify from the packed package in Node.
import test from 'node:test';
import assert from 'node:assert/strict';
import { normalize, beautify } from 'hybrid-edge';

/** Asserts that `f` throws a hybrid-edge InvalidName Error whose message contains `part`. */
function throwsInvalidName(f, part) {
  assert.throws(f, (err) => {
    assert.ok(err instanceof Error, 'an Error instance');
    assert.equal(err.name, 'HybridEdgeError');
    assert.equal(/** @type {import('hybrid-edge').HybridEdgeError} */ (err).code, 'InvalidName');
    assert.ok(err.message.includes(part), `${JSON.stringify(err.message)} mentions ${JSON.stringify(part)}`);
    return true;
  });
}

test('normalize maps case, compatibility forms and emoji presentation', () => {
  assert.equal(normalize('RaFfY.eth'), 'raffy.eth');
  assert.equal(normalize('Ⅷ.eth'), 'viii.eth');
  assert.equal(normalize('💩\uFE0F.eth'), '💩.eth');
  assert.equal(normalize(''), '');
});

test('beautify keeps emoji fully qualified and capitalises ξ outside Greek', () => {
  assert.equal(beautify('❤.eth'), '❤\uFE0F.eth');
  assert.equal(beautify('ξ.eth'), 'Ξ.eth');
  assert.equal(beautify('ξένος.eth'), 'ξένος.eth');
});

test('invalid names throw InvalidName with the reason', () => {
  throwsInvalidName(() => normalize('a b.eth'), 'disallowed character');
  throwsInvalidName(() => normalize('a..eth'), 'empty label');
  throwsInvalidName(() => normalize('aα.eth'), 'illegal mixture: Latin + Greek');
  throwsInvalidName(() => normalize('ab--c.eth'), 'invalid label extension');
  throwsInvalidName(() => normalize('a_b.eth'), 'underscore allowed only at start');
  throwsInvalidName(() => beautify('\u2019a.eth'), 'leading apostrophe');
});

// The official ENSIP-15 validation vectors against the packed wasm (the native suite is
// tests/ensip15_vectors.rs); scripts/test.sh points HYBRID_EDGE_REPO at the repository.
test('all 38,613 ENSIP-15 validation vectors pass in wasm', async (t) => {
  const repo = process.env.HYBRID_EDGE_REPO;
  if (!repo) {
    t.skip('HYBRID_EDGE_REPO is not set (run through npm test)');
    return;
  }
  const { readFile } = await import('node:fs/promises');
  const fixtures = `${repo}/tests/fixtures`;
  const vectors = JSON.parse(await readFile(`${fixtures}/ensip15-tests.json`, 'utf8'));
  const { results } = JSON.parse(await readFile(`${fixtures}/ensip15-reference.json`, 'utf8'));
  assert.equal(results.length, vectors.length);
  const failures = [];
  let count = 0;
  vectors.forEach((v, i) => {
    if (v.validated) return; // the header: versions and hashes
    count++;
    const want = results[i];
    if (v.error) {
      try {
        failures.push(`${JSON.stringify(v.name)} normalized to ${JSON.stringify(normalize(v.name))}`);
      } catch (err) {
        const got = /** @type {Error} */ (err).message;
        if (got !== `invalid name: ${want.error}`) failures.push(`${JSON.stringify(v.name)}: ${got}`);
      }
    } else {
      const norm = v.norm ?? v.name;
      try {
        if (normalize(v.name) !== norm) failures.push(`${JSON.stringify(v.name)} did not normalize to ${JSON.stringify(norm)}`);
        const pretty = want.beautify ?? norm;
        if (beautify(v.name) !== pretty) failures.push(`${JSON.stringify(v.name)} did not beautify to ${JSON.stringify(pretty)}`);
      } catch (err) {
        failures.push(`${JSON.stringify(v.name)}: ${/** @type {Error} */ (err).message}`);
      }
    }
  });
  assert.equal(count, 38613);
  assert.deepEqual(failures.slice(0, 20), []);
});
