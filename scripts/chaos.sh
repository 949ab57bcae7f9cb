#!/usr/bin/env bash
# `npm run test:chaos`: builds and packs the package, then runs the chaos test at full scale
# (10,000 messages, 100 drops, 3 relay restarts; CHAOS_MESSAGES, CHAOS_DROPS, CHAOS_RESTARTS
# and CHAOS_SEED change it). Progress goes to stderr; the last line is the verdict:
#   chaos: sent=N delivered=N lost=L duplicated=D reordered=R drops=K restarts=M
exec bash "$(dirname "$0")/in-consumer.sh" node chaos/chaos.mjs
