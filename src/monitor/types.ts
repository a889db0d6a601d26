// What a front end sees of a trading session and what it may ask of it. The terminal UI, the headless
// lines, the Unix socket (attach, `rlt trade status --json`) and the journal reader of a finished session
// all speak these types: one view, plain JSON (no Maps, no typed arrays, NaN as null on the wire).
import type { RiskState } from "../sim/risk-gate.ts";
import type { Side } from "../sim/costs.ts";
import type { HealthView } from "../trade/health.ts";
import type { SessionStatus } from "../trade/session.ts";

export type AlertLevel = "info" | "warning" | "critical";
export type AlertCategory = "risk" | "performance" | "technical" | "drift";

export interface Alert {
  /** Wall clock of the alert (ms). */
  atMs: number;
  /** The bar it belongs to, when it belongs to one. */
  barOpenTimeMs?: number;
  level: AlertLevel;
  category: AlertCategory;
  /** What fired, e.g. "drawdown", "stream-silent", "feature-drift": repeats of one kind+subject are suppressed. */
  kind: string;
  /** What it is about, when a kind has several (a stream route, a feature): part of the suppression key. */
  subject?: string;
  message: string;
  /** Repeats of this alert suppressed since it was last shown (and sent). */
  suppressed?: number;
}

// a session's connection health is the trading core's own account of it (trade/health.ts)
export type { HealthView, StreamHealth } from "../trade/health.ts";

export interface FeatureDrift {
  name: string;
  /** Population stability index of the rolling window against the training range; NaN while the window fills. */
  psi: number;
  /** This feature's alert level: the configured threshold, or the largest index a window of the training range itself showed when that is higher. */
  threshold?: number;
}

export interface DriftView {
  enabled: boolean;
  /** Why drift is off (an old feature manifest, no eval action distribution). */
  reason?: string;
  /** Bars in the rolling window, and how many it holds so far. */
  window: number;
  filled: number;
  threshold: number;
  features: FeatureDrift[];
  /** Index of the live buy/sell/hold distribution against the policy's in evaluation (undefined: not known). */
  actionPsi?: number;
  actionReason?: string;
}

export interface DecisionView {
  barOpenTimeMs: number;
  close: number;
  action: "buy" | "sell" | "hold";
  probabilities?: [number, number, number];
  current: Side;
  target: Side;
  limitedBy?: string;
}

export interface TradeView {
  side: 1 | -1;
  qty: number;
  entryTimeMs: number;
  exitTimeMs: number;
  entryPrice: number;
  exitPrice: number;
  pnlUsdt: number;
  feesUsdt: number;
  fundingUsdt: number;
  exitReason: string;
}

export interface PositionView {
  side: 1 | -1;
  qty: number;
  entryPrice: number;
  markPrice: number;
  unrealizedPnlUsdt: number;
  liquidationPrice: number;
  marginUsdt: number;
  stopPrice?: number;
  takeProfitPrice?: number;
}

export interface RiskEventView {
  atMs: number;
  barOpenTimeMs: number;
  kind: "denial" | "halt" | "resume" | "reducing";
  reason: string;
  message: string;
}

export interface MonitorView {
  session: string;
  symbol: string;
  mode: "paper" | "exchange";
  exchange: string;
  run: string;
  status: SessionStatus;
  /** The last status message ("new entries paused", "stopped flat"). */
  statusMessage?: string;
  /** Wall ms the view was taken, and the session started. */
  asOfMs: number;
  startedMs: number;
  bars: number;
  lastBarOpenTimeMs?: number;
  lastClose?: number;
  position?: PositionView;
  balanceUsdt: number;
  equityUsdt: number;
  startEquityUsdt: number;
  /** Margin held by the position over equity (0 flat). */
  marginUse: number;
  realizedPnlUsdt: number;
  /** Realized PnL of trades that closed today (UTC). */
  todayRealizedPnlUsdt: number;
  feesUsdt: number;
  fundingUsdt: number;
  trades: number;
  /** Equity after each bar, oldest first, at most EQUITY_POINTS (the sparkline). */
  equity: { timeMs: number; equityUsdt: number }[];
  /** Newest last, at most RECENT. */
  recentTrades: TradeView[];
  recentDecisions: DecisionView[];
  risk: { state: RiskState; reason?: string; recent: RiskEventView[]; denials: number };
  health: HealthView;
  drift: DriftView;
  /** Newest last, at most RECENT_ALERTS. */
  alerts: Alert[];
  warnings: string[];
}

export const EQUITY_POINTS = 240;
export const RECENT = 10;
export const RECENT_ALERTS = 20;

/** What the UI may ask of a running session; absent on an attached (read-only) view. */
export interface TradeControls {
  pauseEntries(): void;
  resume(): void;
  /** Close the position now and pause new entries (otherwise the next bar would open it again). */
  flattenNow(): Promise<void>;
  /** End the session, keeping the position (its exchange-side stop stays) or flattening it. */
  quit(onExit: "keep" | "flatten"): void;
}

/** A view that changes: the monitor in the trader's process, or a socket attached to it. */
export interface MonitorSource {
  snapshot(): MonitorView;
  /** Called after each change (coalesced by the caller as it likes); returns the unsubscribe. */
  subscribe(listener: (view: MonitorView) => void): () => void;
  /** Alerts as they fire, for front ends that print them (headless lines, webhooks). */
  onAlert?(listener: (alert: Alert) => void): () => void;
}
