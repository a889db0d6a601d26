// `rlt eval`: the run's deterministic policy and every baseline through the one simulator, on a range
// the model has not been trained on, with the metrics, bootstrap intervals and per-bar artifacts.
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DataError, UsageError } from "../core/errors.ts";
import { lowerBound, quantile } from "../core/sorted.ts";
import { writeDirLocked } from "../core/staging.ts";
import { barCloseMs, isoMinute } from "../core/time.ts";
import { type Duck, lit, openDuck, writeColumnsParquet } from "../data/duck.ts";
import { type TrainingData, loadTrainingData } from "../rl/data.ts";
import type { Policy } from "../kernel/policy.ts";
import { type PolicyRun, replayPolicy, replayTargets } from "../kernel/replay.ts";
import { type MsRange, type TrainingRun, readRun } from "../rl/run-dir.ts";
import type { ModelChoice } from "../rl/run-files.ts";
import { loadRunPolicy } from "../rl/run-policy.ts";
import { buyAndHold, flat, momentum, randomPolicy } from "./baselines.ts";
import { type BootstrapResult, blockBootstrap } from "./bootstrap.ts";
import { type Metrics, barReturns, computeMetrics } from "../sim/metrics.ts";
import { tradesCsv } from "./trades.ts";
import { type ActionShares, actionShares } from "./action-shares.ts";
import { type RiskSummary, summarizeRisk } from "../kernel/risk-summary.ts";
import { type Behaviour, type ReturnVsZero, type StrategyBehaviour, agentBehaviour, returnVsZero, strategyBehaviour } from "./behaviour.ts";
import { expectationFrom } from "../features/artifact.ts";
import { RUN_FILES } from "../rl/run-files.ts";

export interface EvalOptions {
  runDir: string;
  model: ModelChoice;
  /** A named range of the run's split, or explicit times. */
  split?: "test" | "validation";
  fromMs?: number;
  toMs?: number;
  allowOverlap: boolean;
  /** Feature artifact (default: the one the run was trained on). */
  featuresDir?: string;
  dataDir?: string;
  randomRepeats: number;
  momentumBars: number;
  bootstrapSamples: number;
  blockBars: number;
  seed: number;
  outDir?: string;
  /** Told once when another writer holds the evaluation folder's lock (the command's reporter). */
  onWait?: (message: string) => void;
}

export interface StrategyMetrics {
  name: string;
  /** Its equity column in equity.parquet. */
  column: string;
  metrics: Metrics;
  /** What the risk engine refused and raised, and the trades' exit reasons (docs/risk.md). */
  risk: RiskSummary;
  /** Long / short / flat shares of the bars and trades per day (absent in evaluations written before them). */
  behaviour?: StrategyBehaviour;
  note?: string;
}

export interface Quantiles {
  p5: number;
  median: number;
  p95: number;
}

export interface EvalResult {
  run: string;
  model: ModelChoice;
  backend: string;
  symbol: string;
  label: string;
  range: MsRange & { bars: number };
  overlap: { train: boolean; validation: boolean };
  warnings: string[];
  strategies: StrategyMetrics[];
  random: { repeats: number; totalReturn: Quantiles; sharpe: Quantiles };
  bootstrap: BootstrapResult;
  /** The agent's buy / sell / hold mix over the range (absent in evaluations written before drift monitoring). */
  actionShares?: ActionShares;
  /** What the agent does: actions, position shares, trades per day, the degenerate verdict (docs/evaluation.md; absent in older evaluations). */
  behaviour?: Behaviour;
  /** The agent's return against zero by the bootstrap's 95 % interval (absent in older evaluations). */
  verdict?: { returnVsZero: ReturnVsZero };
  outDir: string;
}

/** Under a week of 1-minute bars, annualized figures say little: every output says so. */
const SHORT_SAMPLE_BARS = 7 * 1440;

export const EVAL_FILES = { metrics: "metrics.json", equity: "equity.parquet", trades: "trades.parquet", tradesCsv: "trades.csv" } as const;

