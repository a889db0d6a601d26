// The data behind `rlt report`: everything the HTML page and the standalone SVG charts show.
// Built by the report command from an evaluation; `sampleReportData()` builds a synthetic one.
import type { Trade } from "../sim/simulator.ts";
import type { ChartMark } from "./svg.ts";

/** One named series, one value per bar (or per training row). NaN marks "undefined here". */
export interface ReportSeries {
  name: string;
  values: number[];
}

/** A closed trade as the simulator (and later the live journal) records it. */
export type ReportTrade = Omit<Trade, "exitReason"> & { exitReason: string };

/** One strategy's row of the risk table: what the risk engine refused and raised, and the protective exits. */
export interface ReportRiskRow {
  name: string;
  /** Entries denied in all, and by reason in words ("below-one-lot 5: risk-per-trade 5; halted 3"). */
  denials: number;
  denialDetail: string;
  halts: number;
  /** "daily-loss 2023-08-15T10:00", "daily-loss ×3, first … last" */
  haltDetail: string;
  barsHalted: number;
  barsReducing: number;
  /** Trades closed by stop-loss, take-profit, risk-halt, liquidation (keys as the trades' exit reasons). */
  exits: Record<string, number>;
}

/** What the agent does, beside each strategy's position shares (the report's Behaviour section). */
export interface ReportBehaviour {
  /** The agent's buy / sell / hold shares of its decisions (absent for a run without actions). */
  actions?: { buy: number; sell: number; hold: number; decisions: number };
  /** Bars the shares are of. */
  bars: number;
  /** The agent first, then each baseline, then the agent of each walk-forward fold. */
  rows: { name: string; long: number; short: number; flat: number; tradesPerDay: number; meanHoldBars: number | null; degenerate?: boolean }[];
  /** The warning line when the agent is degenerate ("DEGENERATE: long on 99.6 % of bars — …"). */
  degenerate?: string;
  /** The agent's return against zero in words, with the 95 % interval. */
  returnVsZero: string;
}

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
  /**
   * The risk engine per strategy (same order as the metrics rows); absent for an evaluation written
   * before eval recorded it.
   */
  risk?: { exitColumns: string[]; rows: ReportRiskRow[] };
  /** What the agent does (absent for an evaluation written before rlt eval recorded it). */
  behaviour?: ReportBehaviour;
  /** Bootstrap intervals etc. */
  uncertainty?: { label: string; value: string }[];
  /**
   * Training curves from the run's metrics.csv: x = update; several named series (episodic return,
   * each reward/* component, losses, approx_kl, entropy).
   */
  training?: { x: number[]; series: ReportSeries[] };
  /** Resolved YAML, shown in a <pre>. */
  config: string;
  /** Optional: vertical marks on the time charts (a session report's first differing bar). */
  marks?: ChartMark[];
  /** Optional: window (in bars) of the rolling Sharpe, shown in the chart heading. */
  rollingSharpeWindowBars?: number;
}
