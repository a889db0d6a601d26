// The trading environment (Gym-style reset/step) over a feature artifact and the bar simulator. What an
// action means is the run's action scheme (kernel/actions.ts); the observation is the kernel's
// (kernel/observation.ts), with the position inputs when `positionInObs` is on — without them the agent
// cannot know what "Hold" keeps.
import { z } from "zod";
import { type ActionScheme, targetPosition } from "../kernel/actions.ts";
import { clipObservation, nextHolding, observationSize, writeObservation } from "../kernel/observation.ts";
import { type ReplayData, simPositionView } from "../kernel/replay.ts";
import { DEFAULT_RISK_CONFIG, type Denial, type RiskConfig, RiskEngine, type RiskEvent } from "../risk/index.ts";
import type { SimConfig } from "../sim/config.ts";
import { FuturesSimulator, SimStateSchema, type Trade } from "../sim/simulator.ts";
import { type RewardComponents, type RewardConfig, type RewardScale, RewardStateSchema, RewardTracker } from "./reward.ts";

/** Row-major n × 30 normalized features, the market they came from and its funding. */
export type EnvData = ReplayData;

export interface EnvConfig {
  actions: ActionScheme;
  episodeBars: number;
  positionInObs: boolean;
  /** Inputs clipped to ±this (null: none). */
  obsClip: number | null;
  /** Bars where an episode may start (the first bar of each day of the range). */
  episodeStarts: number[];
  /** The reward's unit (rewardScale over the training range). */
  rewardScale: RewardScale;
}

export interface StepOutput {
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  components: RewardComponents;
  equityUsdt: number;
  fills: number;
  /** Trades closed in this step (signal, stop, take-profit, liquidation, risk halt). */
  closed: Trade[];
  /** The risk engine refused the target's opening leg (the position stays flat). */
  denial?: Denial;
  /** Halts and resumes the risk engine raised at the decision's close. */
  riskEvents: RiskEvent[];
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
    riskCfg: RiskConfig = DEFAULT_RISK_CONFIG,
  ) {
    // the same risk engine as evaluation and trading: the agent learns under the limits it will trade under
    this.sim = new FuturesSimulator(simCfg, data.market, data.funding, { symbol: data.symbol, risk: new RiskEngine(riskCfg, simCfg) });
    this.reward = new RewardTracker(rewardCfg, cfg.rewardScale);
    if (cfg.episodeStarts.length === 0) throw new Error("internal: no episode starts");
  }

  get obsSize(): number {
    return observationSize(this.cfg.positionInObs);
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
    const before = this.sim.side;
    const target = targetPosition(this.cfg.actions, action, before);
    const r = this.sim.step(target);
    this.holding = nextHolding(this.holding, before, this.sim.side, r.closed.length);
    const { reward, components } = this.reward.step({
      equityUsdt: r.equityUsdt,
      fills: r.fills,
      halfSpreadBps: r.halfSpreadBps,
      closed: r.closed,
    });
    const terminated = r.equityUsdt <= this.sim.cfg.initialEquityUsdt * RUIN_FRACTION;
    const truncated = !terminated && (this.sim.bar - this.start >= this.cfg.episodeBars || this.sim.bar >= this.data.market.open.length - 1);
    return { obs: this.observe(), reward, terminated, truncated, components, equityUsdt: r.equityUsdt, fills: r.fills, closed: r.closed, ...(r.denial ? { denial: r.denial } : {}), riskEvents: r.riskEvents };
  }

  private observe(): Float32Array {
    const obs = new Float32Array(this.obsSize);
    writeObservation(obs, this.data.features, this.sim.bar, this.cfg.positionInObs ? simPositionView(this.sim, this.holding) : undefined);
    return clipObservation(obs, this.cfg.obsClip);
  }
}
