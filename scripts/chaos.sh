#!/usr/bin/env bash
# `npm run test:chaos`: builds and packs the package, then runs the chaos test at full scale
# (10,000 messages, 100 drops, 3 relay restarts; CHAOS_MESSAGES, CHAOS_DROPS, CHAOS_RESTARTS
# and CHAOS_SEED change it). Progress goes to stderr; the last line is the verdict:
#   chaos: sent=N delivered=N lost=L duplicated=D reordered=R drops=K restarts=M
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export HYBRID_EDGE_REPO="$PWD"
bash scripts/setup.sh --no-browser >&2
bash scripts/build.sh >&2
bash scripts/pack.sh >&2
cd .scratch/consumer
exec node chaos/chaos.mjs
