// The PPO numeric core on TensorFlow.js behind a small interface (act / values / update / save), so a
// faster learner can replace it later under the same tests. Follows the well-known implementation
// details (Huang et al., "The 37 Implementation Details of PPO"): separate policy and value MLPs with
// orthogonal init (gain √2 hidden, 0.01 policy head, 1 value head), tanh, Adam ε = 1e-5, advantages
// normalized per minibatch, clipped surrogate, global gradient-norm clip, approx-KL and clip fraction.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { DataError } from "../core/errors.ts";
import { writeDirAtomically } from "../core/staging.ts";
import type { Tf } from "./backend.ts";
import { loadLayersModel, readBinaryFile, readJsonFile, writeLayersModel } from "./model-io.ts";
import { NUM_ACTIONS } from "../kernel/actions.ts";

type LayersModel = import("@tensorflow/tfjs").LayersModel;
type Tensor = import("@tensorflow/tfjs").Tensor;

export const PpoConfigSchema = z.strictObject({
  learningRate: z.number().positive().default(3e-4),
  /** Anneal the learning rate linearly to 0 over the run (§5.5 "adaptive"). */
  annealLr: z.boolean().default(true),
  gamma: z.number().min(0).max(1).default(0.99),
  gaeLambda: z.number().min(0).max(1).default(0.95),
  clipCoef: z.number().positive().default(0.2),
  vfCoef: z.number().min(0).default(0.5),
  entCoef: z.number().min(0).default(0.01),
  minibatchSize: z.number().int().positive().default(64),
  updateEpochs: z.number().int().positive().default(10),
  /** Steps per update over all environments (§5.5: 2048). */
  numSteps: z.number().int().positive().default(2048),
  numEnvs: z.number().int().positive().default(8),
  maxGradNorm: z.number().positive().default(0.5),
  /** Stop an update's epochs early once approx-KL exceeds this (null = never). */
  targetKl: z.number().positive().nullable().default(null),
  hidden: z.array(z.number().int().positive()).default([128, 64, 32]),
});
export type PpoConfig = z.infer<typeof PpoConfigSchema>;

export interface Batch {
  obs: Float32Array;
  actions: Int32Array;
  logp: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
}

export interface UpdateStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFrac: number;
  epochs: number;
}

export interface Learner {
  readonly obsSize: number;
  act(obs: Float32Array, n: number, opts: { deterministic: boolean; random?: () => number }): { actions: Int32Array; logp: Float32Array; values: Float32Array };
  values(obs: Float32Array, n: number): Float32Array;
  /** The deterministic policy's actions for n observations (no value head, no sampling). */
  greedy(obs: Float32Array, n: number): Int32Array;
  /** The policy's action probabilities for n observations (n × 3, row-major). */
  probabilities(obs: Float32Array, n: number): Float32Array;
  update(batch: Batch, n: number, learningRate: number, random: () => number): UpdateStats;
  /** The learner as a folder of its own, swapped in whole. */
  save(dir: string): Promise<void>;
  /** Everything needed to continue training exactly (weights and optimizer state) into the existing folder `dir`. */
  writeTo(dir: string): Promise<void>;
  /** sha256 over every weight, for reproducibility checks. */
  weightsHash(): string;
}


/** tf.train.adam's bias-correction accumulators (β1^t, β2^t): not in getWeights(), kept for an exact resume. */
interface AdamInternals {
  accBeta1: import("@tensorflow/tfjs").Variable;
  accBeta2: import("@tensorflow/tfjs").Variable;
}

const OPTIMIZER_FORMAT = "adam-1";
const OPTIMIZER_HINT = "rlt writes model and checkpoint folders whole, so the file was changed or damaged afterwards: restore the folder from a copy, resume from another run, or train again";

const OptimizerIndexSchema = z
  .object({
    format: z.literal(OPTIMIZER_FORMAT),
    iterations: z.number().int().min(0),
    accBeta1: z.number(),
    accBeta2: z.number(),
    moments: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().min(0)) }).strict()),
  })
  .strict();
