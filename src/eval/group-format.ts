// The terminal view of a seed group's evaluation: one row per seed, then the median and the spread
// across seeds, and a plain sentence on how many seeds beat buy & hold and flat.
import { SWING_WARNING } from "./group-stats.ts";
import type { GroupEvalResult, SeedFigures } from "./group.ts";
import type { Spread } from "./group-stats.ts";

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)} %` : "—");
const num = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "—");

interface Column {
  head: string;
  cell: (s: SeedFigures) => string;
  /** The column's figure in the spread rows (return, Sharpe, excess, trades/day); blank elsewhere. */
  spread?: (g: GroupEvalResult) => Spread | undefined;
  format?: (x: number) => string;
}

function columns(g: GroupEvalResult): Column[] {
  const cols: Column[] = [
    { head: "return", cell: (s) => pct(s.totalReturn), spread: (r) => r.spread.totalReturn, format: pct },
    { head: "95 % interval", cell: (s) => `${pct(s.totalReturnLow)} – ${pct(s.totalReturnHigh)}` },
    { head: "Sharpe", cell: (s) => num(s.sharpe), spread: (r) => r.spread.sharpe, format: (x) => num(x) },
    { head: "vs B&H", cell: (s) => pct(s.excessReturn), spread: (r) => r.spread.excessReturn, format: pct },
    { head: "P(>B&H)", cell: (s) => pct(s.probBeatsBuyAndHold) },
    { head: "trades", cell: (s) => String(s.trades) },
  ];
  if (g.spread.tradesPerDay) cols.push({ head: "trades/day", cell: (s) => num(s.tradesPerDay ?? NaN, 1), spread: (r) => r.spread.tradesPerDay, format: (x) => num(x, 1) });
  if (g.degenerate !== undefined) cols.push({ head: "degenerate", cell: (s) => (s.degenerate ? "yes" : "no") });
  cols.push({ head: "max DD", cell: (s) => pct(s.maxDrawdown) });
  return cols;
}

const SPREAD_ROWS: { name: string; pick: (s: Spread) => number }[] = [
  { name: "median", pick: (s) => s.median },
  { name: "min", pick: (s) => s.min },
  { name: "max", pick: (s) => s.max },
  { name: "IQR", pick: (s) => s.iqr },
];

export function formatGroupEval(g: GroupEvalResult): string {
  const out: string[] = [];
  for (const w of g.warnings) out.push(`WARNING: ${w}`);
  const n = g.seeds.length;
  out.push(`${g.symbol} ${g.label}: ${new Date(g.range.fromMs).toISOString().slice(0, 16)} → ${new Date(g.range.toMs).toISOString().slice(0, 16)} UTC, ${g.range.bars.toLocaleString("en-US")} bars, ${g.model} model of each of ${n} seeds of ${g.group}`);
  const cols = columns(g);
  const header = ["seed", ...cols.map((c) => c.head)];
  const rows = g.seeds.map((s) => [String(s.seed), ...cols.map((c) => c.cell(s))]);
  const spreadRows = SPREAD_ROWS.map((r) => [r.name, ...cols.map((c) => (c.spread && c.format ? c.format(r.pick(c.spread(g)!)) : ""))]);
  const widths = header.map((h, i) => Math.max(h.length, ...[...rows, ...spreadRows].map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  out.push("", line(header), ...rows.map(line), "-".repeat(widths.reduce((a, w) => a + w + 2, -2)), ...spreadRows.map(line), "");
  out.push(`buy & hold over the same bars: ${pct(g.buyAndHoldReturn)} (the same for every seed)`);
  const degenerate = g.degenerate !== undefined ? `; ${g.degenerate} of ${n} ${g.degenerate === 1 ? "is" : "are"} degenerate (one position nearly all the time, or a baseline's positions)` : "";
  out.push(`${g.beatsBuyAndHold} of ${n} seeds beat buy & hold, ${g.beatsFlat} of ${n} beat flat (0)${degenerate}.`);
  out.push(`spread of the return across seeds (max − min) ${pct(g.swing.acrossSeeds)}; a seed's own 95 % interval is ${pct(g.swing.withinSeed)} wide (median over the seeds)`);
  if (g.swing.swings) out.push(`WARNING: ${SWING_WARNING}`);
  out.push(`written: ${g.outDir}/group.json, and each seed's own evaluation in ${g.group}/seed-<k>/eval/${g.label}/`);
  return `${out.join("\n")}\n`;
}
