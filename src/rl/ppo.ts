// The PPO numeric core on TensorFlow.js (ppo.learner: tfjs), behind the Learner interface of
// src/rl/learner.ts that the WebAssembly learner (src/rl/wasm/) shares. Follows the well-known implementation
// details (Huang et al., "The 37 Implementation Details of PPO"): separate policy and value MLPs with
// orthogonal init (gain √2 hidden, 0.01 policy head, 1 value head), tanh, Adam ε = 1e-5, advantages
// normalized per minibatch, clipped surrogate, optional value-loss clipping (ppo.clipValueLoss), global
// gradient-norm clip, approx-KL and clip fraction.
import { mkdirSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { DataError } from "../core/errors.ts";
import { writeDirAtomically } from "../core/staging.ts";
import type { Tf } from "./backend.ts";
import { type Batch, type Learner, type Minibatch, type PpoConfig, type StepStats, type UpdateStats, gatherMinibatch, newMinibatch, pickActions, runEpochs } from "./learner.ts";
import { loadLayersModel, writeLayersModel } from "./model-io.ts";
import { readOptimizerFiles, writeOptimizerFiles } from "./optimizer-files.ts";
import { NUM_ACTIONS } from "../kernel/actions.ts";

type LayersModel = import("@tensorflow/tfjs").LayersModel;
type Tensor = import("@tensorflow/tfjs").Tensor;

/** tf.train.adam's bias-correction accumulators (β1^t, β2^t): not in getWeights(), kept for an exact resume. */
interface AdamInternals {
  accBeta1: import("@tensorflow/tfjs").Variable;
  accBeta2: import("@tensorflow/tfjs").Variable;
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
    const { actions, logp } = pickActions(probs, n, opts);
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
    const vars = this.trainableVariables();
    const mb = newMinibatch(cfg.minibatchSize, this.obsSize);
    return runEpochs(cfg, n, random, (rows) => {
      gatherMinibatch(batch, rows, this.obsSize, mb);
      return this.minibatchStep(mb, rows.length, vars);
    });
  }

  /**
   * The loss's statistics and gradients (every variable's, flattened in the variables' order) on the
   * minibatch of `rows` of the batch, without a step: what the learners' equivalence test compares.
   */
  gradients(batch: Batch, rows: number[]): { stats: StepStats; grads: Float32Array } {
    const mb = newMinibatch(rows.length, this.obsSize);
    gatherMinibatch(batch, rows, this.obsSize, mb);
    let grads = new Float32Array(0);
    const stats = this.minibatchStep(mb, rows.length, this.trainableVariables(), (g) => {
      grads = Float32Array.from(Object.values(g).flatMap((t) => Array.from(t.dataSync() as Float32Array)));
    });
    return { stats, grads };
  }

  private trainableVariables(): import("@tensorflow/tfjs").Variable[] {
    return [...this.policy.trainableWeights, ...this.value.trainableWeights].map((w) => (w as unknown as { val: import("@tensorflow/tfjs").Variable }).val);
  }

  /**
   * One gradient step on a minibatch; returns [policy loss, value loss, entropy, approx KL, clip fraction].
   * With `inspect`, the gradients go there instead of into a step.
   */
  private minibatchStep({ obs, actions, oldLogp, adv, ret, oldValues }: Minibatch, m: number, vars: import("@tensorflow/tfjs").Variable[], inspect?: (grads: Record<string, Tensor>) => void): StepStats {
    const tf = this.tf;
    const cfg = this.cfg;
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
        const vLoss = tf.mul(0.5, tf.mean(cfg.clipValueLoss ? this.clippedSquaredError(v, oldValues, retT) : tf.square(tf.sub(v, retT))));
        const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(logits), logProbs), 1)));
        const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
        const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), cfg.clipCoef), "float32"));
        stats = [pg, vLoss, entropy, approxKl, clipFrac].map((t) => tf.keep(t));
        return tf.add(tf.sub(pg, tf.mul(cfg.entCoef, entropy)), tf.mul(cfg.vfCoef, vLoss)) as import("@tensorflow/tfjs").Scalar;
      }, vars);
      if (inspect) return inspect(grads);
      // global gradient-norm clip
      const names = Object.keys(grads);
      const norm = Math.sqrt(names.reduce((s, k) => s + (tf.sum(tf.square(grads[k])).dataSync()[0] as number), 0));
      const scale = norm > cfg.maxGradNorm ? cfg.maxGradNorm / (norm + 1e-6) : 1;
      const clipped = Object.fromEntries(names.map((k) => [k, scale === 1 ? grads[k] : tf.mul(grads[k], scale)]));
      this.optimizer.applyGradients(clipped);
    });
    const out = stats.map((t) => t.dataSync()[0] as number);
    stats.forEach((t) => t.dispose());
    return out as StepStats;
  }

  /**
   * CleanRL's clip_vloss per row: max((v − R)², (v_old + clamp(v − v_old, ±clip) − R)²). Its subgradient
   * is TF.js's, which the wasm kernels' loss head copies: a tie goes to the unclipped term (maximum's
   * gradient takes a ≥ b), and the clamp passes the gradient on its closed interval [−clip, clip].
   */
  private clippedSquaredError(v: Tensor, oldValues: Float32Array, retT: Tensor): Tensor {
    const tf = this.tf;
    const oldV = tf.tensor1d(oldValues);
    const vClipped = tf.add(oldV, tf.clipByValue(tf.sub(v, oldV), -this.cfg.clipCoef, this.cfg.clipCoef));
    return tf.maximum(tf.square(tf.sub(v, retT)), tf.square(tf.sub(vClipped, retT)));
  }

  async save(dir: string): Promise<void> {
    await writeDirAtomically(dir, `the model ${dir}`, (staging) => this.writeTo(staging));
  }

  close(): void {
    // nothing outside TF.js's own memory
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
    writeOptimizerFiles(dir, {
      iterations: this.optimizer.iterations,
      accBeta1: accBeta1.dataSync()[0],
      accBeta2: accBeta2.dataSync()[0],
      moments: moments.map((w) => ({ name: w.name, shape: w.tensor.shape, values: w.tensor.dataSync() as Float32Array })),
    });
  }

  private async loadOptimizer(dir: string, required: boolean): Promise<void> {
    const vars = this.trainableVariables();
    const state = readOptimizerFiles(dir, required, vars.map((v) => v.shape));
    if (!state) return; // a model without optimizer state: fresh Adam moments
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
