// One `rlt tune` trial: for every symbol, fold and seed, train with the same code as `rlt train`
// (trainOn) and trade the best-validation model with the same code as `rlt eval` (tradeAll) on the
// validation range (the objective) and the test range (reported beside, never searched on).
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { RltError } from "../core/errors.ts";
import type { Reporter } from "../core/log.ts";
import { behaviourAgainstBaselines, tradeAll } from "../eval/run.ts";
import { foldSplits, refitNormalization } from "../eval/walk-forward.ts";
import type { PolicyRun } from "../kernel/replay.ts";
import { parseTrainConfig } from "../rl/config.ts";
import { type Range, type Splits, type TrainingData, loadTrainingData, splitByTime } from "../rl/data.ts";
import { MODEL_PARTS, RUN_FILES, modelFolderName } from "../rl/run-files.ts";
import { loadPolicyFrom } from "../rl/run-policy.ts";
import { trainOn } from "../rl/trainer.ts";
import { barCloseMs } from "../core/time.ts";
import { spreadOf } from "../eval/group-stats.ts";
import type { RangeFigures, TrialJob, TrialOutcome, UnitResult } from "./types.ts";

/** Momentum lookback of the test-range baseline, as `rlt eval` defaults it. */
const MOMENTUM_BARS = 60;

/**
 * The files of a unit's run that travel back to the tuner: the model it was judged by, without its
 * optimizer state, and the run's own records; no checkpoint (large), no lock.
 */
const RETURNED = new Set<string>([RUN_FILES.config, RUN_FILES.info, RUN_FILES.manifest, RUN_FILES.metrics, RUN_FILES.weightsHash, RUN_FILES.bestModel]);
const OPTIMIZER_FILE = /^optimizer\./;

export interface TrialRunOptions {
  /** An empty folder the unit runs are trained into. */
  workDir: string;
  worker: string;
  reporter: Reporter;
  /** Where the job's relative paths are resolved (the worker's working directory). */
  cwd?: string;
}

/** Never throws for the trial's own failure: a bad config, missing data or a crash is a "failed" outcome with its error. */
export async function runTrial(job: TrialJob, opts: TrialRunOptions): Promise<TrialOutcome> {
  const started = new Date();
  const units: UnitResult[] = [];
  let error: string | undefined;
  try {
    await trainUnits(job, opts, units);
  } catch (err) {
    error = describeError(err);
  }
  const finished = new Date();
  return {
    status: error === undefined ? "ok" : "failed",
    ...(error !== undefined ? { error } : {}),
    units,
    wallSeconds: (finished.getTime() - started.getTime()) / 1000,
    worker: opts.worker,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    files: error === undefined ? collectFiles(opts.workDir) : {},
  };
}

