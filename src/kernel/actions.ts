// The policy's three actions (§5.3) and what each asks of the position. The meaning is a property of
// the run (`env.actions` in its config), so training, evaluation, the baselines and trading read it
// from one function and a run keeps the meaning it was trained with.
import type { Side } from "../sim/costs.ts";

export const ACTIONS = ["buy", "sell", "hold"] as const;
export const NUM_ACTIONS = ACTIONS.length;
export const BUY = 0;
export const SELL = 1;
export const HOLD = 2;

/**
 * Action schemes, by name:
 * - `long-short-keep`: Buy → long, Sell → short, Hold → keep whatever is held (flat stays flat).
 *   What every run trained before `env.actions` existed means, and the default.
 */
export const ACTION_SCHEMES = ["long-short-keep"] as const;
export type ActionScheme = (typeof ACTION_SCHEMES)[number];
export const DEFAULT_ACTION_SCHEME: ActionScheme = "long-short-keep";

/** The position an action asks for, given the one held now. */
export function targetPosition(scheme: ActionScheme, action: number, current: Side): Side {
  switch (scheme) {
    case "long-short-keep":
      return action === BUY ? 1 : action === SELL ? -1 : current;
  }
}
