// The kernel's replay driver: per closed bar of a stored range, observation → policy → target
// position → the bar simulator as execution client (fills at the next open, stops and funding inside
// the next bar). What validation measures during training and what `rlt eval`, walk-forward and the
// baselines report, every one of them under the run's risk engine (src/risk). No reward is computed here
// (it is a training signal, not a result).
import { barReturns, sharpeRatio } from "../sim/metrics.ts";
import type { SimConfig } from "../sim/config.ts";
import type { Side } from "../sim/costs.ts";
import { type FundingSchedule, FuturesSimulator, type MarketColumns, type Trade } from "../sim/simulator.ts";
import { type ActionScheme, targetPosition } from "./actions.ts";
import { nextHolding, observationSize, writeFeatures, writeObservation } from "./observation.ts";
import type { Policy } from "./policy.ts";
import { FEATURE_COUNT } from "../features/definitions.ts";
import { type Denial, type RiskConfig, RiskEngine, type RiskEvent } from "../risk/index.ts";

/** Normalized features (row-major n × 30) and the market they were computed from. */
export interface ReplayData {
  features: Float64Array;
  market: MarketColumns;
  funding?: FundingSchedule;
  /** The traded symbol (its margin brackets); absent = the config's one maintenance rate. */
  symbol?: string;
}

/** Rows [from, to) of the data. */
export interface RowRange {
  from: number;
  to: number;
}

export interface PolicyRun {
  /** Per point: point 0 is the close of the range's first bar (before any decision), point t the close after step t. */
  openTime: Float64Array;
  close: Float64Array;
  equity: Float64Array;
  /** Side held during the bar ending at each point. */
  position: Int8Array;
  /** Target position decided at each point's close (the last point's is unused). */
  target: Int8Array;
  /** The policy's action at each point (absent for rules that decide targets directly: the baselines). */
  actions?: Uint8Array;
  /** Closed trades, the last one closed at the range's end ("end-of-data"). */
  trades: Trade[];
  totalReturn: number;
  /** Sharpe of the per-bar returns, annualized for 1-minute bars. */
  sharpe: number;
  /** What the risk engine refused and raised over the range (absent in runs put together elsewhere). */
  risk?: RiskRecord;
}

export interface RiskRecord {
  /** Opening legs refused, in order, each with its reason. */
  denials: Denial[];
  /** Halts and resumes, in order. */
  events: RiskEvent[];
  /**
   * Bars lived with the engine halted / reducing (its state after the decision bar's close); absent
   * means none, so a record of a range the engine never stopped is just its denials and events.
   */
  barsHalted?: number;
  barsReducing?: number;
}

/** A target position from the observation at a point and the side held now. */
export type TargetRule = (obs: Float32Array, point: number, current: Side) => Side;

export function replayTargets(data: ReplayData, range: RowRange, simCfg: SimConfig, positionInObs: boolean, rule: TargetRule, riskCfg: RiskConfig): PolicyRun {
  const points = range.to - range.from;
  if (points < 2) throw new Error(`internal: a range of ${points} bars cannot be traded`);
  const sim = new FuturesSimulator(simCfg, data.market, data.funding, { symbol: data.symbol, risk: new RiskEngine(riskCfg, simCfg) });
  sim.reset(range.from);
  const obs = new Float32Array(observationSize(positionInObs));
  const run: PolicyRun = {
    openTime: data.market.openTime.slice(range.from, range.to),
    close: data.market.close.slice(range.from, range.to),
    equity: new Float64Array(points),
    position: new Int8Array(points),
    target: new Int8Array(points),
    trades: [],
    totalReturn: 0,
    sharpe: 0,
    risk: { denials: [], events: [] },
  };
  run.equity[0] = simCfg.initialEquityUsdt;
  let holding = 0;
  for (let t = 0; t < points - 1; t++) {
    writeObservation(obs, data.features, sim.bar, positionInObs ? simPositionView(sim, holding) : undefined);
    const before = sim.side;
    const target = rule(obs, t, before);
    run.target[t] = target;
    const r = sim.step(target);
    holding = nextHolding(holding, before, sim.side, r.closed.length);
    for (const tr of r.closed) run.trades.push(tr);
    if (r.denial) run.risk!.denials.push(r.denial);
    for (const e of r.riskEvents) run.risk!.events.push(e);
    // the state the step's bar was lived in: onBar at the decision bar's close may have just changed it
    if (sim.risk?.state === "halted") run.risk!.barsHalted = (run.risk!.barsHalted ?? 0) + 1;
    else if (sim.risk?.state === "reducing") run.risk!.barsReducing = (run.risk!.barsReducing ?? 0) + 1;
    run.equity[t + 1] = r.equityUsdt;
    run.position[t + 1] = sim.side;
  }
  // what is open at the end is closed at the last close, paying its exit costs: the curve ends in cash
  const last = sim.closeAtEnd();
  if (last) {
    run.trades.push(last);
    run.equity[points - 1] = sim.equityAt();
  }
  run.totalReturn = run.equity[points - 1] / run.equity[0] - 1;
  run.sharpe = sharpeRatio(barReturns(run.equity));
  return run;
}

/** The bar simulator's account as the observation reads it. */
export function simPositionView(sim: FuturesSimulator, holdingBars: number) {
  return { side: sim.side, unrealizedPnlUsdt: sim.unrealizedPnlUsdt(), equityUsdt: sim.equityAt(), holdingBars };
}

/** Replay precomputed actions (one per point) under an action scheme. */
export function replayActions(data: ReplayData, range: RowRange, simCfg: SimConfig, scheme: ActionScheme, actions: ArrayLike<number>, riskCfg: RiskConfig): PolicyRun {
  const run = replayTargets(data, range, simCfg, false, (_obs, t, current) => targetPosition(scheme, actions[t], current), riskCfg);
  run.actions = Uint8Array.from(actions);
  return run;
}

/** Rows per batched forward pass of a replay whose observations do not wait for the position (TF.js's WASM backend is fastest per row around 512–2048; the kernels do not mind). */
export const INFERENCE_BATCH = 1024;

/**
 * A policy over a range. Without position inputs every observation is known in advance, so the policy
 * runs batched and the simulator replays its actions; with them, each decision waits for the
 * simulator's state, one forward pass per bar.
 */
export function replayPolicy(policy: Policy, scheme: ActionScheme, data: ReplayData, range: RowRange, simCfg: SimConfig, positionInObs: boolean, riskCfg: RiskConfig): PolicyRun {
  const points = range.to - range.from;
  if (positionInObs) {
    const actions = new Uint8Array(points);
    const run = replayTargets(data, range, simCfg, true, (obs, t, current) => {
      actions[t] = policy.decideBatch(obs, 1)[0];
      return targetPosition(scheme, actions[t], current);
    }, riskCfg);
    run.actions = actions;
    return run;
  }
  const actions = new Uint8Array(points);
  const obs = new Float32Array(INFERENCE_BATCH * FEATURE_COUNT);
  for (let start = 0; start < points; start += INFERENCE_BATCH) {
    const rows = Math.min(INFERENCE_BATCH, points - start);
    for (let r = 0; r < rows; r++) writeFeatures(obs, r * FEATURE_COUNT, data.features, range.from + start + r);
    actions.set(policy.decideBatch(obs.subarray(0, rows * FEATURE_COUNT), rows), start);
  }
  return replayActions(data, range, simCfg, scheme, actions, riskCfg);
}
