// The PPO numeric core on fused WebAssembly SIMD kernels (ppo.learner: wasm-simd, the default): the
// same networks and math as the TF.js learner (src/rl/ppo.ts) — separate policy and value MLPs, tanh,
// orthogonal init (gain √2 hidden, 0.01 policy head, 1 value head), Adam ε 1e-5, advantages normalized
// per minibatch, clipped surrogate, value loss (clipped with ppo.clipValueLoss), entropy bonus, global
// gradient-norm clip, approx-KL and clip fraction, target-KL stop — over one preallocated memory
// (layout.ts), each minibatch's gradient split over `threads` threads (gradient-pool.ts). It reads and
// writes the TF.js Layers files and Adam state of the TF.js learner, so runs move between the two.
import { mkdirSync } from "node:fs";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { DataError } from "../../core/errors.ts";
import { writeDirAtomically } from "../../core/staging.ts";
import { NUM_ACTIONS } from "../../kernel/actions.ts";
import { type Batch, type Learner, type Minibatch, type PpoConfig, type StepStats, type UpdateStats, gatherMinibatch, pickActions, runEpochs } from "../learner.ts";
import { readOptimizerFiles, writeOptimizerFiles } from "../optimizer-files.ts";
import { GradientPool } from "./gradient-pool.ts";
import { type KernelExports, instantiate, kernelMemory, kernelModule, MAX_PAGES } from "./kernels.ts";
import { type DenseNet, readDenseNet, writeDenseNet } from "./layers-files.ts";
import { INFER_ROWS, type Layout, type NetLayout, planLayout, writeDescriptors } from "./layout.ts";
import { orthogonal } from "./orthogonal.ts";

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-5;
const f32 = Math.fround;

export interface WasmLearnerOptions {
  /** Threads for the gradient (default: the machine's cores); inference always runs on the calling thread. */
  threads?: number;
}

/** Below this many minibatch rows per thread, waking another thread costs more than its share saves. */
const MIN_ROWS_PER_THREAD = 16;

/** The thread count a config asks for: ppo.threads, else every core (at most one per 16 minibatch rows). */
export function learnerThreads(cfg: PpoConfig): number {
  return cfg.threads ?? Math.max(1, Math.min(os.availableParallelism(), Math.floor(cfg.minibatchSize / MIN_ROWS_PER_THREAD)));
}

export class WasmPpoLearner implements Learner {
  private readonly kernels: KernelExports;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly pool?: GradientPool;
  private readonly mb: Minibatch;
  private iterations = 0;
  private accBeta1 = f32(BETA1);
  private accBeta2 = f32(BETA2);

  private constructor(
    readonly cfg: PpoConfig,
    readonly obsSize: number,
    private readonly layout: Layout,
    private readonly names: { policy: string[]; value: string[] },
    threads: number,
  ) {
    if (layout.pages > MAX_PAGES) throw new DataError(`the networks need ${layout.pages} memory pages, more than the kernels' ${MAX_PAGES}`, { hint: "use smaller ppo.hidden layers or minibatches" });
    const memory = kernelMemory(layout.pages);
    this.kernels = instantiate(memory);
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
    writeDescriptors(layout, memory);
    const m = layout.batchRows;
    this.mb = {
      obs: this.f32.subarray(layout.x / 4, layout.x / 4 + m * obsSize),
      actions: this.i32.subarray(layout.actions / 4, layout.actions / 4 + m),
      oldLogp: this.f32.subarray(layout.oldLogp / 4, layout.oldLogp / 4 + m),
      adv: this.f32.subarray(layout.adv / 4, layout.adv / 4 + m),
      ret: this.f32.subarray(layout.ret / 4, layout.ret / 4 + m),
      oldValues: this.f32.subarray(layout.oldValues / 4, layout.oldValues / 4 + m),
    };
    if (threads > 1) this.pool = new GradientPool(kernelModule(), memory, layout);
  }

  private static build(cfg: PpoConfig, obsSize: number, threads: number, names: { policy: string[]; value: string[] }): WasmPpoLearner {
    return new WasmPpoLearner(cfg, obsSize, planLayout(obsSize, cfg.hidden, NUM_ACTIONS, cfg.minibatchSize, threads), names, threads);
  }

