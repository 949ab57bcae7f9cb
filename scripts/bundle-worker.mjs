// Bundles a Worker the way wrangler does, for the Miniflare tests: esbuild with the
// workerd/worker/browser export conditions, and .wasm imports kept as separate modules
// (Miniflare loads them as CompiledWasm, as Cloudflare does); `cloudflare:*` stays external.
import { mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as esbuild from 'esbuild';

/**
 * Bundles `entry` into a fresh temp folder.
 * @param {string} entry the Worker's main module
 * @param {{ nodePaths?: string[] }} [options] extra folders to resolve packages from
 *   (the consumer's node_modules, for a Worker outside the consumer)
 * @returns {Promise<string>} the bundled main module; its .wasm files sit beside it
 */
export async function bundleWorker(entry, { nodePaths = [] } = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'hybrid-edge-worker-'));
  await esbuild.build({
    entryPoints: [entry],
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    nodePaths,
    // Runtime modules (`cloudflare:workers`), provided by workerd as by Cloudflare.
    external: ['cloudflare:*'],
    logLevel: 'error',
    plugins: [{
      name: 'wasm-modules',
      setup(build) {
        build.onResolve({ filter: /\.wasm$/ }, (args) => {
          const file = join(args.resolveDir, args.path);
          copyFileSync(file, join(outdir, basename(file)));
          return { path: `./${basename(file)}`, external: true };
        });
      },
    }],
  });
  return join(outdir, basename(entry).replace(/\.[cm]?[jt]s$/, '.js'));
}

/** Miniflare options for a bundle from {@link bundleWorker}. */
export const bundleModuleRules = [
  { type: 'ESModule', include: ['**/*.js'] },
  { type: 'CompiledWasm', include: ['**/*.wasm'] },
];

/**
 * Miniflare options for a bundle from {@link bundleWorker}: ES modules with `.wasm` as
 * CompiledWasm, rooted at the bundle's folder, at the project's compatibility date; `extra`
 * adds bindings, Durable Objects, KV namespaces, persistence, a port.
 * @param {string} scriptPath the bundled main module
 * @param {Record<string, any>} [extra]
 */
export function workerOptions(scriptPath, extra = {}) {
  return {
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    compatibilityDate: '2025-09-01',
    modulesRules: bundleModuleRules,
    ...extra,
  };
}
