// `rlt eval --run runs/<group>`: every seed of a seed group evaluated as a single run is (each writes
// its own eval/<label>/), then the figures side by side with their median and spread across seeds,
// written to runs/<group>/eval/<label>/group.json. Results that swing from seed to seed are the
// commonest way RL trading fools its users: one lucky seed looks like a method.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../core/errors.ts";
import { writeDirLocked } from "../core/staging.ts";
import { RUN_FILES } from "../rl/run-files.ts";
import { isSeedFinished, readRunGroup, seedDirName } from "../rl/run-group.ts";
import { type Spread, type SwingVerdict, spreadOf, swingVerdict } from "./group-stats.ts";
import { type EvalOptions, type EvalResult, evaluateRun, jsonNumbers } from "./run.ts";

export const GROUP_EVAL_FILE = "group.json";

export interface GroupEvalOptions extends Omit<EvalOptions, "runDir" | "outDir"> {
  groupDir: string;
  /** Told before each seed is evaluated (the command's progress line). */
  onSeed?: (seed: number, index: number, count: number) => void;
}

/** One seed's figures, copied from its own evaluation (its metrics.json). */
export interface SeedFigures {
  seed: number;
  run: string;
  /** The seed's own evaluation folder. */
  outDir: string;
  totalReturn: number;
  /** The block bootstrap's 95 % interval of the total return. */
  totalReturnLow: number;
  totalReturnHigh: number;
  sharpe: number;
  buyAndHoldReturn: number;
  /** totalReturn − buy & hold's total return over the same bars. */
  excessReturn: number;
  probBeatsBuyAndHold: number;
  trades: number;
  maxDrawdown: number;
  /** From the evaluation's behaviour figures, when it has them. */
  tradesPerDay?: number;
  degenerate?: boolean;
}

export interface GroupEvalResult {
  kind: "seed-group-eval";
  group: string;
  name: string;
  symbol: string;
  label: string;
  model: EvalResult["model"];
  range: EvalResult["range"];
  seeds: SeedFigures[];
  /** Buy & hold over the range: one figure, the same for every seed. */
  buyAndHoldReturn: number;
  spread: { totalReturn: Spread; sharpe: Spread; excessReturn: Spread; tradesPerDay?: Spread };
  beatsBuyAndHold: number;
  beatsFlat: number;
  /** Seeds judged degenerate, when the evaluations carry behaviour figures. */
  degenerate?: number;
  swing: SwingVerdict;
  warnings: string[];
  outDir: string;
}

/** The behaviour fields this view reads, read loosely: evaluations written before them lack them. */
interface BehaviourFields {
  behaviour?: { tradesPerDay?: unknown; verdict?: { degenerate?: unknown } };
}

/** One seed's row, from its evaluation result exactly as written to its metrics.json. */
export function seedFigures(seed: number, r: EvalResult): SeedFigures {
  const agent = r.strategies.find((s) => s.name === "agent");
  const bh = r.strategies.find((s) => s.name === "buy & hold");
  if (!agent || !bh) throw new Error(`the evaluation of ${r.run} has no agent or buy & hold row`);
  const behaviour = (r as EvalResult & BehaviourFields).behaviour;
  const tradesPerDay = typeof behaviour?.tradesPerDay === "number" ? behaviour.tradesPerDay : undefined;
  const degenerate = typeof behaviour?.verdict?.degenerate === "boolean" ? behaviour.verdict.degenerate : undefined;
  return {
    seed,
    run: r.run,
    outDir: r.outDir,
    totalReturn: agent.metrics.totalReturn,
    totalReturnLow: r.bootstrap.totalReturn.low,
    totalReturnHigh: r.bootstrap.totalReturn.high,
    sharpe: agent.metrics.sharpe,
    buyAndHoldReturn: bh.metrics.totalReturn,
    excessReturn: agent.metrics.totalReturn - bh.metrics.totalReturn,
    probBeatsBuyAndHold: r.bootstrap.probBeatsBenchmark,
    trades: agent.metrics.trades,
    maxDrawdown: agent.metrics.maxDrawdown,
    ...(tradesPerDay !== undefined ? { tradesPerDay } : {}),
    ...(degenerate !== undefined ? { degenerate } : {}),
  };
}

