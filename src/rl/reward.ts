// The reward of the design's §6, component by component, so a user can see what drives behaviour:
//   R = w1·pnl + w2·sharpe − w3·drawdown − w4·frequency + w5·holding − w6·spreadCost
import { z } from "zod";

export const RewardConfigSchema = z.strictObject({
  w1: z.number().default(1.0),
  w2: z.number().default(0.5),
  w3: z.number().default(1.0),
  w4: z.number().default(0.3),
  w5: z.number().default(0.2),
  w6: z.number().default(0.4),
  /** Steps of returns behind the Sharpe component. */
  sharpeWindow: z.number().int().min(2).default(60),
  /** Drawdown below this fraction of the peak is free. */
  drawdownThreshold: z.number().min(0).max(1).default(0.02),
  lambdaFreq: z.number().min(0).default(1),
  /** Trades counted over this many recent steps... */
  freqWindow: z.number().int().min(1).default(60),
  /** ...against this many as "a lot". */
  maxTrades: z.number().positive().default(10),
  lambdaHold: z.number().min(0).default(1),
  maxHoldingBars: z.number().positive().default(240),
  lambdaCost: z.number().min(0).default(1),
  epsilon: z.number().positive().default(1e-8),
});
export type RewardConfig = z.infer<typeof RewardConfigSchema>;

export const REWARD_COMPONENTS = ["pnl", "sharpe", "drawdown", "frequency", "holding", "spreadCost"] as const;
export type RewardComponents = Record<(typeof REWARD_COMPONENTS)[number], number>;

export interface RewardStep {
  equityUsdt: number;
  /** Fills executed this step. */
  fills: number;
  /** Half-spread paid per fill this step, bps (sum over fills). */
  halfSpreadBps: number;
  /** Position side after the step, its unrealized PnL, and bars held. */
  side: number;
  positionPnlUsdt: number;
  holdingBars: number;
}

const f64 = z.custom<number>((v) => typeof v === "number", "expected a number");

/** What a tracker carries between steps (the rolling windows and the episode's peak), for checkpoints. */
export const RewardStateSchema = z
  .object({
    prevEquity: f64,
    peak: f64,
    returns: z.array(f64),
    fills: z.array(f64),
    spreadSum: f64,
    spreadCount: z.number().int().min(0),
  })
  .strict();
export type RewardState = z.infer<typeof RewardStateSchema>;

export class RewardTracker {
  private prevEquity = 0;
  private peak = 0;
  private readonly returns: number[] = [];
  private readonly fills: number[] = [];
  private spreadSum = 0;
  private spreadCount = 0;

  constructor(readonly cfg: RewardConfig) {}

  reset(equityUsdt: number): void {
    this.prevEquity = equityUsdt;
    this.peak = equityUsdt;
    this.returns.length = 0;
    this.fills.length = 0;
    this.spreadSum = 0;
    this.spreadCount = 0;
  }

  snapshot(): RewardState {
    return { prevEquity: this.prevEquity, peak: this.peak, returns: [...this.returns], fills: [...this.fills], spreadSum: this.spreadSum, spreadCount: this.spreadCount };
  }

  restore(s: RewardState): void {
    this.prevEquity = s.prevEquity;
    this.peak = s.peak;
    this.returns.splice(0, this.returns.length, ...s.returns);
    this.fills.splice(0, this.fills.length, ...s.fills);
    this.spreadSum = s.spreadSum;
    this.spreadCount = s.spreadCount;
  }

  /** The six components (unweighted, with their signs as in §6) and the weighted total. */
  step(s: RewardStep): { reward: number; components: RewardComponents } {
    const c = this.cfg;
    const pnl = (s.equityUsdt - this.prevEquity) / this.prevEquity;
    this.prevEquity = s.equityUsdt;
    this.returns.push(pnl);
    if (this.returns.length > c.sharpeWindow) this.returns.shift();
    const mean = this.returns.reduce((a, b) => a + b, 0) / this.returns.length;
    const sd = Math.sqrt(this.returns.reduce((a, b) => a + (b - mean) ** 2, 0) / this.returns.length);
    const sharpe = this.returns.length >= 2 ? mean / (sd + c.epsilon) : 0;
    this.peak = Math.max(this.peak, s.equityUsdt);
    const drawdown = Math.max(0, (this.peak - s.equityUsdt) / this.peak - c.drawdownThreshold);
    this.fills.push(s.fills);
    if (this.fills.length > c.freqWindow) this.fills.shift();
    const frequency = (c.lambdaFreq * this.fills.reduce((a, b) => a + b, 0)) / c.maxTrades;
    const holding = s.side !== 0 ? c.lambdaHold * (Math.min(s.holdingBars, c.maxHoldingBars) / c.maxHoldingBars) * Math.sign(s.positionPnlUsdt) : 0;
    let spreadCost = 0;
    if (s.fills > 0) {
      const perFill = s.halfSpreadBps / s.fills;
      this.spreadSum += perFill;
      this.spreadCount++;
      const avg = this.spreadSum / this.spreadCount;
      spreadCost = c.lambdaCost * s.fills * (avg > 0 ? perFill / avg : 1);
    }
    const components: RewardComponents = { pnl, sharpe, drawdown, frequency, holding, spreadCost };
    const reward = c.w1 * pnl + c.w2 * sharpe - c.w3 * drawdown - c.w4 * frequency + c.w5 * holding - c.w6 * spreadCost;
    return { reward, components };
  }
}
