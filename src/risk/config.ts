// The risk limits (§8.3) a run trains, is evaluated and trades under. Every limit but the notional cap
// is off by default, so a run without a `risk` key sizes exactly as before the engine existed; the
// margin fraction and the fixed stop-loss / take-profit distances stay in the simulator's config
// (sim.positionFraction, sim.stopLossPct, sim.takeProfitPct) where every earlier run has them.
import { z } from "zod";
import { ConfigError } from "../core/errors.ts";
import type { SimConfig } from "../sim/config.ts";

const fraction = z.number().gt(0).max(1);

export const RiskConfigSchema = z.strictObject({
  /** Largest notional of a position, USDT (also bounded by sim.positionFraction × balance × leverage). */
  maxNotionalUsdt: z.number().positive().default(1_000_000),
  /** Largest loss at the stop of one new position, fraction of equity: the stop distance sizes the order. */
  riskPerTrade: fraction.nullable().default(null),
  /** Largest loss at the stops of all open positions together, fraction of equity. */
  maxTotalRisk: fraction.nullable().default(null),
  /** Dynamic take-profit: a trailing stop this fraction of price from the best price since entry. */
  trailingStopPct: fraction.nullable().default(null),
  /** Halt (flatten, no entries) for the rest of the UTC day once equity is this fraction below the day's start. */
  dailyLossLimit: fraction.nullable().default(null),
  /** Halt for good once equity is this fraction below its peak. */
  maxDrawdown: fraction.nullable().default(null),
});
export type RiskConfig = z.infer<typeof RiskConfigSchema>;

export const DEFAULT_RISK_CONFIG: RiskConfig = RiskConfigSchema.parse({});

/** What the engine reads from the simulator's config: the margin fraction, leverage, lot step and fixed levels. */
export type SimSizing = Pick<SimConfig, "positionFraction" | "leverage" | "qtyStep" | "stopLossPct" | "takeProfitPct">;

/**
 * Trading requires a stop-loss on every position (§8.3): a fixed one (sim.stopLossPct) or a trailing
 * one (risk.trailingStopPct). Backtests and training allow neither, as every earlier run had.
 */
export function assertTradingRisk(risk: RiskConfig, sim: SimSizing): void {
  if (sim.stopLossPct === undefined && risk.trailingStopPct === null) {
    throw new ConfigError("trading needs a stop-loss on every position: neither sim.stopLossPct nor risk.trailingStopPct is set", { hint: "set sim.stopLossPct (e.g. 0.01) or risk.trailingStopPct in the run's config; see docs/risk.md" });
  }
}
