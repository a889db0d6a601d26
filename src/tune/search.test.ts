import { describe, expect, it } from "vitest";
import { createSearcher, seedMix } from "./search.ts";
import { paramKey } from "./space.ts";
import type { Observation, Params, SearchMethod, SearchSpace } from "./types.ts";

// A training-config-like mixed space: a learning rate with a narrow optimum (0.3 decades wide at 3e-4),
// a smooth range, an integer and a 4-way choice. Maximised; the best is 3.5.
const mixed: SearchSpace = {
  "ppo.learningRate": { log: [1e-6, 1e-1] },
  "reward.w2": { range: [0, 1] },
  "ppo.epochs": { int: [1, 32] },
  "ppo.activation": { choice: ["relu", "tanh", "elu", "gelu"] },
};
const activationBonus: Record<string, number> = { relu: 0, tanh: 0.2, elu: 0.5, gelu: 0.1 };
function mixedObjective(p: Params): number {
  const decades = Math.log10(p["ppo.learningRate"] as number) - Math.log10(3e-4);
  return 3 * Math.exp(-0.5 * (decades / 0.3) ** 2) - 2 * ((p["reward.w2"] as number) - 0.73) ** 2 - 0.004 * ((p["ppo.epochs"] as number) - 21) ** 2 + activationBonus[p["ppo.activation"] as string];
}

// Hartmann's 3-dimensional function on [0, 1]^3 (Dixon & Szegö 1978; https://www.sfu.ca/~ssurjano/hart3.html):
// four Gaussian-like bumps, the highest 3.86278 at (0.114614, 0.555649, 0.852547). Maximised as is.
const hartmann: SearchSpace = { x0: { range: [0, 1] }, x1: { range: [0, 1] }, x2: { range: [0, 1] } };
const H3_ALPHA = [1, 1.2, 3, 3.2];
const H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]];
const H3_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]].map((r) => r.map((v) => v * 1e-4));
function hartmannObjective(p: Params): number {
  const x = [p.x0, p.x1, p.x2] as number[];
  return H3_ALPHA.reduce((s, a, i) => s + a * Math.exp(-H3_A[i].reduce((q, aij, j) => q + aij * (x[j] - H3_P[i][j]) ** 2, 0)), 0);
}

const TRIALS = 40;
const STARTUP = 10;

/** The best objective after `TRIALS` sequential trials. */
function bestOf(method: SearchMethod, space: SearchSpace, objective: (p: Params) => number, seed: number): number {
  const searcher = createSearcher(method, space, { seed, gridSteps: 5, startupTrials: STARTUP });
  const history: Observation[] = [];
  for (let id = 0; id < TRIALS; id++) {
    const params = searcher.propose(id, history, []);
    if (params === undefined) throw new Error(`no proposal for trial ${id}`);
    history.push({ params, objective: objective(params) });
  }
  return Math.max(...history.map((o) => o.objective as number));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};

describe("TPE against random search on cheap synthetic objectives (the Done-when test)", () => {
  const seeds = Array.from({ length: 10 }, (_, i) => i);
  it.each([
    ["a mixed 4-parameter space", mixed, mixedObjective],
    ["Hartmann-3", hartmann, hartmannObjective],
  ] as const)("on %s, with the same 40 trials (10 of them startup), TPE's median best is higher and it wins in at least 7 of 10 seeds", (_, space, objective) => {
    const tpe = seeds.map((s) => bestOf("tpe", space, objective, s));
    const random = seeds.map((s) => bestOf("random", space, objective, s));
    const wins = tpe.filter((v, i) => v > random[i]).length;
    console.log(`${_}: median best TPE ${median(tpe).toFixed(3)}, random ${median(random).toFixed(3)}; TPE wins ${wins} of 10`);
    expect(median(tpe)).toBeGreaterThan(median(random));
    expect(wins).toBeGreaterThanOrEqual(7);
  });
});

