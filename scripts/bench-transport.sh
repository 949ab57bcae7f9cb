#!/usr/bin/env bash
# `npm run bench:transport`: builds and packs the package, then measures one sender → one
# receiver through the relay in workerd (bench/transport.mjs); writes
# bench/results/transport.json. BENCH_MESSAGES, BENCH_PACED, BENCH_PACE, BENCH_PAYLOAD change it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export HYBRID_EDGE_REPO="$PWD"
bash scripts/setup.sh --no-browser >&2
bash scripts/build.sh >&2
bash scripts/pack.sh >&2
cp bench/transport.mjs .scratch/consumer/relay/bench-transport.mjs
cd .scratch/consumer
exec node relay/bench-transport.mjs
