// Serves the demo: www/ at /, the built package at /pkg/, and viem's account helpers (the
// wallet the demo's MLS clients sign with) bundled for the browser from the dev dependency
// at /vendor/viem-accounts.js. Port from PORT (default 8080).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Maps a URL path to a file under www/ or pkg/, refusing anything outside them. */
function resolvePath(urlPath) {
  const path = decodeURIComponent(urlPath.split('?')[0]);
  const [base, rest] = path.startsWith('/pkg/') ? ['pkg', path.slice(5)] : ['www', path.slice(1) || 'index.html'];
  const dir = join(root, base);
  const file = normalize(join(dir, rest));
  return file.startsWith(dir + sep) ? file : null;
}

/** viem/accounts as one browser module, built once per server. */
async function viemAccounts() {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    stdin: { contents: "export { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';", resolveDir: root },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  return out.outputFiles[0].contents;
}

export async function startServer(port = Number(process.env.PORT ?? 8080)) {
  const vendor = await viemAccounts();
  const server = createServer(async (req, res) => {
    if ((req.url ?? '').split('?')[0] === '/vendor/viem-accounts.js') {
      res.writeHead(200, { 'content-type': types['.js'], 'cache-control': 'no-store' });
      res.end(vendor);
      return;
    }
    const file = resolvePath(req.url ?? '/');
    try {
      if (!file) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startServer();
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`hybrid-edge demo: http://localhost:${port}/`);
}
