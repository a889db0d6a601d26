#!/usr/bin/env bash
# The long form of the trade soak (issue 10): `rlt trade` on the local exchange over 2,880 bars (2 days)
# under every injected fault, ≥ 50 of each kind and ≥ 1,000 in all. Prints the counts on one line.
#   scripts/trade-soak.sh [bars] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
RLT_TRADE_SOAK_BARS="${1:-2880}" RLT_TRADE_SOAK_SEED="${2:-11}" exec npx vitest run test/trade-soak.test.ts
