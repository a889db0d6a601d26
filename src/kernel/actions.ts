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
 * Action schemes, by name (docs/training.md "Actions" measures them against each other):
 * - `long-short-keep`: Buy → long, Sell → short, Hold → keep whatever is held (flat stays flat).
 *   Once in the market the agent can never be flat again except by a stop: what every run trained
 *   before `env.actions` existed means, and what a saved run without the key is read as.
 * - `long-short-flat`: the three actions are the target positions: Buy → long, Sell → short,
 *   Hold → flat (§5.3's "no position").
 * - `step`: Buy and Sell step the position one place along short → flat → long (Sell closes a long, a
 *   second Sell opens a short); Hold keeps it.
 */
export const ACTION_SCHEMES = ["long-short-keep", "long-short-flat", "step"] as const;
export type ActionScheme = (typeof ACTION_SCHEMES)[number];
/** What runs trained before `env.actions` existed mean: a saved config without the key is read so. */
export const LEGACY_ACTION_SCHEME: ActionScheme = "long-short-keep";
/** A new run's scheme when its config names none (chosen by measurement: docs/training.md). */
export const DEFAULT_ACTION_SCHEME: ActionScheme = "step";

/** The position an action asks for, given the one held now. */
export function targetPosition(scheme: ActionScheme, action: number, current: Side): Side {
  switch (scheme) {
    case "long-short-keep":
      return action === BUY ? 1 : action === SELL ? -1 : current;
    case "long-short-flat":
      return action === BUY ? 1 : action === SELL ? -1 : 0;
    case "step":
      return action === BUY ? (Math.min(1, current + 1) as Side) : action === SELL ? (Math.max(-1, current - 1) as Side) : current;
  }
}
