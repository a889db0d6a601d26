// Baselines traded through the same simulator with the same costs as the agent: what a result must
// beat before it means anything. Each is written as the target position it holds, not as action codes,
// so it means the same whatever action scheme the agent was trained with.
import { Rng } from "../core/random.ts";
import type { RowRange, TargetRule } from "../kernel/replay.ts";
import type { MarketColumns } from "../sim/simulator.ts";

/** Long from the first bar to the last. */
export const buyAndHold: TargetRule = () => 1;

/** Never in the market: the zero line after costs (there are none). */
export const flat: TargetRule = () => 0;

/**
 * A policy with no information that trades as often as it likes: each bar, seeded, one of long, short
 * or unchanged with equal odds.
 */
export function randomPolicy(seed: number): TargetRule {
  const rng = new Rng(seed);
  return (_obs, _t, current) => {
    const pick = Math.floor(rng.next() * 3);
    return pick === 0 ? 1 : pick === 1 ? -1 : current;
  };
}

/**
 * Time-series momentum: long when the close is above the close `lookback` bars earlier, short when
 * below, unchanged when equal or before enough history. Uses closes up to the decision bar only.
 */
export function momentum(market: MarketColumns, range: RowRange, lookback: number): TargetRule {
  return (_obs, t, current) => {
    const i = range.from + t;
    if (i - lookback < 0) return current;
    const change = market.close[i] - market.close[i - lookback];
    return change > 0 ? 1 : change < 0 ? -1 : current;
  };
}
