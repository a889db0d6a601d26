// The reward of the design's §6, component by component, so a user can see what drives behaviour:
//   R = w1·pnl + w2·sharpe − w3·drawdown − w4·frequency + w5·holding − w6·spreadCost
// Every component is in one unit, the reward unit u: a typical bar's equity move with the position
// on (the training range's per-bar log-return standard deviation × the position's notional / equity).
// On that scale the spec's weights mean what they say: w4 = 0.3 charges a fill 0.3 of a typical bar's
// move. Units, magnitudes on the bundled sample and the reasons: docs/training.md "Reward".
import { z } from "zod";
import type { SimConfig } from "../sim/config.ts";

export const RewardConfigSchema = z.strictObject({
  w1: z.number().default(1.0),
  w2: z.number().default(0.5),
  w3: z.number().default(1.0),
  w4: z.number().default(0.3),
  w5: z.number().default(0.2),
  w6: z.number().default(0.4),
  /** The differential Sharpe ratio's horizon: its moving averages adapt at η = 1 / sharpeWindow per step (one episode, so its sum over an episode tracks the episode's Sharpe). */
  sharpeWindow: z.number().int().min(2).default(1440),
  /** Drawdown below this fraction of the peak is free. */
  drawdownThreshold: z.number().min(0).max(1).default(0.02),
  lambdaFreq: z.number().min(0).default(1),
  /** Fills counted over this many recent steps... */
  freqWindow: z.number().int().min(1).default(60),
  /** ...beyond this many, each further fill costs proportionally more (overtrading). */
  maxTrades: z.number().positive().default(10),
  lambdaHold: z.number().min(0).default(1),
  maxHoldingBars: z.number().positive().default(240),
  lambdaCost: z.number().min(0).default(1),
  /** Floor of the differential Sharpe ratio's variance, in u² (a run flat for hours has almost none). */
  epsilon: z.number().positive().default(1e-8),
});
export type RewardConfig = z.infer<typeof RewardConfigSchema>;

export const REWARD_COMPONENTS = ["pnl", "sharpe", "drawdown", "frequency", "holding", "spreadCost"] as const;
export type RewardComponent = (typeof REWARD_COMPONENTS)[number];
export type RewardComponents = Record<RewardComponent, number>;

/** The weight of each component in the combined reward, by name. */
export const REWARD_WEIGHTS: Record<RewardComponent, "w1" | "w2" | "w3" | "w4" | "w5" | "w6"> = { pnl: "w1", sharpe: "w2", drawdown: "w3", frequency: "w4", holding: "w5", spreadCost: "w6" };

export interface ClosedPosition {
  holdingBars: number;
  pnlUsdt: number;
}

export interface RewardStep {
  equityUsdt: number;
  /** Fills executed this step. */
  fills: number;
  /** Half-spread paid per fill this step, bps (sum over fills). */
  halfSpreadBps: number;
  /** Positions closed this step (by the agent, a stop, a take-profit, a liquidation or a halt). */
  closed: readonly ClosedPosition[];
}

/**
 * The differential Sharpe ratio's variance floor (u²): below half a typical bar's standard deviation
 * the moving variance says more about time spent flat than about risk, and dividing by it would turn
 * the first bar back in the market into a spike.
 */
const DSR_VARIANCE_FLOOR = 0.25;

const f64 = z.custom<number>((v) => typeof v === "number", "expected a number");

/** What a tracker carries between steps, for checkpoints (the keys of older checkpoints are accepted). */
export const RewardStateSchema = z
  .object({
    prevEquity: f64,
    peak: f64,
    fills: z.array(f64),
    excess: f64.optional(),
    dsrA: f64.optional(),
    dsrB: f64.optional(),
    returns: z.array(f64).optional(),
    spreadSum: f64.optional(),
    spreadCount: z.number().int().min(0).optional(),
  })
  .strict();
export type RewardState = z.infer<typeof RewardStateSchema>;

/** What turns equity changes into reward units. */
export interface RewardScale {
  /** u as a fraction of equity. */
  unit: number;
  /** A position's notional per unit of equity (leverage × positionFraction): what a fill's spread is paid on. */
  exposure: number;
}

/**
 * The reward scale: u = the standard deviation of 1-bar log returns over `rows` times the position's
 * notional per unit of equity. Fitted on the training range only, like the features' normalization.
 */
export function rewardScale(close: Float64Array, rows: { from: number; to: number }, sim: Pick<SimConfig, "leverage" | "positionFraction">): RewardScale {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = rows.from + 1; i < rows.to; i++) {
    const r = Math.log(close[i] / close[i - 1]);
    if (!Number.isFinite(r)) continue;
    n++;
    sum += r;
    sumSq += r * r;
  }
  const sd = n > 1 ? Math.sqrt(Math.max(0, sumSq / n - (sum / n) ** 2)) : 0;
  // a constant market has no typical move: fall back to 1 bp so the reward stays finite
  const exposure = sim.leverage * sim.positionFraction;
  return { unit: Math.max(sd, 1e-4) * exposure, exposure };
}