/** The group's figures from its seeds' rows (no I/O: the unit of the statistics). */
export function summarizeGroup(rows: SeedFigures[], meta: Pick<GroupEvalResult, "group" | "name" | "symbol" | "label" | "model" | "range" | "outDir">, warnings: string[] = []): GroupEvalResult {
  const bhs = rows.map((r) => r.buyAndHoldReturn);
  // the seeds share the config's split, so buy & hold is one figure; say so if it is not
  if (Math.max(...bhs) - Math.min(...bhs) > 1e-12) warnings.push(`buy & hold differs between seeds (${bhs.map((b) => `${(100 * b).toFixed(2)} %`).join(", ")}): the seeds were not evaluated on the same bars`);
  const withPerDay = rows.filter((r) => r.tradesPerDay !== undefined);
  const withVerdict = rows.filter((r) => r.degenerate !== undefined);
  const swing = swingVerdict(rows.map((r) => ({ totalReturn: r.totalReturn, low: r.totalReturnLow, high: r.totalReturnHigh })));
  return {
    kind: "seed-group-eval",
    ...meta,
    seeds: rows,
    buyAndHoldReturn: spreadOf(bhs).median,
    spread: {
      totalReturn: spreadOf(rows.map((r) => r.totalReturn)),
      sharpe: spreadOf(rows.map((r) => r.sharpe)),
      excessReturn: spreadOf(rows.map((r) => r.excessReturn)),
      ...(withPerDay.length === rows.length ? { tradesPerDay: spreadOf(withPerDay.map((r) => r.tradesPerDay!)) } : {}),
    },
    beatsBuyAndHold: rows.filter((r) => r.totalReturn > r.buyAndHoldReturn).length,
    beatsFlat: rows.filter((r) => r.totalReturn > 0).length,
    ...(withVerdict.length === rows.length ? { degenerate: withVerdict.filter((r) => r.degenerate).length } : {}),
    swing,
    warnings,
  };
}

/** Evaluate every seed of the group (one after the other), then write the group's figures. */
export async function evaluateGroup(opts: GroupEvalOptions): Promise<GroupEvalResult> {
  const group = readRunGroup(opts.groupDir);
  const unfinished = group.seeds.filter((s) => !isSeedFinished(opts.groupDir, group, s));
  if (unfinished.length) {
    throw new UsageError(`${opts.groupDir}: ${unfinished.map(seedDirName).join(", ")} ${unfinished.length === 1 ? "has" : "have"} not finished training`, {
      hint: `continue the group with: rlt train --config ${group.config || "<its config>"} --seeds ${group.seeds.join(",")} --resume${group.name ? ` --name ${group.name}` : ""}, or evaluate one seed with --run ${path.join(opts.groupDir, seedDirName(group.seeds[0]))}`,
    });
  }
  const { groupDir, onSeed, ...common } = opts;
  const results: EvalResult[] = [];
  for (const [i, seed] of group.seeds.entries()) {
    onSeed?.(seed, i, group.seeds.length);
    results.push(await evaluateRun({ ...common, runDir: path.join(groupDir, seedDirName(seed)) }));
  }
  const first = results[0];
  const warnings = [...new Set(results.flatMap((r) => r.warnings))];
  const result = summarizeGroup(
    results.map((r, i) => seedFigures(group.seeds[i], r)),
    { group: groupDir, name: group.name, symbol: first.symbol, label: first.label, model: first.model, range: first.range, outDir: path.join(groupDir, RUN_FILES.evaluations, first.label) },
    warnings,
  );
  await writeDirLocked(result.outDir, { what: `the seed group's evaluation ${result.outDir}`, onWait: opts.onWait }, async (staging) => {
    writeFileSync(path.join(staging, GROUP_EVAL_FILE), `${JSON.stringify(result, jsonNumbers, 2)}\n`);
  });
  return result;
}
