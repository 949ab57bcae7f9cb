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
