// `rlt report --tune tunes/<name>`: a tune's trials as one self-contained HTML page, on the eval
// report's page (renderPage, its CSS and sort script) and chart primitives. What it must say plainly:
// the best of N trials was picked on validation, so its validation figure is biased upward; its test
// figures beside the baselines are what to judge it on.
import { spreadOf } from "../eval/group-stats.ts";
import { type PageSection, escapeHtml, formatMetric, renderPage } from "../report/html.ts";
import { formatFixed } from "../report/svg.ts";
import { importanceBars, objectiveChart } from "./report-chart.ts";
import type { ObjectiveMetric, Params, SearchSpace, TrialRecord, UnitResult } from "./types.ts";

export type ParameterImportance = { method: string; params: { name: string; importance: number }[] } | { method: string; reason: string };

export interface TuneReportInput {
  /** The tune's name. */
  name: string;
  /** "tpe" | "random" | "grid", possibly with detail text. */
  method: string;
  /** The objective's metric (validation, median over units). */
  metric: ObjectiveMetric;
  space: SearchSpace;
  /** Every recorded trial (ok and failed), any order. */
  records: TrialRecord[];
  importance: ParameterImportance;
  /** ISO. */
  generatedAt: string;
  /** Where the best config was written (shown). */
  bestConfigFile?: string;
}

/** How many of the best trials the validation-against-test table shows. */
export const TOP_TRIALS = 5;

/** A figure as JSON holds it: NaN was written as null. */
const num = (x: number | null | undefined): number => (typeof x === "number" ? x : Number.NaN);
const pct = (v: number) => formatMetric(v, "pct");
const twoDecimals = (v: number) => formatFixed(v, 2);
const metricLabel = (m: ObjectiveMetric) => (m === "sharpe" ? "Sharpe" : "total return");
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Returns as %, Sharpe with 2 decimals; "—" when not finite. */
export function formatObjective(v: number | null, metric: ObjectiveMetric): string {
  return metric === "return" ? pct(num(v)) : twoDecimals(num(v));
}

