// `rlt tune` throughput: the same trials (same search seed, so the same parameters) on the local pool
// of one process per core against one process at a time, trials per hour and their ratio in one run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { stringify as toYaml } from "yaml";
import { createReporter } from "../src/core/log.ts";
import { loadTuneConfig } from "../src/tune/config.ts";
import { openLocalPool } from "../src/tune/pool.ts";
import { runTune } from "../src/tune/tuner.ts";
import type { BenchResult } from "./index.ts";

const TRIALS = 8;
/** Long enough that training, not a trial's fixed costs (process start, the artifact's load), is most of a trial. */
const UPDATES = 20;
const RLT = path.resolve(import.meta.dirname, "../bin/rlt.js");

export async function run(): Promise<BenchResult[]> {
  const work = mkdtempSync(path.join(tmpdir(), "rlt-bench-tune-"));
  try {
    const data = path.join(work, "data");
    const features = path.join(work, "features");
    for (const args of [["import", "--sample", "--data-dir", data], ["features", "BTCUSDT", "--data-dir", data, "--out", features]]) {
      const r = spawnSync(process.execPath, [RLT, ...args], { encoding: "utf8", env: { ...process.env, RLT_CONFIG: "" } });
      if (r.status !== 0) throw new Error(`rlt ${args.join(" ")}: ${r.stderr}`);
    }
    // a trial as a short real one: configs/ppo.yaml's 2,048 steps over 8 environments per update, one seed, validation and test traded
    const base = path.join(work, "base.yaml");
    writeFileSync(base, toYaml({ name: "bench", features, dataDir: data, ppo: { numEnvs: 8, numSteps: 2048, updateEpochs: 4 }, training: { maxUpdates: UPDATES, evalEvery: UPDATES, earlyStopPatience: 0 } }));
    const cores = availableParallelism();
    const timed = async (name: string, processes: number) => {
      const file = path.join(work, `${name}.yaml`);
      writeFileSync(file, toYaml({ name, base, method: "random", space: { "ppo.learningRate": { log: [0.0001, 0.001] }, "reward.w2": { range: [0, 1] } }, budget: { trials: TRIALS }, seeds: [1], randomRepeats: 5 }));
      const t0 = performance.now();
      const s = await runTune(loadTuneConfig(file), { dir: path.join(work, "tunes", name), backend: openLocalPool(processes), reporter: createReporter({ quiet: true }) });
      const hours = (performance.now() - t0) / 3_600_000;
      if (s.records.filter((r) => r.status === "ok").length !== TRIALS) throw new Error(`${name}: ${s.records.map((r) => r.error).join("; ")}`);
      return TRIALS / hours;
    };
    const pool = await timed("pool", cores);
    const sequential = await timed("sequential", 1);
    return [
      { name: `tune, local pool of ${cores} processes`, value: pool, unit: "trials/h", detail: `${TRIALS} trials of ${UPDATES} updates × 2,048 steps, 1 thread each` },
      { name: "tune, the same trials one after another", value: sequential, unit: "trials/h" },
      { name: `tune, pool against one at a time`, value: pool / sequential, unit: "×", detail: `${cores} cores: two trainings at once each run slower than one alone (they share the caches), and a trial's process start and artifact load are fixed costs` },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
