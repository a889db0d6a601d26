// ppo.clipValueLoss against a hand computation on four rows, in both learners: CleanRL's clip_vloss,
// 0.5 · mean(max((v − R)², (v_old + clamp(v − v_old, ±0.2) − R)²)), is never below the unclipped loss,
// and its gradient leaves the value network where the clipped term is the larger and v is outside the
// clip range (the value head's bias gradient is vfCoef / m · Σ of the rows' chosen errors).
import { describe, expect, it } from "vitest";
import { Rng, gaussian } from "../core/random.ts";
import { loadTf } from "./backend.ts";
import { type Batch, type Learner, type PpoConfig, PpoConfigSchema, type StepStats } from "./learner.ts";
import { TfPpoLearner } from "./ppo.ts";
import { WasmPpoLearner } from "./wasm/learner.ts";

const OBS = 33;
const ROWS = [0, 1, 2, 3];
/** Per row, the rollout's value and the return as offsets from the current value v (clip 0.2). */
const OLD_VALUE_OFFSET = [0.5, 0.5, 0.1, -0.6];
const RETURN_OFFSET = [1, -1, 0.4, 0.5];
// row 0: v − v_old = −0.5 clamps to −0.2, v_clipped = v + 0.3: (−1)² = 1 beats (−0.7)² = 0.49, unclipped, error −1
// row 1: v_clipped = v + 0.3 again: (1.3)² = 1.69 beats 1², clipped, outside the range: no gradient
// row 2: v − v_old = −0.1 is inside the range, v_clipped = v: both (−0.4)² = 0.16, error −0.4
// row 3: v − v_old = 0.6 clamps to 0.2, v_clipped = v − 0.4: (−0.9)² = 0.81 beats (−0.5)² = 0.25, clipped, no gradient
const CLIPPED_LOSS = (0.5 * (1 + 1.69 + 0.16 + 0.81)) / 4;
const UNCLIPPED_LOSS = (0.5 * (1 + 1 + 0.16 + 0.25)) / 4;
const VF_COEF = 0.5;
const CLIPPED_BIAS_GRAD = (VF_COEF / 4) * (-1 + 0 - 0.4 + 0);
const UNCLIPPED_BIAS_GRAD = (VF_COEF / 4) * (-1 + 1 - 0.4 - 0.5);

type Gradients = (batch: Batch, rows: number[]) => { stats: StepStats; grads: Float32Array };

async function learners(cfg: PpoConfig): Promise<[string, Learner & { gradients: Gradients }][]> {
  const { tf } = await loadTf();
  return [
    ["tfjs", TfPpoLearner.create(tf, { ...cfg, learner: "tfjs" }, OBS, 3)],
    ["wasm-simd", WasmPpoLearner.create(cfg, OBS, 3, { threads: 1 })],
  ];
}

function tinyBatch(learner: Learner): Batch {
  const rng = new Rng(9);
  const obs = Float32Array.from({ length: 4 * OBS }, () => gaussian(rng.next));
  const v = learner.values(obs, 4);
  return {
    obs,
    actions: Int32Array.from([0, 1, 2, 1]),
    logp: Float32Array.from([-1.1, -1.1, -1.1, -1.1]),
    advantages: Float32Array.from([1, -1, 0.5, -0.5]),
    returns: v.map((x, i) => x + RETURN_OFFSET[i]),
    values: v.map((x, i) => x + OLD_VALUE_OFFSET[i]),
  };
}

describe("value-loss clipping (ppo.clipValueLoss)", () => {
  it("is off by default", () => {
    expect(PpoConfigSchema.parse({}).clipValueLoss).toBe(false);
  });

  for (const clipValueLoss of [true, false]) {
    it(`gives the hand-computed value loss and value-head bias gradient ${clipValueLoss ? "clipped" : "unclipped"} in both learners`, async () => {
      const cfg = PpoConfigSchema.parse({ clipValueLoss, clipCoef: 0.2, vfCoef: VF_COEF, minibatchSize: 4 });
      for (const [name, learner] of await learners(cfg)) {
        const { stats, grads } = learner.gradients(tinyBatch(learner), ROWS);
        expect(stats[1], `${name} value loss`).toBeCloseTo(clipValueLoss ? CLIPPED_LOSS : UNCLIPPED_LOSS, 5);
        // the last variable is the value head's bias
        expect(grads.at(-1), `${name} value-head bias gradient`).toBeCloseTo(clipValueLoss ? CLIPPED_BIAS_GRAD : UNCLIPPED_BIAS_GRAD, 5);
        learner.close();
      }
    });
  }

  it("is never below the unclipped loss, and equal to it when no value moves past the clip range", async () => {
    const on = await learners(PpoConfigSchema.parse({ clipValueLoss: true, minibatchSize: 4 }));
    const off = await learners(PpoConfigSchema.parse({ minibatchSize: 4 }));
    on.forEach(([name, clipped], i) => {
      // the same seed: the same networks with and without clipping
      const unclipped = off[i][1];
      const batch = tinyBatch(clipped);
      expect(clipped.gradients(batch, ROWS).stats[1], name).toBeGreaterThan(unclipped.gradients(batch, ROWS).stats[1]);
      // rollout values equal to the current ones: v − v_old = 0, nothing clips, the same loss and gradients
      const same = { ...batch, values: clipped.values(batch.obs, 4) };
      const a = clipped.gradients(same, ROWS);
      const b = unclipped.gradients(same, ROWS);
      // (the wasm kernels sum the clipped form's float32 squares, the unclipped form's in double)
      expect(a.stats[1], name).toBeCloseTo(b.stats[1], 7);
      expect(Array.from(a.grads), name).toEqual(Array.from(b.grads));
      clipped.close();
      unclipped.close();
    });
  });
});
