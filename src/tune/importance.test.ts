import { describe, expect, it } from "vitest";
import { Rng } from "../core/random.ts";
import { parameterImportance } from "./importance.ts";
import { sampleParams } from "./space.ts";
import type { Observation, Params, SearchSpace } from "./types.ts";

const space: SearchSpace = {
  "ppo.learningRate": { log: [1e-6, 1e-2] },
  "reward.w3": { range: [0, 1] },
  "ppo.epochs": { int: [1, 10] },
  "ppo.activation": { choice: ["relu", "tanh", "elu"] },
};

function observe(objective: (p: Params) => number, n: number, seed: number): Observation[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const params = sampleParams(space, rng.next);
    return { params, objective: objective(params) };
  });
}

const byName = (r: ReturnType<typeof parameterImportance>) => {
  if (!("params" in r)) throw new Error(r.reason);
  return Object.fromEntries(r.params.map((p) => [p.name, p.importance]));
};

describe("parameterImportance", () => {
  it("gives the parameter the objective depends on the largest share and an ignored one < 0.1, summing to 1", () => {
    // Strongly on log(lr), a little on the activation, not at all on w3 or epochs.
    const objective = (p: Params) => -((Math.log10(p["ppo.learningRate"] as number) + 4) ** 2) + (p["ppo.activation"] === "elu" ? 0.5 : 0);
    const result = parameterImportance(space, observe(objective, 40, 1), 7);
    expect(result.method).toBe("permutation importance on a random-forest surrogate (50 trees, out-of-bag, 5 permutations per tree)");
    const imp = byName(result);
    expect(Object.keys(imp)).toEqual(Object.keys(space)); // in the space's order
    expect(Object.values(imp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const v of Object.values(imp)) expect(v).toBeGreaterThanOrEqual(0);
    expect(imp["ppo.learningRate"]).toBeGreaterThan(0.6);
    expect(imp["ppo.learningRate"]).toBe(Math.max(...Object.values(imp)));
    expect(imp["reward.w3"]).toBeLessThan(0.1);
    expect(imp["ppo.epochs"]).toBeLessThan(0.1);
  });

  it("sees a choice through its categorical splits, and is the same for the same seed", () => {
    // Only the activation matters, and not in its listed order (tanh best, relu worst, elu between).
    const objective = (p: Params) => ({ relu: 0, elu: 1, tanh: 2 })[p["ppo.activation"] as "relu"] + 0.01 * (p["reward.w3"] as number);
    const obs = observe(objective, 30, 2);
    const imp = byName(parameterImportance(space, obs, 3));
    expect(imp["ppo.activation"]).toBeGreaterThan(0.9);
    expect(imp["ppo.learningRate"]).toBeLessThan(0.1);
    expect(parameterImportance(space, obs, 3)).toEqual(parameterImportance(space, obs, 3));
  });

  it("needs 8 finished trials: failed ones do not count", () => {
    const obs = observe((p) => p["reward.w3"] as number, 10, 3);
    obs[0].objective = null;
    obs[1].objective = null;
    expect(parameterImportance(space, obs.slice(0, 9), 1)).toEqual({ method: expect.stringContaining("permutation importance"), reason: "needs at least 8 finished trials, has 7" });
    expect("params" in parameterImportance(space, obs, 1)).toBe(true);
  });

  it("says so when the objective never varies", () => {
    const r = parameterImportance(space, observe(() => 0.5, 12, 4), 1);
    expect("reason" in r && r.reason).toBe("all 12 finished trials have the same objective: no parameter explains it");
  });
});
