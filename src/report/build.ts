// `rlt report`: an evaluation (runs/<name>/eval/<label>/) and its run's training log → ReportData →
// one self-contained report.html plus standalone SVG charts beside it.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DataError } from "../core/errors.ts";
import { asDiskError, lockFileFor, removeDeadStaging, writeDirAtomically } from "../core/staging.ts";
import { withLock } from "../core/lock.ts";
import { lit, openDuck, queryFloat64Columns } from "../data/duck.ts";
import { METRIC_COLUMNS, beatsBuyAndHold } from "../eval/format.ts";
import { returnVsZeroLine } from "../eval/behaviour.ts";
import { reportBehaviour } from "./behaviour.ts";
import { denialDetail, haltDetail } from "../eval/format-risk.ts";
import { PROTECTIVE_EXITS } from "../kernel/risk-summary.ts";
import { drawdownSeries, rollingSharpe } from "../sim/metrics.ts";
import { EVAL_FILES, type EvalResult } from "../eval/run.ts";
import type { WalkForwardResult } from "../eval/walk-forward.ts";
import { type TrainingRun, readRun } from "../rl/run-dir.ts";
import { renderChartSvgs } from "./charts.ts";
import type { ReportData, ReportRiskRow, ReportTrade } from "./data.ts";
import { renderReportHtml } from "./html.ts";
import { barCloseMs, isoMinute } from "../core/time.ts";
import { RUN_FILES } from "../rl/run-files.ts";

const TRAINING_SERIES = [
  "charts/episodic_return", "charts/step_reward", "reward/pnl", "reward/sharpe", "reward/drawdown", "reward/frequency", "reward/holding", "reward/spreadCost",
  "losses/policy_loss", "losses/value_loss", "losses/entropy", "losses/approx_kl", "losses/clipfrac", "val/total_return",
];

export interface ReportOutput {
  html: string;
  charts: string[];
}

export interface ReportOptions {
  /** Told once when another writer (rlt eval, rlt report) holds the evaluation folder's lock. */
  onWait?: (message: string) => void;
}

export async function buildReport(runDir: string, label: string, opts: ReportOptions = {}): Promise<ReportOutput> {
  const run = readRun(runDir);
  const evalDir = path.join(runDir, RUN_FILES.evaluations, label);
  const missing = [EVAL_FILES.metrics, EVAL_FILES.equity, EVAL_FILES.tradesCsv].filter((f) => !existsSync(path.join(evalDir, f)));
  if (missing.length) throw new DataError(`${evalDir} lacks ${missing.join(", ")}`, { hint: `run: rlt eval --run ${runDir}${label === "test" ? "" : " (with the same range)"}` });
  const what = `the report of ${evalDir}`;
  try {
    // read and written under the evaluation folder's lock: rlt eval cannot swap the folder in between
    return await withLock(lockFileFor(evalDir), { purpose: what, onWait: opts.onWait }, async () => writeReportFiles(evalDir, await reportData(run, runDir, evalDir), what));
  } catch (err) {
    throw asDiskError(err, what, evalDir);
  }
}

