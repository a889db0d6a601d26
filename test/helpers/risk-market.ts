// A ten-bar market worked out by hand where the risk engine acts: frictionless fills (no fee, spread or
// slippage), 10,000 USDT, 0.5 of it as margin at 2×, a 2 % stop, 1 % risk per trade, a 0.5 % daily loss
// limit and a lot of 10 BTC. Always long (buy & hold):
//   step 0 (close 23:56): long at bar 1's open 100: min(100 by margin, 1 % × 10,000 / (2 % × 100) = 50) = 50 BTC
//   bar 1 closes at 98.5 (low above the 98 stop): equity 10,000 − 50 × 1.5 = 9,925 ≤ 10,000 × 0.995
//   step 1 (close 23:57): halt "daily-loss"; the long closes at bar 2's open 98.5 ("risk-halt", −75 USDT),
//     its re-entry is denied "halted"; steps 2 and 3 likewise: 3 "halted" denials, 3 bars halted
//   step 4 (close 00:00, a new UTC day): resume "new-day"; the price is now 1,000: 1 % × 9,925 / (2 % × 1,000)
//     = 4.96 BTC < one 10-BTC lot: denied "below-one-lot" by risk-per-trade, and again at steps 5 to 8: 5 in all
import { DAY_MS, MINUTE_MS } from "../../src/core/time.ts";
import { FEATURE_COUNT } from "../../src/features/definitions.ts";
import type { ReplayData } from "../../src/kernel/replay.ts";
import { RiskConfigSchema } from "../../src/risk/index.ts";
import { SimConfigSchema } from "../../src/sim/config.ts";

/** 2024-01-01 00:00 UTC: bar 4 closes on it, so the replay crosses a UTC day. */
export const NEW_DAY_MS = Date.UTC(2024, 0, 1);
/** The close of bar 1, where the daily loss limit halts. */
export const HALT_MS = NEW_DAY_MS - 3 * MINUTE_MS;

type Bar = [open: number, high: number, low: number, close: number];
const at = (p: number): Bar => [p, p, p, p];
export const RISK_BARS: Bar[] = [at(100), [100, 100, 98.5, 98.5], at(98.5), at(98.5), at(98.5), at(1000), at(1000), at(1000), at(1000), at(1000)];

export const riskSim = SimConfigSchema.parse({ slippageBps: 0, defaultHalfSpreadBps: 0, takerFeeRate: 0, leverage: 2, positionFraction: 0.5, qtyStep: 10, stopLossPct: 0.02 });
export const riskLimits = RiskConfigSchema.parse({ riskPerTrade: 0.01, dailyLossLimit: 0.005 });

/** The summary of one copy of the market under the always-long policy, as worked out above. */
export const RISK_MARKET_SUMMARY = {
  denials: 8,
  denialsByReason: { halted: 3, "below-one-lot": 5 },
  belowOneLotByLimit: { "risk-per-trade": 5 },
  halts: 1,
  haltsByReason: { "daily-loss": { count: 1, firstMs: HALT_MS, lastMs: HALT_MS } },
  resumes: 1,
  barsHalted: 3,
  barsReducing: 0,
  exitsByReason: { "risk-halt": 1 },
};

/** The bars `copies` times over, each copy one day after the previous one (rows 10k … 10k + 9). */
export function riskMarket(copies = 1): ReplayData {
  const bars = Array.from({ length: copies }, () => RISK_BARS).flat();
  const openTime = Float64Array.from(bars, (_, i) => NEW_DAY_MS - 5 * MINUTE_MS + Math.floor(i / RISK_BARS.length) * DAY_MS + (i % RISK_BARS.length) * MINUTE_MS);
  return {
    features: new Float64Array(bars.length * FEATURE_COUNT),
    market: {
      openTime,
      open: Float64Array.from(bars, (b) => b[0]),
      high: Float64Array.from(bars, (b) => b[1]),
      low: Float64Array.from(bars, (b) => b[2]),
      close: Float64Array.from(bars, (b) => b[3]),
    },
  };
}
