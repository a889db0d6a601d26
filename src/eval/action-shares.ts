// The policy's action mix in evaluation: how often it chose buy, sell and hold over the decisions the
// replay traded on. metrics.json carries it so a live session can hold its own decisions against it
// (the action drift of monitor/drift.ts, §8.1).
import { ACTIONS, NUM_ACTIONS } from "../kernel/actions.ts";

export interface ActionShares {
  /** Shares of the decisions, summing to 1 (keys in ACTIONS order). */
  buy: number;
  sell: number;
  hold: number;
  /** Decisions counted. */
  decisions: number;
}

/**
 * Shares over the first `decisions` actions of a replay: a range of n points has n - 1 decisions that
 * were traded on (the last point's action is never acted upon: the replay closes at the range's end).
 */
export function actionShares(actions: ArrayLike<number>, decisions = actions.length - 1): ActionShares | undefined {
  if (decisions <= 0) return undefined;
  const counts = new Array<number>(NUM_ACTIONS).fill(0);
  for (let t = 0; t < decisions; t++) counts[actions[t]]++;
  const [buy, sell, hold] = ACTIONS.map((_, a) => counts[a] / decisions);
  return { buy, sell, hold, decisions };
}
