import { describe, expect, it } from "vitest";
import { computeGae } from "./gae.ts";

describe("computeGae", () => {
  it("matches values computed by hand (γ = 0.9, λ = 0.8, an episode end in the middle)", () => {
    // one env, 3 steps: r = [1, 2, 3], V = [0.5, 1, 1.5], done after step 2, V(next) = 2
    const { advantages, returns } = computeGae(
      Float32Array.from([1, 2, 3]),
      Float32Array.from([0.5, 1, 1.5]),
      Uint8Array.from([0, 1, 0]),
      Float32Array.from([2]),
      3,
      1,
      0.9,
      0.8,
    );
    // step 3: δ = 3 + 0.9·2 − 1.5 = 3.3, A = 3.3
    // step 2 (done): δ = 2 − 1 = 1, A = 1
    // step 1: δ = 1 + 0.9·1 − 0.5 = 1.4, A = 1.4 + 0.72·1 = 2.12
    expect(Array.from(advantages).map((x) => +x.toFixed(5))).toEqual([2.12, 1, 3.3]);
    expect(Array.from(returns).map((x) => +x.toFixed(5))).toEqual([2.62, 2, 4.8]);
  });

  it("keeps environments apart in a step-major buffer", () => {
    // two envs, 2 steps, index = step·2 + env; env 0 rewards [1, 1], env 1 rewards [0, 10], V = 0
    const { advantages } = computeGae(Float32Array.from([1, 0, 1, 10]), new Float32Array(4), new Uint8Array(4), Float32Array.from([0, 0]), 2, 2, 0.5, 1);
    // env 0: A_2 = 1, A_1 = 1 + 0.5·1 = 1.5; env 1: A_2 = 10, A_1 = 0 + 0.5·10 = 5
    expect(Array.from(advantages)).toEqual([1.5, 5, 1, 10]);
  });
});
