// The packed package's Resolver against the real ENS contracts on local anvil chains
// (see harness.mjs): forward, reverse with forward verification, wildcard + CCIP-Read
// through a signing gateway, Base coin type records and the L2 fallback, ERC-721 and ERC-1155
// avatars with ownership, batching (requests counted at the node) with per-name outcomes,
// stale-while-revalidate, coalescing, retries, a caller's store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver, shortenAddress } from 'hybrid-edge';
import { COIN_TYPE_BASE, startEnsChain } from './harness.mjs';

let env;
before(async () => {
  env = await startEnsChain();
});
after(async () => {
  await env?.close();
});

/** A predicate for `assert.rejects`: a HybridEdgeError with this code. */
const code = (c) => (/** @type {any} */ e) => e.name === 'HybridEdgeError' && e.code === c;

const fresh = (extra) => new Resolver(env.options(extra));

test('forward: names, bare names, normalization, addresses passing through', async () => {
  const r = fresh();
  const { alice, bob } = env.accounts;
  assert.equal(await r.resolveAddress('alice.eth'), alice);
  assert.equal(await r.resolveAddress('ALICE.eth'), alice);
  assert.equal(await r.resolveAddress('bob'), bob); // bare: bob.eth
  assert.equal(await r.resolveAddress('nobody.eth'), null);
  assert.equal(await r.resolveAddress(alice.toLowerCase()), alice);
  const wrongCase = alice.slice(0, 2) + alice[2].toLowerCase() + alice.slice(3, 6).toUpperCase() + alice.slice(6);
  if (wrongCase !== alice) {
    await assert.rejects(r.resolveAddress(wrongCase), code('InvalidAddressChecksum'));
  }
  await assert.rejects(r.resolveAddress('a b.eth'), code('InvalidName'));
  assert.equal(await r.getText('alice.eth', 'url'), 'https://alice.example');
  assert.equal(await r.getText('alice.eth', 'missing'), null);
});

test('reverse: verified primary names; a mismatching reverse record is rejected', async () => {
  const r = fresh();
  const { alice, mallory, bob } = env.accounts;
  assert.equal(await r.lookupName(alice), 'alice.eth');
  assert.equal(await r.lookupName(mallory), null); // claims alice.eth, which resolves to alice
  assert.equal(await r.lookupName(bob), null); // no reverse record
  assert.equal(await r.getDisplayName(alice), 'alice.eth');
  assert.equal(await r.getDisplayName(mallory), shortenAddress(mallory));
});

test('Base: coin type records, bare names falling back to .base.eth, ENSIP-19 and the L2 resolver', async () => {
  const r = fresh();
  const { jesse, dana, eve } = env.accounts;
  assert.equal(await r.resolveAddress('jesse.base.eth', { coinType: COIN_TYPE_BASE }), jesse);
  assert.equal(await r.resolveAddress('jesse', { coinType: COIN_TYPE_BASE }), jesse); // jesse.eth missing → jesse.base.eth
  assert.equal(await r.resolveAddress('jesse.base.eth'), null); // no ETH record
  assert.equal(await r.lookupName(jesse, { chain: 'base' }), 'jesse.base.eth'); // ENSIP-19 on mainnet
  env.base.reset();
  assert.equal(await r.lookupName(dana, { chain: 'base' }), 'dana.base.eth'); // L2 resolver on Base
  assert.equal(env.base.count, 1);
  assert.equal(await r.lookupName(eve, { chain: 'base' }), null); // L2 record, forward says dana
  const noFallback = fresh({ baseL2Resolver: null });
  assert.equal(await noFallback.lookupName(dana, { chain: 'base' }), null);
});

test('wildcard + CCIP-Read: OffchainResolver through the signing gateway (redirect followed), via the ENSIP-21 local batch gateway', async () => {
  const r = fresh();
  const { carol } = env.accounts;
  const before = env.gateway.requests;
  assert.equal(await r.resolveAddress('carol.offchain.eth'), carol);
  assert.equal(await r.getText('carol.offchain.eth', 'url'), 'https://carol.example');
  assert.equal(await r.resolveAddress('carol.offchain.eth', { coinType: COIN_TYPE_BASE }), carol);
  assert.equal(await r.resolveAddress('nobody.offchain.eth'), null);
  assert.ok(env.gateway.requests - before >= 8, 'each lookup went through /r/ (302) then /g/');
  // Gateways must be https unless the test switch is on.
  const strict = new Resolver({ ...env.options(), dangerouslyAllowHttpLocalhost: false });
  await assert.rejects(strict.resolveAddress('carol.offchain.eth'), code('CcipGatewayFailed'));
});

