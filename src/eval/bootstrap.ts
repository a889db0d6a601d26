// Circular block bootstrap of per-bar returns: confidence intervals for Sharpe and total return, and how often the
// agent beats a benchmark. Blocks (not single bars) keep the autocorrelation and volatility clustering of minute returns;
// wrapping around the end (Politis & Romano 1992) gives every bar the same chance of being drawn.
import { Rng } from "../core/random.ts";
import { quantile } from "../core/sorted.ts";
import { MINUTES_PER_YEAR, sharpeRatio } from "../sim/metrics.ts";

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  samples?: number;
  /** Block length in bars (default 60: one hour of 1-minute bars). */
  blockBars?: number;
  /** PRNG seed (default 1): the same seed gives the identical result. */
  seed?: number;
  periodsPerYear?: number;
  /** Two-sided interval coverage (default 0.95). */
  level?: number;
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export interface BootstrapResult {
  sharpe: Interval;
  totalReturn: Interval;
  /** fraction of resamples in which the agent's total return exceeds the benchmark's, same resampled blocks for both (paired) */
  probBeatsBenchmark: number;
  samples: number;
  blockBars: number;
}

/** prod(1 + r) - 1 over the returns picked by `index`. */
function compounded(returns: Float64Array, index: Int32Array): number {
  let growth = 1;
  for (const i of index) growth *= 1 + returns[i];
  return growth - 1;
}


/** Fills `index` with circular blocks of `blockBars` consecutive bars from uniform random starts, the last block truncated. */
function drawIndices(index: Int32Array, blockBars: number, rng: Rng): void {
  const n = index.length;
  let k = 0;
  while (k < n) {
    const start = Math.floor(rng.next() * n);
    for (let j = 0; j < blockBars && k < n; j++) index[k++] = (start + j) % n;
  }
}

/**
 * The distribution of the total return over `bars` bars (fewer than or as many as the series has), from
 * `samples` circular block-bootstrap paths of the per-bar returns, sorted ascending: what a live session
 * of that many bars could have returned if it traded like the backtest did. The paths are drawn as
 * drawIndices draws them, but each block's growth comes from prefix sums of log(1 + r) over the series
 * laid twice (for the wrap): O(bars / blockBars) a path instead of O(bars), so a live session asking
 * for the band at 40,000 bars does not stall its event loop.
 */
export function bootstrapTotalReturns(returns: Float64Array, bars: number, opts: Pick<BootstrapOptions, "samples" | "blockBars" | "seed"> = {}): Float64Array {
  const n = returns.length;
  if (n < 2) throw new Error(`bootstrapTotalReturns: need at least 2 returns, got ${n}`);
  if (!Number.isInteger(bars) || bars < 1) throw new Error(`bootstrapTotalReturns: bars must be a positive integer, got ${bars}`);
  const samples = opts.samples ?? 1000;
  const blockBars = Math.min(opts.blockBars ?? 60, n);
  const logGrowth = new Float64Array(2 * n + 1);
  for (let i = 0; i < 2 * n; i++) logGrowth[i + 1] = logGrowth[i] + Math.log1p(returns[i % n]);
  const rng = new Rng(opts.seed ?? 1);
  const totals = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let k = 0; k < bars; k += blockBars) {
      const start = Math.floor(rng.next() * n);
      sum += logGrowth[start + Math.min(blockBars, bars - k)] - logGrowth[start];
    }
    totals[s] = Math.expm1(sum);
  }
  return totals.sort();
}

export function blockBootstrap(agentReturns: Float64Array, benchmarkReturns: Float64Array, opts: BootstrapOptions = {}): BootstrapResult {
  const n = agentReturns.length;
  if (n !== benchmarkReturns.length) throw new Error(`blockBootstrap: agent has ${n} returns, benchmark has ${benchmarkReturns.length}`);
  if (n < 2) throw new Error(`blockBootstrap: need at least 2 returns, got ${n}`);
  const samples = opts.samples ?? 1000;
  const level = opts.level ?? 0.95;
  const periodsPerYear = opts.periodsPerYear ?? MINUTES_PER_YEAR;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`blockBootstrap: samples must be a positive integer, got ${samples}`);
  if (!(level > 0 && level < 1)) throw new Error(`blockBootstrap: level must be in (0, 1), got ${level}`);
  const requestedBlock = opts.blockBars ?? 60;
  if (!Number.isInteger(requestedBlock) || requestedBlock < 1) throw new Error(`blockBootstrap: blockBars must be a positive integer, got ${requestedBlock}`);
  // A block longer than the series would wrap onto itself and repeat bars; n is the longest meaningful block.
  const blockBars = Math.min(requestedBlock, n);

  const rng = new Rng(opts.seed ?? 1);
  const index = new Int32Array(n);
  const resampled = new Float64Array(n);
  const sharpes = new Float64Array(samples);
  const totals = new Float64Array(samples);
  let beats = 0;
  for (let s = 0; s < samples; s++) {
    drawIndices(index, blockBars, rng);
    for (let k = 0; k < n; k++) resampled[k] = agentReturns[index[k]];
    sharpes[s] = sharpeRatio(resampled, periodsPerYear);
    totals[s] = compounded(agentReturns, index);
    // Paired: the benchmark is compounded over the very same bars, so market luck cancels and only the edge is compared.
    // Strict >: a tie (e.g. the agent is the benchmark) is not a win.
    if (totals[s] > compounded(benchmarkReturns, index)) beats++;
  }
  sharpes.sort();
  totals.sort();

  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const tail = (1 - level) / 2;
  // Percentile intervals: no normality assumption, which matters for Sharpe ratios of fat-tailed returns.
  const interval = (estimate: number, sorted: Float64Array): Interval => ({ estimate, low: quantile(sorted, tail), high: quantile(sorted, 1 - tail) });
  return {
    sharpe: interval(sharpeRatio(agentReturns, periodsPerYear), sharpes),
    totalReturn: interval(compounded(agentReturns, identity), totals),
    probBeatsBenchmark: beats / samples,
    samples,
    blockBars,
  };
}