type OptimizerIndex = z.infer<typeof OptimizerIndexSchema>;
/** Before format "adam-1": a bare list whose first entry is the int32 iteration count. */
const LegacyOptimizerIndexSchema = z.array(z.object({ name: z.string(), shape: z.array(z.number().int().min(0)) }).strict());

interface OptimizerState {
  iterations: number;
  accBeta1?: number;
  accBeta2?: number;
  moments: { name: string; shape: number[]; values: Float32Array }[];
}

/** optimizer.json + optimizer.bin checked against each other and against the networks' variables. */
function parseOptimizerState(raw: unknown, bin: Buffer, indexFile: string, binFile: string, varShapes: number[][]): OptimizerState {
  const parsed = OptimizerIndexSchema.safeParse(raw);
  const legacy = parsed.success ? undefined : LegacyOptimizerIndexSchema.safeParse(raw);
  if (!parsed.success && !legacy?.success) {
    const issue = parsed.error.issues[0];
    throw new DataError(`${indexFile} is not an optimizer index rlt can read (${issue.path.join(".") || "top level"}: ${issue.message})`, { hint: OPTIMIZER_HINT });
  }
  let iterations: number;
  let entries: { name: string; shape: number[] }[];
  let offset = 0;
  if (parsed.success) {
    iterations = parsed.data.iterations;
    entries = parsed.data.moments;
  } else {
    const [iter, ...rest] = legacy!.data!;
    if (iter?.name !== "iter" || bin.byteLength < 4) throw new DataError(`${indexFile} lists no iteration count`, { hint: OPTIMIZER_HINT });
    iterations = bin.readInt32LE(0);
    entries = rest;
    offset = 4;
  }
  const sizes = entries.map((e) => e.shape.reduce((a, b) => a * b, 1));
  const needed = offset + 4 * sizes.reduce((a, b) => a + b, 0);
  if (bin.byteLength !== needed) {
    throw new DataError(`${binFile} ${bin.byteLength < needed ? "is truncated" : "is longer than its index"} (${bin.byteLength} bytes, optimizer.json needs ${needed})`, { hint: OPTIMIZER_HINT });
  }
  // Adam keeps a first and a second moment per trainable variable, in the variables' order
  // (none at all before Adam's first step)
  const expected = entries.length === 0 ? [] : [...varShapes, ...varShapes];
  const mismatch = entries.length !== expected.length ? -1 : entries.findIndex((e, i) => e.shape.join("x") !== expected[i].join("x"));
  if (entries.length !== expected.length || mismatch >= 0) {
    throw new DataError(`${indexFile} does not match the networks beside it (${entries.length} moments for ${expected.length}${mismatch >= 0 ? `; ${entries[mismatch].name} has shape ${entries[mismatch].shape.join("×")}` : ""})`, { hint: OPTIMIZER_HINT });
  }
  const floats = new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + bin.byteLength));
  let off = 0;
  const moments = entries.map((e, i) => {
    const values = floats.slice(off, off + sizes[i]);
    off += sizes[i];
    return { name: e.name, shape: e.shape, values };
  });
  return parsed.success ? { iterations, accBeta1: parsed.data.accBeta1, accBeta2: parsed.data.accBeta2, moments } : { iterations, moments };
}

function mlp(tf: Tf, inputs: number, hidden: number[], outputs: number, outGain: number, seed: number): LayersModel {
  const model = tf.sequential();
  hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: "tanh",
        inputShape: i === 0 ? [inputs] : undefined,
        kernelInitializer: tf.initializers.orthogonal({ gain: Math.SQRT2, seed: seed + i }),
        biasInitializer: "zeros",
      }),
    );
  });
  model.add(tf.layers.dense({ units: outputs, kernelInitializer: tf.initializers.orthogonal({ gain: outGain, seed: seed + 100 }), biasInitializer: "zeros" }));
  return model;
}

export class TfPpoLearner implements Learner {
  private readonly optimizer;

  private constructor(
    private readonly tf: Tf,
    readonly policy: LayersModel,
    readonly value: LayersModel,
    readonly cfg: PpoConfig,
    readonly obsSize: number,
  ) {
    this.optimizer = tf.train.adam(cfg.learningRate, 0.9, 0.999, 1e-5);
  }