export class RewardTracker {
  private prevEquity = 0;
  private peak = 0;
  /** Drawdown beyond the threshold after the previous step. */
  private excess = 0;
  /** The differential Sharpe ratio's moving first and second moments of the step return (in u). */
  private dsrA = 0;
  private dsrB = 1;
  private readonly fills: number[] = [];

  constructor(
    readonly cfg: RewardConfig,
    readonly scale: RewardScale,
  ) {
    if (!(scale.unit > 0) || !(scale.exposure > 0)) throw new Error(`internal: reward scale ${JSON.stringify(scale)}`);
  }

  reset(equityUsdt: number): void {
    this.prevEquity = equityUsdt;
    this.peak = equityUsdt;
    this.excess = 0;
    // one u² of prior variance: the first steps' Sharpe increments are on the scale of their returns
    this.dsrA = 0;
    this.dsrB = 1;
    this.fills.length = 0;
  }

  snapshot(): RewardState {
    return { prevEquity: this.prevEquity, peak: this.peak, fills: [...this.fills], excess: this.excess, dsrA: this.dsrA, dsrB: this.dsrB };
  }

  restore(s: RewardState): void {
    this.prevEquity = s.prevEquity;
    this.peak = s.peak;
    this.fills.splice(0, this.fills.length, ...s.fills);
    this.excess = s.excess ?? 0;
    this.dsrA = s.dsrA ?? 0;
    this.dsrB = s.dsrB ?? 1;
  }

  /** The six components in u (unweighted, with their signs as in §6) and the weighted total. */
  step(s: RewardStep): { reward: number; components: RewardComponents } {
    const c = this.cfg;
    const u = this.scale.unit;
    // R_pnl: the step's portfolio return, in u
    const pnl = (s.equityUsdt - this.prevEquity) / this.prevEquity / u;
    this.prevEquity = s.equityUsdt;
    const sharpe = this.differentialSharpe(pnl);
    // R_drawdown: §6's drawdown beyond the threshold, charged as it deepens (in u of equity lost below it)
    this.peak = Math.max(this.peak, s.equityUsdt);
    const excess = Math.max(0, (this.peak - s.equityUsdt) / this.peak - c.drawdownThreshold);
    const drawdown = Math.max(0, excess - this.excess) / u;
    this.excess = excess;
    // R_freq: charged on the step a fill happens, 1 u per fill, more once the window holds over maxTrades
    this.fills.push(s.fills);
    if (this.fills.length > c.freqWindow) this.fills.shift();
    const recent = this.fills.reduce((a, b) => a + b, 0);
    const frequency = c.lambdaFreq * s.fills * Math.max(1, recent / c.maxTrades);
    // R_hold: §6's holding_time / max_holding_time × sign(pnl), once per position, when it closes
    let holding = 0;
    for (const p of s.closed) holding += c.lambdaHold * (Math.min(p.holdingBars, c.maxHoldingBars) / c.maxHoldingBars) * Math.sign(p.pnlUsdt);
    // R_cost: (spread / avg spread) × the average spread's cost = the half-spread paid, in u
    const spreadCost = (c.lambdaCost * (s.halfSpreadBps / 1e4) * this.scale.exposure) / u;
    const components: RewardComponents = { pnl, sharpe, drawdown, frequency, holding, spreadCost };
    const reward = c.w1 * pnl + c.w2 * sharpe - c.w3 * drawdown - c.w4 * frequency + c.w5 * holding - c.w6 * spreadCost;
    return { reward, components };
  }

  /**
   * Moody & Saffell's differential Sharpe ratio: the derivative of an exponentially weighted Sharpe
   * ratio with respect to its adaptation rate η, so η·ΣD over an episode tracks the Sharpe's change.
   *   D_t = (B_{t−1}·ΔA − ½·A_{t−1}·ΔB) / (B_{t−1} − A_{t−1}²)^{3/2},  ΔA = R_t − A_{t−1},  ΔB = R_t² − B_{t−1}
   */
  private differentialSharpe(r: number): number {
    const eta = 1 / this.cfg.sharpeWindow;
    const dA = r - this.dsrA;
    const dB = r * r - this.dsrB;
    const variance = Math.max(this.dsrB - this.dsrA * this.dsrA, DSR_VARIANCE_FLOOR, this.cfg.epsilon);
    const d = (this.dsrB * dA - 0.5 * this.dsrA * dB) / variance ** 1.5;
    this.dsrA += eta * dA;
    this.dsrB += eta * dB;
    return d;
  }

}
