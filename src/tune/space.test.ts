import { describe, expect, it } from "vitest";
import { Rng } from "../core/random.ts";
import { ConfigError } from "../core/errors.ts";
import { MAX_GRID_POINTS, checkSpace, gridPoints, paramKey, sampleParams } from "./space.ts";
import type { SearchSpace } from "./types.ts";

const space: SearchSpace = {
  "ppo.learningRate": { log: [1e-5, 1e-1] },
  "reward.w2": { range: [-1, 3] },
  "ppo.epochs": { int: [2, 5] },
  "ppo.hidden": { choice: [[32], [64, 64], [128, 128], "wide"] },
};

describe("sampleParams", () => {
  const rng = new Rng(7);
  const samples = Array.from({ length: 4000 }, () => sampleParams(space, rng.next));

  it("stays in bounds, draws integers for int, and hits every choice and every integer", () => {
    const outside = samples.filter((p) => {
      const lr = p["ppo.learningRate"] as number;
      const w = p["reward.w2"] as number;
      return !(lr >= 1e-5 && lr <= 1e-1 && w >= -1 && w <= 3 && Number.isInteger(p["ppo.epochs"]));
    });
    expect(outside).toEqual([]);
    expect(Object.keys(samples[0])).toEqual(Object.keys(space));
    expect(new Set(samples.map((p) => p["ppo.epochs"]))).toEqual(new Set([2, 3, 4, 5]));
    const hidden = new Set(samples.map((p) => JSON.stringify(p["ppo.hidden"])));
    expect(hidden).toEqual(new Set(['[32]', '[64,64]', '[128,128]', '"wide"']));
    // Each of the 4 integers and 4 choices near a quarter of 4000 draws.
    for (const v of [2, 3, 4, 5]) expect(Math.abs(samples.filter((p) => p["ppo.epochs"] === v).length - 1000)).toBeLessThan(120);
  });

  it("draws a log range log-uniformly: the median near the geometric mean 1e-3, a decade per fifth", () => {
    const lrs = samples.map((p) => p["ppo.learningRate"] as number).sort((a, b) => a - b);
    const median = lrs[lrs.length / 2];
    expect(Math.abs(Math.log10(median) - -3)).toBeLessThan(0.1);
    // A uniform draw would put ~99 % above 1e-3; log-uniform puts a quarter in each of the four decades.
    const inFirstDecade = lrs.filter((x) => x < 1e-4).length / lrs.length;
    expect(Math.abs(inFirstDecade - 0.25)).toBeLessThan(0.03);
    const w = samples.map((p) => p["reward.w2"] as number).sort((a, b) => a - b);
    expect(Math.abs(w[w.length / 2] - 1)).toBeLessThan(0.1); // a range: the median at the middle
  });
});

describe("gridPoints", () => {
  it("enumerates every point of a small space, the last key fastest, both ends included", () => {
    const small: SearchSpace = { a: { choice: ["x", "y"] }, lr: { log: [1e-4, 1e-2] }, w: { range: [0, 1] } };
    const grid = gridPoints(small, 3);
    expect(grid).toHaveLength(2 * 3 * 3);
    expect(grid.slice(0, 4)).toEqual([
      { a: "x", lr: 1e-4, w: 0 },
      { a: "x", lr: 1e-4, w: 0.5 },
      { a: "x", lr: 1e-4, w: 1 },
      { a: "x", lr: 1e-3, w: 0 },
    ]);
    expect(grid[17]).toEqual({ a: "y", lr: 1e-2, w: 1 });
    expect(new Set(grid.map(paramKey)).size).toBe(18);
  });

  it("takes evenly spaced readable values, every integer of a narrow int and distinct rounded integers of a wide one", () => {
    expect(gridPoints({ w: { range: [0, 1] } }, 11).map((p) => p.w)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(gridPoints({ lr: { log: [1e-6, 1e-2] } }, 5).map((p) => p.lr)).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 1e-2]);
    expect(gridPoints({ n: { int: [2, 5] } }, 5).map((p) => p.n)).toEqual([2, 3, 4, 5]);
    expect(gridPoints({ n: { int: [1, 10] } }, 4).map((p) => p.n)).toEqual([1, 4, 7, 10]);
    expect(gridPoints({ n: { int: [0, 100] } }, 3).map((p) => p.n)).toEqual([0, 50, 100]);
  });

  it("refuses a grid above 100,000 points naming its shape, and fewer than 2 steps", () => {
    const wide: SearchSpace = { a: { range: [0, 1] }, b: { range: [0, 1] }, c: { range: [0, 1] }, d: { range: [0, 1] } };
    expect(gridPoints(wide, 17)).toHaveLength(17 ** 4); // 83,521: allowed
    expect(() => gridPoints(wide, 18)).toThrow(ConfigError);
    expect(() => gridPoints(wide, 18)).toThrow(`the grid has ${18 ** 4} points (a: 18, b: 18, c: 18, d: 18), more than ${MAX_GRID_POINTS}`);
    expect(() => gridPoints(wide, 1)).toThrow(/grid steps must be an integer >= 2/);
  });
});

describe("checkSpace", () => {
  it("accepts a valid space", () => {
    expect(() => checkSpace(space, "tune.yaml")).not.toThrow();
  });

  it.each([
    [{ "ppo.hidden": { choice: [] } }, "tune.yaml: search space ppo.hidden: choice is empty"],
    [{ "ppo.hidden": { choice: [[64], [64]] } }, "tune.yaml: search space ppo.hidden: choice lists [64] twice"],
    [{ "reward.w1": { range: [2, 2] } }, "tune.yaml: search space reward.w1: range has lo >= hi ([2, 2])"],
    [{ "reward.w1": { range: [3, 1] } }, "tune.yaml: search space reward.w1: range has lo >= hi ([3, 1])"],
    [{ "ppo.learningRate": { log: [0, 1e-3] } }, "tune.yaml: search space ppo.learningRate: log needs lo > 0"],
    [{ "ppo.entCoef": { log: [-1, 1] } }, "tune.yaml: search space ppo.entCoef: log needs lo > 0"],
    [{ "ppo.epochs": { int: [1.5, 4] } }, "tune.yaml: search space ppo.epochs: int bounds must be integers (got [1.5, 4])"],
    [{ "ppo.epochs": { uniform: [1, 4] } }, "tune.yaml: search space ppo.epochs must be exactly one of"],
    [{ "ppo.epochs": { int: [1, 4], range: [1, 4] } }, "tune.yaml: search space ppo.epochs must be exactly one of"],
    [{ "ppo.epochs": { int: [1] } }, "tune.yaml: search space ppo.epochs: int must be two finite numbers"],
    [{}, "tune.yaml: the search space is empty"],
  ])("refuses %j naming the path", (bad, message) => {
    expect(() => checkSpace(bad as SearchSpace, "tune.yaml")).toThrow(ConfigError);
    expect(() => checkSpace(bad as SearchSpace, "tune.yaml")).toThrow(message);
  });
});

describe("paramKey", () => {
  it("is the same for equal points whatever their key order, and tells values apart", () => {
    expect(paramKey({ a: 1, b: [64, 64], c: { y: 1, x: 2 } })).toBe(paramKey({ c: { x: 2, y: 1 }, b: [64, 64], a: 1 }));
    expect(paramKey({ a: 1 })).not.toBe(paramKey({ a: "1" }));
    expect(paramKey({ a: [64, 64] })).not.toBe(paramKey({ a: [64] }));
  });
});
