// What every PPO learner shares: its config, the interface the trainer and the kernel's policy see,
// and the parts of an update that are not arithmetic on the networks (the epoch and minibatch loop with
// its shuffle and target-KL stop, the minibatch gather with per-minibatch advantage normalization, and
// sampling from the policy's probabilities). Two learners implement the numeric core: TF.js
// (src/rl/ppo.ts) and fused WebAssembly SIMD kernels (src/rl/wasm/), chosen by ppo.learner.
import { z } from "zod";
import { NUM_ACTIONS } from "../kernel/actions.ts";

export const LEARNERS = ["wasm-simd", "tfjs"] as const;
export type LearnerName = (typeof LEARNERS)[number];

export const PpoConfigSchema = z.strictObject({
  /** The numeric core (docs/training.md): the WebAssembly kernels, or TF.js as before them. */
  learner: z.enum(LEARNERS).default("wasm-simd"),
  /** Threads the wasm-simd learner splits each minibatch's gradient over (default: the machine's cores, at most one per 16 minibatch rows; a tuner running one trial per core sets 1). */
  threads: z.number().int().min(1).max(64).optional(),
  learningRate: z.number().positive().default(3e-4),
  /** Anneal the learning rate linearly to 0 over the run (§5.5 "adaptive"). */
  annealLr: z.boolean().default(true),
  gamma: z.number().min(0).max(1).default(0.99),
  gaeLambda: z.number().min(0).max(1).default(0.95),
  clipCoef: z.number().positive().default(0.2),
  /**
   * Clip the value loss as CleanRL's clip_vloss does: the new value moves at most clipCoef from the
   * rollout's estimate, and the loss is the larger of the clipped and unclipped squared errors.
   */
  clipValueLoss: z.boolean().default(false),
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
  /** Divide rewards by a running estimate of the discounted return's standard deviation (SB3 VecNormalize's norm_reward). */
  normalizeReward: z.boolean().default(true),
  hidden: z.array(z.number().int().positive()).default([128, 64, 32]),
});
export type PpoConfig = z.infer<typeof PpoConfigSchema>;

export interface Batch {
  obs: Float32Array;
  actions: Int32Array;
  logp: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  /** The value estimates the rollout was collected with (what value-loss clipping clips around). */
  values: Float32Array;
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
  /** Release what the learner holds outside the heap (worker threads). */
  close(): void;
}

/** One minibatch step's statistics: policy loss, value loss, entropy, approx-KL, clip fraction. */
export type StepStats = [number, number, number, number, number];

/**
 * The update's epochs: each shuffles the n samples (Fisher–Yates from `random`), steps every full
 * minibatch, and the loop stops after an epoch whose mean approx-KL exceeds targetKl.
 */
export function runEpochs(cfg: PpoConfig, n: number, random: () => number, step: (minibatch: number[]) => StepStats): UpdateStats {
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
      const stats = step(idx.slice(start, start + cfg.minibatchSize));
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

/** A minibatch's rows copied out of the batch, its advantages normalized (mean 0, sd 1) within it. */
export interface Minibatch {
  obs: Float32Array;
  actions: Int32Array;
  oldLogp: Float32Array;
  adv: Float32Array;
  ret: Float32Array;
  /** The rollout's value estimates (what ppo.clipValueLoss clips around). */
  oldValues: Float32Array;
}

export function gatherMinibatch(batch: Batch, mb: number[], obsSize: number, out: Minibatch): void {
  const m = mb.length;
  for (let r = 0; r < m; r++) {
    const k = mb[r];
    out.obs.set(batch.obs.subarray(k * obsSize, (k + 1) * obsSize), r * obsSize);
    out.actions[r] = batch.actions[k];
    out.oldLogp[r] = batch.logp[k];
    out.adv[r] = batch.advantages[k];
    out.ret[r] = batch.returns[k];
    out.oldValues[r] = batch.values[k];
  }
  let mean = 0;
  for (let r = 0; r < m; r++) mean += out.adv[r] / m;
  let sd = 0;
  for (let r = 0; r < m; r++) sd += (out.adv[r] - mean) ** 2 / m;
  sd = Math.sqrt(sd);
  for (let r = 0; r < m; r++) out.adv[r] = (out.adv[r] - mean) / (sd + 1e-8);
}

export function newMinibatch(m: number, obsSize: number): Minibatch {
  return { obs: new Float32Array(m * obsSize), actions: new Int32Array(m), oldLogp: new Float32Array(m), adv: new Float32Array(m), ret: new Float32Array(m), oldValues: new Float32Array(m) };
}

/** Actions from n rows of probabilities: the most likely, or one drawn with `random`; with their log-probabilities. */
export function pickActions(probs: Float32Array, n: number, opts: { deterministic: boolean; random?: () => number }): { actions: Int32Array; logp: Float32Array } {
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
  return { actions, logp };
}
