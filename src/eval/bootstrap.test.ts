// Circular block bootstrap: determinism, degenerate cases whose answer is known exactly, and a two-bar case worked by hand.
import { describe, expect, it } from "vitest";
import { Rng } from "../core/random.ts";
import { blockBootstrap } from "./bootstrap.ts";

/** Seeded noisy per-bar returns: uniform in [-0.5%, +0.5%] plus a small drift. */
function noisyReturns(n: number, seed: number, drift = 0.0002): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => drift + (rng.next() - 0.5) * 0.01);
}

describe("blockBootstrap", () => {
  const agent = noisyReturns(500, 11);
  const benchmark = noisyReturns(500, 12, 0);

  it("is deterministic: the same seed gives the identical result, another seed a different one", () => {
    const opts = { samples: 300, blockBars: 20, seed: 5 };
    const a = blockBootstrap(agent, benchmark, opts);
    const b = blockBootstrap(agent, benchmark, opts);
    expect(b).toEqual(a);
    const c = blockBootstrap(agent, benchmark, { ...opts, seed: 6 });
    expect(c.sharpe.low).not.toBe(a.sharpe.low);
    expect(c.totalReturn.high).not.toBe(a.totalReturn.high);
    // The estimates are on the original series, so they do not depend on the seed.
    expect(c.sharpe.estimate).toBe(a.sharpe.estimate);
  });

  it("uses the defaults 1000 samples and 60-bar blocks", () => {
    const r = blockBootstrap(agent, benchmark);
    expect(r.samples).toBe(1000);
    expect(r.blockBars).toBe(60);
  });

  it("a constant-return series with blockBars = n collapses onto the estimate", () => {
    // Every resample is a rotation of 50 identical returns of 0.1%: total return 1.001^50 - 1 = 0.0512448...
    // (1.001^50 = exp(50 * ln 1.001) = exp(50 * 0.00099950033) = exp(0.049975017) = e^0.05 * e^-0.000024983
    //  = 1.0512711 * 0.99997502 = 1.0512448); Sharpe 0 (no spread).
    const flat = new Float64Array(50).fill(0.001);
    const r = blockBootstrap(flat, new Float64Array(50), { samples: 2000, blockBars: 50 });
    expect(r.totalReturn.estimate).toBeCloseTo(0.0512448, 6);
    expect(r.totalReturn.low).toBe(r.totalReturn.estimate);
    expect(r.totalReturn.high).toBe(r.totalReturn.estimate);
    expect(r.sharpe).toEqual({ estimate: 0, low: 0, high: 0 });
  });

  it("with blockBars = n every resample is a rotation, so even a noisy series' interval collapses", () => {
    const r = blockBootstrap(agent, benchmark, { samples: 500, blockBars: agent.length });
    expect(r.sharpe.low).toBeCloseTo(r.sharpe.estimate, 8);
    expect(r.sharpe.high).toBeCloseTo(r.sharpe.estimate, 8);
    expect(r.totalReturn.low).toBeCloseTo(r.totalReturn.estimate, 12);
    expect(r.totalReturn.high).toBeCloseTo(r.totalReturn.estimate, 12);
  });

  it("blocks longer than the series are clamped to n", () => {
    expect(blockBootstrap(agent, benchmark, { samples: 10, blockBars: 10_000 }).blockBars).toBe(500);
  });

  it("strictly positive agent returns always beat a zero benchmark", () => {
    const positive = Float64Array.from(agent, (x) => Math.abs(x) + 1e-6);
    expect(blockBootstrap(positive, new Float64Array(500), { samples: 500 }).probBeatsBenchmark).toBe(1);
  });

  it("an agent identical to the benchmark never beats it (ties are not wins)", () => {
    expect(blockBootstrap(agent, Float64Array.from(agent), { samples: 500 }).probBeatsBenchmark).toBe(0);
  });

  it("the interval contains the estimate for a noisy series", () => {
    const r = blockBootstrap(agent, benchmark, { samples: 1000, blockBars: 25 });
    expect(r.sharpe.low).toBeLessThan(r.sharpe.estimate);
    expect(r.sharpe.estimate).toBeLessThan(r.sharpe.high);
    expect(r.totalReturn.low).toBeLessThan(r.totalReturn.estimate);
    expect(r.totalReturn.estimate).toBeLessThan(r.totalReturn.high);
    expect(r.probBeatsBenchmark).toBeGreaterThan(0);
    expect(r.probBeatsBenchmark).toBeLessThan(1);
  });

  it("two bars with 1-bar blocks: four equally likely resamples, worked by hand", () => {
    // r = [0.1, -0.1]; each resample draws each bar independently, so the 4 outcomes have probability 1/4:
    //   [0.1, 0.1]   -> 1.1 * 1.1 - 1 = 0.21      Sharpe 0 (constant)
    //   [0.1, -0.1]  -> 1.1 * 0.9 - 1 = -0.01     Sharpe 0 (mean 0)
    //   [-0.1, 0.1]  -> -0.01                     Sharpe 0
    //   [-0.1, -0.1] -> 0.9 * 0.9 - 1 = -0.19     Sharpe 0
    // The 2.5% and 97.5% quantiles land inside the blocks of -0.19s and 0.21s (each ~25% of the sorted samples).
    // Against a zero benchmark, only [0.1, 0.1] wins: probability 1/4.
    const r = blockBootstrap(Float64Array.from([0.1, -0.1]), new Float64Array(2), { samples: 4000, blockBars: 1 });
    expect(r.totalReturn.estimate).toBeCloseTo(-0.01, 12);
    expect(r.totalReturn.low).toBeCloseTo(-0.19, 12);
    expect(r.totalReturn.high).toBeCloseTo(0.21, 12);
    expect(r.sharpe).toEqual({ estimate: 0, low: 0, high: 0 });
    // binomial sd sqrt(0.25 * 0.75 / 4000) = 0.0068; 0.03 is over 4 sd
    expect(Math.abs(r.probBeatsBenchmark - 0.25)).toBeLessThan(0.03);
  });

  it("a higher level gives a wider interval from the same resamples", () => {
    const narrow = blockBootstrap(agent, benchmark, { samples: 1000, blockBars: 25, level: 0.5 });
    const wide = blockBootstrap(agent, benchmark, { samples: 1000, blockBars: 25, level: 0.99 });
    // Same seed -> same resamples; only the quantiles differ.
    expect(wide.sharpe.low).toBeLessThan(narrow.sharpe.low);
    expect(wide.sharpe.high).toBeGreaterThan(narrow.sharpe.high);
  });

  it("rejects mismatched lengths and series shorter than 2", () => {
    expect(() => blockBootstrap(new Float64Array(10), new Float64Array(9))).toThrow(/benchmark/);
    expect(() => blockBootstrap(new Float64Array(1), new Float64Array(1))).toThrow(/at least 2/);
  });
});