  /** Fresh networks: orthogonal kernels with the TF.js learner's gains and per-layer seeds, zero biases. */
  static create(cfg: PpoConfig, obsSize: number, seed: number, opts: WasmLearnerOptions = {}): WasmPpoLearner {
    const L = cfg.hidden.length + 1;
    // TF.js's layer names in a fresh process (dense_Dense1 …), which the Adam moments' names follow
    const names = { policy: Array.from({ length: L }, (_, l) => `dense_Dense${l + 1}`), value: Array.from({ length: L }, (_, l) => `dense_Dense${L + l + 1}`) };
    const learner = WasmPpoLearner.build(cfg, obsSize, opts.threads ?? learnerThreads(cfg), names);
    const init = (net: NetLayout, outGain: number, netSeed: number) =>
      net.dims.slice(0, -1).forEach((din, l) => {
        const head = l === net.dims.length - 2;
        learner.f32.set(orthogonal(din, net.dims[l + 1], head ? outGain : Math.SQRT2, head ? netSeed + 100 : netSeed + l), learner.layout.theta / 4 + net.weight[l]);
      });
    init(learner.layout.policy, 0.01, seed);
    init(learner.layout.value, 1, seed + 1000);
    learner.refreshTransposes();
    return learner;
  }

  /**
   * A learner from a folder either learner wrote, every file checked. Adam state as in TfPpoLearner.load:
   * required to continue training, read when present otherwise, not read for inference ("skip").
   */
  static async load(cfg: PpoConfig, dir: string, opts: WasmLearnerOptions & { optimizer?: "require" | "if-present" | "skip" } = {}): Promise<WasmPpoLearner> {
    const policy = readDenseNet(path.join(dir, "policy"));
    const value = readDenseNet(path.join(dir, "value"));
    const obsSize = policy.dims[0];
    const hidden = policy.dims.slice(1, -1);
    if (value.dims[0] !== obsSize || policy.dims.at(-1) !== NUM_ACTIONS || value.dims.at(-1) !== 1 || value.dims.slice(1, -1).join() !== hidden.join()) {
      throw new DataError(`${dir} does not hold a policy and value network of this agent (policy ${policy.dims.join("→")}, value ${value.dims.join("→")})`, { hint: `expected ${NUM_ACTIONS} actions and one value from the same inputs through the same hidden layers` });
    }
    // the files decide the architecture: a model evaluates whatever ppo.hidden the caller's config says
    const learner = WasmPpoLearner.build({ ...cfg, hidden }, obsSize, opts.threads ?? learnerThreads(cfg), { policy: policy.names, value: value.names });
    learner.setNet(learner.layout.policy, policy);
    learner.setNet(learner.layout.value, value);
    learner.refreshTransposes();
    const optimizer = opts.optimizer ?? "if-present";
    if (optimizer !== "skip") learner.loadOptimizer(dir, optimizer === "require");
    return learner;
  }

  // ---- inference: chunks of INFER_ROWS through thread 0's buffers ----

  /** Thread 0's policy and value networks as inference runs them: descriptor and output width. */
  private get policyNet(): { at: number; width: number } {
    return { at: this.layout.threads[0].policyNet, width: NUM_ACTIONS };
  }
  private get valueNet(): { at: number; width: number } {
    return { at: this.layout.threads[0].valueNet, width: 1 };
  }

  /** Run `nets` over n observations; `take(outputs, start, rows)` reads each chunk's outputs. */
  private forwardChunks(obs: Float32Array, n: number, nets: { at: number; width: number }[], take: (outputs: Float32Array[], start: number, rows: number) => void): void {
    const x = this.layout.x / 4;
    const outs = nets.map((net) => this.kernels.outputOf(net.at) / 4);
    for (let start = 0; start < n; start += INFER_ROWS) {
      const rows = Math.min(INFER_ROWS, n - start);
      this.f32.set(obs.subarray(start * this.obsSize, (start + rows) * this.obsSize), x);
      for (const net of nets) this.kernels.forward(net.at, this.layout.x, rows);
      take(
        nets.map((net, i) => this.f32.subarray(outs[i], outs[i] + rows * net.width)),
        start,
        rows,
      );
    }
  }

  probabilities(obs: Float32Array, n: number): Float32Array {
    const probs = new Float32Array(n * NUM_ACTIONS);
    this.forwardChunks(obs, n, [this.policyNet], ([logits], start, rows) => softmaxRows(logits, rows, probs, start));
    return probs;
  }

  greedy(obs: Float32Array, n: number): Int32Array {
    const actions = new Int32Array(n);
    this.forwardChunks(obs, n, [this.policyNet], ([logits], start, rows) => {
      for (let r = 0; r < rows; r++) {
        let a = 0;
        for (let k = 1; k < NUM_ACTIONS; k++) if (logits[r * NUM_ACTIONS + k] > logits[r * NUM_ACTIONS + a]) a = k;
        actions[start + r] = a;
      }
    });
    return actions;
  }

