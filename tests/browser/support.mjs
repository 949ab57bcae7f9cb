// What the Chromium tests share: Debian's Chromium started the same way everywhere, and a
// static server on 127.0.0.1 (a secure context, so WebCrypto and IndexedDB work).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

/**
 * Headless Chromium, closed when the test ends. Without the background-networking flags it
 * keeps calling hosts this machine cannot reach.
 * @param {import('node:test').TestContext} t
 */
export async function launchChromium(t) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.after(() => browser.close());
  return browser;
}

/**
 * Serves `pages` (exact paths to HTML) and `mounts` (URL prefixes to folders; `…/` is
 * `…/index.html`) on 127.0.0.1 until the test ends; returns the base URL. Nothing outside a
 * mounted folder is served.
 * @param {import('node:test').TestContext} t
 * @param {{ pages?: Record<string, string>, mounts?: Record<string, string> }} routes
 */
export async function serve(t, { pages = {}, mounts = {} }) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (Object.hasOwn(pages, path)) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(pages[path]);
    }
    const prefix = Object.keys(mounts).find((p) => path.startsWith(p));
    try {
      if (prefix === undefined) throw new Error('not mounted');
      const dir = mounts[prefix];
      const file = normalize(join(dir, path.slice(prefix.length).replace(/(^|\/)$/, '$1index.html')));
      if (!file.startsWith(dir + sep)) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  t.after(() => server.close());
  return `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}/`;
}
