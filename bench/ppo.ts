// PPO speed, both learners in one run on the same machine: full-cycle steps/s (rollout + GAE + 10
// epochs of minibatch updates) for the design's network (33→128→64→32→3 and →1) and hyperparameters
// (2048 steps, 8 envs, minibatch 64) on a generated market, for the wasm-simd learner (every core, and
// one thread) and the TF.js learner (its WASM backend unless RLT_TF_BACKEND says otherwise); then the
// kernels' inference: batched greedy decisions, one decision's latency, and evaluation with the
// position in the observation (one forward pass per bar). Reference on the 2-core machines:
// Stable-Baselines3 2.3 (PyTorch, CPU) ≈ 2,000 steps/s.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createReporter } from "../src/core/log.ts";
import { Rng, gaussian } from "../src/core/random.ts";
import { DEFAULT_ACTION_SCHEME } from "../src/kernel/actions.ts";
import { observationSize } from "../src/kernel/observation.ts";
import { INFERENCE_BATCH, replayPolicy } from "../src/kernel/replay.ts";
import { DEFAULT_RISK_CONFIG } from "../src/risk/index.ts";
import { parseTrainConfig } from "../src/rl/config.ts";
import { type Learner, type LearnerName, PpoConfigSchema } from "../src/rl/learner.ts";
import { openLearner } from "../src/rl/learners.ts";
import { learnerPolicy } from "../src/rl/run-policy.ts";
import { DEFAULT_OBS_CLIP } from "../src/rl/config.ts";
import { syntheticMarket } from "../src/rl/synthetic.ts";
import { trainOn } from "../src/rl/trainer.ts";
import { SimConfigSchema } from "../src/sim/config.ts";
import type { BenchResult } from "./index.ts";

const SB3_STEPS_PER_SECOND = 2_000;
const OBS = observationSize(true);

/** Median full-cycle steps/s of updates 2… (the first warms up the JIT) of a short training. */
async function fullCycle(learner: LearnerName, updates: number, threads?: number): Promise<{ sps: number; backend: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rlt-bench-ppo-"));
  try {
    const cfg = parseTrainConfig(
      { name: "bench", features: "generated", ppo: { learner, ...(threads ? { threads } : {}) }, training: { maxUpdates: updates, evalEvery: 1000, earlyStopPatience: 0, split: { train: 0.9, validation: 0.02, gapBars: 10 } } },
      "bench",
    );
    const result = await trainOn(cfg, syntheticMarket({ bars: 30_000, seed: 1 }), { runDir: path.join(dir, "run"), resume: false, reporter: createReporter({ quiet: true }) });
    const [header, ...rows] = readFileSync(path.join(dir, "run", "metrics.csv"), "utf8").trim().split("\n");
    const col = header.split(",").indexOf("charts/sps");
    const sps = rows.slice(1).map((r) => Number(r.split(",")[col])).sort((a, b) => a - b);
    return { sps: sps[Math.floor(sps.length / 2)], backend: result.backend };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An untrained 33-input learner for inference. */
async function inferenceLearner(learner: LearnerName): Promise<{ l: Learner; backend: string }> {
  const source = await openLearner(PpoConfigSchema.parse({ learner }), "infer");
  return { l: source.create(OBS, 1), backend: source.description };
}

function timeIt(fn: () => void, repeats: number): number {
  fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) fn();
  return (performance.now() - t0) / 1000 / repeats;
}

export async function run(): Promise<BenchResult[]> {
  const wasm = await fullCycle("wasm-simd", 12);
  const wasmOne = await fullCycle("wasm-simd", 12, 1);
  const tfjs = await fullCycle("tfjs", 4);
  const out: BenchResult[] = [
    { name: `ppo full cycle, ${wasm.backend}`, value: wasm.sps, unit: "steps/s", target: 3 * SB3_STEPS_PER_SECOND, detail: `${(wasm.sps / SB3_STEPS_PER_SECOND).toFixed(1)}× Stable-Baselines3's ≈ 2,000 steps/s; median of updates 2–12` },
    { name: `ppo full cycle, ${wasmOne.backend}`, value: wasmOne.sps, unit: "steps/s", detail: `${(wasm.sps / wasmOne.sps).toFixed(2)}× from the threads` },
    { name: `ppo full cycle, ${tfjs.backend}`, value: tfjs.sps, unit: "steps/s", detail: "median of updates 2–4" },
    { name: "ppo full cycle, wasm-simd ÷ tfjs (same run)", value: wasm.sps / tfjs.sps, unit: "×", target: 8 },
  ];

  const rng = new Rng(2);
  const N = 100_000;
  const obs = Float32Array.from({ length: N * OBS }, () => gaussian(rng.next));
  const one = obs.subarray(0, OBS);
  const learners = { "wasm-simd": await inferenceLearner("wasm-simd"), tfjs: await inferenceLearner("tfjs") };
  // in the evaluation's batches (src/kernel/replay.ts), which suit TF.js far better than one huge tensor
  const greedyAll = (l: Learner) => {
    for (let start = 0; start < N; start += INFERENCE_BATCH) l.greedy(obs.subarray(start * OBS, Math.min(N, start + INFERENCE_BATCH) * OBS), Math.min(INFERENCE_BATCH, N - start));
  };
  const batched = Object.fromEntries(Object.entries(learners).map(([k, { l }]) => [k, N / timeIt(() => greedyAll(l), k === "tfjs" ? 2 : 10)]));
  const single = Object.fromEntries(Object.entries(learners).map(([k, { l }]) => [k, 1e6 * timeIt(() => l.greedy(one, 1), k === "tfjs" ? 2_000 : 50_000)]));
  out.push(
    { name: `batched greedy inference, ${learners["wasm-simd"].backend}`, value: batched["wasm-simd"], unit: "obs/s", target: 400_000, detail: `${(batched["wasm-simd"] / batched.tfjs).toFixed(1)}× ${learners.tfjs.backend}'s ${Math.round(batched.tfjs).toLocaleString("en-US")}` },
    { name: `one decision's latency, ${learners["wasm-simd"].backend}`, value: single["wasm-simd"], unit: "µs", target: 20, higherIsBetter: false, detail: `${learners.tfjs.backend}: ${single.tfjs.toFixed(0)} µs` },
  );

  // evaluation with the position in the observation: each bar's decision waits for the previous fill
  const data = syntheticMarket({ bars: 200_000, seed: 1 });
  const sim = SimConfigSchema.parse({});
  const bars = { "wasm-simd": 200_000, tfjs: 20_000 };
  const perBar = Object.fromEntries(
    Object.entries(learners).map(([k, { l }]) => {
      const n = bars[k as LearnerName];
      const policy = learnerPolicy(l, DEFAULT_OBS_CLIP);
      return [k, n / timeIt(() => replayPolicy(policy, DEFAULT_ACTION_SCHEME, data, { from: 0, to: n }, sim, true, DEFAULT_RISK_CONFIG), 1)];
    }),
  );
  out.push({ name: `evaluation, per-bar inference, ${learners["wasm-simd"].backend}`, value: perBar["wasm-simd"], unit: "bars/s", target: 50_000, detail: `33 inputs (env.positionInObs); ${(perBar["wasm-simd"] / perBar.tfjs).toFixed(1)}× ${learners.tfjs.backend}'s ${Math.round(perBar.tfjs).toLocaleString("en-US")}` });
  learners["wasm-simd"].l.close();
  return out;
}
