// The terminal view of an evaluation: the metrics table (agent and baselines side by side), the random
// distribution, the bootstrap intervals, warnings first.
import type { EvalResult } from "./run.ts";

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)} %` : "—");
const num = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "—");

export const METRIC_COLUMNS = [
  { key: "totalReturn", label: "return", fmt: pct },
  { key: "sharpe", label: "Sharpe", fmt: (x: number) => num(x) },
  { key: "sortino", label: "Sortino", fmt: (x: number) => num(x) },
  { key: "maxDrawdown", label: "max DD", fmt: pct },
  { key: "maxDrawdownDurationBars", label: "DD bars", fmt: (x: number) => num(x, 0) },
  { key: "trades", label: "trades", fmt: (x: number) => num(x, 0) },
  { key: "winRate", label: "win", fmt: pct },
  { key: "avgProfitUsdt", label: "avg PnL $", fmt: (x: number) => num(x) },
  { key: "avgHoldingBars", label: "avg hold", fmt: (x: number) => num(x, 1) },
  { key: "turnoverUsdt", label: "turnover $", fmt: (x: number) => num(x, 0) },
  { key: "feesUsdt", label: "fees $", fmt: (x: number) => num(x) },
  { key: "fundingUsdt", label: "funding $", fmt: (x: number) => num(x) },
  { key: "exposure", label: "exposure", fmt: pct },
] as const;

export function formatEval(r: EvalResult): string {
  const out: string[] = [];
  for (const w of r.warnings) out.push(`WARNING: ${w}`);
  out.push(`${r.symbol} ${r.label}: ${new Date(r.range.fromMs).toISOString().slice(0, 16)} → ${new Date(r.range.toMs).toISOString().slice(0, 16)} UTC, ${r.range.bars.toLocaleString("en-US")} bars, ${r.model} model of ${r.run} (${r.backend})`);
  const header = ["strategy", ...METRIC_COLUMNS.map((c) => c.label)];
  const rows = r.strategies.map((s) => [s.name, ...METRIC_COLUMNS.map((c) => c.fmt(s.metrics[c.key]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  out.push("", line(header), ...rows.map(line), "");
  const folds = (r as { folds?: { fold: number; testMs: { fromMs: number; toMs: number }; agentReturn: number; buyAndHoldReturn: number }[] }).folds;
  if (folds) {
    for (const f of folds) out.push(`fold ${f.fold}: test ${new Date(f.testMs.fromMs).toISOString().slice(0, 16)} → ${new Date(f.testMs.toMs).toISOString().slice(0, 16)}, agent ${pct(f.agentReturn)}, buy & hold ${pct(f.buyAndHoldReturn)}`);
    out.push("");
  }
  const q = r.random;
  out.push(`random policy over ${q.repeats} seeds: return ${pct(q.totalReturn.p5)} / ${pct(q.totalReturn.median)} / ${pct(q.totalReturn.p95)} (5th / median / 95th percentile), Sharpe ${num(q.sharpe.p5)} / ${num(q.sharpe.median)} / ${num(q.sharpe.p95)}`);
  const b = r.bootstrap;
  out.push(`agent, block bootstrap (${b.samples} resamples of ${b.blockBars}-bar blocks): Sharpe ${num(b.sharpe.estimate)} [95 %: ${num(b.sharpe.low)}, ${num(b.sharpe.high)}], return ${pct(b.totalReturn.estimate)} [${pct(b.totalReturn.low)}, ${pct(b.totalReturn.high)}], P(beats buy & hold) ${pct(b.probBeatsBenchmark)}`);
  out.push(`written: ${r.outDir}/{metrics.json, equity.parquet, trades.parquet, trades.csv}`);
  return `${out.join("\n")}\n`;
}
