// `rlt eval --walk-forward K`: K folds, each training a fresh agent (the run's config) on a rolling
// window and trading the window that follows, normalization refitted on each fold's training rows
// only; the K out-of-sample stretches are chained into one equity curve per strategy and evaluated
// like a single range.
import { existsSync } from "node:fs";
import path from "node:path";
import { DataError, UsageError } from "../core/errors.ts";
import type { Reporter } from "../core/log.ts";
import { writeDirLocked } from "../core/staging.ts";
import { DEFAULT_ROLLING_WINDOW } from "../features/definitions.ts";
import { fitNormalization, normalizeMatrix } from "../features/normalize.ts";
import type { Range, Splits, TrainingData } from "../rl/data.ts";
import type { PolicyRun } from "../kernel/replay.ts";
import { readRun } from "../rl/run-dir.ts";
import { MODEL_PARTS, modelFolderName } from "../rl/run-files.ts";
import { loadPolicyFrom } from "../rl/run-policy.ts";
import { trainOn } from "../rl/trainer.ts";
import { barReturns, sharpeRatio } from "../sim/metrics.ts";
import { type EvalOptions, type EvalResult, type StrategyRuns, behaviourAgainstBaselines, loadData, strategiesOf, summarize, tradeAll, writeArtifacts } from "./run.ts";
import { type FoldBehaviour, foldBehaviour } from "./behaviour.ts";
import { type RiskSummary, summarizeRisk } from "../kernel/risk-summary.ts";
import { barCloseMs, isoMinute } from "../core/time.ts";
import { RUN_FILES } from "../rl/run-files.ts";

export interface FoldSummary {
  fold: number;
  trainMs: { fromMs: number; toMs: number };
  testMs: { fromMs: number; toMs: number };
  agentReturn: number;
  buyAndHoldReturn: number;
  /** Each strategy's risk summary over this fold's test window (the order of `strategies`). */
  risk: { name: string; risk: RiskSummary }[];
  /** The fold's agent: long / short / flat shares, trades per day, degenerate or not (absent in older results). */
  behaviour?: FoldBehaviour;
}

export type WalkForwardResult = EvalResult & { folds: FoldSummary[] };

/** Fold k trains on segment k (its last 15 % for validation) and tests on segment k+1, gaps between. */
export function foldSplits(n: number, folds: number, gapBars: number, minTrainBars: number): Splits[] {
  const seg = Math.floor(n / (folds + 1));
  const out: Splits[] = [];
  for (let k = 0; k < folds; k++) {
    const a = k * seg;
    const b = (k + 1) * seg;
    const valLen = Math.floor(0.15 * seg);
    const train = { from: a, to: b - valLen - gapBars };
    if (train.to - train.from <= minTrainBars) {
      throw new UsageError(`${folds} walk-forward folds over ${n} bars leave ${Math.max(0, train.to - train.from)} training bars per fold, not more than one ${minTrainBars}-bar episode`, { hint: "use fewer folds, more data, or shorter episodes (env.episodeBars)" });
    }
    out.push({ train, validation: { from: b - valLen, to: b }, test: { from: b + gapBars, to: k === folds - 1 ? n : b + seg } });
  }
  return out;
}

