// The sanitizer through the packed package in Node: UTF-16 offsets, redaction, log
// records and typed errors.
import test from 'node:test';
import assert from 'node:assert/strict';
import { scan, containsSensitiveData, redact, anonymizeForLogging } from 'hybrid-edge';

// BIP-39 test vector (trezor/python-mnemonic) and a Visa test number.
const SEED = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const CARD = '4111 1111 1111 1111';

/** Asserts that `f` throws a hybrid-edge Error with `code`. */
function throwsCode(f, code) {
  assert.throws(f, (err) => {
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'HybridEdgeError');
    assert.equal(/** @type {import('hybrid-edge').HybridEdgeError} */ (err).code, code);
    return true;
  });
}

test('offsets are UTF-16 code units: emoji, flags, CJK and combining marks before secrets', () => {
  for (const prefix of ['🦊', '👨‍👩‍👧 ', '🇫🇷🇯🇵', '中文：', 'e\u0301\u0301 ', '𝔘𝔫𝔦 ']) {
    const text = `${prefix} card ${CARD} and pw: Tiger!1024`;
    const found = scan(text);
    assert.deepEqual(found.map((f) => f.kind), ['card_number', 'password'], text);
    assert.equal(text.slice(found[0].start, found[0].end), CARD);
    assert.equal(text.slice(found[1].start, found[1].end), 'Tiger!1024');
    for (const f of found) {
      assert.ok(f.confidence > 0 && f.confidence <= 1);
      assert.equal('valid' in f, false);
    }
  }
});

test('every kind, with validity for addresses', () => {
  const text = [
    `seed: ${SEED}`,
    'private key 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
    'to 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD 🦊',
    'mail alice@example.com',
    'OPENAI_API_KEY=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',
  ].join('\n');
  const found = scan(text);
  assert.deepEqual(found.map((f) => f.kind), ['seed_phrase', 'private_key', 'eth_address', 'email', 'api_key']);
  assert.equal(text.slice(found[0].start, found[0].end), SEED);
  assert.equal(found[2].valid, false, 'mixed case with a wrong checksum is flagged invalid');
  assert.deepEqual(scan(text, { kinds: ['email'] }).map((f) => f.kind), ['email']);
});

test('the naive check\'s false positives are not sensitive', () => {
  for (const text of [
    'I forgot my password',
    'what is a seed phrase? never share your private key',
    'random digits 8372 6151 0092 8834',
    'tx 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318 is stuck',
    'send it to 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
  ]) {
    assert.equal(containsSensitiveData(text), false, text);
  }
  assert.equal(containsSensitiveData(`my seed ${SEED}`), true);
  assert.equal(containsSensitiveData('send it to 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', ['eth_address']), true);
});

test('redact: default policy, per-kind actions, stable output', () => {
  const text = `🦊 card ${CARD}, mail alice@example.com, to 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed, password: hunter2.`;
  const once = redact(text);
  assert.equal(once, '🦊 card ****1111, mail a***@example.com, to 0x5aAe…eAed, password: [REDACTED:password].');
  assert.equal(redact(once), once);
  assert.equal(redact(text, { email: 'keep', card_number: 'mask', eth_address: 'remove' }),
    '🦊 card [REDACTED:card_number], mail alice@example.com, to , password: [REDACTED:password].');
});

test('anonymizeForLogging keeps no content', () => {
  const content = `my pw is Tiger!1024 and card ${CARD} 🦊`;
  const record = anonymizeForLogging({
    id: 'm-1', sender: '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', content, timestamp: 1700000000000,
  });
  assert.equal(record.id, 'm-1');
  assert.equal(record.sender, '0x5aAe…eAed');
  assert.equal(record.contentLength, content.length);
  assert.equal(record.timestamp, 1700000000000);
  assert.equal(record.findings.password, 1);
  assert.equal(record.findings.card_number, 1);
  assert.equal(record.findings.seed_phrase, 0);
  assert.ok(!JSON.stringify(record).includes('Tiger'));
});

