#!/usr/bin/env bash
# Sets up, builds and packs the package into the scratch consumer (.scratch/consumer, see
# pack.sh), then runs the given command there. Used by `npm run test:chaos` and
# `npm run bench:transport`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export HYBRID_EDGE_REPO="$PWD"
bash scripts/setup.sh --no-browser >&2
bash scripts/build.sh >&2
bash scripts/pack.sh >&2
cd .scratch/consumer
exec "$@"