async function reportData(run: TrainingRun, runDir: string, evalDir: string): Promise<ReportData> {
  const result = JSON.parse(readFileSync(path.join(evalDir, EVAL_FILES.metrics), "utf8")) as EvalResult;
  const { instance, conn } = await openDuck();
  let cols: Record<string, Float64Array>;
  try {
    cols = await queryFloat64Columns(conn, `SELECT * FROM read_parquet(${lit(path.join(evalDir, EVAL_FILES.equity))}) ORDER BY open_time`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  const n = cols.open_time.length;
  const window = Math.max(30, Math.min(1440, Math.floor(n / 4)));
  const series = result.strategies.map((s) => ({ name: s.name, eq: cols[s.column] })).filter((s) => s.eq);
  const b = result.bootstrap;
  const fmtPct = (x: number | null) => (x === null || !Number.isFinite(x) ? "—" : `${(100 * x).toFixed(2)} %`);
  const behaviour = reportBehaviour(result);
  const data: ReportData = {
    title: `${run.name} — ${result.symbol} ${result.label} range`,
    generatedAt: new Date().toISOString(),
    // the degenerate verdict stands with the warnings on the first screen, before any return is read
    warnings: [...result.warnings, ...(behaviour?.degenerate ? [behaviour.degenerate] : [])],
    summary: [
      // an older evaluation has the interval too: the verdict is read from it
      { label: "return vs zero", value: returnVsZeroLine(b.totalReturn) },
      { label: "run", value: run.dir },
      { label: "range", value: `${isoMinute(result.range.fromMs)} → ${isoMinute(result.range.toMs)} UTC` },
      { label: "bars", value: result.range.bars.toLocaleString("en-US") },
      { label: "model", value: `${result.model} (${result.backend})` },
      { label: "trained on", value: trainedOn(result, run.info.splitMs.train) },
      { label: "costs", value: `taker ${(run.cfg.sim.takerFeeRate * 100).toFixed(3)} %, slippage ${run.cfg.sim.slippageBps} bps, leverage ${run.cfg.sim.leverage}×` },
    ],
    timeMs: Array.from(cols.open_time, barCloseMs),
    price: Array.from(cols.close),
    position: Array.from(cols.position),
    equity: series.map((s) => ({ name: s.name, values: Array.from(s.eq) })),
    drawdown: series.map((s) => ({ name: s.name, values: Array.from(drawdownSeries(s.eq)) })),
    rollingSharpe: series.map((s) => ({ name: s.name, values: Array.from(rollingSharpe(s.eq, window)) })),
    rollingSharpeWindowBars: window,
    trades: readTrades(path.join(evalDir, EVAL_FILES.tradesCsv)),
    metrics: {
      columns: METRIC_COLUMNS.map(({ key, label, format, signColor }) => ({ key, label, format, signColor })),
      rows: result.strategies.map((s) => ({ name: s.name, note: s.note, values: Object.fromEntries(Object.entries(s.metrics).map(([k, v]) => [k, v === null ? Number.NaN : Number(v)])) })),
    },
    risk: riskRows(result),
    behaviour,
    uncertainty: [
      { label: `agent Sharpe, 95 % block-bootstrap interval (${b.samples} resamples, ${b.blockBars}-bar blocks)`, value: `${b.sharpe.estimate.toFixed(2)} [${b.sharpe.low.toFixed(2)}, ${b.sharpe.high.toFixed(2)}]` },
      { label: "agent return, 95 % interval", value: `${fmtPct(b.totalReturn.estimate)} [${fmtPct(b.totalReturn.low)}, ${fmtPct(b.totalReturn.high)}]` },
      { label: "P(agent's return beats buy & hold), paired resamples", value: beatsBuyAndHold(result) },
      { label: `random policy return over ${result.random.repeats} seeds (5th / median / 95th)`, value: `${fmtPct(result.random.totalReturn.p5)} / ${fmtPct(result.random.totalReturn.median)} / ${fmtPct(result.random.totalReturn.p95)}` },
    ],
    training: readTraining(path.join(runDir, RUN_FILES.metrics)),
    config: readFileSync(path.join(runDir, RUN_FILES.config), "utf8"),
  };
  return data;
}

/**
 * report.html and charts/ go into the evaluation folder (the caller holds its lock). The page is written
 * aside first, the charts folder is swapped in whole, then the page is renamed: a failure (a full disk)
 * removes the partial files and leaves the previous report as it was.
 */
async function writeReportFiles(evalDir: string, data: ReportData, what: string): Promise<ReportOutput> {
  const html = path.join(evalDir, "report.html");
  const chartsDir = path.join(evalDir, "charts");
  const htmlTmp = `${html}.tmp-${process.pid}`;
  removeDeadStaging(html); // report.html.tmp-PID of a report that died
  rmSync(`${html}.tmp`, { force: true }); // the fixed name older versions used
  try {
    writeFileSync(htmlTmp, renderReportHtml(data));
    const svgs = renderChartSvgs(data);
    await writeDirAtomically(chartsDir, what, async (staging) => {
      for (const [file, svg] of Object.entries(svgs)) writeFileSync(path.join(staging, file), svg);
    });
    renameSync(htmlTmp, html);
    return { html, charts: Object.keys(svgs).map((f) => path.join(chartsDir, f)) };
  } catch (err) {
    rmSync(htmlTmp, { force: true });
    throw err;
  }
}

function readTrades(file: string): ReportTrade[] {
  const [header, ...lines] = readFileSync(file, "utf8").trim().split("\n");
  const cols = header.split(",");
  return lines.map((line) => {
    const v = Object.fromEntries(line.split(",").map((x, i) => [cols[i], x]));
    return {
      side: v.side === "long" ? 1 : -1,
      entryTimeMs: Date.parse(v.entry_time),
      exitTimeMs: Date.parse(v.exit_time),
      entryPrice: Number(v.entry_price),
      exitPrice: Number(v.exit_price),
      qty: Number(v.qty),
      feesUsdt: Number(v.fees_usdt),
      fundingUsdt: Number(v.funding_usdt),
      pnlUsdt: Number(v.pnl_usdt),
      holdingBars: Number(v.holding_bars),
      exitReason: v.exit_reason,
    };
  });
}

function readTraining(file: string): ReportData["training"] {
  if (!existsSync(file)) return undefined;
  const [header, ...lines] = readFileSync(file, "utf8").trim().split("\n");
  if (!lines.length) return undefined;
  const cols = header.split(",");
  const rows = lines.map((l) => l.split(",").map((x) => (x === "" ? Number.NaN : Number(x))));
  const at = (name: string) => rows.map((r) => r[cols.indexOf(name)]);
  // a series never logged in this run (no episode finished yet, no evaluation) has nothing to draw
  const series = TRAINING_SERIES.filter((s) => cols.includes(s))
    .map((s) => ({ name: s, values: at(s) }))
    .filter((s) => s.values.some(Number.isFinite));
  return series.length ? { x: at("update"), series } : undefined;
}

/**
 * The risk table's rows: every strategy (chained over the folds for walk-forward), then the agent of
 * each walk-forward fold; none for an evaluation written before eval recorded the engine.
 */
export function riskRows(result: Pick<EvalResult, "strategies"> & { folds?: WalkForwardResult["folds"] }): ReportData["risk"] {
  if (!result.strategies.every((s) => s.risk)) return undefined;
  const perFold = (result.folds ?? []).flatMap((f) => (f.risk ?? []).filter((s) => s.name === "agent").map((s) => ({ name: `agent, fold ${f.fold}`, risk: s.risk })));
  const rows: ReportRiskRow[] = [...result.strategies, ...perFold].map(({ name, risk: r }) => ({
    name,
    denials: r.denials,
    denialDetail: denialDetail(r),
    halts: r.halts,
    haltDetail: haltDetail(r),
    barsHalted: r.barsHalted,
    barsReducing: r.barsReducing,
    exits: Object.fromEntries(PROTECTIVE_EXITS.map((e) => [e, r.exitsByReason[e] ?? 0])),
  }));
  return { exitColumns: [...PROTECTIVE_EXITS], rows };
}

function trainedOn(result: EvalResult & { folds?: WalkForwardResult["folds"] }, train: { fromMs: number; toMs: number }): string {
  // walk-forward: a fresh agent per fold, each on its own window
  if (result.folds) return result.folds.map((f) => `fold ${f.fold}: ${isoMinute(f.trainMs.fromMs)} → ${isoMinute(f.trainMs.toMs)}`).join("; ");
  return `${isoMinute(train.fromMs)} → ${isoMinute(train.toMs)} UTC`;
}
