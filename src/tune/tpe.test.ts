import { describe, expect, it } from "vitest";
import { Rng } from "../core/random.ts";
import { normalCdf, parzen, splitObservations, tpePropose } from "./tpe.ts";
import type { Observation, SearchSpace } from "./types.ts";

describe("splitObservations", () => {
  it("puts the best ceil(0.25 n) in the good group, and the rest, the failed and the pending in the bad one", () => {
    const obs: Observation[] = [0.3, 0.9, -1, 0.5, 0.1, 0.7, 0.2].map((v, i) => ({ params: { i }, objective: v }));
    obs.push({ params: { i: "failed" }, objective: null });
    const { good, bad } = splitObservations(obs, [{ i: "running" }], 0.25);
    expect(good).toEqual([{ i: 1 }, { i: 5 }]); // ceil(0.25 · 7) = 2: objectives 0.9 and 0.7
    expect(bad).toEqual([{ i: 3 }, { i: 0 }, { i: 6 }, { i: 4 }, { i: 2 }, { i: "failed" }, { i: "running" }]);
    expect(splitObservations(obs.slice(0, 1), [], 0.25).good).toHaveLength(1); // at least one
    expect(splitObservations([{ params: {}, objective: null }], [], 0.25)).toEqual({ good: [], bad: [] });
  });
});

describe("parzen", () => {
  const p = parzen([0.1, 0.15, 0.8, 0], 0, 1, 1);

  it("takes each kernel's width from its neighbours, clipped to [(hi − lo) / min(100, 1 + kernels), hi − lo], the prior as wide as the space", () => {
    // Sorted with the prior's centre: 0, 0.1, 0.15, 0.5, 0.8. Five kernels: the narrowest allowed is 1/6.
    expect(p.mus).toEqual([0.1, 0.15, 0.8, 0, 0.5]);
    expect(p.sigmas[0]).toBeCloseTo(1 / 6, 12); // max(0.1, 0.05) clipped up
    expect(p.sigmas[1]).toBeCloseTo(0.35, 12); // max(0.05, 0.35)
    expect(p.sigmas[2]).toBeCloseTo(0.3, 12); // the last: its inner gap only, not the 0.2 to the bound
    expect(p.sigmas[3]).toBeCloseTo(1 / 6, 12); // the first: its inner gap 0.1, clipped up
    expect(p.sigmas[4]).toBe(1);
    expect(p.weights).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
  });

  it("is a density on [lo, hi] (integrates to 1) that its samples follow", () => {
    const bins = 10;
    const mass = Array.from({ length: bins }, (_, b) => {
      let m = 0;
      for (let i = 0; i < 1000; i++) m += Math.exp(p.logPdf((b + (i + 0.5) / 1000) / bins)) / 1000 / bins;
      return m;
    });
    expect(mass.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const rng = new Rng(4);
    const counts = new Array<number>(bins).fill(0);
    const n = 40_000;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const x = p.sample(rng.next);
      if (x < 0 || x > 1) outside++;
      counts[Math.min(bins - 1, Math.floor(x * bins))]++;
    }
    expect(outside).toBe(0);
    counts.forEach((c, b) => expect(Math.abs(c / n - mass[b])).toBeLessThan(0.01));
    expect(mass[0]).toBeGreaterThan(3 * mass[9]); // three kernels sit near 0
  });

  it("normalCdf matches Φ to 1e-7", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 7);
  });
});

describe("tpePropose", () => {
  const space: SearchSpace = { lr: { log: [1e-6, 1e-1] }, act: { choice: ["relu", "tanh", "elu"] }, n: { int: [1, 100] } };
  // Good trials: lr near 1e-4, elu, n near 80; bad ones: lr near 1e-2, relu, n near 10.
  const obs: Observation[] = [];
  for (let i = 0; i < 20; i++) {
    const good = i % 4 === 0;
    obs.push({ params: { lr: (good ? 1e-4 : 1e-2) * (1 + 0.1 * (i % 3)), act: good ? "elu" : "relu", n: good ? 78 + (i % 5) : 8 + (i % 5) }, objective: good ? 1 + i / 100 : -i / 100 });
  }

  it("proposes in the good trials' region: l(x) / g(x) is highest there", () => {
    for (let seed = 0; seed < 5; seed++) {
      const p = tpePropose(space, obs, [], new Rng(seed).next)!;
      expect(Math.abs(Math.log10(p.lr as number) - -4)).toBeLessThan(1);
      expect(p.act).toBe("elu");
      expect(Number.isInteger(p.n)).toBe(true);
      expect(p.n as number).toBeGreaterThan(50);
    }
  });

  it("the constant liar: running trials in the good region lower its score, so the proposal moves", () => {
    const pending = Array.from({ length: 30 }, (_, i) => ({ lr: 1e-4 * (1 + 0.05 * i), act: "elu", n: 75 + (i % 10) }));
    let moved = 0;
    for (let seed = 0; seed < 10; seed++) {
      const alone = tpePropose(space, obs, [], new Rng(seed).next)!;
      const busy = tpePropose(space, obs, pending, new Rng(seed).next)!;
      if (Math.abs(Math.log10(busy.lr as number) - -4) > Math.abs(Math.log10(alone.lr as number) - -4)) moved++;
    }
    expect(moved).toBeGreaterThanOrEqual(8);
  });

  it("returns undefined without a finished trial with a value", () => {
    expect(tpePropose(space, [{ params: obs[0].params, objective: null }], [], new Rng(1).next)).toBeUndefined();
  });
});
