// The packed package in Node: imports resolve through package.json `exports` (`node`).
import test from 'node:test';
import assert from 'node:assert/strict';
import { toChecksumAddress, shortenAddress, namehash, labelhash, dnsEncode } from 'hybrid-edge';

// EIP-55's published vectors.
const EIP55 = [
  '0x52908400098527886E0F7030069857D2E4169EE7',
  '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
  '0xde709f2102306220921060314715629080e2fb77',
  '0x27b1fdb04752bbc536007a920d24acb045561c26',
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
];

/** Asserts that `f` throws a hybrid-edge Error with `code`. */
function throwsCode(f, code) {
  assert.throws(f, (err) => {
    assert.ok(err instanceof Error, 'an Error instance');
    assert.equal(err.name, 'HybridEdgeError');
    assert.equal(/** @type {import('hybrid-edge').HybridEdgeError} */ (err).code, code);
    assert.ok(err.message.length > 10, 'a message that says what is wrong');
    return true;
  });
}

test('EIP-55 vectors check out and round-trip from lower case', () => {
  for (const v of EIP55) {
    const sum = toChecksumAddress(v.toLowerCase());
    assert.equal(sum.toLowerCase(), v.toLowerCase());
    assert.equal(toChecksumAddress(sum), sum);
  }
  assert.equal(toChecksumAddress('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'), '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed');
});

test('a mixed-case typo is InvalidAddressChecksum, garbage is InvalidAddress', () => {
  throwsCode(() => toChecksumAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'), 'InvalidAddressChecksum');
  for (const bad of ['', '0x', 'vitalik.eth', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae', '0xZZaeb6053f3e94c9b9a09f33669435e7ef1beaed']) {
    throwsCode(() => toChecksumAddress(bad), 'InvalidAddress');
  }
});

test('shortenAddress gives 0x1234…abcd', () => {
  assert.equal(shortenAddress('0xd8da6bf26964af9d7eed9e03e53415d37aa96045'), '0xd8dA…6045');
  throwsCode(() => shortenAddress('nope'), 'InvalidAddress');
});

test('EIP-137 namehash vectors', () => {
  assert.equal(namehash(''), '0x' + '00'.repeat(32));
  assert.equal(namehash('eth'), '0x93cdeb708b7545dc668eb9280176169d1c33cfd8ed6f04690a0bcc88a93fc4ae');
  assert.equal(namehash('foo.eth'), '0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f');
  assert.equal(labelhash('eth'), '0x4f5b812789fc606be1b3b16908db13fc7a9adf7ca72641f84d75b47069d3d7f0');
  throwsCode(() => namehash('foo..eth'), 'InvalidName');
});

test('dnsEncode matches ENS, long labels become [labelhash]', () => {
  assert.equal(dnsEncode('test.eth'), '0x04746573740365746800');
  const long = 'a'.repeat(300);
  const encoded = dnsEncode(`${long}.eth`);
  const label = Buffer.from(`[${labelhash(long).slice(2)}]`).toString('hex');
  assert.equal(encoded, `0x42${label}03657468` + '00');
  throwsCode(() => dnsEncode('.eth'), 'InvalidName');
});
