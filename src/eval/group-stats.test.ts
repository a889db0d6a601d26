// The statistics of a seed group on numbers worked by hand: median, range, quartiles, the swing rule,
// and the counts of the group summary.
import { describe, expect, it } from "vitest";
import { type SeedFigures, summarizeGroup } from "./group.ts";
import { spreadOf, swingVerdict } from "./group-stats.ts";

describe("spreadOf", () => {
  it("odd count: the middle value, the quartiles at ranks 1 and 3 of 0..4", () => {
    const s = spreadOf([0.05, -0.02, 0.1, 0.01, 0.03]);
    expect(s.median).toBe(0.03);
    expect(s.min).toBe(-0.02);
    expect(s.max).toBe(0.1);
    expect(s.q1).toBe(0.01);
    expect(s.q3).toBe(0.05);
    expect(s.iqr).toBeCloseTo(0.04, 15);
  });

  it("even count: interpolated between neighbours (numpy's default), NaN left out", () => {
    // sorted 1 2 3 4: median at rank 1.5, q1 at rank 0.75, q3 at rank 2.25
    const s = spreadOf([4, Number.NaN, 1, 3, 2]);
    expect(s).toEqual({ median: 2.5, min: 1, max: 4, q1: 1.75, q3: 3.25, iqr: 1.5 });
  });

  it("one seed: every figure is that seed's; none: NaN", () => {
    expect(spreadOf([0.2])).toEqual({ median: 0.2, min: 0.2, max: 0.2, q1: 0.2, q3: 0.2, iqr: 0 });
    expect(Number.isNaN(spreadOf([]).median)).toBe(true);
  });
});

describe("swingVerdict", () => {
  it("warns when max − min of the returns exceeds the median width of the seeds' intervals", () => {
    // widths 0.25, 0.5, 0.75 → median 0.5; returns span 0.75 − 0 = 0.75
    const v = swingVerdict([
      { totalReturn: 0, low: -0.125, high: 0.125 },
      { totalReturn: 0.5, low: 0.25, high: 0.75 },
      { totalReturn: 0.75, low: 0.375, high: 1.125 },
    ]);
    expect(v).toEqual({ acrossSeeds: 0.75, withinSeed: 0.5, swings: true });
  });

  it("does not warn when the spread is within (or exactly) one seed's interval, nor for a single seed", () => {
    expect(swingVerdict([{ totalReturn: 0, low: -0.25, high: 0.25 }, { totalReturn: 0.5, low: 0.25, high: 0.75 }]).swings).toBe(false);
    expect(swingVerdict([{ totalReturn: 0.1, low: 0, high: 0.5 }, { totalReturn: 0.2, low: 0, high: 0.5 }])).toMatchObject({ swings: false, withinSeed: 0.5 });
    expect(swingVerdict([{ totalReturn: 3, low: 2.9, high: 3.1 }]).swings).toBe(false);
  });
});

function row(seed: number, totalReturn: number, extra: Partial<SeedFigures> = {}): SeedFigures {
  return { seed, run: `g/seed-${seed}`, outDir: `g/seed-${seed}/eval/test`, totalReturn, totalReturnLow: totalReturn - 0.01, totalReturnHigh: totalReturn + 0.01, sharpe: 10 * totalReturn, buyAndHoldReturn: 0.02, excessReturn: totalReturn - 0.02, probBeatsBuyAndHold: 0.5, trades: 3, maxDrawdown: -0.01, ...extra };
}

const META = { group: "g", name: "g", symbol: "BTCUSDT", label: "test", model: "best" as const, range: { fromMs: 0, toMs: 60_000, bars: 1 }, outDir: "g/eval/test" };

describe("summarizeGroup", () => {
  it("counts the seeds beating buy & hold (2 %) and flat (0), the medians, and the swing", () => {
    const g = summarizeGroup([row(1, -0.01), row(2, 0.01), row(3, 0.05), row(4, 0.03), row(5, 0.02)], META);
    expect(g.beatsBuyAndHold).toBe(2); // 0.05 and 0.03; 0.02 ties buy & hold and does not beat it
    expect(g.beatsFlat).toBe(4);
    expect(g.buyAndHoldReturn).toBe(0.02);
    expect(g.spread.totalReturn.median).toBe(0.02);
    expect(g.spread.sharpe.median).toBeCloseTo(0.2, 12);
    expect(g.spread.excessReturn.median).toBeCloseTo(0, 12);
    // returns span 0.06, every interval is 0.02 wide
    expect(g.swing.swings).toBe(true);
    expect(g.swing.acrossSeeds).toBeCloseTo(0.06, 12);
    expect(g.degenerate).toBeUndefined();
    expect(g.spread.tradesPerDay).toBeUndefined();
    expect(g.warnings).toEqual([]);
  });

  it("carries trades per day and the degenerate count only when every seed has them; names a buy & hold that differs", () => {
    const all = summarizeGroup([row(1, 0, { tradesPerDay: 2, degenerate: true }), row(2, 0, { tradesPerDay: 6, degenerate: false }), row(3, 0, { tradesPerDay: 4, degenerate: true })], META);
    expect(all.degenerate).toBe(2);
    expect(all.spread.tradesPerDay).toMatchObject({ median: 4, min: 2, max: 6, iqr: 2 });
    const some = summarizeGroup([row(1, 0, { tradesPerDay: 2, degenerate: true }), row(2, 0, { buyAndHoldReturn: 0.03 })], META);
    expect(some.degenerate).toBeUndefined();
    expect(some.spread.tradesPerDay).toBeUndefined();
    expect(some.warnings[0]).toMatch(/buy & hold differs between seeds \(2.00 %, 3.00 %\)/);
  });
});
