// A trial's objective: the median over its units (symbol × fold × seed) of one range's metric. The
// median, not the mean: one lucky seed cannot carry a trial.
import { spreadOf } from "../eval/group-stats.ts";
import type { ObjectiveMetric, UnitResult } from "./types.ts";

export function objectiveOf(units: UnitResult[], range: "validation" | "test", metric: ObjectiveMetric): number | null {
  const xs = units.map((u) => (metric === "sharpe" ? u[range].sharpe : u[range].totalReturn)).filter(Number.isFinite);
  return xs.length ? spreadOf(xs).median : null;
}
