// @ts-nocheck: viem's template-literal hex types do not fit plain JS test setup.
// A local ENS deployment for the resolver tests and the benchmark: two anvil chains
// (mainnet as chain 1, Base as chain 8453) with the real ENS bytecode published on npm
// (ENSRegistry and ReverseRegistrar from @ensdomains/ens@0.6.2, PublicResolver from
// @ensdomains/resolver@0.3.1, OffchainResolver from @ensdomains/offchain-resolver-contracts@0.2.1,
// each `npm pack`ed at its exact version and only its artifact JSON read), the project's
// Universal Resolver, Multicall3, ERC-721 and ERC-1155 (tests/resolver/contracts, compiled
// with solc from npm), a signing CCIP-Read gateway speaking the offchain-resolver protocol
// (failing for the names it is told to), and an HTTP proxy in front of each node that counts
// the requests it receives.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeAbiParameters, decodeFunctionData, encodeAbiParameters, encodeDeployData, encodeFunctionData,
  encodePacked, getAddress, keccak256, labelhash, namehash, parseAbi, toHex,
} from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

export const UNIVERSAL_RESOLVER = '0xeEeEEEeE14D718C2B47D9923Deab1335E144EeEe';
export const MULTICALL3 = '0xcA11bde05977b3631167028862bE2a173976CA11';
export const COIN_TYPE_BASE = 0x80002105;
const ZERO_NODE = `0x${'00'.repeat(32)}`;

const PACKAGES = [
  ['@ensdomains/ens@0.6.2', { ENSRegistry: 'build/contracts/ENSRegistry.json', ReverseRegistrar: 'build/contracts/ReverseRegistrar.json' }],
  ['@ensdomains/resolver@0.3.1', { PublicResolver: 'build/contracts/PublicResolver.json' }],
  ['@ensdomains/offchain-resolver-contracts@0.2.1', { OffchainResolver: 'artifacts/contracts/OffchainResolver.sol/OffchainResolver.json' }],
];

