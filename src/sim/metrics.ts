// Performance metrics of an equity curve and its closed trades. Pure functions: no I/O, no clocks.
import type { Trade } from "./account.ts";

/** 1-minute bars in a 365-day year: crypto futures trade around the clock, so no 252-day convention. */
export const MINUTES_PER_YEAR = 525_600;

export interface MetricsInput {
  /** Equity at each bar's close; equity[0] is the starting equity (before the first decision). */
  equity: Float64Array;
  /** Position side (-1, 0, 1) held during each bar, same length as equity (position[0] is typically 0). */
  position?: Int8Array | Float64Array;
  trades: Trade[];
  /** Bars per year for annualization (default 525,600 for 1-minute bars). */
  periodsPerYear?: number;
}

export interface Metrics {
  totalReturn: number;
  annualizedReturn: number;
  sharpe: number;
  sortino: number;
  maxDrawdown: number;
  maxDrawdownDurationBars: number;
  trades: number;
  winRate: number;
  avgProfitUsdt: number;
  avgHoldingBars: number;
  profitFactor: number;
  turnoverUsdt: number;
  feesUsdt: number;
  fundingUsdt: number;
  exposure: number;
}

/** Simple per-bar returns equity[i+1]/equity[i] - 1, length n-1. */
export function barReturns(equity: Float64Array): Float64Array {
  const out = new Float64Array(Math.max(equity.length - 1, 0));
  for (let i = 0; i < out.length; i++) out[i] = equity[i + 1] / equity[i] - 1;
  return out;
}

/** equity/peak - 1 at each bar (0 at a new high, negative underwater), length n: the underwater chart. */
export function drawdownSeries(equity: Float64Array): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    peak = Math.max(peak, equity[i]);
    out[i] = equity[i] / peak - 1;
  }
  return out;
}

/** True when every value in [start, end) is identical (so the spread is exactly zero, not rounding noise). */
function allEqual(r: ArrayLike<number>, start: number, end: number): boolean {
  for (let i = start + 1; i < end; i++) if (r[i] !== r[start]) return false;
  return true;
}

/**
 * Annualized Sharpe ratio of returns[start, end): mean / sample sd * sqrt(periodsPerYear).
 * Zero risk-free rate: funding and fees are already in the equity, and USDT cash earns nothing by default.
 */
export function sharpeRatio(returns: ArrayLike<number>, periodsPerYear = MINUTES_PER_YEAR, start = 0, end = returns.length): number {
  const n = end - start;
  // Fewer than two returns have no sample spread; constant returns have none either. Both report 0, not ±Infinity.
  if (n < 2 || allEqual(returns, start, end)) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) sum += returns[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = start; i < end; i++) squares += (returns[i] - mean) ** 2;
  // Sample sd (n-1): the returns are a sample of the strategy's return process, and this matches pandas/numpy ddof=1 reports.
  const sd = Math.sqrt(squares / (n - 1));
  return (mean / sd) * Math.sqrt(periodsPerYear);
}

/** Annualized Sortino ratio: mean / downside deviation * sqrt(periodsPerYear). */
function sortinoRatio(returns: Float64Array, periodsPerYear: number): number {
  const n = returns.length;
  // Same minimum as Sharpe so the two ratios are defined on the same inputs.
  if (n < 2) return 0;
  let sum = 0;
  let downsideSquares = 0;
  for (const r of returns) {
    sum += r;
    downsideSquares += Math.min(r, 0) ** 2;
  }
  // Downside deviation over ALL returns (target 0, Sortino & Price 1994): gains count as zero deviation rather than being dropped,
  // which would shrink the denominator's sample and overstate the ratio.
  const downsideDev = Math.sqrt(downsideSquares / n);
  // No losing bar: the ratio is unbounded, reported as 0 like a zero-sd Sharpe rather than Infinity.
  if (downsideDev === 0) return 0;
  return (sum / n / downsideDev) * Math.sqrt(periodsPerYear);
}

/**
 * Sharpe over the trailing `window` returns ending at each bar, length n (index t uses returns ending at equity[t]);
 * NaN until `window` returns exist. O(n): a sliding mean/M2 update, recomputed exactly every `window` bars to bound drift.
 */
