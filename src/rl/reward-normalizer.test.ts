import { describe, expect, it } from "vitest";
import { RewardNormalizer } from "./reward-normalizer.ts";

describe("running reward normalization", () => {
  it("divides by the running sd of the discounted return, resets a finished environment's return, and clips", () => {
    const n = new RewardNormalizer(2, 0.5);
    // step 1: returns [1, 3] → batch mean 2, var 1; from count 1e-4, mean 0, var 1: almost the batch's
    const r1 = n.normalize(Float64Array.from([1, 3]), [0, 1]);
    const c = 1e-4;
    const total = c + 2;
    const mean = (2 * 2) / total;
    const variance = (1 * c + 1 * 2 + (4 * c * 2) / total) / total;
    expect(r1[0]).toBeCloseTo(1 / Math.sqrt(variance + 1e-8), 12);
    expect(r1[1]).toBeCloseTo(3 / Math.sqrt(variance + 1e-8), 12);
    // step 2: env 0's return is 0.5·1 + 2 = 2.5, env 1 was done: 0 + 2 = 2
    const before = n.snapshot();
    expect(before.returns).toEqual([1, 0]);
    expect(before.mean).toBeCloseTo(mean, 12);
    const copy = new RewardNormalizer(2, 0.5);
    copy.restore(before);
    const r2 = n.normalize(Float64Array.from([2, 2]), [0, 0]);
    expect(n.snapshot().returns).toEqual([2.5, 2]);
    expect(Array.from(copy.normalize(Float64Array.from([2, 2]), [0, 0]))).toEqual(Array.from(r2));
    // after a hundred steps of rewards near 1, a spike of 1,000 in one environment is over 10 sd: clipped
    for (let i = 0; i < 100; i++) n.normalize(Float64Array.from([1, 1]), [0, 0]);
    const spike = n.normalize(Float64Array.from([1000, 1]), [0, 0]);
    expect(spike[0]).toBe(10);
    expect(spike[1]).toBeGreaterThan(0);
    expect(spike[1]).toBeLessThan(0.1);
  });
});