  values(obs: Float32Array, n: number): Float32Array {
    const values = new Float32Array(n);
    this.forwardChunks(obs, n, [this.valueNet], ([v], start) => values.set(v, start));
    return values;
  }

  act(obs: Float32Array, n: number, opts: { deterministic: boolean; random?: () => number }) {
    const probs = new Float32Array(n * NUM_ACTIONS);
    const values = new Float32Array(n);
    this.forwardChunks(obs, n, [this.policyNet, this.valueNet], ([logits, v], start, rows) => {
      softmaxRows(logits, rows, probs, start);
      values.set(v, start);
    });
    return { ...pickActions(probs, n, opts), values };
  }

  // ---- learning ----

  update(batch: Batch, n: number, learningRate: number, random: () => number): UpdateStats {
    this.writeJobs(this.cfg.minibatchSize);
    return runEpochs(this.cfg, n, random, (rows) => {
      gatherMinibatch(batch, rows, this.obsSize, this.mb);
      return this.minibatchStep(rows.length, learningRate);
    });
  }

  /** Each thread's job over its contiguous share of an m-row minibatch. */
  private writeJobs(m: number): void {
    const { layout, cfg } = this;
    const T = layout.threads.length;
    layout.threads.forEach((t, i) => {
      const start = Math.floor((i * m) / T);
      const rows = Math.floor(((i + 1) * m) / T) - start;
      const w = t.job / 4;
      this.i32.set([t.policyNet, t.valueNet, layout.x + 4 * start * this.obsSize, rows, layout.actions + 4 * start, layout.oldLogp + 4 * start, layout.adv + 4 * start, layout.ret + 4 * start, t.stats], w);
      // the clip bounds as TF.js forms them: 1 ± clip in double, then float32
      this.f32.set([1 / m, 1 - cfg.clipCoef, 1 + cfg.clipCoef, cfg.clipCoef, cfg.entCoef, cfg.vfCoef], w + 9);
      this.i32.set([t.dLogits, t.dValue, layout.oldValues + 4 * start, cfg.clipValueLoss ? 1 : 0], w + 15);
    });
  }

  /** The loss's statistics and flattened gradients on the minibatch of `rows` of the batch, without a step (see TfPpoLearner.gradients). */
  gradients(batch: Batch, rows: number[]): { stats: StepStats; grads: Float32Array } {
    this.writeJobs(rows.length);
    gatherMinibatch(batch, rows, this.obsSize, this.mb);
    const stats = this.lossAndGradients(rows.length);
    const g = this.layout.threads[0].grad / 4;
    return { stats, grads: this.f32.slice(g, g + this.layout.params) };
  }

  /** Every thread's share of the loss and gradients, summed into thread 0's gradient vector. */
  private lossAndGradients(m: number): StepStats {
    const { layout, kernels } = this;
    if (this.pool) this.pool.run(kernels);
    else kernels.ppoGrad(layout.threads[0].job);
    const grad = layout.threads[0].grad;
    const sums = [0, 0, 0, 0, 0];
    layout.threads.forEach((t, i) => {
      if (i > 0) kernels.addInto(grad, t.grad, layout.params);
      for (let k = 0; k < 5; k++) sums[k] += this.f64[t.stats / 8 + k];
    });
    return [sums[0] / m, (0.5 * sums[1]) / m, sums[2] / m, sums[3] / m, sums[4] / m];
  }

  private minibatchStep(m: number, learningRate: number): StepStats {
    const { layout, kernels, cfg } = this;
    const stats = this.lossAndGradients(m);
    const grad = layout.threads[0].grad;
    // global gradient-norm clip, then Adam, as TfPpoLearner does
    const norm = Math.sqrt(kernels.sumSquares(grad, layout.params));
    const scale = norm > cfg.maxGradNorm ? cfg.maxGradNorm / (norm + 1e-6) : 1;
    kernels.adam(layout.theta, grad, layout.adamM, layout.adamV, layout.params, f32(scale), f32(-learningRate), f32(BETA1), f32(BETA2), f32(1 - BETA1), f32(1 - BETA2), f32(1 - this.accBeta1), f32(1 - this.accBeta2), f32(EPSILON));
    this.accBeta1 = f32(this.accBeta1 * f32(BETA1));
    this.accBeta2 = f32(this.accBeta2 * f32(BETA2));
    this.iterations++;
    this.refreshTransposes();
    return stats;
  }

  private refreshTransposes(): void {
    this.kernels.refreshTransposes(this.layout.threads[0].policyNet);
    this.kernels.refreshTransposes(this.layout.threads[0].valueNet);
  }

  // ---- files ----

