// PSI against hand-worked values, and the decile reference it is measured against.
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT } from "./definitions.ts";
import { baselineFor, binCounts, decileBin, fitDeciles } from "./deciles.ts";
import { PSI_EPSILON, psi } from "./psi.ts";

describe("psi", () => {
  it("is Σ (a − e) ln(a / e) over the bins' shares", () => {
    // (0.25 − 0.5) ln(0.5) + (0.75 − 0.5) ln(1.5) = 0.173287 + 0.101366
    expect(psi([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.274653, 6);
    // counts are divided by their totals: the same shares, the same index
    expect(psi([10, 10], [1, 3])).toBeCloseTo(0.274653, 6);
    // three actions: eval 20/30/50 %, live 50/30/20 %: 0.3 ln 2.5 + 0 + (−0.3) ln 0.4 = 2 · 0.3 · 0.916291
    expect(psi([0.2, 0.3, 0.5], [0.5, 0.3, 0.2])).toBeCloseTo(0.549774, 6);
    expect(psi([0.1, 0.2, 0.7], [0.1, 0.2, 0.7])).toBe(0);
  });

  it("takes an empty bin's share as the epsilon instead of an infinite log", () => {
    // (1e-4 − 0.5) ln(1e-4 / 0.5) + 0.5 ln 2 = 4.257745 + 0.346574
    expect(PSI_EPSILON).toBe(1e-4);
    expect(psi([0.5, 0.5], [0, 1])).toBeCloseTo(4.604318, 6);
    // empty in both: (ε − ε) ln 1 = 0
    expect(psi([0.5, 0, 0.5], [0.5, 0, 0.5])).toBe(0);
  });

  it("is NaN when a side is empty or the bins differ", () => {
    expect(psi([0.5, 0.5], [0, 0])).toBeNaN();
    expect(psi([0.5, 0.5], [1, 0, 0])).toBeNaN();
    expect(psi([], [])).toBeNaN();
  });

  it("bins a value on an edge into the bin above it and skips NaN", () => {
    const edges = Float64Array.from([1, 2, 3]);
    expect(Array.from(binCounts(edges, [0, 1, 1.5, 2, 5, Number.NaN, 3]))).toEqual([1, 2, 1, 2]);
  });
});

/** A row-major n × 30 matrix whose column j is col(i), the others NaN. */
function matrix(n: number, j: number, col: (i: number) => number): Float64Array {
  const m = new Float64Array(n * FEATURE_COUNT).fill(Number.NaN);
  for (let i = 0; i < n; i++) m[i * FEATURE_COUNT + j] = col(i);
  return m;
}

describe("fitDeciles", () => {
  it("takes the type-7 percentiles of a column's finite values over the rows asked", () => {
    // rows 0..99 hold 1..100 (shuffled order does not matter), rows 100.. are outside the range
    const m = matrix(120, 3, (i) => (i < 100 ? ((i * 37) % 100) + 1 : 1e9));
    const d = fitDeciles(m, 0, 100)[3];
    // the 10th percentile of 1..100: h = 99 · 0.1 = 9.9 → 10 + 0.9 · (11 − 10)
    expect(d.edges).toEqual([10.9, 20.8, 30.7, 40.6, 50.5, 60.4, 70.3, 80.2, 90.1].map((x) => expect.closeTo(x, 10)));
    expect(d.shares).toEqual(new Array(10).fill(0.1));
    expect(d.values).toBe(100);
    expect(fitDeciles(m, 0, 100)[0]).toEqual({ edges: [], shares: [], values: 0, baseline: [] });
  });

  it("gives ties the share they hold, by the live side's binning rule", () => {
    // 70 zeros and 30 ones: edges 0 ×6, 0.3 (h = 69.3 between the last 0 and the first 1), 1, 1
    const m = matrix(100, 0, (i) => (i < 70 ? 0 : 1));
    const d = fitDeciles(m, 0, 100)[0];
    expect(d.edges).toEqual([0, 0, 0, 0, 0, 0, expect.closeTo(0.3, 10), 1, 1]);
    expect(d.shares).toEqual([0, 0, 0, 0, 0, 0, 0.7, 0, 0, 0.3]);
    const edges = Float64Array.from(d.edges);
    expect(decileBin(edges, 0)).toBe(6);
    expect(decileBin(edges, 1)).toBe(9);
    // the stored shares are exactly what binning the training values again gives: no PSI between them
    const values = Array.from({ length: 100 }, (_, i) => m[i * FEATURE_COUNT]);
    expect(psi(d.shares, binCounts(edges, values))).toBe(0);
  });

  it("measures the largest PSI of the training range's own windows, per window length", () => {
    // 1,000 ascending values: deciles of 100 values each; a 60-bar window at the start lies in one bin:
    // (1 − 0.1) ln 10 + 9 · (1e-4 − 0.1) ln(1e-3) = 2.072327 + 6.210763
    const n = 1000;
    const m = matrix(n, 5, (i) => i);
    const d = fitDeciles(m, 0, n)[5];
    expect(d.baseline.map((b) => b.window)).toEqual([60, 240]); // a day's window does not fit 8 times in 1,000 bars
    expect(d.baseline[0].maxPsi).toBeCloseTo(8.28309, 5);
    // the sliding counts equal binning each window afresh (every 240/16 = 15 bars)
    const edges = Float64Array.from(d.edges);
    let brute = 0;
    for (let start = 0; start + 240 <= n; start += 15) brute = Math.max(brute, psi(d.shares, binCounts(edges, Array.from({ length: 240 }, (_, i) => start + i))));
    expect(d.baseline[1].maxPsi).toBeCloseTo(brute, 12);
    expect(d.baseline[1].maxPsi).toBeLessThan(d.baseline[0].maxPsi);
    expect(baselineFor(d, 100)).toBe(d.baseline[0].maxPsi);
    expect(baselineFor(d, 5000)).toBe(d.baseline[1].maxPsi);
    expect(baselineFor(d, 30)).toBe(d.baseline[0].maxPsi);
  });
});
