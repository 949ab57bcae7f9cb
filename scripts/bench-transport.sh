#!/usr/bin/env bash
# `npm run bench:transport`: builds and packs the package, then measures one sender → one
# receiver through the relay in workerd (bench/transport.mjs, run beside the relay test
# harness it imports); writes bench/results/transport.json. BENCH_MESSAGES, BENCH_FLOODS,
# BENCH_PACED, BENCH_PACE, BENCH_PAYLOAD change it.
exec bash "$(dirname "$0")/in-consumer.sh" sh -c 'cp "$HYBRID_EDGE_REPO/bench/transport.mjs" relay/bench-transport.mjs && exec node relay/bench-transport.mjs'