  private netOf(net: NetLayout, names: string[], base = this.layout.theta / 4): DenseNet {
    const L = net.dims.length - 1;
    return {
      dims: net.dims,
      names,
      kernels: Array.from({ length: L }, (_, l) => this.f32.slice(base + net.weight[l], base + net.weight[l] + net.dims[l] * net.dims[l + 1])),
      biases: Array.from({ length: L }, (_, l) => this.f32.slice(base + net.bias[l], base + net.bias[l] + net.dims[l + 1])),
    };
  }

  private setNet(net: NetLayout, from: DenseNet): void {
    const base = this.layout.theta / 4;
    from.kernels.forEach((k, l) => this.f32.set(k, base + net.weight[l]));
    from.biases.forEach((b, l) => this.f32.set(b, base + net.bias[l]));
  }

  /** Every trainable variable in TF.js's order, with its name and shape, at a flat vector's base (in floats). */
  private variables(base: number): { name: string; shape: number[]; values: Float32Array }[] {
    const out: { name: string; shape: number[]; values: Float32Array }[] = [];
    for (const [net, names] of [[this.layout.policy, this.names.policy], [this.layout.value, this.names.value]] as const) {
      const d = this.netOf(net, names, base);
      names.forEach((name, l) => {
        out.push({ name: `${name}/kernel`, shape: [net.dims[l], net.dims[l + 1]], values: d.kernels[l] });
        out.push({ name: `${name}/bias`, shape: [net.dims[l + 1]], values: d.biases[l] });
      });
    }
    return out;
  }

  async save(dir: string): Promise<void> {
    await writeDirAtomically(dir, `the model ${dir}`, (staging) => this.writeTo(staging));
  }

  async writeTo(dir: string): Promise<void> {
    for (const [name, net, names, headGain] of [["policy", this.layout.policy, this.names.policy, 0.01], ["value", this.layout.value, this.names.value, 1]] as const) {
      mkdirSync(path.join(dir, name), { recursive: true });
      // the initializers' gains as the topology records them (a loaded model overwrites their values)
      const L = net.dims.length - 1;
      const init = Array.from({ length: L }, (_, l) => ({ gain: l < L - 1 ? Math.SQRT2 : headGain, seed: null }));
      writeDenseNet(path.join(dir, name), { ...this.netOf(net, names), init });
    }
    // TF.js creates its moments at the first step: before it, the state lists none
    const named = (base: number, suffix: string) => this.variables(base).map((v) => ({ ...v, name: `${v.name}/${suffix}` }));
    const moments = this.iterations === 0 ? [] : [...named(this.layout.adamM / 4, "m"), ...named(this.layout.adamV / 4, "v")];
    writeOptimizerFiles(dir, { iterations: this.iterations, accBeta1: this.accBeta1, accBeta2: this.accBeta2, moments });
  }

  private loadOptimizer(dir: string, required: boolean): void {
    const vars = this.variables(this.layout.theta / 4);
    const state = readOptimizerFiles(dir, required, vars.map((v) => v.shape));
    if (!state) return;
    this.iterations = state.iterations;
    // an older index without the powers: TF.js recomputes them as β^(t+1) on load, and so do we
    this.accBeta1 = f32(state.accBeta1 ?? BETA1 ** (state.iterations + 1));
    this.accBeta2 = f32(state.accBeta2 ?? BETA2 ** (state.iterations + 1));
    const m = this.layout.adamM / 4;
    const v = this.layout.adamV / 4;
    this.f32.fill(0, m, m + this.layout.params);
    this.f32.fill(0, v, v + this.layout.params);
    const half = state.moments.length / 2;
    let at = 0;
    state.moments.forEach((moment, i) => {
      if (i === half) at = 0;
      this.f32.set(moment.values, (i < half ? m : v) + at);
      at += moment.values.length;
    });
  }

  weightsHash(): string {
    const start = this.layout.theta;
    return createHash("sha256").update(new Uint8Array(this.f32.buffer, start, 4 * this.layout.params).slice()).digest("hex");
  }

  close(): void {
    this.pool?.close();
  }
}

/** Softmax of `rows` rows of logits into out from row `start` (max-shifted, in double). */
function softmaxRows(logits: Float32Array, rows: number, out: Float32Array, start: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * NUM_ACTIONS;
    let mx = logits[o];
    for (let k = 1; k < NUM_ACTIONS; k++) mx = Math.max(mx, logits[o + k]);
    let sum = 0;
    for (let k = 0; k < NUM_ACTIONS; k++) sum += Math.exp(logits[o + k] - mx);
    for (let k = 0; k < NUM_ACTIONS; k++) out[(start + r) * NUM_ACTIONS + k] = Math.exp(logits[o + k] - mx) / sum;
  }
}