/** The repo root (for the artifact cache that survives `scripts/pack.sh`). */
function repoRoot() {
  if (process.env.HYBRID_EDGE_REPO) return process.env.HYBRID_EDGE_REPO;
  let dir = here;
  while (!existsSync(join(dir, 'Cargo.toml')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** `npm pack`s each ENS package at its exact version (once; cached) and reads the artifacts. */
export function ensArtifacts() {
  const cache = join(repoRoot(), 'node_modules', '.cache', 'hybrid-edge-ens');
  mkdirSync(cache, { recursive: true });
  const out = {};
  for (const [spec, files] of PACKAGES) {
    const tarball = join(cache, spec.replace(/^@/, '').replace('/', '-').replace('@', '-') + '.tgz');
    if (!existsSync(tarball)) {
      const name = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', cache], { encoding: 'utf8' }).trim().split('\n').pop();
      if (join(cache, name) !== tarball) execFileSync('mv', [join(cache, name), tarball]);
    }
    for (const [contract, path] of Object.entries(files)) {
      const json = JSON.parse(execFileSync('tar', ['-xzf', tarball, '-O', `package/${path}`], { encoding: 'utf8', maxBuffer: 64 << 20 }));
      out[contract] = { abi: json.abi, bytecode: json.bytecode };
    }
  }
  return out;
}

/** The project's contracts, compiled with solc from npm. */
export function projectContracts() {
  const solc = require('solc');
  const sources = {};
  for (const f of ['UniversalResolver.sol', 'Multicall3.sol', 'TestNFT.sol', 'TestMultiToken.sol']) {
    sources[f] = { content: readFileSync(join(here, 'contracts', f), 'utf8') };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const out = {};
  for (const file of Object.values(output.contracts)) {
    for (const [name, c] of Object.entries(file)) out[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  }
  return out;
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const json = await res.json();
  if (json.error) throw new Error(`${method}: ${JSON.stringify(json.error)}`);
  return json.result;
}

/** Starts anvil on 127.0.0.1 with this chain id. */
async function startAnvil(chainId) {
  const bin = join(dirname(require.resolve('@foundry-rs/anvil-linux-amd64/package.json')), 'bin', 'anvil');
  const port = await freePort();
  const child = spawn(bin, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--silent'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await rpc(url, 'eth_chainId');
      break;
    } catch (err) {
      if (i > 200) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return { url, child };
}

/** An HTTP proxy in front of a node that counts requests; `failNext(n, status)` answers the next n with an error. */
async function countingProxy(target) {
  let count = 0;
  let failures = [];
  let bodies = [];
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type' };
  const server = http.createServer(async (req, res) => {
    if (req.method === 'OPTIONS') { // a browser's CORS preflight: not an RPC request
      res.writeHead(204, cors);
      res.end();
      return;
    }
    count++;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const scripted = bodies.shift();
    if (scripted !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json', ...cors });
      res.end(scripted);
      return;
    }
    const fail = failures.shift();
    if (fail) {
      res.writeHead(fail, { 'retry-after': '0', ...cors });
      res.end('busy');
      return;
    }
    try {
      const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
      res.writeHead(upstream.status, { 'content-type': 'application/json', ...cors });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      res.writeHead(502);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get count() { return count; },
    reset() { count = 0; },
    failNext(n, status = 429) { failures = Array(n).fill(status); },
    /** Answers the next requests with these bodies (status 200) instead of the node's. */
    respondNext(...list) { bodies = list; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

const dnsDecode = (hex) => {
  const bytes = Buffer.from(hex.slice(2), 'hex');
  const labels = [];
  for (let i = 0; i < bytes.length && bytes[i] !== 0; i += bytes[i] + 1) labels.push(bytes.subarray(i + 1, i + 1 + bytes[i]).toString('utf8'));
  return labels.join('.');
};

const RECORD_ABI = parseAbi([
  'function addr(bytes32 node) view returns (address)',
  'function addr(bytes32 node, uint256 coinType) view returns (bytes)',
  'function text(bytes32 node, string key) view returns (string)',
]);
const SERVICE_ABI = parseAbi(['function resolve(bytes name, bytes data) view returns (bytes result, uint64 expires, bytes sig)']);

/**
 * The CCIP-Read gateway of the ENS offchain-resolver: `GET /g/{sender}/{data}.json`, answers
 * `{ data: abi.encode(result, expires, sig) }` signed for the OffchainResolver, or 503 for a
 * name whose record is `{ fail: true }`. `/r/…` redirects to `/g/…`; `/meta/<id>.json` serves
 * NFT metadata.
 */
async function signingGateway({ privateKey, records, metadata }) {
  let resolver;
  let requests = 0;
  const server = http.createServer(async (req, res) => {
    requests++;
    try {
      const url = new URL(req.url, 'http://x');
      if (url.pathname.startsWith('/r/')) {
        res.writeHead(302, { location: url.pathname.replace('/r/', '/g/') });
        res.end();
        return;
      }
      if (url.pathname.startsWith('/loop/')) { // a redirect loop
        res.writeHead(302, { location: url.pathname });
        res.end();
        return;
      }
      if (url.pathname.startsWith('/endless/')) { // a body that never ends
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => { while (res.write(chunk)); };
        res.on('drain', pump);
        req.socket.on('close', () => res.off('drain', pump));
        pump();
        return;
      }
      if (url.pathname.startsWith('/meta/')) {
        const body = metadata[url.pathname.slice(6)];
        res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body ?? {}));
        return;
      }
      const [, , , dataPart] = url.pathname.split('/');
      const data = dataPart.replace(/\.json$/, '');
      const { args: [dnsName, inner] } = decodeFunctionData({ abi: SERVICE_ABI, data });
      const name = dnsDecode(dnsName);
      const record = records[name] ?? {};
      if (record.fail) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'unavailable' }));
        return;
      }
      const call = decodeFunctionData({ abi: RECORD_ABI, data: inner });
      let result;
      if (call.functionName === 'addr' && call.args.length === 1) {
        result = encodeAbiParameters([{ type: 'address' }], [record.addr ?? `0x${'00'.repeat(20)}`]);
      } else if (call.functionName === 'addr') {
        result = encodeAbiParameters([{ type: 'bytes' }], [record.coins?.[String(call.args[1])] ?? '0x']);
      } else {
        result = encodeAbiParameters([{ type: 'string' }], [record.text?.[call.args[1]] ?? '']);
      }
      const expires = BigInt(Math.floor(Date.now() / 1000) + 300);
      const hash = keccak256(encodePacked(['bytes2', 'address', 'uint64', 'bytes32', 'bytes32'], ['0x1900', resolver, expires, keccak256(data), keccak256(result)]));
      const sig = await sign({ hash, privateKey, to: 'hex' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: encodeAbiParameters([{ type: 'bytes' }, { type: 'uint64' }, { type: 'bytes' }], [result, expires, sig]) }));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: String(err?.message ?? err) }));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    setResolver(address) { resolver = address; },
    get requests() { return requests; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

async function receiptOf(url, hash) {
  for (let i = 0; ; i++) {
    const receipt = await rpc(url, 'eth_getTransactionReceipt', [hash]);
    if (receipt) return receipt;
    if (i > 400) throw new Error(`no receipt for ${hash}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function chainTools(url) {
  const send = async (from, to, abi, functionName, args) => {
    const data = encodeFunctionData({ abi, functionName, args });
    const hash = await rpc(url, 'eth_sendTransaction', [{ from, to, data }]);
    const receipt = await receiptOf(url, hash);
    if (receipt.status !== '0x1') throw new Error(`${functionName} reverted`);
    return receipt;
  };
  const deploy = async (from, { abi, bytecode }, args = []) => {
    const data = encodeDeployData({ abi, bytecode, args });
    const hash = await rpc(url, 'eth_sendTransaction', [{ from, data }]);
    const receipt = await receiptOf(url, hash);
    if (receipt.status !== '0x1') throw new Error('deployment reverted');
    return getAddress(receipt.contractAddress);
  };
  /** Deploys, then copies the runtime code (immutables included) to a canonical address. */
  const deployAt = async (from, artifact, args, at) => {
    const address = await deploy(from, artifact, args);
    await rpc(url, 'anvil_setCode', [at, await rpc(url, 'eth_getCode', [address, 'latest'])]);
    return at;
  };
  return { send, deploy, deployAt };
}

const hexLabel = (address) => address.toLowerCase().slice(2);

/**
 * Starts both chains, the proxies and the gateway, and deploys and fills the ENS
 * contracts. Returns the endpoints, the accounts and `close()`.
 */
export async function startEnsChain() {
  const artifacts = { ...ensArtifacts(), ...projectContracts() };
  const [l1, l2] = await Promise.all([startAnvil(1), startAnvil(8453)]);
  const accounts = (await rpc(l1.url, 'eth_accounts')).map((a) => getAddress(a));
  const [deployer, alice, bob, mallory, jesse, dana, eve, carol, dave] = accounts;
  const signerKey = '0x' + '11'.repeat(32);
  const signer = privateKeyToAccount(signerKey);
  const gateway = await signingGateway({
    privateKey: signerKey,
    records: {
      'carol.offchain.eth': { addr: carol, text: { url: 'https://carol.example' }, coins: { [COIN_TYPE_BASE]: carol } },
      'down.offchain.eth': { fail: true },
    },
    metadata: {
      '1.json': { name: 'Alice #1', image: 'ipfs://QmAliceAvatar' },
      // ERC-1155 token 42: `{id}` is the id as 64 lower-case hex digits.
      [`${(42).toString(16).padStart(64, '0')}.json`]: { name: 'Multi #42', image: 'https://img.example/multi-42.png' },
    },
  });

  const c = chainTools(l1.url);
  const registry = await c.deploy(deployer, artifacts.ENSRegistry);
  const pr = await c.deploy(deployer, artifacts.PublicResolver, [registry]);
  const rr = await c.deploy(deployer, artifacts.ReverseRegistrar, [registry, pr]);
  await c.deployAt(deployer, artifacts.UniversalResolver, [registry], UNIVERSAL_RESOLVER);
  await c.deployAt(deployer, artifacts.Multicall3, [], MULTICALL3);
  const nft = await c.deploy(deployer, artifacts.TestNFT);
  const multiToken = await c.deploy(deployer, artifacts.TestMultiToken, [`${gateway.origin}/meta/{id}.json`]);
  const offchain = await c.deploy(deployer, artifacts.OffchainResolver, [`${gateway.origin}/r/{sender}/{data}.json`, [signer.address]]);
  gateway.setResolver(offchain);

  const R = artifacts.ENSRegistry.abi;
  const P = artifacts.PublicResolver.abi;
  const subOwner = (parent, label, owner) => c.send(deployer, registry, R, 'setSubnodeOwner', [namehash(parent), labelhash(label), owner]);
  const subRecord = (parent, label, resolver = pr) => c.send(deployer, registry, R, 'setSubnodeRecord', [parent ? namehash(parent) : ZERO_NODE, labelhash(label), deployer, resolver, 0n]);
  await subOwner('', 'eth', deployer);
  await subOwner('', 'reverse', deployer);
  await subOwner('reverse', 'addr', rr);
  await subOwner('reverse', '80002105', deployer);
  await subOwner('eth', 'base', deployer);
  await subRecord('eth', 'offchain', offchain);
  for (const bad of ['loop', 'endless']) { // gateways that misbehave
    const resolver = await c.deploy(deployer, artifacts.OffchainResolver, [`${gateway.origin}/${bad}/{sender}/{data}.json`, [signer.address]]);
    await subRecord('eth', bad, resolver);
  }

  const names = { alice, bob, dave };
  for (const [label, owner] of Object.entries(names)) {
    await subRecord('eth', label);
    await c.send(deployer, pr, P, 'setAddr', [namehash(`${label}.eth`), owner]);
  }
  await c.send(deployer, pr, P, 'setText', [namehash('alice.eth'), 'url', 'https://alice.example']);
  await c.send(deployer, nft, artifacts.TestNFT.abi, 'mint', [alice, 1n, `${gateway.origin}/meta/1.json`]);
  await c.send(deployer, nft, artifacts.TestNFT.abi, 'mint', [mallory, 2n, `${gateway.origin}/meta/2.json`]);
  await c.send(deployer, pr, P, 'setText', [namehash('alice.eth'), 'avatar', `eip155:1/erc721:${nft}/1`]);
  await c.send(deployer, pr, P, 'setText', [namehash('bob.eth'), 'avatar', `eip155:1/erc721:${nft}/2`]);
  await c.send(deployer, pr, P, 'setText', [namehash('dave.eth'), 'avatar', 'https://dave.example/avatar.png']);
  // ERC-1155 avatars: multi.eth (alice's address, which holds token 42) and nomulti.eth (bob's, which does not).
  await c.send(deployer, multiToken, artifacts.TestMultiToken.abi, 'mint', [alice, 42n, 3n]);
  for (const [label, owner] of [['multi', alice], ['nomulti', bob]]) {
    await subRecord('eth', label);
    await c.send(deployer, pr, P, 'setAddr', [namehash(`${label}.eth`), owner]);
    await c.send(deployer, pr, P, 'setText', [namehash(`${label}.eth`), 'avatar', `eip155:1/erc1155:${multiToken}/42`]);
  }
  // swr.eth: a record the stale-while-revalidate test changes.
  await subRecord('eth', 'swr');
  await c.send(deployer, pr, P, 'setAddr', [namehash('swr.eth'), bob]);
  // Many on-chain names for batching and the benchmark: name0.eth … name99.eth.
  const many = [];
  for (let i = 0; i < 100; i++) {
    const account = `0x${(0x1000 + i).toString(16).padStart(40, '0')}`;
    await subRecord('eth', `name${i}`);
    await c.send(deployer, pr, P, 'setAddr', [namehash(`name${i}.eth`), account]);
    many.push([`name${i}.eth`, getAddress(account)]);
  }
  // Basenames on mainnet: forward records for Base (coin type 0x80002105).
  for (const [label, owner] of Object.entries({ jesse, dana })) {
    await subRecord('base.eth', label);
    await c.send(deployer, pr, P, 'setAddr', [namehash(`${label}.base.eth`), BigInt(COIN_TYPE_BASE), owner]);
  }
  // Reverse records (coin type 60) through the real ReverseRegistrar.
  const RR = artifacts.ReverseRegistrar.abi;
  await c.send(alice, rr, RR, 'setName', ['alice.eth']);
  await c.send(mallory, rr, RR, 'setName', ['alice.eth']); // a claim the forward record refutes
  // ENSIP-19 reverse record for Base on mainnet: jesse.
  await subRecord('80002105.reverse', hexLabel(jesse));
  await c.send(deployer, pr, P, 'setName', [namehash(`${hexLabel(jesse)}.80002105.reverse`), 'jesse.base.eth']);

  // Base: a registry and a PublicResolver standing in for the Basenames L2 resolver.
  const b = chainTools(l2.url);
  const registry2 = await b.deploy(deployer, artifacts.ENSRegistry);
  const l2Resolver = await b.deploy(deployer, artifacts.PublicResolver, [registry2]);
  await b.deployAt(deployer, artifacts.Multicall3, [], MULTICALL3);
  const sub2 = (parent, label, resolver) => b.send(deployer, registry2, R, resolver ? 'setSubnodeRecord' : 'setSubnodeOwner',
    resolver ? [parent ? namehash(parent) : ZERO_NODE, labelhash(label), deployer, resolver, 0n] : [parent ? namehash(parent) : ZERO_NODE, labelhash(label), deployer]);
  await sub2('', 'reverse');
  await sub2('reverse', '80002105');
  for (const [who, name] of [[dana, 'dana.base.eth'], [eve, 'dana.base.eth']]) {
    await sub2('80002105.reverse', hexLabel(who), l2Resolver);
    await b.send(deployer, l2Resolver, P, 'setName', [namehash(`${hexLabel(who)}.80002105.reverse`), name]);
  }

  const [mainnetProxy, baseProxy] = await Promise.all([countingProxy(l1.url), countingProxy(l2.url)]);
  return {
    mainnet: mainnetProxy,
    base: baseProxy,
    anvil: { mainnet: l1.url, base: l2.url },
    gateway,
    accounts: { deployer, alice, bob, mallory, jesse, dana, eve, carol, dave },
    contracts: { registry, publicResolver: pr, reverseRegistrar: rr, nft, multiToken, offchain, l2Resolver },
    many,
    /** Sets a name's ETH address on the mainnet PublicResolver. */
    setAddr: (name, address) => c.send(deployer, pr, P, 'setAddr', [namehash(name), address]),
    /** Resolver options for this deployment. */
    options: (extra = {}) => ({
      rpc: { mainnet: mainnetProxy.url, base: baseProxy.url },
      baseL2Resolver: l2Resolver,
      dangerouslyAllowHttpLocalhost: true,
      gateways: { ipfs: 'https://ipfs.example' },
      ...extra,
    }),
    async close() {
      await Promise.all([mainnetProxy.close(), baseProxy.close(), gateway.close()]);
      l1.child.kill();
      l2.child.kill();
    },
  };
}

export { toHex };
