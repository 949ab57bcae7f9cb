#!/usr/bin/env bash
# Packs pkg/ with `npm pack` and installs the tarball into a scratch consumer project
# (.scratch/consumer) together with a copy of the JS tests, so that the tests import
# exactly what would be published. The consumer sits inside the repo so that the test
# tools (miniflare, playwright-core, vite, esbuild) resolve from the root node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf .scratch && mkdir -p .scratch/consumer
tarball=$(cd pkg && npm pack --silent --pack-destination ../.scratch)
cat > .scratch/consumer/package.json <<JSON
{ "name": "consumer", "private": true, "type": "module",
  "dependencies": { "hybrid-edge": "file:../$tarball" } }
JSON
(cd .scratch/consumer && npm install --silent --no-audit --no-fund --no-package-lock)
cp -r tests/js tests/workerd tests/browser tests/types tests/relay tests/chaos tests/resolver .scratch/consumer/
echo "pack: $tarball ($(wc -c < ".scratch/$tarball") bytes) installed into .scratch/consumer"