export async function evaluateRun(opts: EvalOptions): Promise<EvalResult> {
  const run = readRun(opts.runDir);
  const { range, label } = chooseRange(run, opts);
  const overlap = { train: overlaps(range, run.info.splitMs.train), validation: overlaps(range, run.info.splitMs.validation) };
  const warnings: string[] = [];
  if (overlap.train) {
    if (!opts.allowOverlap) {
      throw new UsageError(`the evaluation range ${iso(range.fromMs)} → ${iso(range.toMs)} overlaps the training range ${iso(run.info.splitMs.train.fromMs)} → ${iso(run.info.splitMs.train.toMs)}`, {
        hint: "evaluate on --split test (the default), move --from after the training range, or pass --allow-overlap to accept an in-sample result",
      });
    }
    warnings.push(`IN-SAMPLE: the evaluation range overlaps the training range (${iso(run.info.splitMs.train.fromMs)} → ${iso(run.info.splitMs.train.toMs)}); --allow-overlap was given. These results say nothing about unseen data.`);
  }
  if (overlap.validation && opts.model === "best") warnings.push("the evaluation range overlaps the validation range the best model was selected on: expect optimism");

  const data = await loadData(run, opts);
  const rows = rowsOf(data.openTime, range);
  if (rows.to - rows.from < 2) throw new DataError(`the feature artifact has ${rows.to - rows.from} bars in ${iso(range.fromMs)} → ${iso(range.toMs)}`, { hint: "choose a range the artifact covers (rlt features with more data)" });

  const { policy, backend } = await loadRunPolicy(run, opts.model);
  const runs = tradeAll(policy, data, rows, run, opts);
  const bars = rows.to - rows.from;
  if (bars < SHORT_SAMPLE_BARS) warnings.push(`${bars.toLocaleString("en-US")} bars (${(bars / 1440).toFixed(1)} days) is a short sample: annualized figures and intervals are wide and fragile`);
  const result = summarize(runs, opts, {
    run: run.dir,
    model: opts.model,
    backend,
    symbol: run.info.symbol,
    label,
    overlap,
    warnings,
    outDir: opts.outDir ?? path.join(run.dir, RUN_FILES.evaluations, label),
  });
  await writeArtifacts(result, runs, opts);
  return result;
}

/** The agent and every baseline over the same rows, through the same simulator and costs. */
export interface StrategyRuns {
  agent: PolicyRun;
  bh: PolicyRun;
  none: PolicyRun;
  mom: PolicyRun;
  /** One per seed, in seed order. */
  randoms: PolicyRun[];
}

export function tradeAll(policy: Policy, data: TrainingData, rows: { from: number; to: number }, run: Pick<TrainingRun, "cfg">, opts: Pick<EvalOptions, "randomRepeats" | "momentumBars" | "seed">): StrategyRuns {
  const { sim, risk } = run.cfg;
  return {
    agent: replayPolicy(policy, run.cfg.env.actions, data, rows, sim, run.cfg.env.positionInObs, risk),
    bh: replayTargets(data, rows, sim, false, buyAndHold, risk),
    none: replayTargets(data, rows, sim, false, flat, risk),
    mom: replayTargets(data, rows, sim, false, momentum(data.market, rows, opts.momentumBars), risk),
    randoms: Array.from({ length: opts.randomRepeats }, (_, k) => replayTargets(data, rows, sim, false, randomPolicy(opts.seed + k), risk)),
  };
}

type ResultMeta = Pick<EvalResult, "run" | "model" | "backend" | "symbol" | "label" | "overlap" | "warnings" | "outDir">;

/** One row per strategy: its name, equity column, run and what it is. */
export interface Strategy {
  name: string;
  column: string;
  run: PolicyRun;
  note?: string;
}

export function strategiesOf(runs: StrategyRuns, opts: Pick<EvalOptions, "randomRepeats" | "momentumBars" | "model">): Strategy[] {
  return [
    { name: "agent", column: "equity_agent", run: runs.agent, note: `${opts.model} model` },
    { name: "buy & hold", column: "equity_buy_and_hold", run: runs.bh },
    { name: "flat", column: "equity_flat", run: runs.none },
    { name: `momentum ${opts.momentumBars}`, column: "equity_momentum", run: runs.mom, note: `long above the close ${opts.momentumBars} bars earlier, short below` },
    { name: "random (median)", column: "equity_random_median", run: medianRun(runs.randoms), note: `the median-return run of ${opts.randomRepeats} seeded random policies` },
  ];
}

/** Metrics of every strategy, the random distribution and the agent's bootstrap intervals. */
export function summarize(runs: StrategyRuns, opts: Pick<EvalOptions, "randomRepeats" | "momentumBars" | "bootstrapSamples" | "blockBars" | "seed" | "model">, meta: ResultMeta): EvalResult {
  const { agent } = runs;
  const strategies = strategiesOf(runs, opts);
  const bootstrap = blockBootstrap(barReturns(agent.equity), barReturns(runs.bh.equity), { samples: opts.bootstrapSamples, blockBars: opts.blockBars, seed: opts.seed });
  return {
    ...meta,
    range: { fromMs: agent.openTime[0], toMs: barCloseMs(agent.openTime[agent.openTime.length - 1]), bars: agent.openTime.length },
    strategies: strategies.map(({ name, column, run, note }) => ({ name, column, metrics: computeMetrics({ equity: run.equity, position: run.position, trades: run.trades }), risk: summarizeRisk(run), behaviour: strategyBehaviour(run), note })),
    random: { repeats: opts.randomRepeats, totalReturn: quantiles(runs.randoms.map((r) => r.totalReturn)), sharpe: quantiles(runs.randoms.map((r) => r.sharpe)) },
    bootstrap,
    ...(agent.actions ? { actionShares: actionShares(agent.actions) } : {}),
    behaviour: behaviourAgainstBaselines(runs, strategies),
    verdict: { returnVsZero: returnVsZero(bootstrap.totalReturn) },
  };
}

