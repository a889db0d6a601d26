// The terminal view of an evaluation: the metrics table (agent and baselines side by side), what the
// agent does (actions, position shares, trades per day, the degenerate verdict), the random
// distribution, the bootstrap intervals and whether the return is told apart from zero, warnings first.
import type { MetricFormat } from "../report/data.ts";
import type { Metrics } from "../sim/metrics.ts";
import type { RiskSummary } from "../kernel/risk-summary.ts";
import { riskLine } from "./format-risk.ts";
import { type Behaviour, type FoldBehaviour, type StrategyBehaviour, degenerateLine, returnVsZeroLine } from "./behaviour.ts";
import type { EvalResult, StrategyMetrics } from "./run.ts";

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
  const degenerate = r.behaviour && degenerateLine(r.behaviour);
  if (degenerate) out.push(degenerate);
  out.push(`${r.symbol} ${r.label}: ${new Date(r.range.fromMs).toISOString().slice(0, 16)} → ${new Date(r.range.toMs).toISOString().slice(0, 16)} UTC, ${r.range.bars.toLocaleString("en-US")} bars, ${r.model} model of ${r.run} (${r.backend})`);
  const header = ["strategy", ...METRIC_COLUMNS.map((c) => c.short)];
  const rows = r.strategies.map((s) => [s.name, ...METRIC_COLUMNS.map((c) => terminalCell(c, s.metrics[c.key]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  out.push("", line(header), ...rows.map(line), "");
  out.push(...riskLines(r.strategies, widths[0], ""), "");
  if (r.behaviour) out.push(...behaviourBlock(r.behaviour, r.strategies, widths[0]), "");
  const folds = (r as { folds?: { fold: number; testMs: { fromMs: number; toMs: number }; agentReturn: number; buyAndHoldReturn: number; risk: { name: string; risk: RiskSummary }[]; behaviour?: FoldBehaviour }[] }).folds;
  if (folds) {
    for (const f of folds) {
      out.push(`fold ${f.fold}: test ${new Date(f.testMs.fromMs).toISOString().slice(0, 16)} → ${new Date(f.testMs.toMs).toISOString().slice(0, 16)}, agent ${pct(f.agentReturn)}, buy & hold ${pct(f.buyAndHoldReturn)}`);
      if (f.behaviour) out.push(`  agent ${foldBehaviourText(f.behaviour)}`);
      out.push(...riskLines(f.risk, widths[0], "  "));
    }
    out.push("");
  }
  const q = r.random;
  out.push(`random policy over ${q.repeats} seeds: return ${pct(q.totalReturn.p5)} / ${pct(q.totalReturn.median)} / ${pct(q.totalReturn.p95)} (5th / median / 95th percentile), Sharpe ${num(q.sharpe.p5)} / ${num(q.sharpe.median)} / ${num(q.sharpe.p95)}`);
  const b = r.bootstrap;
  out.push(`agent, block bootstrap (${b.samples} resamples of ${b.blockBars}-bar blocks): Sharpe ${num(b.sharpe.estimate)} [95 %: ${num(b.sharpe.low)}, ${num(b.sharpe.high)}], return ${pct(b.totalReturn.estimate)} [${pct(b.totalReturn.low)}, ${pct(b.totalReturn.high)}], P(beats buy & hold) ${beatsBuyAndHold(r)}`);
  out.push(`agent: ${returnVsZeroLine(b.totalReturn)}`);
  const a = r.actionShares;
  // the behaviour block shows the mix already; older results without it keep this line
  if (a && !r.behaviour) out.push(`agent actions: buy ${pct(a.buy)}, sell ${pct(a.sell)}, hold ${pct(a.hold)} of ${a.decisions.toLocaleString("en-US")} decisions (what a live session's action drift is measured against)`);
  out.push(`written: ${r.outDir}/{metrics.json, equity.parquet, trades.parquet, trades.csv}`);
  return `${out.join("\n")}\n`;
}

const share = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : "—");

/**
 * P(beats buy & hold) in words: the paired bootstrap gives exactly 0 for a series identical to buy &
 * hold (a tie is not a win), which reads as "always worse" when it means "the same thing".
 */
export function beatsBuyAndHold(r: Pick<EvalResult, "bootstrap" | "behaviour">): string {
  return r.behaviour?.verdict.identicalTo === "buy & hold" ? "— identical to buy & hold" : pct(r.bootstrap.probBeatsBenchmark);
}

/** "What the agent does": its actions, then long / short / flat shares and trades per day for it and each baseline. */
export function behaviourBlock(b: Behaviour, strategies: Pick<StrategyMetrics, "name" | "behaviour">[], nameWidth: number): string[] {
  const out = ["What the agent does:"];
  const a = b.actions;
  if (a) out.push(`  actions: buy ${share(a.buy)}, sell ${share(a.sell)}, hold ${share(a.hold)} of ${a.decisions.toLocaleString("en-US")} decisions (what a live session's action drift is measured against)`);
  const rows: [string, StrategyBehaviour][] = strategies.flatMap((s) => (s.behaviour ? [[s.name, s.behaviour] as [string, StrategyBehaviour]] : []));
  if (!rows.some(([name]) => name === "agent")) rows.unshift(["agent", b]);
  const header = ["", "long", "short", "flat", "trades/day", "mean hold"];
  const cells = rows.map(([name, s]) => [name, share(s.positions.long), share(s.positions.short), share(s.positions.flat), num(s.tradesPerDay), s.meanHoldBars === null ? "—" : `${num(s.meanHoldBars, 1)} bars`]);
  const widths = header.map((h, i) => Math.max(i === 0 ? nameWidth : 0, h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `  ${c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ")}`.trimEnd();
  out.push(line(header), ...cells.map(line));
  out.push(`  share of ${b.positions.bars.toLocaleString("en-US")} bars; ${degenerateLine(b) ?? `not degenerate: no position on more than 95 % of bars, no baseline matched bar for bar`}`);
  return out;
}

export function foldBehaviourText(f: FoldBehaviour): string {
  const p = f.positions;
  return `long ${share(p.long)} / short ${share(p.short)} / flat ${share(p.flat)} of bars, ${num(f.tradesPerDay)} trades/day${f.degenerate ? `, DEGENERATE (${f.reasons.join("; ")})` : ""}`;
}
