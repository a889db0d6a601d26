// The policy's observation: the bar's 30 normalized features (missing → 0, the mean of a z-score, the
// mask says so) and, when `positionInObs` is on, three position inputs: side, unrealized PnL as a
// fraction of equity, and bars held / 240. Training, evaluation and live trading all build it here.
import { FEATURE_COUNT } from "../features/definitions.ts";
import type { Side } from "../sim/costs.ts";

export const POSITION_INPUTS = 3;
/** Bars in position at which the time input saturates at 1 (four hours of 1-minute bars). */
const HOLDING_SCALE_BARS = 240;

/** What the observation reads of the account, however it is kept (bar simulator, paper, exchange). */
export interface PositionView {
  side: Side;
  unrealizedPnlUsdt: number;
  equityUsdt: number;
  /** Bars in the current position (0 when flat). */
  holdingBars: number;
}

export function observationSize(positionInObs: boolean): number {
  return FEATURE_COUNT + (positionInObs ? POSITION_INPUTS : 0);
}

/** The observation at feature row `bar` into `obs` (sized by observationSize). */
export function writeObservation(obs: Float32Array, features: Float64Array, bar: number, position: PositionView | undefined): void {
  writeFeatures(obs, 0, features, bar);
  if (position) {
    obs[FEATURE_COUNT] = position.side;
    obs[FEATURE_COUNT + 1] = position.equityUsdt > 0 ? position.unrealizedPnlUsdt / position.equityUsdt : 0;
    obs[FEATURE_COUNT + 2] = Math.min(position.holdingBars, HOLDING_SCALE_BARS) / HOLDING_SCALE_BARS;
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

/** Every input clipped to ±clip in place (null: unchanged), the same in training, evaluation and trading; returns obs. */
export function clipObservation(obs: Float32Array, clip: number | null): Float32Array {
  if (clip === null) return obs;
  for (let i = 0; i < obs.length; i++) obs[i] = obs[i] > clip ? clip : obs[i] < -clip ? -clip : obs[i];
  return obs;
}

/** Bars in the current position after a step: +1 while the same position lives on, 1 for a new one. */
export function nextHolding(holding: number, before: Side, after: Side, closedThisStep: number): number {
  if (after === 0) return 0;
  return after === before && closedThisStep === 0 ? holding + 1 : 1;
}
