// `rlt report --session`: a trading session's journal beside the same run's backtest over the same bars,
// as one self-contained report.html (+ SVG charts) in the session folder. The page is the backtest
// report's (html.ts, charts.ts): live and backtest as two strategies, and the first differing bar marked.
import { renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { removeDeadStaging, writeDirAtomically } from "../core/staging.ts";
import { barCloseMs, isoMinute } from "../core/time.ts";
import { Store } from "../data/store.ts";
import { METRIC_COLUMNS } from "../eval/format.ts";
import { storeFunding } from "../rl/data.ts";
import { readRun } from "../rl/run-dir.ts";
import type { ModelChoice } from "../rl/run-files.ts";
import { loadRunPolicy } from "../rl/run-policy.ts";
import { computeMetrics, drawdownSeries, rollingSharpe } from "../sim/metrics.ts";
import type { FundingSchedule } from "../sim/simulator.ts";
import { positionChart } from "./charts.ts";
import type { ReportData } from "./data.ts";
import { type PageSection, escapeHtml, renderMetrics, renderPage, renderTrades, tradeStats } from "./html.ts";
import { type Difference, explain, firstDifference } from "./session-compare.ts";
import { type SessionRecord, loadSession, locateSession } from "../monitor/session-files.ts";
import { sessionInfo } from "./session-data.ts";
import { alertsSection, driftSection } from "./session-monitor.ts";
import { backtestTracks, journalTrades, liveTracks, replaySession, sessionBars } from "./session-replay.ts";
import { COLORS, formatPctTick, lineChart, standaloneSvg } from "./svg.ts";

export interface SessionReportOptions {
  /** A session name under runDir, or a path to runs/<name>/sessions/<session>. */
  session: string;
  runDir?: string;
  /** The store whose funding rates the backtest charges (default: the run's dataDir). */
  dataDir?: string;
}

export interface SessionReportOutput {
  html: string;
  charts: string[];
  bars: number;
  source: SessionRecord["source"];
  difference?: Difference;
}

export async function buildSessionReport(opts: SessionReportOptions): Promise<SessionReportOutput> {
  const record = await loadSession(locateSession(opts.session, opts.runDir));
  const { dump } = record;
  const info = sessionInfo(dump);
  const run = readRun(record.runDir);
  const bars = sessionBars(dump);
  const n = bars.market.openTime.length;
  const funding = await fundingOf(opts.dataDir ?? run.cfg.dataDir, info.symbol, bars.market.openTime[0], barCloseMs(bars.market.openTime[n - 1]));
  const { policy, backend } = await loadRunPolicy(run, (info.model === "final" ? "final" : "best") satisfies ModelChoice);
  const backtest = replaySession(policy, run, bars, funding?.schedule, info.symbol);

  const trades = journalTrades(dump);
  const lastClose = barCloseMs(bars.market.openTime[n - 1]);
  const live = liveTracks(dump, bars.market.openTime, bars.features);
  // version 1 journaled no trades or per-bar equity (paper sessions had neither): decisions only
  const fillsAndEquity = dump.version >= 2;
  const difference = firstDifference(live, backtestTracks(backtest, bars.features, trades.some((t) => t.exitTimeMs >= lastClose)), { mode: info.mode, fillsAndEquity });

  const liveEquity = Float64Array.from(live, (t, i) => (Number.isFinite(t.equityUsdt) ? t.equityUsdt : i === 0 ? run.cfg.sim.initialEquityUsdt : live[i - 1].equityUsdt));
  const livePosition = Int8Array.from(live, (t) => t.sideBefore);
  const window = Math.max(30, Math.min(1440, Math.floor(n / 4)));
  const metricsOf = (equity: Float64Array, position: Int8Array, list: typeof trades) => Object.fromEntries(Object.entries(computeMetrics({ equity, position, trades: list })).map(([k, v]) => [k, Number(v)]));
  const marks = difference ? [{ x: barCloseMs(difference.openTimeMs), label: `first difference: bar ${difference.index + 1} (${difference.kind})` }] : [];
  const timeMs = Array.from(bars.market.openTime, barCloseMs);
  const data: ReportData = {
    title: `${run.name} — session ${record.session} (${info.mode}, ${info.symbol}) vs its backtest`,
    generatedAt: new Date().toISOString(),
    warnings: [
      ...(difference ? [explain(difference, n)] : []),
      ...(fillsAndEquity ? [] : [`journal version ${dump.version} records no trades or per-bar equity: only the decisions are compared, and the live curve is flat`]),
    ],
    summary: [
      { label: "session", value: `${info.mode} on ${info.exchange}${info.session === record.session ? "" : ` (journaled as ${info.session})`}, read from its ${record.source === "journal" ? "journal" : "running trader's socket"}` },
      { label: "bars", value: `${n.toLocaleString("en-US")}: ${isoMinute(bars.market.openTime[0])} → ${isoMinute(lastClose)} UTC` },
      { label: "state", value: Number.isFinite(info.stoppedMs) ? `stopped ${isoMinute(info.stoppedMs)} UTC (${info.stopReason})` : "running" },
      { label: "model", value: `${info.model} (${backend})` },
      { label: "backtest", value: `the kernel's replay of the journaled bars and features, ${funding ? `funding from ${funding.from}` : "no funding rates known (no data store): none charged"}, spread: each bar's journaled book spread, else the config's default ${run.cfg.sim.defaultHalfSpreadBps} bps half spread` },
      { label: "costs", value: `taker ${(run.cfg.sim.takerFeeRate * 100).toFixed(3)} %, slippage ${run.cfg.sim.slippageBps} bps, leverage ${run.cfg.sim.leverage}×` },
    ],
    timeMs,
    price: Array.from(bars.market.close),
    position: Array.from(livePosition),
    equity: [
      { name: "live", values: Array.from(liveEquity) },
      { name: "backtest", values: Array.from(backtest.equity) },
    ],
    drawdown: [
      { name: "live", values: Array.from(drawdownSeries(liveEquity)) },
      { name: "backtest", values: Array.from(drawdownSeries(backtest.equity)) },
    ],
    rollingSharpe: [
      { name: "live", values: Array.from(rollingSharpe(liveEquity, window)) },
      { name: "backtest", values: Array.from(rollingSharpe(backtest.equity, window)) },
    ],
    rollingSharpeWindowBars: window,
    trades,
    metrics: {
      columns: METRIC_COLUMNS.map(({ key, label, format, signColor }) => ({ key, label, format, signColor })),
      rows: [
        { name: "live", values: metricsOf(liveEquity, livePosition, trades) },
        { name: "backtest", values: metricsOf(backtest.equity, backtest.position, backtest.trades), note: "closes what is open at the last close (end-of-data)" },
      ],
    },
    marks,
    config: JSON.stringify({ sim: run.cfg.sim, risk: run.cfg.risk, env: run.cfg.env }, null, 2),
  };
  const backtestView: ReportData = { ...data, position: Array.from(backtest.position), trades: backtest.trades };
  // each chart drawn once: inline in the page and as its own SVG file
  const svgs = { "equity.svg": overlayChart(data, "equity"), "drawdown.svg": overlayChart(data, "drawdown"), "position.svg": positionChart(data), "position-backtest.svg": positionChart(backtestView, "chart-position-backtest") };
  const sections: PageSection[] = [
    { id: "comparison-section", title: "Live vs backtest", html: `<p id="comparison" data-first-difference="${difference ? difference.index : ""}">${explain(difference, n)}</p>`, sub: "Bar by bar: the fills inside each bar, the decision at its close, the equity at its close." },
    { id: "metrics-section", title: "Metrics", html: renderMetrics(data), sub: "The live session and the backtest over the same bars." },
    { id: "equity-section", title: "Equity", html: svgs["equity.svg"], sub: "Account equity per bar: live (the journal's, solid) and the backtest's (dashed, on top), overlaid." },
    { id: "drawdown-section", title: "Drawdown", html: svgs["drawdown.svg"], sub: "Underwater curve: fall from the running equity peak." },
    { id: "position-section", title: "Decisions over price (live)", html: svgs["position.svg"], sub: "Shaded: the live side per bar. ▲ long entry, ▼ short entry, ○ exit (green win, red loss)." },
    { id: "backtest-position-section", title: "Decisions over price (backtest)", html: svgs["position-backtest.svg"], sub: "The backtest's side per bar and trades over the same bars." },
    { id: "trades-section", title: "Trade journal", html: renderTrades(trades), sub: tradeStats(trades) || "no closed trades in the session" },
    { id: "alerts-section", title: "Alerts", html: alertsSection(dump, timeMs, marks) },
    { id: "drift-section", title: "Drift", html: driftSection(dump, marks) },
    { id: "config-section", title: "Config", html: `<pre class="config">${escapeHtml(data.config)}</pre>`, sub: "The run's sim, risk and env sections the backtest ran under." },
  ];
  const written = await writeFiles(record.sessionDir, renderPage(data, sections), svgs);
  return { ...written, bars: n, source: record.source, difference };
}

/**
 * Live and backtest on one chart: the backtest dashed and drawn over the live curve, so where they agree
 * both stay visible (the backtest report's charts draw the first strategy on top, solid).
 */
function overlayChart(data: ReportData, which: "equity" | "drawdown"): string {
  const [live, backtest] = data[which];
  const series = [
    { name: live.name, x: data.timeMs, y: live.values, color: COLORS.agent, width: 2.4, fillToZero: which === "drawdown" },
    { name: backtest.name, x: data.timeMs, y: backtest.values, color: COLORS.baselines[0], width: 2.6, dash: "6 4" },
  ];
  return which === "equity"
    ? lineChart({ id: "chart-equity", label: "Equity: live vs backtest (USDT)", series, width: CHART_WIDTH, height: 380, xKind: "time", yLabel: "USDT", marks: data.marks })
    : lineChart({ id: "chart-drawdown", label: "Drawdown: live vs backtest", series, width: CHART_WIDTH, height: 280, xKind: "time", yTickLabel: formatPctTick, yInclude: [0], yMax: 0, marks: data.marks });
}

const CHART_WIDTH = 1000;

/** Funding rates from the store over the session's bars; undefined when there is no store or none for the symbol. */
async function fundingOf(dataDir: string | undefined, symbol: string, fromMs: number, toMs: number): Promise<{ schedule: FundingSchedule; from: string } | undefined> {
  if (!dataDir) return undefined;
  let store: Store;
  try {
    store = await Store.open(dataDir);
  } catch {
    return undefined; // no store there: the report says the backtest charged no funding
  }
  try {
    const schedule = await storeFunding(store, symbol, { fromMs, toMs });
    if (!schedule) return undefined;
    const n = schedule.timeMs.length;
    return { schedule, from: `the data store (${n} settlement${n === 1 ? "" : "s"})` };
  } finally {
    store.close();
  }
}

/** report.html (written aside, then renamed) and charts/ swapped in whole: a failure leaves the previous report. */
async function writeFiles(sessionDir: string, html: string, svgs: Record<string, string>): Promise<{ html: string; charts: string[] }> {
  const file = path.join(sessionDir, "report.html");
  const tmp = `${file}.tmp-${process.pid}`;
  removeDeadStaging(file);
  try {
    writeFileSync(tmp, html);
    const chartsDir = path.join(sessionDir, "charts");
    await writeDirAtomically(chartsDir, `the session report's charts in ${sessionDir}`, async (staging) => {
      for (const [name, svg] of Object.entries(svgs)) writeFileSync(path.join(staging, name), standaloneSvg(svg));
    });
    renameSync(tmp, file);
    return { html: file, charts: Object.keys(svgs).map((f) => path.join(chartsDir, f)) };
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
