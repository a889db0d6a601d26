// Simulator settings: Binance USD-M costs and the risk config's position sizing.
import { z } from "zod";

export const SimConfigSchema = z.strictObject({
  initialEquityUsdt: z.number().positive().default(10_000),
  /** Binance USD-M regular tier (VIP 0): 0.05 % taker, 0.02 % maker. */
  takerFeeRate: z.number().min(0).max(0.01).default(0.0005),
  makerFeeRate: z.number().min(-0.01).max(0.01).default(0.0002),
  /** Extra adverse slippage per fill, bps of price. */
  slippageBps: z.number().min(0).default(1),
  /** Half-spread used when the book's spread is unknown, bps of price. */
  defaultHalfSpreadBps: z.number().min(0).default(0.5),
  leverage: z.number().int().min(1).max(125).default(3),
  /** Fraction of equity committed as isolated margin per position. */
  positionFraction: z.number().gt(0).max(1).default(0.5),
  /** Maintenance margin rate (BTCUSDT first bracket: 0.4 %). */
  maintenanceMarginRate: z.number().min(0).max(0.5).default(0.004),
  /** LOT_SIZE stepSize: quantities are floored to it. */
  qtyStep: z.number().positive().default(0.001),
  /** Stop-loss / take-profit distance from entry as a fraction of price (absent = none). */
  stopLossPct: z.number().positive().max(1).optional(),
  takeProfitPct: z.number().positive().optional(),
});
export type SimConfig = z.infer<typeof SimConfigSchema>;