test('avatars: NFT ownership checked, metadata fetched, plain URLs passed', async () => {
  const r = fresh();
  assert.equal(await r.getAvatar('alice.eth'), 'https://ipfs.example/ipfs/QmAliceAvatar');
  assert.equal(await r.getAvatar('bob.eth'), null); // token 2 belongs to mallory
  assert.equal(await r.getAvatar('dave.eth'), 'https://dave.example/avatar.png');
  assert.equal(await r.getAvatar('nobody.eth'), null);
});

test('avatars: ERC-1155 with a balance check and the {id} substitution', async () => {
  const r = fresh();
  const before = env.gateway.requests;
  // multi.eth → alice, who holds 3 of token 42; the URI template's {id} becomes 00…002a.
  assert.equal(await r.getAvatar('multi.eth'), 'https://img.example/multi-42.png');
  assert.equal(env.gateway.requests - before, 1); // the metadata
  // nomulti.eth → bob, who holds none: no avatar, and no metadata request.
  assert.equal(await r.getAvatar('nomulti.eth'), null);
  assert.equal(env.gateway.requests - before, 1);
});

test('batching: 100 on-chain names in one HTTP request, then none from the cache', async () => {
  const r = fresh();
  env.mainnet.reset();
  const names = env.many.map(([name]) => name);
  const got = await r.resolveMany(names);
  assert.deepEqual(got, env.many.map(([, address]) => address));
  assert.equal(env.mainnet.count, 1);
  assert.deepEqual(await r.resolveMany(names), got);
  assert.equal(env.mainnet.count, 1);
  const stats = r.getCacheStats();
  assert.equal(stats.size, 100);
  assert.equal(stats.hits, 100);
  assert.equal(stats.misses, 100);
});

test('resolveMany keeps every answer: one failing gateway or invalid name affects only its entry', async () => {
  const r = fresh();
  const { alice, carol } = env.accounts;
  const names = [...env.many.slice(0, 5).map(([name]) => name), 'down.offchain.eth', 'carol.offchain.eth', 'nobody.eth', 'a b.eth'];
  env.mainnet.reset();
  const got = await r.resolveManySettled(names);
  // One batch, then two callbacks: carol's answer, and the failure of down.offchain.eth's
  // gateway, which ENSIP-21 reports to the contract (the caller hears CcipGatewayFailed).
  assert.equal(env.mainnet.count, 3);
  assert.deepEqual(got.slice(0, 5), env.many.slice(0, 5).map(([name, address]) => ({ name, address })));
  assert.equal(got[5].name, 'down.offchain.eth');
  assert.equal(got[5].address, undefined);
  assert.ok(code('CcipGatewayFailed')(got[5].error), String(got[5].error));
  assert.deepEqual(got[6], { name: 'carol.offchain.eth', address: carol });
  assert.deepEqual(got[7], { name: 'nobody.eth', address: null });
  assert.ok(code('InvalidName')(got[8].error), String(got[8].error));
  // resolveMany rejects as a whole (null means "no record", never "failed"), but the answers
  // that arrived were cached: asking again costs no request.
  await assert.rejects(r.resolveMany(['alice.eth', 'down.offchain.eth']), code('CcipGatewayFailed'));
  env.mainnet.reset();
  assert.deepEqual(await r.resolveMany(['alice.eth', ...names.slice(0, 5)]), [alice, ...env.many.slice(0, 5).map(([, a]) => a)]);
  assert.equal(env.mainnet.count, 0);
  assert.deepEqual(await r.resolveManySettled([]), []);
});

