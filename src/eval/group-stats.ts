// The spread of a figure across the seeds of a group, and the rule that says when that spread is
// too wide to trust one seed: pure functions over plain numbers (no runs, no files).
import { quantile } from "../core/sorted.ts";

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** First and third quartile (linear interpolation, numpy's default) and their distance. */
  q1: number;
  q3: number;
  iqr: number;
}

/** Median, range and interquartile range of `xs` (NaN values are left out: a seed with no Sharpe says nothing). */
export function spreadOf(xs: number[]): Spread {
  const sorted = Float64Array.from(xs.filter((x) => !Number.isNaN(x))).sort();
  if (!sorted.length) return { median: NaN, min: NaN, max: NaN, q1: NaN, q3: NaN, iqr: NaN };
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  return { median: quantile(sorted, 0.5), min: sorted[0], max: sorted[sorted.length - 1], q1, q3, iqr: q3 - q1 };
}

/** One seed's total return with its own bootstrap 95 % interval. */
export interface SeedInterval {
  totalReturn: number;
  low: number;
  high: number;
}

export interface SwingVerdict {
  /** max − min of the seeds' total returns. */
  acrossSeeds: number;
  /** The median width (high − low) of the seeds' own bootstrap intervals: a typical seed's uncertainty. */
  withinSeed: number;
  /** The seeds disagree by more than one seed's own interval admits. */
  swings: boolean;
}

/**
 * Seed-to-seed spread against a single seed's interval. The bootstrap interval measures the luck of
 * the market path for one trained agent; the spread across seeds measures the luck of training. When
 * the second is wider, a single seed's interval understates the uncertainty of the method, and one
 * good seed is no evidence. The median width stands for "the median seed's interval" whatever the
 * number of seeds (with an even count there is no middle seed).
 */
export function swingVerdict(seeds: SeedInterval[]): SwingVerdict {
  const returns = spreadOf(seeds.map((s) => s.totalReturn));
  const widths = spreadOf(seeds.map((s) => s.high - s.low));
  const acrossSeeds = returns.max - returns.min;
  return { acrossSeeds, withinSeed: widths.median, swings: seeds.length > 1 && acrossSeeds > widths.median };
}

export const SWING_WARNING = "results swing from seed to seed more than within one seed's interval: do not trust one seed";
