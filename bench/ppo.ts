// PPO speed: full-cycle steps/s (rollout + GAE + 10 epochs of minibatch updates) for the design's
// network (33→128→64→32→3 and →1) and hyperparameters (2048 steps, 8 envs, minibatch 64), on a
// generated market. Reference on the 2-core machines: Stable-Baselines3 2.3 (PyTorch, CPU) ≈ 2,000
// steps/s; TF.js 4.22 ≈ 690 (WASM), 220–260 (CPU). RLT_TF_BACKEND=cpu|wasm picks a backend.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createReporter } from "../src/core/log.ts";
import { parseTrainConfig } from "../src/rl/config.ts";
import { syntheticMarket } from "../src/rl/synthetic.ts";
import { trainOn } from "../src/rl/trainer.ts";
import type { BenchResult } from "./index.ts";

const UPDATES = 4;
const SB3_STEPS_PER_SECOND = 2_000;

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rlt-bench-ppo-"));
  try {
    const cfg = parseTrainConfig(
      { name: "bench", features: "generated", training: { maxUpdates: UPDATES, evalEvery: 1000, earlyStopPatience: 0, split: { train: 0.9, validation: 0.02, gapBars: 10 } } },
      "bench",
    );
    const result = await trainOn(cfg, syntheticMarket({ bars: 30_000, seed: 1 }), { runDir: path.join(dir, "run"), resume: false, reporter: createReporter({ quiet: true }) });
    // charts/sps times each update's rollout + GAE + learning; the first update also warms up the JIT
    const [header, ...rows] = readFileSync(path.join(dir, "run", "metrics.csv"), "utf8").trim().split("\n");
    const col = header.split(",").indexOf("charts/sps");
    const sps = rows.slice(1).map((r) => Number(r.split(",")[col])).sort((a, b) => a - b);
    const median = sps[Math.floor(sps.length / 2)];
    return [
      {
        name: `ppo full cycle (${result.backend}, spec network, 2048 steps × 10 epochs)`,
        value: median,
        unit: "steps/s",
        target: SB3_STEPS_PER_SECOND,
        detail: `${(median / SB3_STEPS_PER_SECOND).toFixed(2)}× Stable-Baselines3's ≈ 2,000 steps/s; median of updates 2–${UPDATES}`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