  static create(tf: Tf, cfg: PpoConfig, obsSize: number, seed: number): TfPpoLearner {
    // tfjs warns that orthogonal init of a 128×64 matrix "may be slow": it takes milliseconds here
    const warn = console.warn;
    console.warn = () => {};
    try {
      return new TfPpoLearner(tf, mlp(tf, obsSize, cfg.hidden, NUM_ACTIONS, 0.01, seed), mlp(tf, obsSize, cfg.hidden, 1, 1, seed + 1000), cfg, obsSize);
    } finally {
      console.warn = warn;
    }
  }

  /**
   * A learner from a folder `save` or `writeTo` wrote, every file it reads checked (a bad one is named).
   * Its Adam state is required to continue training, read when present otherwise, and not read at all
   * for inference (`optimizer: "skip"`): a damaged optimizer.bin never stops an evaluation that does not use it.
   */
  static async load(tf: Tf, cfg: PpoConfig, dir: string, opts: { optimizer?: "require" | "if-present" | "skip" } = {}): Promise<TfPpoLearner> {
    const policy = await loadLayersModel(tf, path.join(dir, "policy"));
    const value = await loadLayersModel(tf, path.join(dir, "value"));
    const obsSize = policy.inputs[0].shape[1];
    const shapes = `policy ${JSON.stringify(policy.inputs[0].shape)} → ${JSON.stringify(policy.outputs[0].shape)}, value ${JSON.stringify(value.inputs[0].shape)} → ${JSON.stringify(value.outputs[0].shape)}`;
    if (typeof obsSize !== "number" || value.inputs[0].shape[1] !== obsSize || policy.outputs[0].shape[1] !== NUM_ACTIONS || value.outputs[0].shape[1] !== 1) {
      throw new DataError(`${dir} does not hold a policy and value network of this agent (${shapes})`, { hint: `expected ${NUM_ACTIONS} actions and one value from the same inputs` });
    }
    const learner = new TfPpoLearner(tf, policy, value, cfg, obsSize);
    const optimizer = opts.optimizer ?? "if-present";
    if (optimizer !== "skip") await learner.loadOptimizer(dir, optimizer === "require");
    return learner;
  }

