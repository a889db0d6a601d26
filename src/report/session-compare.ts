// Live vs backtest bar by bar: the first bar where the fills, the decision or the equity differ, and a
// sentence on why. Both sides arrive as the same per-bar track (what was filled inside the bar, what was
// decided at its close, the equity at its close), so this module only compares; it computes no PnL.
import { ACTIONS } from "../kernel/actions.ts";
import { formatFixed, utcDateTime } from "./svg.ts";

export interface TrackFill {
  /** +1 bought, −1 sold. */
  side: 1 | -1;
  qty: number;
  priceUsdt: number;
  /** "entry", or the exit's reason (signal, stop-loss, take-profit, liquidation, risk-halt, end-of-data). */
  what: string;
}

export interface BarTrack {
  openTimeMs: number;
  /** Fills executed inside this bar (at its open, or a stop, take-profit or liquidation within it). */
  fills: TrackFill[];
  /** The policy's action at this bar's close (0 buy, 1 sell, 2 hold; absent = none recorded). */
  action?: number;
  /** The position asked for at this bar's close. */
  target?: number;
  /** Why the live target was limited (entries paused, stopping). */
  note?: string;
  /** Side held when the decision was taken. */
  sideBefore: number;
  equityUsdt: number;
  /** Risk denials journaled for this bar (live) or raised by the replay's risk engine. */
  denials: string[];
  /** Names of the features masked (missing) at this bar. */
  masked: string[];
}

export interface Difference {
  index: number;
  openTimeMs: number;
  kind: "fill" | "decision" | "equity";
  /** One line each: what live did, what the backtest did, and why they differ. */
  live: string;
  backtest: string;
  why: string;
}

export interface CompareContext {
  mode: string;
  /** Bars compared: the last bar's decision is never filled by the backtest, which closes at the end instead. */
  decidedBars?: number;
  /** Relative tolerance for prices, quantities and equity (the parity tests hold paper to 1e-9). */
  tolerance?: number;
  /** False for a journal that records no trades or per-bar equity (version 1): only decisions compare. */
  fillsAndEquity?: boolean;
}

const DEFAULT_TOLERANCE = 1e-9;

export function firstDifference(live: BarTrack[], backtest: BarTrack[], ctx: CompareContext): Difference | undefined {
  const n = Math.min(live.length, backtest.length);
  const tol = ctx.tolerance ?? DEFAULT_TOLERANCE;
  const decided = Math.min(n, ctx.decidedBars ?? n - 1);
  for (let t = 0; t < n; t++) {
    const l = live[t];
    const b = backtest[t];
    const at = { index: t, openTimeMs: l.openTimeMs };
    const fill = ctx.fillsAndEquity === false ? undefined : fillDifference(l.fills, b.fills, tol);
    if (fill) return { ...at, kind: "fill", live: describeFills(l.fills), backtest: describeFills(b.fills), why: fillWhy(fill, l, b, ctx.mode) };
    if (t < decided && l.action !== undefined && (l.action !== b.action || l.target !== b.target)) {
      return { ...at, kind: "decision", live: describeDecision(l), backtest: describeDecision(b), why: decisionWhy(l, b) };
    }
    if (t < decided && ctx.fillsAndEquity !== false && Number.isFinite(l.equityUsdt) && !near(l.equityUsdt, b.equityUsdt, tol)) {
      return {
        ...at,
        kind: "equity",
        live: `equity ${usdt(l.equityUsdt)}`,
        backtest: `equity ${usdt(b.equityUsdt)}`,
        why: `the same fills and decisions, equity off by ${usdt(l.equityUsdt - b.equityUsdt)} USDT: a funding settlement charged on one side only (the replay charges the funding rates it knows)`,
      };
    }
  }
  return undefined;
}

type FillMismatch = { kind: "count" } | { kind: "price" | "qty" | "side"; live: TrackFill; backtest: TrackFill };

function fillDifference(live: TrackFill[], backtest: TrackFill[], tol: number): FillMismatch | undefined {
  if (live.length !== backtest.length) return { kind: "count" };
  for (let i = 0; i < live.length; i++) {
    const [l, b] = [live[i], backtest[i]];
    if (l.side !== b.side) return { kind: "side", live: l, backtest: b };
    if (!near(l.qty, b.qty, tol)) return { kind: "qty", live: l, backtest: b };
    if (!near(l.priceUsdt, b.priceUsdt, tol)) return { kind: "price", live: l, backtest: b };
  }
  return undefined;
}