/** A parameter value as the tables show it: short numbers, arrays and strings as written. */
export function formatParam(v: unknown): string {
  if (v === undefined) return "—";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString();
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The ok trials with a finite objective, best first (ties: the earlier id). */
export function rankTrials(records: TrialRecord[]): TrialRecord[] {
  return records
    .filter((r) => r.status === "ok" && Number.isFinite(num(r.objective)))
    .sort((a, b) => num(b.objective) - num(a.objective) || a.id - b.id);
}

/** The space's parameters in its order, then any a record carries beyond it (an older space). */
function paramNames(space: SearchSpace, records: TrialRecord[]): string[] {
  const names = Object.keys(space);
  for (const r of records) for (const k of Object.keys(r.params ?? {})) if (!names.includes(k)) names.push(k);
  return names;
}

const unitFigure = (u: UnitResult, range: "validation" | "test", metric: ObjectiveMetric) =>
  num(metric === "sharpe" ? u[range].sharpe : u[range].totalReturn);

// fold 0 is the config's own split: no fold to name
const unitName = (u: UnitResult) => `${u.symbol}${u.fold > 0 ? ` fold ${u.fold}` : ""} seed ${u.seed}`;

interface Column<T> {
  label: string;
  num?: boolean;
  /** Shown text, and the raw value the sort script reads (numbers: NaN sorts first). */
  cell: (row: T) => { text: string; v?: number | string; cls?: string };
}

/** A table; `sortable` adds the page's click-to-sort (numeric columns carry their raw value). */
function table<T>(id: string, columns: Column<T>[], rows: T[], opts: { sortable?: boolean; foot?: string } = {}): string {
  const head = columns
    .map((c) => `<th scope="col"${opts.sortable ? ` tabindex="0"` : ""}${c.num ? ` data-type="num"` : ` class="text"`}>${escapeHtml(c.label)}</th>`)
    .join("");
  const body = rows
    .map(
      (r) =>
        `<tr>` +
        columns
          .map((c) => {
            const { text, v, cls } = c.cell(r);
            const raw = v === undefined ? "" : ` data-v="${escapeHtml(typeof v === "number" && !Number.isFinite(v) ? "" : String(v))}"`;
            const klass = [c.num ? "" : "text", cls ?? ""].filter(Boolean).join(" ");
            return `<td${klass ? ` class="${klass}"` : ""}${raw}>${escapeHtml(text)}</td>`;
          })
          .join("") +
        `</tr>`,
    )
    .join("");
  const cls = opts.sortable ? ` class="sortable"` : "";
  return `<div class="scroll"><table id="${id}"${cls}><thead><tr>${head}</tr></thead><tbody>${body}</tbody>${opts.foot ?? ""}</table></div>`;
}

function paramColumns(names: string[]): Column<TrialRecord>[] {
  return names.map((n) => ({ label: n, num: false, cell: (r) => ({ text: formatParam(r.params?.[n]) }) }));
}

function paramsList(params: Params, names: string[]): string {
  const items = names.filter((n) => n in params).map((n) => `<dt>${escapeHtml(n)}</dt><dd>${escapeHtml(formatParam(params[n]))}</dd>`);
  return `<dl class="uncertainty" id="best-params">${items.join("")}</dl>`;
}

/** The selection-bias warning with N, the number of trials the best was picked from. */
export function selectionBiasWarning(n: number): string {
  return `the best of ${plural(n, "trial")} is optimistically biased on validation: its validation figure was selected as the maximum of ${n} noisy estimates; judge it on test`;
}

interface BaselineVerdict {
  text: string;
  beats: boolean;
}

/** The best trial's median test return against buy & hold's, after the same costs, and on how many units. */
export function buyAndHoldVerdict(best: TrialRecord): BaselineVerdict | undefined {
  const units = best.units ?? [];
  if (units.length === 0) return undefined;
  const agent = spreadOf(units.map((u) => num(u.test.totalReturn))).median;
  const bh = spreadOf(units.map((u) => num(u.test.baselines.buyAndHold))).median;
  const won = units.filter((u) => num(u.test.totalReturn) > num(u.test.baselines.buyAndHold)).length;
  const beats = agent > bh;
  const on = `median test return ${pct(agent)} against buy & hold's ${pct(bh)}, better on ${won} of ${plural(units.length, "unit")}`;
  // beating buy & hold in a falling market can still mean losing money: staying out is the other bar
  const flat = spreadOf(units.map((u) => num(u.test.baselines.flat))).median;
  const againstFlat = agent < flat ? ` It loses money where staying flat returns ${pct(flat)}.` : "";
  return beats
    ? { beats, text: `Trial ${best.id} beats buy & hold after costs on test: ${on}.${againstFlat}` }
    : { beats, text: `Trial ${best.id} does not beat buy & hold after costs on test: ${on}.${againstFlat}` };
}

function summarySection(input: TuneReportInput, ranked: TrialRecord[], names: string[]): string {
  const ok = input.records.filter((r) => r.status === "ok").length;
  const failed = input.records.length - ok;
  const best = ranked[0];
  const counts = `<p class="verdict" id="trial-counts">${plural(input.records.length, "trial")} recorded: ${ok} ok, ${failed} failed.</p>`;
  if (!best) return `${counts}<p class="empty" id="no-best">no trial has a validation objective yet</p>`;
  const m = metricLabel(input.metric);
  const line =
    `<p class="verdict" id="best-line">Best: trial ${best.id}, validation ${m} ${escapeHtml(formatObjective(best.objective, input.metric))} ` +
    `(median over ${plural(best.units?.length ?? 0, "unit")}); test ${m} ${escapeHtml(formatObjective(best.testObjective, input.metric))}.` +
    (input.bestConfigFile ? ` Its config: <code>${escapeHtml(input.bestConfigFile)}</code>.` : "") +
    `</p>`;
  return counts + line + paramsList(best.params ?? {}, names);
}

function importanceSection(imp: ParameterImportance): string {
  if ("reason" in imp) return `<p class="empty" id="no-importance">not available: ${escapeHtml(imp.reason)}</p>`;
  if (imp.params.length === 0) return `<p class="empty" id="no-importance">not available: no parameters</p>`;
  return importanceBars(imp.params);
}

function spreadText(u: UnitResult[], range: "validation" | "test", metric: ObjectiveMetric): { text: string; v: number } {
  const s = spreadOf(u.map((x) => unitFigure(x, range, metric)));
  return { text: `${formatObjective(s.min, metric)} – ${formatObjective(s.max, metric)}`, v: s.max - s.min };
}

function bestTrialsSection(input: TuneReportInput, ranked: TrialRecord[], names: string[]): string {
  if (ranked.length === 0) return `<p class="empty" id="no-best-trials">no trial finished ok</p>`;
  const m = input.metric;
  const warning = `<div class="warnings" role="alert" id="selection-bias"><strong>Selection bias</strong>${escapeHtml(selectionBiasWarning(ranked.length))}</div>`;
  const columns: Column<TrialRecord>[] = [
    { label: "Trial", num: true, cell: (r) => ({ text: String(r.id) }) },
    ...paramColumns(names),
    { label: `Validation ${metricLabel(m)} (median)`, num: true, cell: (r) => ({ text: formatObjective(r.objective, m) }) },
    { label: "Test (median)", num: true, cell: (r) => ({ text: formatObjective(r.testObjective, m) }) },
    { label: "Validation min – max over units", num: true, cell: (r) => ({ text: spreadText(r.units ?? [], "validation", m).text }) },
    { label: "Test min – max over units", num: true, cell: (r) => ({ text: spreadText(r.units ?? [], "test", m).text }) },
    { label: "Units", num: true, cell: (r) => ({ text: String(r.units?.length ?? 0) }) },
  ];
  return warning + table("best-trials", columns, ranked.slice(0, TOP_TRIALS));
}

function baselinesSection(best: TrialRecord | undefined): { html: string; verdict?: BaselineVerdict } {
  if (!best) return { html: `<p class="empty" id="no-baselines">no trial finished ok</p>` };
  const units = best.units ?? [];
  const verdict = buyAndHoldVerdict(best);
  if (!verdict) return { html: `<p class="empty" id="no-baselines">trial ${best.id} recorded no units</p>` };
  const degenerate = units.filter((u) => u.test.degenerate);
  const figures: [string, (u: UnitResult) => number, (v: number) => string][] = [
    ["Agent return", (u) => num(u.test.totalReturn), pct],
    ["Agent Sharpe", (u) => num(u.test.sharpe), twoDecimals],
    ["Buy & hold", (u) => num(u.test.baselines.buyAndHold), pct],
    ["Flat", (u) => num(u.test.baselines.flat), pct],
    ["Momentum", (u) => num(u.test.baselines.momentum), pct],
    ["Random (median)", (u) => num(u.test.baselines.randomMedian), pct],
  ];
  const columns: Column<UnitResult>[] = [
    { label: "Symbol", cell: (u) => ({ text: u.symbol }) },
    { label: "Fold", num: true, cell: (u) => ({ text: u.fold > 0 ? String(u.fold) : "—" }) },
    { label: "Seed", num: true, cell: (u) => ({ text: String(u.seed) }) },
    ...figures.map(([label, get, show]): Column<UnitResult> => ({ label, num: true, cell: (u) => ({ text: show(get(u)) }) })),
    { label: "Test degenerate", cell: (u) => ({ text: u.test.degenerate ? "degenerate" : "", cls: u.test.degenerate ? "flag" : "" }) },
  ];
  const medians = figures.map(([, get, show]) => `<td>${escapeHtml(show(spreadOf(units.map(get)).median))}</td>`).join("");
  const foot = `<tfoot><tr class="agent" id="median-row"><td class="text">median over units</td><td></td><td></td>${medians}<td class="text">${degenerate.length} of ${units.length}</td></tr></tfoot>`;
  const verdictHtml = `<p class="${verdict.beats ? "verdict" : "degenerate"}" id="verdict-buy-and-hold">${escapeHtml(verdict.text)}</p>`;
  const degenerateHtml = degenerate.length
    ? `<p class="degenerate" id="degenerate-units">Degenerate on test (one position on over 95 % of bars, or a baseline's positions): ${escapeHtml(degenerate.map(unitName).join(", "))}.</p>`
    : `<p class="verdict" id="degenerate-units">No unit is degenerate on test.</p>`;
  return { html: verdictHtml + degenerateHtml + table("best-vs-baselines", columns, units, { foot }), verdict };
}

function failedSection(records: TrialRecord[]): string {
  const failed = records.filter((r) => r.status !== "ok").sort((a, b) => a.id - b.id);
  if (failed.length === 0) return `<p class="empty" id="no-failed">no trial failed</p>`;
  const columns: Column<TrialRecord>[] = [
    { label: "Trial", num: true, cell: (r) => ({ text: String(r.id) }) },
    { label: "Error", cell: (r) => ({ text: r.error ?? "(no message)", cls: "detail" }) },
    { label: "Worker", cell: (r) => ({ text: r.worker ?? "—" }) },
    { label: "Attempts", num: true, cell: (r) => ({ text: String(r.attempts ?? "—") }) },
  ];
  return table("failed", columns, failed);
}

function allTrialsSection(input: TuneReportInput, names: string[]): string {
  const m = input.metric;
  const rows = [...input.records].sort((a, b) => a.id - b.id);
  const columns: Column<TrialRecord>[] = [
    { label: "Trial", num: true, cell: (r) => ({ text: String(r.id), v: r.id }) },
    { label: "Status", cell: (r) => ({ text: r.status, cls: r.status === "ok" ? "" : "neg" }) },
    { label: `Validation ${metricLabel(m)}`, num: true, cell: (r) => ({ text: formatObjective(r.objective, m), v: num(r.objective) }) },
    { label: "Test", num: true, cell: (r) => ({ text: formatObjective(r.testObjective, m), v: num(r.testObjective) }) },
    { label: "Wall s", num: true, cell: (r) => ({ text: formatFixed(num(r.wallSeconds), 1), v: num(r.wallSeconds) }) },
    { label: "Worker", cell: (r) => ({ text: r.worker ?? "—" }) },
    { label: "Attempts", num: true, cell: (r) => ({ text: String(r.attempts ?? "—"), v: r.attempts }) },
    ...paramColumns(names),
  ];
  return table("trials", columns, rows, { sortable: true });
}

/** The whole tune report as one self-contained HTML document. */
export function renderTuneReport(input: TuneReportInput): string {
  const ranked = rankTrials(input.records);
  const best = ranked[0];
  const names = paramNames(input.space, input.records);
  const m = metricLabel(input.metric);
  const ok = input.records.filter((r) => r.status === "ok").length;
  const baselines = baselinesSection(best);
  const sections: PageSection[] = [
    { id: "summary-section", title: "Summary", html: summarySection(input, ranked, names), sub: `Search: ${input.method}. Objective: validation ${m}, median over units (symbol × fold × seed).` },
    {
      id: "objective-section",
      title: "Objective per trial",
      html: objectiveChart(input.records.map((r) => ({ id: r.id, objective: num(r.objective), failed: r.status !== "ok" })), input.metric),
      sub: `Validation ${m} (median over units) of each ok trial against its id; the line is the best so far; ▲ on the axis: a failed trial.`,
    },
    { id: "importance-section", title: "Parameter importance", html: importanceSection(input.importance), sub: `Method: ${input.importance.method}.` },
    {
      id: "best-section",
      title: "Best trials: validation against test",
      html: bestTrialsSection(input, ranked, names),
      sub: `The ${Math.min(TOP_TRIALS, ranked.length)} best ok trials by validation ${m}; test was never used by the search.`,
    },
    {
      id: "baselines-section",
      title: "Best trial on test beside the baselines",
      html: baselines.html,
      sub: best ? `Trial ${best.id}, each unit's test range with the same costs for every strategy; baselines as total return.` : undefined,
    },
    { id: "failed-section", title: "Failed trials", html: failedSection(input.records) },
    { id: "trials-section", title: "All trials", html: allTrialsSection(input, names), sub: "Click a column header to sort." },
  ];
  const warnings = [
    ...(best ? [selectionBiasWarning(ranked.length)] : []),
    ...(baselines.verdict && !baselines.verdict.beats ? [baselines.verdict.text] : []),
  ];
  const summary = [
    { label: "tune", value: input.name },
    { label: "method", value: input.method },
    { label: "objective", value: `validation ${m}, median over units` },
    { label: "trials", value: `${ok} ok, ${input.records.length - ok} failed` },
    { label: "best trial", value: best ? `${best.id}: ${formatObjective(best.objective, input.metric)} (test ${formatObjective(best.testObjective, input.metric)})` : "—" },
    ...(input.bestConfigFile ? [{ label: "best config", value: input.bestConfigFile }] : []),
  ];
  return renderPage({ title: `tune ${input.name}`, generatedAt: input.generatedAt, warnings, summary }, sections);
}