  act(obs: Float32Array, n: number, opts: { deterministic: boolean; random?: () => number }) {
    const tf = this.tf;
    const [probs, values] = tf.tidy(() => {
      const x = tf.tensor2d(obs, [n, this.obsSize]);
      return [tf.softmax(this.policy.predict(x) as Tensor).dataSync() as Float32Array, (this.value.predict(x) as Tensor).dataSync() as Float32Array];
    });
    const actions = new Int32Array(n);
    const logp = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let a = 0;
      if (opts.deterministic) {
        for (let k = 1; k < NUM_ACTIONS; k++) if (probs[i * NUM_ACTIONS + k] > probs[i * NUM_ACTIONS + a]) a = k;
      } else {
        const u = opts.random!();
        let acc = 0;
        a = NUM_ACTIONS - 1;
        for (let k = 0; k < NUM_ACTIONS; k++) {
          acc += probs[i * NUM_ACTIONS + k];
          if (u < acc) {
            a = k;
            break;
          }
        }
      }
      actions[i] = a;
      logp[i] = Math.log(Math.max(probs[i * NUM_ACTIONS + a], 1e-12));
    }
    return { actions, logp, values: Float32Array.from(values) };
  }

  greedy(obs: Float32Array, n: number): Int32Array {
    const tf = this.tf;
    return tf.tidy(() => Int32Array.from(tf.argMax(this.policy.predict(tf.tensor2d(obs, [n, this.obsSize])) as Tensor, 1).dataSync()));
  }

  probabilities(obs: Float32Array, n: number): Float32Array {
    const tf = this.tf;
    return tf.tidy(() => Float32Array.from(tf.softmax(this.policy.predict(tf.tensor2d(obs, [n, this.obsSize])) as Tensor).dataSync()));
  }

  values(obs: Float32Array, n: number): Float32Array {
    const tf = this.tf;
    return tf.tidy(() => Float32Array.from((this.value.predict(tf.tensor2d(obs, [n, this.obsSize])) as Tensor).dataSync()));
  }

  update(batch: Batch, n: number, learningRate: number, random: () => number): UpdateStats {
    const tf = this.tf;
    const cfg = this.cfg;
    (this.optimizer as unknown as { learningRate: number }).learningRate = learningRate;
    const vars = [...this.policy.trainableWeights, ...this.value.trainableWeights].map((w) => (w as unknown as { val: import("@tensorflow/tfjs").Variable }).val);
    const idx = Array.from({ length: n }, (_, i) => i);
    const sums = { policyLoss: 0, valueLoss: 0, entropy: 0, approxKl: 0, clipFrac: 0, count: 0 };
    let epochs = 0;
    for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
      epochs++;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      let epochKl = 0;
      let epochBatches = 0;
      for (let start = 0; start + cfg.minibatchSize <= n; start += cfg.minibatchSize) {
        const mb = idx.slice(start, start + cfg.minibatchSize);
        const stats = this.minibatchStep(batch, mb, vars);
        sums.policyLoss += stats[0];
        sums.valueLoss += stats[1];
        sums.entropy += stats[2];
        sums.approxKl += stats[3];
        sums.clipFrac += stats[4];
        sums.count++;
        epochKl += stats[3];
        epochBatches++;
      }
      if (cfg.targetKl !== null && epochKl / Math.max(1, epochBatches) > cfg.targetKl) break;
    }
    const c = Math.max(1, sums.count);
    return { policyLoss: sums.policyLoss / c, valueLoss: sums.valueLoss / c, entropy: sums.entropy / c, approxKl: sums.approxKl / c, clipFrac: sums.clipFrac / c, epochs };
  }

  /** One gradient step on a minibatch; returns [policy loss, value loss, entropy, approx KL, clip fraction]. */
  private minibatchStep(batch: Batch, mb: number[], vars: import("@tensorflow/tfjs").Variable[]): number[] {
    const tf = this.tf;
    const cfg = this.cfg;
    const m = mb.length;
    const obs = new Float32Array(m * this.obsSize);
    const actions = new Int32Array(m);
    const oldLogp = new Float32Array(m);
    const adv = new Float32Array(m);
    const ret = new Float32Array(m);
    mb.forEach((k, r) => {
      obs.set(batch.obs.subarray(k * this.obsSize, (k + 1) * this.obsSize), r * this.obsSize);
      actions[r] = batch.actions[k];
      oldLogp[r] = batch.logp[k];
      adv[r] = batch.advantages[k];
      ret[r] = batch.returns[k];
    });
    // advantages normalized per minibatch
    let mean = 0;
    for (const a of adv) mean += a / m;
    let sd = 0;
    for (const a of adv) sd += (a - mean) ** 2 / m;
    sd = Math.sqrt(sd);
    for (let r = 0; r < m; r++) adv[r] = (adv[r] - mean) / (sd + 1e-8);
    let stats: Tensor[] = [];
    tf.tidy(() => {
      const x = tf.tensor2d(obs, [m, this.obsSize]);
      const a = tf.oneHot(tf.tensor1d(actions, "int32"), NUM_ACTIONS);
      const oldLp = tf.tensor1d(oldLogp);
      const advT = tf.tensor1d(adv);
      const retT = tf.tensor1d(ret);
      const { grads } = tf.variableGrads(() => {
        const logits = this.policy.apply(x) as Tensor;
        const logProbs = tf.logSoftmax(logits);
        const newLp = tf.sum(tf.mul(logProbs, a), 1);
        const logRatio = tf.sub(newLp, oldLp);
        const ratio = tf.exp(logRatio);
        const pg = tf.mean(tf.maximum(tf.mul(tf.neg(advT), ratio), tf.mul(tf.neg(advT), tf.clipByValue(ratio, 1 - cfg.clipCoef, 1 + cfg.clipCoef))));
        const v = tf.reshape(this.value.apply(x) as Tensor, [-1]);
        const vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(v, retT))));
        const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(logits), logProbs), 1)));
        const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
        const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), cfg.clipCoef), "float32"));
        stats = [pg, vLoss, entropy, approxKl, clipFrac].map((t) => tf.keep(t));
        return tf.add(tf.sub(pg, tf.mul(cfg.entCoef, entropy)), tf.mul(cfg.vfCoef, vLoss)) as import("@tensorflow/tfjs").Scalar;
      }, vars);
      // global gradient-norm clip
      const names = Object.keys(grads);
      const norm = Math.sqrt(names.reduce((s, k) => s + (tf.sum(tf.square(grads[k])).dataSync()[0] as number), 0));
      const scale = norm > cfg.maxGradNorm ? cfg.maxGradNorm / (norm + 1e-6) : 1;
      const clipped = Object.fromEntries(names.map((k) => [k, scale === 1 ? grads[k] : tf.mul(grads[k], scale)]));
      this.optimizer.applyGradients(clipped);
    });
    const out = stats.map((t) => t.dataSync()[0] as number);
    stats.forEach((t) => t.dispose());
    return out;
  }

  async save(dir: string): Promise<void> {
    await writeDirAtomically(dir, `the model ${dir}`, (staging) => this.writeTo(staging));
  }

  async writeTo(dir: string): Promise<void> {
    for (const [name, model] of [["policy", this.policy], ["value", this.value]] as const) {
      mkdirSync(path.join(dir, name), { recursive: true });
      await writeLayersModel(this.tf, model, path.join(dir, name));
    }
    // getWeights() leads with the iteration count; the bias-correction powers β^t are kept as they
    // stand, since recomputing them with pow() need not give the same float32 as t multiplications
    const moments = (await this.optimizer.getWeights()).filter((w) => w.name !== "iter");
    const { accBeta1, accBeta2 } = this.optimizer as unknown as AdamInternals;
    const index: OptimizerIndex = {
      format: OPTIMIZER_FORMAT,
      iterations: this.optimizer.iterations,
      accBeta1: accBeta1.dataSync()[0],
      accBeta2: accBeta2.dataSync()[0],
      moments: moments.map((w) => ({ name: w.name, shape: w.tensor.shape })),
    };
    const data = Buffer.concat(moments.map((w) => Buffer.from((w.tensor.dataSync() as Float32Array).buffer.slice(0))));
    writeFileSync(path.join(dir, "optimizer.json"), JSON.stringify(index));
    writeFileSync(path.join(dir, "optimizer.bin"), data);
  }

  private async loadOptimizer(dir: string, required: boolean): Promise<void> {
    const indexFile = path.join(dir, "optimizer.json");
    const binFile = path.join(dir, "optimizer.bin");
    if (!required && !existsSync(indexFile)) return; // a model without optimizer state: fresh Adam moments
    const raw = readJsonFile(indexFile, OPTIMIZER_HINT);
    const bin = readBinaryFile(binFile, OPTIMIZER_HINT);
    const vars = [...this.policy.trainableWeights, ...this.value.trainableWeights].map((w) => (w as unknown as { val: import("@tensorflow/tfjs").Variable }).val);
    const state = parseOptimizerState(raw, bin, indexFile, binFile, vars.map((v) => v.shape));
    await this.optimizer.setWeights([
      { name: "iter", tensor: this.tf.scalar(state.iterations, "int32") },
      ...state.moments.map(({ name, shape, values }) => ({ name, tensor: this.tf.tensor(values, shape) })),
    ]);
    const adam = this.optimizer as unknown as AdamInternals;
    if (state.accBeta1 !== undefined && state.accBeta2 !== undefined) {
      adam.accBeta1.assign(this.tf.scalar(state.accBeta1));
      adam.accBeta2.assign(this.tf.scalar(state.accBeta2));
    }
  }

  weightsHash(): string {
    const h = createHash("sha256");
    for (const m of [this.policy, this.value]) for (const w of m.getWeights()) h.update(Buffer.from((w.dataSync() as Float32Array).buffer.slice(0)));
    return h.digest("hex");
  }
}
