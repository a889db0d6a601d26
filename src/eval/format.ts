// The terminal view of an evaluation: the metrics table (agent and baselines side by side), the random
// distribution, the bootstrap intervals, warnings first.
import type { MetricFormat } from "../report/data.ts";
import type { Metrics } from "../sim/metrics.ts";
import type { RiskSummary } from "../kernel/risk-summary.ts";
import { riskLine } from "./format-risk.ts";
import type { EvalResult } from "./run.ts";

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)} %` : "—");
const num = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "—");

/**
 * The metrics table, one list for the terminal (`short`, `digits`) and the report (`label`, `format`):
 * both show the same metrics in the same order.
 */
export const METRIC_COLUMNS: { key: keyof Metrics; short: string; label: string; format: MetricFormat; digits?: number; signColor?: boolean }[] = [
  { key: "totalReturn", short: "return", label: "Return", format: "pct" },
  { key: "sharpe", short: "Sharpe", label: "Sharpe", format: "num" },
  { key: "sortino", short: "Sortino", label: "Sortino", format: "num" },
  { key: "maxDrawdown", short: "max DD", label: "Max drawdown", format: "pct", signColor: false },
  { key: "maxDrawdownDurationBars", short: "DD bars", label: "DD duration", format: "bars", digits: 0, signColor: false },
  { key: "trades", short: "trades", label: "Trades", format: "int", digits: 0 },
  { key: "winRate", short: "win", label: "Win rate", format: "pct" },
  { key: "avgProfitUsdt", short: "avg PnL $", label: "Avg PnL / trade", format: "usdt" },
  { key: "avgHoldingBars", short: "avg hold", label: "Avg holding", format: "bars", digits: 1 },
  { key: "turnoverUsdt", short: "turnover $", label: "Turnover", format: "usdt", digits: 0 },
  { key: "feesUsdt", short: "fees $", label: "Fees", format: "usdt" },
  { key: "fundingUsdt", short: "funding $", label: "Funding", format: "usdt" },
  { key: "exposure", short: "exposure", label: "Exposure", format: "pct" },
];

function terminalCell(c: (typeof METRIC_COLUMNS)[number], x: number): string {
  return c.format === "pct" ? pct(x) : num(x, c.digits ?? 2);
}

/** One line per strategy: its name, then what the risk engine did (riskLine). */
function riskLines(rows: { name: string; risk: RiskSummary }[], nameWidth: number, indent: string): string[] {
  return rows.map((s) => `${indent}${s.name.padEnd(nameWidth)}  ${riskLine(s.risk)}`);
}

export function formatEval(r: EvalResult): string {
  const out: string[] = [];
  for (const w of r.warnings) out.push(`WARNING: ${w}`);
  out.push(`${r.symbol} ${r.label}: ${new Date(r.range.fromMs).toISOString().slice(0, 16)} → ${new Date(r.range.toMs).toISOString().slice(0, 16)} UTC, ${r.range.bars.toLocaleString("en-US")} bars, ${r.model} model of ${r.run} (${r.backend})`);
  const header = ["strategy", ...METRIC_COLUMNS.map((c) => c.short)];
  const rows = r.strategies.map((s) => [s.name, ...METRIC_COLUMNS.map((c) => terminalCell(c, s.metrics[c.key]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  out.push("", line(header), ...rows.map(line), "");
  out.push(...riskLines(r.strategies, widths[0], ""), "");
  const folds = (r as { folds?: { fold: number; testMs: { fromMs: number; toMs: number }; agentReturn: number; buyAndHoldReturn: number; risk: { name: string; risk: RiskSummary }[] }[] }).folds;
  if (folds) {
    for (const f of folds) {
      out.push(`fold ${f.fold}: test ${new Date(f.testMs.fromMs).toISOString().slice(0, 16)} → ${new Date(f.testMs.toMs).toISOString().slice(0, 16)}, agent ${pct(f.agentReturn)}, buy & hold ${pct(f.buyAndHoldReturn)}`);
      out.push(...riskLines(f.risk, widths[0], "  "));
    }
    out.push("");
  }
  const q = r.random;
  out.push(`random policy over ${q.repeats} seeds: return ${pct(q.totalReturn.p5)} / ${pct(q.totalReturn.median)} / ${pct(q.totalReturn.p95)} (5th / median / 95th percentile), Sharpe ${num(q.sharpe.p5)} / ${num(q.sharpe.median)} / ${num(q.sharpe.p95)}`);
  const b = r.bootstrap;
  out.push(`agent, block bootstrap (${b.samples} resamples of ${b.blockBars}-bar blocks): Sharpe ${num(b.sharpe.estimate)} [95 %: ${num(b.sharpe.low)}, ${num(b.sharpe.high)}], return ${pct(b.totalReturn.estimate)} [${pct(b.totalReturn.low)}, ${pct(b.totalReturn.high)}], P(beats buy & hold) ${pct(b.probBeatsBenchmark)}`);
  const a = r.actionShares;
  if (a) out.push(`agent actions: buy ${pct(a.buy)}, sell ${pct(a.sell)}, hold ${pct(a.hold)} of ${a.decisions.toLocaleString("en-US")} decisions (what a live session's action drift is measured against)`);
  out.push(`written: ${r.outDir}/{metrics.json, equity.parquet, trades.parquet, trades.csv}`);
  return `${out.join("\n")}\n`;
}