export async function walkForward(opts: Omit<EvalOptions, "split" | "fromMs" | "toMs" | "allowOverlap"> & { folds: number; reporter: Reporter }): Promise<WalkForwardResult> {
  const run = readRun(opts.runDir);
  const data = await loadData(run, opts);
  if (!data.raw) throw new DataError("the feature artifact has no raw columns to refit normalization on");
  const gap = Math.min(run.cfg.training.split.gapBars, 60);
  const splits = foldSplits(data.openTime.length, opts.folds, gap, run.cfg.env.episodeBars);
  let backend = "";
  const perFold: StrategyRuns[] = [];
  const folds: FoldSummary[] = [];
  for (const [k, split] of splits.entries()) {
    const foldData = refitNormalization(data, split.train);
    const dir = path.join(run.dir, RUN_FILES.walkForward, `fold-${k + 1}`);
    opts.reporter.info(`walk-forward fold ${k + 1}/${opts.folds}: training on ${isoMinute(data.openTime[split.train.from])} → ${isoMinute(data.openTime[split.train.to - 1])}, testing ${isoMinute(data.openTime[split.test.from])} → ${isoMinute(data.openTime[split.test.to - 1])}`);
    // each fold's run is trained in a staging folder and swapped in whole: a failed fold (a full disk)
    // leaves the previous fold-k as it was and no partial run behind
    const runs = await writeDirLocked(dir, { what: `walk-forward fold ${k + 1} of ${run.dir}`, onWait: (m) => opts.reporter.warn(m) }, async (staging) => {
      await trainOn(run.cfg, foldData, { runDir: staging, resume: false, reporter: opts.reporter, splits: split });
      // a fold too short to have validated has no best model: its final one trades
      const choice = opts.model === "best" && existsSync(path.join(staging, modelFolderName("best"), MODEL_PARTS[0])) ? "best" : "final";
      const loaded = await loadPolicyFrom(run.cfg, path.join(staging, modelFolderName(choice)), `fold ${k + 1}'s ${choice} model`);
      backend = loaded.backend;
      return tradeAll(loaded.policy, foldData, split.test, run, opts);
    });
    perFold.push(runs);
    folds.push({
      fold: k + 1,
      trainMs: { fromMs: data.openTime[split.train.from], toMs: barCloseMs(data.openTime[split.train.to - 1]) },
      testMs: { fromMs: data.openTime[split.test.from], toMs: barCloseMs(data.openTime[split.test.to - 1]) },
      agentReturn: runs.agent.totalReturn,
      buyAndHoldReturn: runs.bh.totalReturn,
      risk: strategiesOf(runs, opts).map((s) => ({ name: s.name, risk: summarizeRisk(s.run) })),
      behaviour: foldBehaviour(behaviourAgainstBaselines(runs, strategiesOf(runs, opts))),
    });
  }
  const chained: StrategyRuns = {
    agent: chain(perFold.map((r) => r.agent)),
    bh: chain(perFold.map((r) => r.bh)),
    none: chain(perFold.map((r) => r.none)),
    mom: chain(perFold.map((r) => r.mom)),
    randoms: perFold[0].randoms.map((_, i) => chain(perFold.map((r) => r.randoms[i]))),
  };
  const label = `walk-forward-${opts.folds}`;
  const result: WalkForwardResult = {
    ...summarize(chained, opts, {
      run: run.dir,
      model: opts.model,
      backend,
      symbol: run.info.symbol,
      label,
      overlap: { train: false, validation: false },
      warnings: [`walk-forward: ${opts.folds} folds, each a fresh agent trained on its own window with normalization refitted there, tested on the next window; the out-of-sample stretches are chained (each fold starts from the previous fold's equity; trade USDT figures are per fold's capital)`],
      outDir: opts.outDir ?? path.join(run.dir, RUN_FILES.evaluations, label),
    }),
    folds,
  };
  await writeArtifacts(result, chained, { ...opts, onWait: (m) => opts.reporter.warn(m) });
  return result;
}

/** The artifact's raw features normalized with parameters fitted on the training rows only. */
export function refitNormalization(data: TrainingData, train: Range): TrainingData {
  const m = data.manifest;
  const methods = m.features.map((f) => f.norm.method);
  const window = m.features.find((f) => f.norm.window)?.norm.window ?? DEFAULT_ROLLING_WINDOW;
  const params = fitNormalization(data.raw!, train.from, train.to, methods, window);
  const n = data.openTime.length;
  return {
    ...data,
    features: normalizeMatrix(data.raw!, n, params),
    manifest: { ...m, trainRange: { fromMs: data.openTime[train.from], toMs: barCloseMs(data.openTime[train.to - 1]) }, features: m.features.map((f, j) => ({ ...f, norm: params[j] })) },
  };
}

/**
 * One curve from consecutive out-of-sample stretches: each continues from the previous one's equity.
 * The risk records are concatenated (the stretches follow one another, so in time order); each fold's
 * engine started afresh, so a halt never runs on into the next fold.
 */
export function chain(runs: PolicyRun[]): PolicyRun {
  const total = runs.reduce((s, r) => s + r.equity.length, 0);
  const withActions = runs.every((r) => r.actions);
  const out: PolicyRun = { openTime: new Float64Array(total), close: new Float64Array(total), equity: new Float64Array(total), position: new Int8Array(total), target: new Int8Array(total), ...(withActions ? { actions: new Uint8Array(total) } : {}), trades: [], totalReturn: 0, sharpe: 0 };
  let at = 0;
  for (const r of runs) {
    const scale = at === 0 ? 1 : out.equity[at - 1] / r.equity[0];
    out.openTime.set(r.openTime, at);
    out.close.set(r.close, at);
    out.position.set(r.position, at);
    out.target.set(r.target, at);
    if (out.actions && r.actions) out.actions.set(r.actions, at);
    for (let i = 0; i < r.equity.length; i++) out.equity[at + i] = r.equity[i] * scale;
    out.trades.push(...r.trades);
    at += r.equity.length;
  }
  if (runs.every((r) => r.risk)) {
    const barsHalted = runs.reduce((s, r) => s + (r.risk!.barsHalted ?? 0), 0);
    const barsReducing = runs.reduce((s, r) => s + (r.risk!.barsReducing ?? 0), 0);
    out.risk = {
      denials: runs.flatMap((r) => r.risk!.denials),
      events: runs.flatMap((r) => r.risk!.events),
      ...(barsHalted ? { barsHalted } : {}),
      ...(barsReducing ? { barsReducing } : {}),
    };
  }
  out.totalReturn = out.equity[total - 1] / out.equity[0] - 1;
  out.sharpe = sharpeRatio(barReturns(out.equity));
  return out;
}
