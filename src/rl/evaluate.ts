// A policy traded over a contiguous range through the one futures simulator, with the observation built
// exactly as in training: what validation measures during training and what `rlt eval` reports. No
// reward is computed here (it is a training signal, not a result), which keeps a replay fast.
import { barReturns, sharpeRatio } from "../eval/metrics.ts";
import { FEATURE_COUNT } from "../features/definitions.ts";
import type { SimConfig } from "../sim/config.ts";
import { FuturesSimulator, type Trade } from "../sim/simulator.ts";
import type { Range } from "./data.ts";
import { type EnvData, POSITION_INPUTS, nextHolding, targetSide, writeFeatures, writeObservation } from "./env.ts";
import type { Learner } from "./ppo.ts";

export interface PolicyRun {
  /** Per point: point 0 is the close of the range's first bar (before any decision), point t the close after step t. */
  openTime: Float64Array;
  close: Float64Array;
  equity: Float64Array;
  /** Side held during the bar ending at each point. */
  position: Int8Array;
  /** Action decided at each point's close (the last point's is unused). */
  actions: Uint8Array;
  /** Closed trades, the last one closed at the range's end ("end-of-data"). */
  trades: Trade[];
  totalReturn: number;
  /** Sharpe of the per-bar returns, annualized for 1-minute bars. */
  sharpe: number;
}

/** Decide an action (0 buy, 1 sell, 2 hold) from the observation at a point. */
export type Decide = (obs: Float32Array, point: number) => number;

export function simulatePolicy(data: EnvData, range: Range, simCfg: SimConfig, positionInObs: boolean, decide: Decide): PolicyRun {
  const points = range.to - range.from;
  if (points < 2) throw new Error(`internal: a range of ${points} bars cannot be traded`);
  const sim = new FuturesSimulator(simCfg, data.market, data.funding);
  sim.reset(range.from);
  const obs = new Float32Array(FEATURE_COUNT + (positionInObs ? POSITION_INPUTS : 0));
  const run: PolicyRun = {
    openTime: data.market.openTime.slice(range.from, range.to),
    close: data.market.close.slice(range.from, range.to),
    equity: new Float64Array(points),
    position: new Int8Array(points),
    actions: new Uint8Array(points),
    trades: [],
    totalReturn: 0,
    sharpe: 0,
  };
  run.equity[0] = simCfg.initialEquityUsdt;
  let holding = 0;
  for (let t = 0; t < points - 1; t++) {
    writeObservation(obs, data.features, sim, holding, positionInObs);
    const action = decide(obs, t);
    run.actions[t] = action;
    const before = sim.side;
    const r = sim.step(targetSide(action, before));
    holding = nextHolding(holding, before, sim.side, r.closed.length);
    for (const tr of r.closed) run.trades.push(tr);
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

/** Replay precomputed actions (one per point). */
export function replayActions(data: EnvData, range: Range, simCfg: SimConfig, actions: ArrayLike<number>): PolicyRun {
  return simulatePolicy(data, range, simCfg, false, (_obs, t) => actions[t]);
}

/** Rows per batched forward pass: the WASM backend is fastest per row around 512–2048. */
const INFERENCE_BATCH = 1024;

/**
 * The learner's deterministic policy over a range. Without position inputs every observation is known
 * in advance, so the policy runs batched and the simulator replays its actions; with them, each
 * decision waits for the simulator's state, one forward pass per bar.
 */
export function runPolicy(learner: Learner, data: EnvData, range: Range, simCfg: SimConfig, positionInObs: boolean): PolicyRun {
  if (positionInObs) return simulatePolicy(data, range, simCfg, true, (obs) => learner.greedy(obs, 1)[0]);
  const points = range.to - range.from;
  const actions = new Uint8Array(points);
  const obs = new Float32Array(INFERENCE_BATCH * FEATURE_COUNT);
  for (let start = 0; start < points; start += INFERENCE_BATCH) {
    const rows = Math.min(INFERENCE_BATCH, points - start);
    for (let r = 0; r < rows; r++) writeFeatures(obs, r * FEATURE_COUNT, data.features, range.from + start + r);
    actions.set(learner.greedy(obs.subarray(0, rows * FEATURE_COUNT), rows), start);
  }
  return replayActions(data, range, simCfg, actions);
}
