#!/usr/bin/env bash
# `npm test`: every test of the project, from a fresh clone on a fresh machine.
# Runs all steps even after a failure, then prints one summary line; exits non-zero if any
# step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
export HYBRID_EDGE_REPO="$PWD"
wasm_runner=(env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner)

started=$SECONDS passed=0 failed=0 failures=()
step() {
  local name=$1; shift
  local t0=$SECONDS
  echo "━━ $name"
  if "$@"; then
    passed=$((passed + 1)); echo "━━ ok   $name ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "━━ FAIL $name ($((SECONDS - t0)) s)"
  fi
}
in_consumer() { (cd .scratch/consumer && "$@"); }

fuzz_smoke() {
  local ok=0 target
  for target in $(awk -F'"' '/^name = / && NR > 1 && prev ~ /\[\[bin\]\]/ { print $2 } { prev = $0 }' fuzz/Cargo.toml); do
    echo "fuzz: $target"
    (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --dev --sanitizer none "$target" -- \
      -runs=200000 -max_total_time="${FUZZ_SECONDS:-15}" -print_final_stats=0 2>&1 | tail -n 2) || ok=1
  done
  return $ok
}

step "setup" bash scripts/setup.sh --fuzz || exit 1
step "rust: cargo fmt --check" cargo fmt --check
step "rust: clippy (native)" cargo clippy --quiet --all-targets -- -D warnings
step "rust: clippy (wasm32)" cargo clippy --quiet --target wasm32-unknown-unknown --all-targets -- -D warnings
step "rust: cargo test (native)" cargo test --quiet
step "build: pkg/" bash scripts/build.sh
step "size: wasm within 1.0 MB gzip" node scripts/size.mjs --check
step "types: tsc --noEmit (scripts, demo, tests)" node_modules/.bin/tsc -p .
step "wasm-bindgen-test (Node)" "${wasm_runner[@]}" cargo test --target wasm32-unknown-unknown --test wasm --test wasm_sanitize
step "wasm-bindgen-test (Chromium)" "${wasm_runner[@]}" WASM_BINDGEN_USE_BROWSER=1 cargo test --target wasm32-unknown-unknown --test wasm --test wasm_sanitize
step "pack: npm pack pkg/ into a consumer" bash scripts/pack.sh
step "types: tsc --noEmit against the packed package" in_consumer ../../node_modules/.bin/tsc -p types
step "node: packed package" in_consumer node --test js/
step "resolver: packed package against ENS contracts on anvil" in_consumer node --test resolver/
step "workerd: packed package in Miniflare" in_consumer node --test workerd/
step "relay: Durable Object relay in Miniflare" in_consumer node --test relay/
step "chaos: drops and relay restarts through a fault-injecting proxy" in_consumer node --test chaos/
step "chromium: demo page, Vite build, transport chaos" in_consumer node --test browser/
step "fuzz: smoke run of every target" fuzz_smoke

echo
echo "npm test: $((SECONDS - started)) s${failures:+; failed: ${failures[*]}}"
echo "summary: $passed passed, $failed failed"
[ "$failed" = 0 ]
