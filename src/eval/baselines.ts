// Baselines traded through the same simulator with the same costs as the agent: what a result must
// beat before it means anything. Each is a Decide function over the range's points.
import type { MarketColumns } from "../sim/simulator.ts";
import type { Range } from "../rl/data.ts";
import type { Decide } from "../rl/evaluate.ts";
import { Rng } from "../core/random.ts";

const BUY = 0;
const SELL = 1;
const HOLD = 2;

/** Long from the first bar to the last. */
export const buyAndHold: Decide = () => BUY;

/** Never in the market: the zero line after costs (there are none). */
export const flat: Decide = () => HOLD;

/** Uniformly random actions, seeded: a policy with no information that trades as often as it likes. */
export function randomPolicy(seed: number): Decide {
  const rng = new Rng(seed);
  return () => Math.floor(rng.next() * 3);
}

/**
 * Time-series momentum: long when the close is above the close `lookback` bars earlier, short when
 * below, unchanged when equal or before enough history. Uses closes up to the decision bar only.
 */
export function momentum(market: MarketColumns, range: Range, lookback: number): Decide {
  return (_obs, t) => {
    const i = range.from + t;
    if (i - lookback < 0) return HOLD;
    const change = market.close[i] - market.close[i - lookback];
    return change > 0 ? BUY : change < 0 ? SELL : HOLD;
  };
}
