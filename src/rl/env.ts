// The trading environment (Gym-style reset/step) over a feature artifact and the futures simulator.
// Actions (§5.3): 0 Buy = go or stay long, 1 Sell = go or stay short, 2 Hold = keep the current
// position (flat stays flat). The observation is the bar's 30 normalized features (missing → 0, the
// mask says so) and, when `positionInObs` is on, three more: side, unrealized PnL as a fraction of
// equity, and bars held / maxHoldingBars — without them the agent cannot know what "Hold" keeps.
import { z } from "zod";
import { FEATURE_COUNT } from "../features/definitions.ts";
import type { SimConfig } from "../sim/config.ts";
import { type FundingSchedule, FuturesSimulator, type MarketColumns, type Side, SimStateSchema, type Trade } from "../sim/simulator.ts";
import { type RewardComponents, type RewardConfig, RewardStateSchema, RewardTracker } from "./reward.ts";

export const ACTIONS = ["buy", "sell", "hold"] as const;
export const POSITION_INPUTS = 3;

export interface EnvData {
  /** Row-major n × 30 normalized features. */
  features: Float64Array;
  market: MarketColumns;
  funding?: FundingSchedule;
}

export interface EnvConfig {
  episodeBars: number;
  positionInObs: boolean;
  /** Bars where an episode may start (the first bar of each day of the range). */
  episodeStarts: number[];
}

export interface StepOutput {
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  components: RewardComponents;
  equityUsdt: number;
  fills: number;
  /** Trades closed in this step (signal, stop, take-profit, liquidation). */
  closed: Trade[];
}

/** An environment between steps: its episode's start, time in position, simulator and reward tracker. */
export const EnvStateSchema = z
  .object({
    start: z.number().int().min(0),
    holding: z.number().int().min(0),
    sim: SimStateSchema,
    reward: RewardStateSchema,
  })
  .strict();
export type EnvState = z.infer<typeof EnvStateSchema>;

/** Episodes end early when equity falls under this fraction of the start (the account is blown). */
const RUIN_FRACTION = 0.1;

export class TradingEnv {
  readonly sim: FuturesSimulator;
  private readonly reward: RewardTracker;
  private start = 0;
  private holding = 0;

  constructor(
    readonly data: EnvData,
    readonly cfg: EnvConfig,
    simCfg: SimConfig,
    rewardCfg: RewardConfig,
    private readonly random: () => number,
  ) {
    this.sim = new FuturesSimulator(simCfg, data.market, data.funding);
    this.reward = new RewardTracker(rewardCfg);
    if (cfg.episodeStarts.length === 0) throw new Error("internal: no episode starts");
  }

  get obsSize(): number {
    return FEATURE_COUNT + (this.cfg.positionInObs ? POSITION_INPUTS : 0);
  }

  /** Start an episode at a random allowed start (or the given one). */
  reset(startBar?: number): Float32Array {
    this.start = startBar ?? this.cfg.episodeStarts[Math.floor(this.random() * this.cfg.episodeStarts.length)];
    this.sim.reset(this.start);
    this.reward.reset(this.sim.cfg.initialEquityUsdt);
    this.holding = 0;
    return this.observe();
  }

  /** The state between steps; the environment's randomness is its caller's generator, saved there. */
  snapshot(): EnvState {
    return { start: this.start, holding: this.holding, sim: this.sim.snapshot(), reward: this.reward.snapshot() };
  }

  /** Continue from a snapshot; returns the observation of where it stands (the pending one). */
  restore(s: EnvState): Float32Array {
    this.sim.restore(s.sim);
    this.reward.restore(s.reward);
    this.start = s.start;
    this.holding = s.holding;
    return this.observe();
  }

  step(action: number): StepOutput {
    const target = targetSide(action, this.sim.side);
    const before = this.sim.side;
    const r = this.sim.step(target);
    this.holding = nextHolding(this.holding, before, this.sim.side, r.closed.length);
    const { reward, components } = this.reward.step({
      equityUsdt: r.equityUsdt,
      fills: r.fills,
      halfSpreadBps: r.halfSpreadBps,
      side: this.sim.side,
      positionPnlUsdt: this.sim.unrealizedPnlUsdt(),
      holdingBars: this.holding,
    });
    const terminated = r.equityUsdt <= this.sim.cfg.initialEquityUsdt * RUIN_FRACTION;
    const truncated = !terminated && (this.sim.bar - this.start >= this.cfg.episodeBars || this.sim.bar >= this.data.market.open.length - 1);
    return { obs: this.observe(), reward, terminated, truncated, components, equityUsdt: r.equityUsdt, fills: r.fills, closed: r.closed };
  }

  private observe(): Float32Array {
    const obs = new Float32Array(this.obsSize);
    writeObservation(obs, this.data.features, this.sim, this.holding, this.cfg.positionInObs);
    return obs;
  }
}

/** The side an action asks for: Buy → long, Sell → short, Hold → whatever is held now. */
export function targetSide(action: number, current: Side): Side {
  return action === 0 ? 1 : action === 1 ? -1 : current;
}

/** Bars in the current position after a step: +1 while the same position lives on, 1 for a new one. */
export function nextHolding(holding: number, before: Side, after: Side, closedThisStep: number): number {
  if (after === 0) return 0;
  return after === before && closedThisStep === 0 ? holding + 1 : 1;
}

/**
 * The observation at the simulator's current bar: its 30 normalized features (missing → 0, the mean of
 * a z-score) and, with `positionInObs`, side, unrealized PnL / equity and bars held / 240. Training,
 * evaluation and live trading all build it here.
 */
export function writeObservation(obs: Float32Array, features: Float64Array, sim: FuturesSimulator, holding: number, positionInObs: boolean): void {
  writeFeatures(obs, 0, features, sim.bar);
  if (positionInObs) {
    const equity = sim.equityAt();
    obs[FEATURE_COUNT] = sim.side;
    obs[FEATURE_COUNT + 1] = equity > 0 ? sim.unrealizedPnlUsdt() / equity : 0;
    obs[FEATURE_COUNT + 2] = Math.min(holding, 240) / 240;
  }
}

/** Bar `bar`'s 30 normalized features into `out` at `offset`; a missing one (masked, NaN) enters as 0. */
export function writeFeatures(out: Float32Array, offset: number, features: Float64Array, bar: number): void {
  const base = bar * FEATURE_COUNT;
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const v = features[base + j];
    out[offset + j] = Number.isFinite(v) ? v : 0;
  }
}
