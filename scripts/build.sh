#!/usr/bin/env bash
# Builds the npm package in pkg/: a size-tuned release wasm and one wasm-bindgen output
# (--target web) that the per-runtime entry files (browser.js, node.js, workerd.js) share.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release --target wasm32-unknown-unknown --lib
wasm=target/wasm32-unknown-unknown/release/hybrid_edge.wasm
if [ ! -f pkg/hybrid_edge_bg.wasm ] || [ "$wasm" -nt pkg/hybrid_edge_bg.wasm ] || [ pkg/hybrid_edge.js -ot "$0" ]; then
  wasm-bindgen "$wasm" --out-dir pkg --target web --remove-name-section --remove-producers-section
  # `[Symbol.dispose]` in the types needs TypeScript's `esnext.disposable` lib, which default
  # configurations lack; the method stays at run time, `free()` is the typed way to release.
  sed -i '/\[Symbol\.dispose\]()/d' pkg/hybrid_edge.d.ts
  cp README.md pkg/README.md 2>/dev/null || true
  echo "build: pkg/ updated ($(wc -c < pkg/hybrid_edge_bg.wasm) bytes of wasm)"
fi