/** The agent's behaviour, its positions held against the deterministic baselines' (not the random median: a coincidence there says nothing). */
export function behaviourAgainstBaselines(runs: StrategyRuns, strategies: Strategy[] = []): Behaviour {
  const named = (run: PolicyRun, fallback: string) => ({ name: strategies.find((s) => s.run === run)?.name ?? fallback, position: run.position });
  return agentBehaviour(runs.agent, [named(runs.bh, "buy & hold"), named(runs.none, "flat"), named(runs.mom, "momentum")]);
}

function medianRun(runs: PolicyRun[]): PolicyRun {
  return [...runs].sort((a, b) => a.totalReturn - b.totalReturn)[Math.floor(runs.length / 2)];
}

function chooseRange(run: TrainingRun, o: EvalOptions): { range: MsRange; label: string } {
  if (o.fromMs !== undefined || o.toMs !== undefined) {
    if (o.split) throw new UsageError("--split and --from/--to are alternatives: give one");
    const range = { fromMs: o.fromMs ?? -Infinity, toMs: o.toMs ?? Infinity };
    if (range.fromMs >= range.toMs) throw new UsageError(`--from ${iso(range.fromMs)} is not before --to ${iso(range.toMs)}`);
    return { range, label: `${o.fromMs !== undefined ? stamp(o.fromMs) : "start"}_${o.toMs !== undefined ? stamp(o.toMs) : "end"}` };
  }
  const name = o.split ?? "test";
  return { range: run.info.splitMs[name], label: name };
}

export async function loadData(run: TrainingRun, o: Pick<EvalOptions, "featuresDir" | "dataDir">): Promise<TrainingData> {
  const featuresDir = o.featuresDir ?? run.info.features;
  if (!existsSync(featuresDir)) throw new DataError(`the feature artifact ${featuresDir} is missing`, { hint: "rebuild it with rlt features, or pass --features DIR" });
  return loadTrainingData(featuresDir, o.dataDir ?? run.cfg.dataDir, expectationFrom(run.manifest));
}

/**
 * The evaluation folder, built in a staging folder beside it and swapped in whole under its lock: an
 * interrupted or failed eval (a full disk) leaves the previous one byte for byte and no partial files.
 */
export async function writeArtifacts(r: EvalResult, runs: StrategyRuns, opts: Pick<EvalOptions, "randomRepeats" | "momentumBars" | "model" | "onWait">): Promise<void> {
  await writeDirLocked(r.outDir, { what: `evaluation ${r.outDir}`, onWait: opts.onWait }, async (staging) => {
    const { instance, conn } = await openDuck();
    try {
      const a = runs.agent;
      await writeColumnsParquet(conn, path.join(staging, EVAL_FILES.equity), {
        open_time: a.openTime,
        close: a.close,
        position: Float64Array.from(a.position),
        ...Object.fromEntries(strategiesOf(runs, opts).map((s) => [s.column, s.run.equity])),
      });
      writeFileSync(path.join(staging, EVAL_FILES.tradesCsv), tradesCsv(a.trades));
      await csvToParquet(conn, path.join(staging, EVAL_FILES.tradesCsv), path.join(staging, EVAL_FILES.trades));
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    writeFileSync(path.join(staging, EVAL_FILES.metrics), `${JSON.stringify(r, jsonNumbers, 2)}\n`);
  });
}

async function csvToParquet(conn: Duck, csv: string, parquet: string): Promise<void> {
  const tmp = `${parquet}.tmp`;
  try {
    await conn.run(`COPY (SELECT * FROM read_csv(${lit(csv)}, header = true, auto_detect = true)) TO ${lit(tmp)} (FORMAT parquet)`);
    renameSync(tmp, parquet);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** JSON has no NaN or Infinity: they are written as null and "Infinity" so nothing is silently lost. */
export function jsonNumbers(_key: string, v: unknown): unknown {
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? null : v > 0 ? "Infinity" : "-Infinity";
  return v;
}

/** Rows of the artifact whose open time lies in [fromMs, toMs). */
export function rowsOf(openTime: Float64Array, r: MsRange): { from: number; to: number } {
  return { from: lowerBound(openTime, r.fromMs), to: lowerBound(openTime, r.toMs) };
}

function overlaps(a: MsRange, b: MsRange): boolean {
  return a.fromMs < b.toMs && a.toMs > b.fromMs;
}

function quantiles(xs: number[]): Quantiles {
  const sorted = Float64Array.from(xs).sort();
  return { p5: quantile(sorted, 0.05), median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

function iso(ms: number): string {
  // --from / --to may be open-ended
  return Number.isFinite(ms) ? isoMinute(ms) : ms > 0 ? "end" : "start";
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[-:]/g, "");
}