function fillWhy(m: FillMismatch, l: BarTrack, b: BarTrack, mode: string): string {
  if (m.kind === "price") {
    const bps = (10_000 * (m.live.priceUsdt - m.backtest.priceUsdt)) / m.backtest.priceUsdt;
    const source = mode === "paper" ? "the paper fill used the book's spread at the close; the journal keeps no spread, so the replay charges the config's default half spread" : "slippage and spread on the exchange against the simulator's fill model";
    return `live filled at ${price(m.live.priceUsdt)}, the backtest at ${price(m.backtest.priceUsdt)} (${formatFixed(bps, 2)} bps): ${source}`;
  }
  if (m.kind === "qty") return `live ${m.live.what} of ${m.live.qty} against the backtest's ${m.backtest.qty}: the account (or the exchange's lot rounding) sized it differently`;
  if (m.kind === "side") return `live ${m.live.side > 0 ? "bought" : "sold"} where the backtest ${m.backtest.side > 0 ? "bought" : "sold"}`;
  const onlyLive = l.fills.filter((f) => !b.fills.some((x) => x.side === f.side && x.what === f.what));
  const onlyBacktest = b.fills.filter((f) => !l.fills.some((x) => x.side === f.side && x.what === f.what));
  const liveDenied = l.denials.filter((d) => !b.denials.includes(d));
  if (liveDenied.length) return `risk denial only live (${liveDenied.join("; ")}): the backtest's risk engine let the entry through`;
  const backtestDenied = b.denials.filter((d) => !l.denials.includes(d));
  if (backtestDenied.length) return `risk denial only in the backtest (${backtestDenied.join("; ")})`;
  if (onlyBacktest.some((f) => f.what !== "entry" && f.what !== "signal")) return `the backtest's ${onlyBacktest.map((f) => f.what).join(", ")} inside the bar has no live counterpart: the exchange-side order did not trigger (or the bar's high/low differed)`;
  if (onlyLive.some((f) => f.what !== "entry" && f.what !== "signal")) return `live ${onlyLive.map((f) => f.what).join(", ")} inside the bar that the backtest's bar range did not trigger`;
  return `${l.fills.length} live fill(s) against ${b.fills.length} in the backtest: the previous bar's decision was executed differently`;
}

function decisionWhy(l: BarTrack, b: BarTrack): string {
  if (l.note) return `the live decision was limited (${l.note}); the backtest trades every decision`;
  if (l.sideBefore !== b.sideBefore) return `the position differed before the decision (live ${sideName(l.sideBefore)}, backtest ${sideName(b.sideBefore)})`;
  if (l.action === b.action) return `the same action ${actionName(l.action)} asked for another position: the position inputs of the observation differed`;
  // both sides read the journaled features, masks included, so a mask is context here, not the cause
  const masked = l.masked.length ? ` (${l.masked.length} feature${l.masked.length === 1 ? " was" : "s were"} masked at this bar and entered as 0 on both sides: ${l.masked.slice(0, 3).join(", ")}${l.masked.length > 3 ? ", …" : ""})` : "";
  return `on the same journaled features the policy decides ${actionName(b.action)} where live decided ${actionName(l.action)}: another model than the session's, or the decision row was altered${masked}`;
}

export function describeFills(fills: TrackFill[]): string {
  if (!fills.length) return "no fill";
  return fills.map((f) => `${f.side > 0 ? "buy" : "sell"} ${f.qty} @ ${price(f.priceUsdt)} (${f.what})`).join(", ");
}

function describeDecision(t: BarTrack): string {
  return `${actionName(t.action)} → ${sideName(t.target ?? Number.NaN)}${t.note ? ` (${t.note})` : ""}`;
}

/** One paragraph for the report: where and what. */
export function explain(d: Difference | undefined, bars: number): string {
  if (!d) return `Live and backtest agree on every one of the ${bars} bars: the same decisions, the same fills to 1e-9, the same equity.`;
  return `First difference at bar ${d.index + 1} of ${bars} (${utcDateTime(d.openTimeMs)} UTC), in the ${d.kind}: live ${d.live}; backtest ${d.backtest}. Why: ${d.why}.`;
}

function near(a: number, b: number, tol: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}

const price = (x: number) => formatFixed(x, 2);
const usdt = (x: number) => formatFixed(x, 2);
const sideName = (s: number) => (s > 0 ? "long" : s < 0 ? "short" : Number.isNaN(s) ? "?" : "flat");
const actionName = (a: number | undefined) => (a === undefined ? "none" : (ACTIONS[a] ?? `action ${a}`));
