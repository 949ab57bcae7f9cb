#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh machine, and nothing more.
# Idempotent and quiet when there is nothing to do.
#   --no-browser  skip Chromium/chromedriver (the demo does not need them)
#   --fuzz        also install cargo-fuzz (fuzz smoke runs)
set -euo pipefail
cd "$(dirname "$0")/.."

browser=1 fuzz=0
for arg in "$@"; do
  case "$arg" in
    --no-browser) browser=0 ;;
    --fuzz) fuzz=1 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*"; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown >/dev/null
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  say "installing wasm-bindgen-cli $want (was: ${have:-none}); this takes several minutes"
  # Not --locked: its lock file pins a crate version the registry no longer serves.
  cargo install -q wasm-bindgen-cli --version "$want"
fi

if [ "$fuzz" = 1 ] && ! command -v cargo-fuzz >/dev/null; then
  say "installing cargo-fuzz"
  cargo install -q cargo-fuzz
fi

if [ "$browser" = 1 ] && ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then
  say "installing Debian's chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