test('stale-while-revalidate: an expired answer is served at once and refreshed once in the background', async () => {
  const r = fresh({ cache: { forwardTtlMs: 300 } });
  const { bob, dave } = env.accounts;
  env.mainnet.reset();
  assert.equal(await r.resolveAddress('swr.eth'), bob);
  assert.equal(env.mainnet.count, 1);
  await env.setAddr('swr.eth', dave);
  await new Promise((resolve) => setTimeout(resolve, 400)); // past the TTL, inside the stale window
  env.mainnet.reset();
  const stale = await Promise.all([r.resolveAddress('swr.eth'), r.resolveAddress('swr.eth')]);
  assert.deepEqual(stale, [bob, bob]); // the old answer, without waiting for the node
  assert.equal(r.getCacheStats().staleServed, 2);
  for (let i = 0; env.mainnet.count < 1 && i < 200; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the refresh settle
  assert.equal(env.mainnet.count, 1); // one background refresh for both
  assert.equal(await r.resolveAddress('swr.eth'), dave); // the refreshed value, from the cache
  assert.equal(env.mainnet.count, 1);
  assert.equal(r.getCacheStats().staleServed, 2);
});

test('coalescing: identical concurrent lookups share one request', async () => {
  const r = fresh();
  env.mainnet.reset();
  const results = await Promise.all([r.resolveAddress('alice.eth'), r.resolveAddress('alice.eth'), r.resolveAddress('Alice.eth')]);
  assert.deepEqual(results, [env.accounts.alice, env.accounts.alice, env.accounts.alice]);
  assert.equal(env.mainnet.count, 1);
  assert.equal(r.getCacheStats().inflightJoined, 2);
});

test('names in chat text', async () => {
  const r = fresh();
  const { text, names } = await r.resolveNamesInText('pay alice.eth, then nobody.eth and dave.eth.');
  assert.equal(text, `pay alice.eth (${env.accounts.alice}), then nobody.eth and dave.eth (${env.accounts.dave}).`);
  assert.deepEqual(names.map((n) => [n.name, n.address, n.start, n.end]), [
    ['alice.eth', env.accounts.alice, 4, 13],
    ['nobody.eth', null, 20, 30],
    ['dave.eth', env.accounts.dave, 35, 43],
  ]);
});

test('transport: 429 with Retry-After is retried; dead endpoints are errors, never null', async () => {
  const r = fresh();
  env.mainnet.reset();
  env.mainnet.failNext(2, 429);
  assert.equal(await r.resolveAddress('alice.eth'), env.accounts.alice);
  assert.equal(env.mainnet.count, 3);
  const dead = new Resolver({ rpc: { mainnet: 'http://127.0.0.1:9' }, retry: { maxAttempts: 2, initialDelayMs: 1 } });
  await assert.rejects(dead.resolveAddress('alice.eth'), code('RpcUnavailable'));
  assert.equal(dead.getCacheStats().size, 0); // errors are not cached
  // A fallback endpoint takes over.
  const fallback = new Resolver(env.options({ rpc: { mainnet: ['http://127.0.0.1:9', env.mainnet.url] }, retry: { maxAttempts: 1 } }));
  assert.equal(await fallback.resolveAddress('alice.eth'), env.accounts.alice);
});

test('a caller-supplied async store keeps the cache for the next resolver', async () => {
  const kv = new Map();
  const store = { get: async (k) => kv.get(k) ?? null, put: async (k, v) => { kv.set(k, v); } };
  const first = fresh({ cache: { store } });
  assert.equal(await first.resolveAddress('alice.eth'), env.accounts.alice);
  await first.flush();
  env.mainnet.reset();
  const second = fresh({ cache: { store } });
  assert.equal(await second.resolveAddress('alice.eth'), env.accounts.alice);
  assert.equal(env.mainnet.count, 0);
  // Two writers (tabs, isolates) of one store: each write merges the other's answers.
  const tabA = fresh({ cache: { store } });
  const tabB = fresh({ cache: { store } });
  await Promise.all([tabA.ready(), tabB.ready()]);
  await tabA.resolveAddress('bob.eth');
  await tabB.resolveAddress('dave.eth');
  await tabA.flush();
  await tabB.flush();
  env.mainnet.reset();
  const merged = fresh({ cache: { store } });
  assert.deepEqual(await merged.resolveMany(['alice.eth', 'bob.eth', 'dave.eth']), [env.accounts.alice, env.accounts.bob, env.accounts.dave]);
  assert.equal(env.mainnet.count, 0);
  second.clearCache();
  await second.flush();
  const third = fresh({ cache: { store } });
  await third.ready();
  assert.equal(third.getCacheStats().size, 0);
});

test('malicious answers: redirect loops, endless bodies, truncated or huge RPC bodies are typed errors', async () => {
  const r = fresh({ timeoutMs: 5000, retry: { maxAttempts: 1 } });
  await assert.rejects(r.resolveAddress('x.loop.eth'), code('CcipGatewayFailed'));
  await assert.rejects(r.resolveAddress('x.endless.eth'), code('CcipGatewayFailed'));
  env.mainnet.respondNext('{"jsonrpc":"2.0","id":1,"result":"0x0000');
  await assert.rejects(r.resolveAddress('alice.eth'), code('RpcMalformed'));
  env.mainnet.respondNext(`{"jsonrpc":"2.0","id":1,"result":"0x${'00'.repeat(3 << 20)}"}`);
  await assert.rejects(r.resolveAddress('alice.eth'), code('RpcUnavailable'));
  env.mainnet.respondNext(`{"jsonrpc":"2.0","id":1,"result":"0x${'00'.repeat(32)}${'ff'.repeat(32)}"}`);
  await assert.rejects(r.resolveAddress('alice.eth'), code('AbiDecode'));
  assert.equal(r.getCacheStats().size, 0);
  assert.equal(await r.resolveAddress('alice.eth'), env.accounts.alice); // nothing poisoned
});

test('a caller-supplied fetch sends every request: RPC, gateway, redirect', async () => {
  const urls = [];
  const r = fresh({
    fetch: (input, init) => {
      urls.push(typeof input === 'string' ? input : input.url);
      return fetch(input, init);
    },
  });
  env.mainnet.reset();
  const before = env.gateway.requests;
  assert.equal(await r.resolveAddress('carol.offchain.eth'), env.accounts.carol);
  const gateway = env.gateway.requests - before;
  assert.ok(gateway >= 2, 'the gateway redirect (/r/) and its target (/g/)');
  assert.equal(urls.length, env.mainnet.count + gateway);
  assert.ok(urls.some((u) => u.startsWith(env.mainnet.url)));
  assert.ok(urls.some((u) => u.startsWith(`${env.gateway.origin}/r/`)));
  assert.ok(urls.some((u) => u.startsWith(`${env.gateway.origin}/g/`)));
});

test('a caller-supplied fetch that hands back a used or odd body gets typed errors, and the instance lives on', async () => {
  let mode = 'used';
  const r = fresh({
    retry: { maxAttempts: 1 },
    fetch: async (input, init) => {
      if (mode === 'used') {
        const res = await fetch(input, init);
        await res.text(); // the body is locked and read: getReader throws
        return res;
      }
      if (mode === 'strings') {
        // A stream of strings, not bytes.
        return new Response(new ReadableStream({ start(c) { c.enqueue('not bytes'); c.close(); } }));
      }
      if (mode === 'lying') {
        // The real answer in a Uint8Array subclass that reports another length.
        const bytes = new Uint8Array(await (await fetch(input, init)).arrayBuffer());
        class Lying extends Uint8Array {
          get length() {
            return 3;
          }
        }
        const chunk = new Lying(bytes);
        return new Response(new ReadableStream({ start(c) { c.enqueue(chunk); c.close(); } }));
      }
      return fetch(input, init);
    },
  });
  await assert.rejects(r.resolveAddress('alice.eth'), code('RpcUnavailable'));
  mode = 'strings';
  await assert.rejects(r.resolveAddress('alice.eth'), code('RpcUnavailable'));
  mode = 'lying';
  assert.equal(await r.resolveAddress('alice.eth'), env.accounts.alice, 'the bytes it holds count');
  r.clearCache();
  mode = 'plain';
  assert.equal(await r.resolveAddress('alice.eth'), env.accounts.alice);
});