describe("createSearcher", () => {
  const history: Observation[] = Array.from({ length: 14 }, (_, id) => {
    const params = createSearcher("random", mixed, { seed: 3, gridSteps: 5, startupTrials: 0 }).propose(id, [], [])!;
    return { params, objective: id === 5 ? null : mixedObjective(params) };
  });

  it.each(["random", "tpe"] as const)("%s: the same seed, id, history and pending give the same point; another id or seed another", (method) => {
    const opts = { seed: 11, gridSteps: 5, startupTrials: 10 };
    const a = createSearcher(method, mixed, opts);
    const b = createSearcher(method, mixed, opts); // a restarted tuner
    for (const id of [0, 9, 14, 15]) {
      const pending = [history[0].params];
      expect(b.propose(id, history, pending)).toEqual(a.propose(id, history, pending));
      expect(paramKey(a.propose(id + 1, history, pending)!)).not.toBe(paramKey(a.propose(id, history, pending)!));
    }
    const other = createSearcher(method, mixed, { ...opts, seed: 12 });
    expect(paramKey(other.propose(14, history, [])!)).not.toBe(paramKey(a.propose(14, history, [])!));
  });

  it("tpe: the startup trials are exactly random search's points, and TPE's differ after them", () => {
    const opts = { seed: 5, gridSteps: 5, startupTrials: 10 };
    const tpe = createSearcher("tpe", mixed, opts);
    const random = createSearcher("random", mixed, opts);
    for (let id = 0; id < 10; id++) expect(tpe.propose(id, history.slice(0, id), [])).toEqual(random.propose(id, history.slice(0, id), []));
    expect(paramKey(tpe.propose(14, history, [])!)).not.toBe(paramKey(random.propose(14, history, [])!));
  });

  it("tpe: the same history delivered in another order gives the same point", () => {
    const tpe = createSearcher("tpe", mixed, { seed: 5, gridSteps: 5, startupTrials: 10 });
    expect(tpe.propose(20, [...history].reverse(), [])).toEqual(tpe.propose(20, history, []));
  });

  it("tpe: with every finished trial failed it falls back to the prior instead of stalling", () => {
    const failed = history.map((o) => ({ params: o.params, objective: null }));
    const p = createSearcher("tpe", mixed, { seed: 5, gridSteps: 5, startupTrials: 10 }).propose(20, failed, []);
    expect(p).toBeDefined();
    expect(Object.keys(p!)).toEqual(Object.keys(mixed));
  });

  it("tpe: trials proposed while others run (pending, the constant liar) do not repeat a running or finished point", () => {
    const tiny: SearchSpace = { a: { choice: ["x", "y", "z"] }, n: { int: [1, 3] } }; // 9 points in all
    const searcher = createSearcher("tpe", tiny, { seed: 1, gridSteps: 5, startupTrials: 2 });
    const done: Observation[] = [
      { params: { a: "x", n: 1 }, objective: 1 },
      { params: { a: "y", n: 2 }, objective: 0 },
    ];
    const pending: Params[] = [];
    for (let id = 2; id < 9; id++) pending.push(searcher.propose(id, done, pending)!);
    const keys = [...done.map((o) => o.params), ...pending].map(paramKey);
    expect(new Set(keys).size).toBe(9); // every point of the space, each once
  });

  it("grid: point id of the grid, undefined past its end, size the number of points", () => {
    const grid = createSearcher("grid", { a: { choice: [1, 2] }, w: { range: [0, 1] } }, { seed: 0, gridSteps: 3, startupTrials: 0 });
    expect(grid.size).toBe(6);
    expect(grid.propose(0, [], [])).toEqual({ a: 1, w: 0 });
    expect(grid.propose(4, [], [])).toEqual({ a: 2, w: 0.5 });
    expect(grid.propose(6, [], [])).toBeUndefined();
  });

  it("seedMix gives unrelated seeds for neighbouring seeds and ids", () => {
    const mixes = new Set<number>();
    for (let seed = 0; seed < 20; seed++) for (let id = 0; id < 50; id++) mixes.add(seedMix(seed, id));
    expect(mixes.size).toBe(1000);
    expect(seedMix(1, 2)).not.toBe(seedMix(2, 1));
    expect(seedMix(7, 3)).toBe(seedMix(7, 3));
  });
});
