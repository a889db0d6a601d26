// Decile edges of each normalized feature over the bars the normalization was fitted on, stored in the
// feature manifest at `rlt features` time: the reference a live session's drift monitor bins its rolling
// window against (monitor/drift.ts, §8.1). One binning rule (decileBin) serves both sides.
import { lowerBound, quantile, upperBound } from "../core/sorted.ts";
import { FEATURE_COUNT } from "./definitions.ts";
import { psi } from "./psi.ts";

/** Ten bins: nine interior edges at the 10th…90th percentiles. */
export const DECILE_BINS = 10;

export interface FeatureDeciles {
  /** The 10th…90th percentiles (type-7 quantiles) of the finite normalized values; empty when there were none. */
  edges: number[];
  /**
   * Share of those values in each bin under decileBin. Not 0.1 each: a feature with ties (a ratio that
   * is often exactly 0, a bounded oscillator at its bound) puts more than a tenth on one edge.
   */
  shares: number[];
  /** Finite values the edges were taken from (masked bars and rolling windows still filling are skipped). */
  values: number;
  /**
   * Per window length, the largest PSI that a window of the training range itself showed against these
   * deciles. Minute features are autocorrelated: a few hours of a rolling price z-score sit in one tail
   * of its training distribution (a 240-bar window of the 2023 sample's in-sample close: PSI 4.2 in the
   * median), so a fixed threshold alone would alert on every session. A live window past this is
   * further from training than any stretch of training was.
   */
  baseline: { window: number; maxPsi: number }[];
}

/** Window lengths the baseline is measured for: an hour, four hours, a day, a week of 1-minute bars. */
export const BASELINE_WINDOWS = [60, 240, 1440, 10080] as const;
/** Baseline windows start every window/16 bars (a live window is then at most 1/32 of its length off one). */
const BASELINE_STRIDE_DIVISOR = 16;
/** A window counts when at least this share of it is finite (the live side's rule too). */
export const MIN_FINITE_SHARE = 0.5;
/** A baseline needs this many windows of the training range. */
const MIN_BASELINE_WINDOWS = 8;

/** The bin of x: how many edges are at or below it (a value on an edge goes to the bin above it). */
export function decileBin(edges: Float64Array, x: number): number {
  return upperBound(edges, x);
}

/** Counts of the finite values per bin of the stored edges (edges.length + 1 bins); NaN values are skipped. */
export function binCounts(edges: Float64Array, values: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isFinite(x)) counts[decileBin(edges, x)]++;
  }
  return counts;
}

/**
 * Per feature, the deciles of rows [fromRow, toRow) of a row-major n × 30 normalized matrix, one column
 * at a time: the column's finite values are copied into one typed array, sorted numerically (typed
 * arrays sort by value), read at the nine percentiles, and binned by the same rule the live side uses.
 */
export function fitDeciles(normalized: Float64Array, fromRow: number, toRow: number): FeatureDeciles[] {
  const column = new Float64Array(Math.max(0, toRow - fromRow));
  const out: FeatureDeciles[] = [];
  for (let j = 0; j < FEATURE_COUNT; j++) {
    let n = 0;
    for (let i = fromRow; i < toRow; i++) {
      const x = normalized[i * FEATURE_COUNT + j];
      if (Number.isFinite(x)) column[n++] = x;
    }
    if (n === 0) {
      out.push({ edges: [], shares: [], values: 0, baseline: [] });
      continue;
    }
    const sorted = column.subarray(0, n).sort();
    const edges = new Float64Array(DECILE_BINS - 1);
    for (let k = 1; k < DECILE_BINS; k++) edges[k - 1] = quantile(sorted, k / DECILE_BINS);
    // the values are sorted: bin k (edges[k-1] <= x < edges[k]) runs from the first at or above edge k-1 to the first at or above edge k
    const shares: number[] = [];
    let start = 0;
    for (let k = 0; k < DECILE_BINS; k++) {
      const end = k < DECILE_BINS - 1 ? lowerBound(sorted, edges[k]) : n;
      shares.push((end - start) / n);
      start = end;
    }
    const bins = new Int8Array(toRow - fromRow);
    for (let i = fromRow; i < toRow; i++) {
      const x = normalized[i * FEATURE_COUNT + j];
      bins[i - fromRow] = Number.isFinite(x) ? decileBin(edges, x) : -1;
    }
    out.push({ edges: Array.from(edges), shares, values: n, baseline: baselines(bins, shares) });
  }
  return out;
}

/** The largest PSI of the training range's own windows, per BASELINE_WINDOWS length that fits it often enough. */
function baselines(bins: Int8Array, shares: number[]): FeatureDeciles["baseline"] {
  const out: FeatureDeciles["baseline"] = [];
  for (const window of BASELINE_WINDOWS) {
    const stride = Math.max(1, Math.floor(window / BASELINE_STRIDE_DIVISOR));
    if ((bins.length - window) / stride + 1 < MIN_BASELINE_WINDOWS) continue;
    const counts = new Float64Array(DECILE_BINS);
    let finite = 0;
    let maxPsi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < bins.length; i++) {
      if (bins[i] >= 0) {
        counts[bins[i]]++;
        finite++;
      }
      if (i >= window && bins[i - window] >= 0) {
        counts[bins[i - window]]--;
        finite--;
      }
      if (i + 1 >= window && (i + 1 - window) % stride === 0 && finite >= MIN_FINITE_SHARE * window) maxPsi = Math.max(maxPsi, psi(shares, counts));
    }
    if (Number.isFinite(maxPsi)) out.push({ window, maxPsi });
  }
  return out;
}

/** The baseline for a live window: the stored length nearest below it (shorter windows stray further: a conservative bound), else the shortest. */
export function baselineFor(d: Pick<FeatureDeciles, "baseline">, window: number): number | undefined {
  const below = d.baseline.filter((b) => b.window <= window);
  return (below.length ? below[below.length - 1] : d.baseline[0])?.maxPsi;
}