test('typed errors for bad options', () => {
  // @ts-expect-error: not a kind, on purpose.
  throwsCode(() => scan('x', { kinds: ['passwords'] }), 'UnknownSensitiveKind');
  throwsCode(() => containsSensitiveData('x', /** @type {any} */ ('password')), 'InvalidSanitizeOptions');
  throwsCode(() => redact('x', /** @type {any} */ ({ password: 'hide' })), 'UnknownRedactAction');
  throwsCode(() => redact('x', /** @type {any} */ ({ secret: 'mask' })), 'UnknownSensitiveKind');
  throwsCode(() => anonymizeForLogging(/** @type {any} */ ({ id: 'm', sender: 's', content: 'c' })), 'InvalidLogMessage');
  throwsCode(() => anonymizeForLogging(/** @type {any} */ ({ id: 1, sender: 's', content: 'c', timestamp: 0 })), 'InvalidLogMessage');
});

// `scan` and `containsSensitiveData` encode the text into a buffer in wasm memory and read
// findings from another; these pin that path's edges.
test('results stay right when the wasm memory grows between and during calls', () => {
  const small = `pw: Tiger!1024 and ${CARD}`;
  const before = scan(small);
  // A text far larger than any buffer so far: the input buffer and the memory grow.
  const filler = 'gm fren, how are the rollups today? '.repeat(120_000);
  const big = `${filler}🦊 ${SEED}`;
  const found = scan(big);
  assert.equal(found.length, 1);
  assert.equal(found[0].kind, 'seed_phrase');
  assert.equal(big.slice(found[0].start, found[0].end), SEED);
  assert.equal(containsSensitiveData(big), true);
  assert.equal(containsSensitiveData(filler), false);
  // Past the largest input buffer (16 MiB of UTF-8) the ordinary path takes over.
  const huge = `${'gm fren, how are the rollups today? '.repeat(160_000)}🦊 ${SEED}`;
  const hugeFound = scan(huge);
  assert.deepEqual(hugeFound.map((f) => huge.slice(f.start, f.end)), [SEED]);
  assert.equal(containsSensitiveData(huge), true);
  // Small texts again: the large buffer is given back, the views follow the memory.
  assert.deepEqual(scan(small), before);
  assert.equal(containsSensitiveData(small), true);
  assert.equal(containsSensitiveData('gm'), false);
});

test('lone surrogates and the empty text', () => {
  const key = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
  for (const prefix of ['\uD800', '\uDC00\uDC00', 'a\uD83D', '']) {
    const text = `${prefix} my private key is ${key}`;
    const found = scan(text);
    assert.deepEqual(found.map((f) => f.kind), ['private_key'], JSON.stringify(text));
    assert.equal(text.slice(found[0].start, found[0].end), key);
  }
  assert.deepEqual(scan(''), []);
  assert.equal(containsSensitiveData(''), false);
});

test('kinds select what is reported and what counts as sensitive', () => {
  const text = `mail a@example.com, send to 0x52908400098527886E0F7030069857D2E4169EE7, ${CARD}`;
  assert.deepEqual(scan(text).map((f) => f.kind), ['email', 'eth_address', 'card_number']);
  assert.deepEqual(scan(text, { kinds: ['email'] }).map((f) => f.kind), ['email']);
  assert.deepEqual(scan(text, {}).length, 3);
  assert.deepEqual(scan(text, null).length, 3);
  assert.equal(containsSensitiveData('a@example.com'), false);
  assert.equal(containsSensitiveData('a@example.com', ['email']), true);
  assert.equal(containsSensitiveData(text, []), false);
  throwsCode(() => scan('x', /** @type {any} */ (5)), 'InvalidSanitizeOptions');
  throwsCode(() => scan('x', /** @type {any} */ ({ kinds: 'email' })), 'InvalidSanitizeOptions');
  throwsCode(() => containsSensitiveData('x', /** @type {any} */ (['card'])), 'UnknownSensitiveKind');
});
