// The data behind `rlt report`: everything the HTML page and the standalone SVG charts show.
// Built by the report command from an evaluation; `sampleReportData()` builds a synthetic one.
import type { Trade } from "../sim/simulator.ts";

/** One named series, one value per bar (or per training row). NaN marks "undefined here". */
export interface ReportSeries {
  name: string;
  values: number[];
}

/** A closed trade as the simulator (and later the live journal) records it. */
export type ReportTrade = Omit<Trade, "exitReason"> & { exitReason: string };

export type MetricFormat = "pct" | "num" | "usdt" | "int" | "bars";

export interface ReportData {
  /** e.g. "ppo-btcusdt — BTCUSDT test range" */
  title: string;
  /** ISO timestamp. */
  generatedAt: string;
  /** Shown prominently on the first screen (e.g. "evaluation range overlaps training: --allow-overlap"). */
  warnings: string[];
  /** Key facts: run, range, bars, backend, model hash. */
  summary: { label: string; value: string }[];
  /** Bar close times (ms since epoch, UTC). */
  timeMs: number[];
  /** Close per bar. */
  price: number[];
  /** Agent side per bar (-1/0/1). */
  position: number[];
  /** Agent first, then baselines (same length as timeMs). */
  equity: ReportSeries[];
  /** Underwater fractions (<= 0), agent first. */
  drawdown: ReportSeries[];
  /** NaN allowed where undefined. */
  rollingSharpe: ReportSeries[];
  trades: ReportTrade[];
  /** Metrics table: one row per strategy; columns = metric keys. */
  metrics: {
    /**
     * signColor: color positive values green and negative red (default: for keys/labels that read
     * like returns, PnL or drawdowns).
     */
    columns: { key: string; label: string; format: MetricFormat; signColor?: boolean }[];
    rows: { name: string; values: Record<string, number>; note?: string }[];
  };
  /** Bootstrap intervals etc. */
  uncertainty?: { label: string; value: string }[];
  /**
   * Training curves from the run's metrics.csv: x = update; several named series (episodic return,
   * each reward/* component, losses, approx_kl, entropy).
   */
  training?: { x: number[]; series: ReportSeries[] };
  /** Resolved YAML, shown in a <pre>. */
  config: string;
  /** Optional: window (in bars) of the rolling Sharpe, shown in the chart heading. */
  rollingSharpeWindowBars?: number;
}