async function trainUnits(job: TrialJob, opts: TrialRunOptions, units: UnitResult[]): Promise<void> {
  const cwd = opts.cwd ?? process.cwd();
  const resolve = (p: unknown) => (typeof p === "string" ? path.resolve(cwd, p) : undefined);
  for (const { symbol, features, expect } of job.symbols) {
    const cfg = parseTrainConfig({ ...job.train, features: resolve(features), dataDir: resolve(job.train.dataDir) }, `trial ${job.id} of tune ${job.tune}`);
    const data = await loadTrainingData(cfg.features, cfg.dataDir, expect);
    const n = data.openTime.length;
    const folds: { fold: number; split: Splits; data: TrainingData }[] =
      job.folds > 0
        ? foldSplits(n, job.folds, Math.min(cfg.training.split.gapBars, 60), cfg.env.episodeBars).map((split, k) => ({ fold: k + 1, split, data: refitNormalization(data, split.train) }))
        : [{ fold: 0, split: splitByTime(n, cfg.training.split.train, cfg.training.split.validation, cfg.training.split.gapBars), data }];
    for (const { fold, split, data: foldData } of folds) {
      for (const seed of job.seeds) {
        const runDir = path.join(opts.workDir, unitDirName(symbol, fold, seed));
        const seedCfg = { ...cfg, seed };
        const trained = await trainOn(seedCfg, foldData, { runDir, resume: false, reporter: opts.reporter, splits: split });
        // a run too short to have validated has no best model: its final one is judged
        const choice = existsSync(path.join(runDir, modelFolderName("best"), MODEL_PARTS[0])) ? "best" : "final";
        const { policy } = await loadPolicyFrom(seedCfg, path.join(runDir, modelFolderName(choice)), `trial ${job.id}'s ${choice} model`);
        const run = { cfg: seedCfg };
        const val = tradeAll(policy, foldData, split.validation, run, { randomRepeats: 0, momentumBars: MOMENTUM_BARS, seed });
        const test = tradeAll(policy, foldData, split.test, run, { randomRepeats: job.randomRepeats, momentumBars: MOMENTUM_BARS, seed });
        units.push({
          symbol,
          fold,
          seed,
          updates: trained.updates,
          bestUpdate: trained.bestUpdate,
          validation: figures(val.agent, split.validation, foldData, behaviourAgainstBaselines(val).verdict.degenerate),
          test: {
            ...figures(test.agent, split.test, foldData, behaviourAgainstBaselines(test).verdict.degenerate),
            baselines: { buyAndHold: test.bh.totalReturn, flat: test.none.totalReturn, momentum: test.mom.totalReturn, randomMedian: spreadOf(test.randoms.map((r) => r.totalReturn)).median },
          },
        });
      }
    }
  }
}

/** `BTCUSDT/seed-3` with the config's split, `BTCUSDT/fold-2/seed-3` with walk-forward folds. */
export function unitDirName(symbol: string, fold: number, seed: number): string {
  return path.join(symbol, ...(fold > 0 ? [`fold-${fold}`] : []), `seed-${seed}`);
}

function figures(run: PolicyRun, range: Range, data: TrainingData, degenerate: boolean): RangeFigures {
  return { fromMs: data.openTime[range.from], toMs: barCloseMs(data.openTime[range.to - 1]), totalReturn: run.totalReturn, sharpe: run.sharpe, trades: run.trades.length, degenerate };
}

/** What the record says of a failure: an operational error's message and hint; a bug says it is one. */
export function describeError(err: unknown): string {
  if (err instanceof RltError) return err.hint ? `${err.message} (hint: ${err.hint})` : err.message;
  const e = err as Error;
  return `internal error: ${e?.stack?.split("\n").slice(0, 3).join(" | ") ?? String(err)}`;
}

/** Every returned file of every unit run under the work folder, by its path relative to it, as base64. */
function collectFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const full = path.join(root, rel);
    if (statSync(full).isDirectory()) for (const name of readdirSync(full)) walk(`${rel}/${name}`);
    else if (!OPTIMIZER_FILE.test(path.basename(rel))) out[rel] = readFileSync(full).toString("base64");
  };
  for (const unit of unitDirs(root)) {
    // a run too short to have validated has no best model: its final one was judged and travels instead
    const model = existsSync(path.join(root, unit, RUN_FILES.bestModel)) ? RUN_FILES.bestModel : RUN_FILES.finalModel;
    for (const name of readdirSync(path.join(root, unit))) if (RETURNED.has(name) || name === model) walk(`${unit}/${name}`);
  }
  return out;
}

/** The unit run folders under the work folder (each holds config.yaml). */
function unitDirs(root: string): string[] {
  const found: string[] = [];
  const visit = (rel: string) => {
    const dir = path.join(root, rel);
    if (!statSync(dir).isDirectory()) return;
    if (existsSync(path.join(dir, RUN_FILES.config))) {
      found.push(rel);
      return;
    }
    for (const name of readdirSync(dir)) visit(rel ? `${rel}/${name}` : name);
  };
  if (existsSync(root)) visit("");
  return found;
}