export function rollingSharpe(equity: Float64Array, window: number, periodsPerYear = MINUTES_PER_YEAR): Float64Array {
  if (!Number.isInteger(window) || window < 2) throw new Error(`rollingSharpe: window must be an integer >= 2, got ${window}`);
  const r = barReturns(equity);
  const out = new Float64Array(equity.length).fill(NaN);
  const annualize = Math.sqrt(periodsPerYear);
  let mean = 0;
  let m2 = 0; // sum of squared deviations from the window mean
  let equalRun = 0; // length of the run of identical returns ending at i: a flat agent's window must give exactly 0
  for (let i = 0; i < r.length; i++) {
    equalRun = i > 0 && r[i] === r[i - 1] ? equalRun + 1 : 1;
    if (i + 1 < window) continue;
    const start = i + 1 - window;
    if (start % window === 0) {
      // Exact two-pass recompute: the sliding update accumulates rounding over long series.
      let sum = 0;
      for (let j = start; j <= i; j++) sum += r[j];
      mean = sum / window;
      m2 = 0;
      for (let j = start; j <= i; j++) m2 += (r[j] - mean) ** 2;
    } else {
      // Replace r[start-1] by r[i] in the window (Welford's update for a fixed-size window).
      const removed = r[start - 1];
      const added = r[i];
      const nextMean = mean + (added - removed) / window;
      m2 += (added - removed) * (added - nextMean + removed - mean);
      mean = nextMean;
    }
    const sd = Math.sqrt(Math.max(m2, 0) / (window - 1));
    out[i + 1] = equalRun >= window || sd === 0 ? 0 : (mean / sd) * annualize;
  }
  return out;
}

/** Largest fractional drop from a running peak, and the longest run of bars strictly below the running peak. */
function drawdownStats(equity: Float64Array): { maxDrawdown: number; maxDurationBars: number } {
  let peak = -Infinity;
  let maxDrawdown = 0;
  let run = 0;
  let maxDurationBars = 0;
  for (const e of equity) {
    if (e >= peak) {
      // Touching the old peak counts as recovered: the loss has been fully made back.
      peak = e;
      run = 0;
      continue;
    }
    maxDrawdown = Math.max(maxDrawdown, (peak - e) / peak);
    run++;
    // Counted as the run grows, so a drawdown still open at the last bar counts up to the end.
    maxDurationBars = Math.max(maxDurationBars, run);
  }
  return { maxDrawdown, maxDurationBars };
}

function tradeStats(trades: Trade[]) {
  let wins = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let pnl = 0;
  let holding = 0;
  let turnover = 0;
  let fees = 0;
  let funding = 0;
  for (const t of trades) {
    pnl += t.pnlUsdt;
    if (t.pnlUsdt > 0) {
      wins++;
      grossProfit += t.pnlUsdt;
    } else if (t.pnlUsdt < 0) grossLoss -= t.pnlUsdt;
    holding += t.holdingBars;
    // Both legs are traded notional: this is what taker fees are charged on.
    turnover += t.qty * t.entryPrice + t.qty * t.exitPrice;
    fees += t.feesUsdt;
    funding += t.fundingUsdt;
  }
  const n = trades.length;
  // Per-trade averages of an empty list are undefined (NaN), not 0, so "no trades" cannot pass for "break-even".
  // Profit factor: no losers but winners is unbounded (Infinity); no winners and no losers (incl. no trades) is 0/0, NaN.
  const profitFactor = grossLoss > 0 ? grossProfit / grossLoss : grossProfit > 0 ? Infinity : NaN;
  return {
    trades: n,
    winRate: n > 0 ? wins / n : NaN,
    avgProfitUsdt: n > 0 ? pnl / n : NaN,
    avgHoldingBars: n > 0 ? holding / n : NaN,
    profitFactor,
    turnoverUsdt: turnover,
    feesUsdt: fees,
    fundingUsdt: funding,
  };
}

/** Fraction of bars 1..n-1 held with a position; bar 0 is the starting point, before any decision. */
function exposureOf(position: Int8Array | Float64Array | undefined, n: number): number {
  if (!position) return NaN;
  if (position.length !== n) throw new Error(`computeMetrics: position has ${position.length} bars, equity has ${n}`);
  if (n < 2) return NaN;
  let held = 0;
  for (let i = 1; i < n; i++) if (position[i] !== 0) held++;
  return held / (n - 1);
}

export function computeMetrics(input: MetricsInput): Metrics {
  const { equity, trades } = input;
  const periodsPerYear = input.periodsPerYear ?? MINUTES_PER_YEAR;
  const n = equity.length;
  if (n < 1) throw new Error("computeMetrics: equity is empty");
  const returns = barReturns(equity);
  const totalReturn = equity[n - 1] / equity[0] - 1;
  // Geometric (compounded) annualization over the n-1 elapsed bars; undefined with no elapsed bar.
  const annualizedReturn = n > 1 ? Math.pow(1 + totalReturn, periodsPerYear / (n - 1)) - 1 : NaN;
  const { maxDrawdown, maxDurationBars } = drawdownStats(equity);
  return {
    totalReturn,
    annualizedReturn,
    sharpe: sharpeRatio(returns, periodsPerYear),
    sortino: sortinoRatio(returns, periodsPerYear),
    maxDrawdown,
    maxDrawdownDurationBars: maxDurationBars,
    ...tradeStats(trades),
    exposure: exposureOf(input.position, n),
  };
}
