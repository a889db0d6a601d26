// `rlt train` on the bundled real sample: the run directory, --resume, Ctrl-C, and refusals
// (config errors, a feature artifact that is not what the run was trained on, too little data).
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { loadTf } from "../src/rl/backend.ts";
import { loadLayersModel } from "../src/rl/model-io.ts";
import { rlt, spawnRlt } from "./helpers/cli.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";

let work: string;
let featuresDir: string;
let dataDir: string;

/** A small config (two short updates) over the sample's artifact, written to <work>/<file>. */
function writeConfig(file: string, patch: Record<string, unknown> = {}): string {
  const cfg = {
    name: "sample",
    features: featuresDir,
    dataDir,
    seed: 5,
    ppo: { numEnvs: 2, numSteps: 256, updateEpochs: 2 },
    training: { maxUpdates: 2, evalEvery: 1, earlyStopPatience: 0 },
    ...patch,
  };
  const p = path.join(work, file);
  writeFileSync(p, toYaml(cfg));
  return p;
}

beforeAll(async () => {
  dataDir = await sampleDataDir();
  work = tempDir("rlt-train-");
  featuresDir = path.join(work, "features");
  const res = rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", featuresDir]);
  expect(res.status, res.stderr).toBe(0);
});

describe("rlt train on the bundled real sample", () => {
  it("completes and writes a complete run directory on the wasm-simd learner; the model loads with tf.loadLayersModel; the TF.js learner resumes it", async () => {
    const runs = path.join(work, "runs");
    const res = rlt(["train", "--config", writeConfig("ppo.yaml"), "--runs-dir", runs, "--json"]);
    expect(res.status, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result).toMatchObject({ updates: 2, globalStep: 512, stoppedBy: "max-updates" });
    expect(result.backend).toMatch(/^wasm-simd \(\d+ threads?\)$/);
    const run = path.join(runs, "sample");
    for (const f of ["config.yaml", "run.json", "feature-manifest.json", "metrics.csv", "checkpoint/format.json", "checkpoint/trainer.json", "weights.sha256", "checkpoint/learner/policy/model.json", "best/value/weights.bin", "model/policy/model.json", "model/value/model.json"]) {
      expect(existsSync(path.join(run, f)), f).toBe(true);
    }
    const runInfo = JSON.parse(readFileSync(path.join(run, "run.json"), "utf8"));
    expect(runInfo).toMatchObject({ backend: result.backend, learner: "wasm-simd" });
    expect(runInfo.threads).toBeGreaterThanOrEqual(1);
    // 43,199 bars: train 70 %, then a 1440-bar gap, validation 15 %, a gap, the test range
    expect(runInfo.split.train).toEqual({ from: 0, to: 30_239 });
    expect(runInfo.split.validation).toEqual({ from: 31_679, to: 38_158 });
    expect(runInfo.split.test).toEqual({ from: 39_598, to: 43_199 });
    expect(JSON.parse(readFileSync(path.join(run, "feature-manifest.json"), "utf8"))).toEqual(JSON.parse(readFileSync(path.join(featuresDir, "manifest.json"), "utf8")));
    expect(readFileSync(path.join(run, "config.yaml"), "utf8")).toMatch(/clipCoef: 0.2/); // defaults resolved into the copy
    expect(readFileSync(path.join(run, "config.yaml"), "utf8")).toMatch(/learner: wasm-simd/);

    const [header, ...rows] = readFileSync(path.join(run, "metrics.csv"), "utf8").trim().split("\n");
    const cols = header.split(",");
    expect(rows).toHaveLength(2);
    for (const c of ["charts/episodic_return", "losses/approx_kl", "losses/entropy", "reward/pnl", "reward/sharpe", "reward/drawdown", "reward/frequency", "reward/holding", "reward/spreadCost", "val/total_return"]) {
      expect(cols, c).toContain(c);
    }
    const last = Object.fromEntries(rows[1].split(",").map((v, i) => [cols[i], v]));
    expect(Number(last.global_step)).toBe(512);
    expect(Number(last["losses/entropy"])).toBeGreaterThan(0.5); // near ln 3 ≈ 1.10 after two short updates
    expect(Number.isFinite(Number(last["val/total_return"]))).toBe(true);

    const { tf } = await loadTf();
    const policy = await loadLayersModel(tf, path.join(run, "model/policy"));
    expect(policy.inputs[0].shape).toEqual([null, 33]); // 30 features + side, unrealized PnL, time in position
    expect(policy.predict(tf.zeros([1, 33])) as import("@tensorflow/tfjs").Tensor).toHaveProperty("shape", [1, 3]);
    expect(JSON.parse(readFileSync(path.join(run, "model/policy/model.json"), "utf8")).format).toBe("layers-model");

    // a second start of the same run is refused; --resume continues it
    const again = rlt(["train", "--config", writeConfig("ppo.yaml"), "--runs-dir", runs]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds a run[\s\S]*--resume/);
    // across learners: the TF.js learner continues from the wasm-simd learner's weights and Adam state
    const resumed = rlt(["train", "--config", writeConfig("ppo-tfjs.yaml", { ppo: { numEnvs: 2, numSteps: 256, updateEpochs: 2, learner: "tfjs" } }), "--runs-dir", runs, "--resume", "--max-updates", "3", "--json"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ updates: 3, globalStep: 768, backend: expect.stringMatching(/^tfjs \((wasm|cpu|tensorflow)\)$/) });
    expect(readFileSync(path.join(run, "metrics.csv"), "utf8").trim().split("\n")).toHaveLength(4);

    // resuming against a feature artifact with other normalization is refused, naming what differs
    const other = path.join(runs, "other");
    cpSync(run, other, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(other, "feature-manifest.json"), "utf8"));
    manifest.features[3].norm.mean = 123;
    writeFileSync(path.join(other, "feature-manifest.json"), JSON.stringify(manifest));
    const mismatch = rlt(["train", "--config", writeConfig("ppo.yaml"), "--runs-dir", runs, "--name", "other", "--resume", "--max-updates", "4"]);
    expect(mismatch.status).toBe(1);
    expect(mismatch.stderr).toMatch(new RegExp(`normalization of ${manifest.features[3].name} differs`));
  });

  it("Ctrl-C writes a checkpoint and exits with a hint to resume", async () => {
    const runs = path.join(work, "runs-int");
    const { child, done } = spawnRlt(["train", "--config", writeConfig("long.yaml", { name: "long", training: { maxUpdates: 500, evalEvery: 100 } }), "--runs-dir", runs]);
    const state = path.join(runs, "long", "checkpoint", "trainer.json");
    while (!existsSync(state)) await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGINT");
    const { code, stderr } = await done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/training interrupted after update \d+; the checkpoint is written[\s\S]*--resume/);
    const saved = JSON.parse(readFileSync(state, "utf8"));
    expect(saved.update).toBeGreaterThanOrEqual(1);
    expect(saved.update).toBeLessThan(500);
    expect(existsSync(path.join(runs, "long", "checkpoint", "learner", "optimizer.bin"))).toBe(true);
  });

  it("a config error names the field and exits 2", () => {
    const res = rlt(["train", "--config", writeConfig("bad.yaml", { ppo: { clipCoef: -1 }, env: { episodeBars: "day" } }), "--runs-dir", path.join(work, "x")]);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/ppo\.clipCoef/);
    expect(res.stderr).toMatch(/env\.episodeBars/);
  });

  it("a training range shorter than one episode is refused before any work", () => {
    const runs = path.join(work, "runs-short");
    const res = rlt(["train", "--config", writeConfig("short.yaml", { env: { episodeBars: 40_000 } }), "--runs-dir", runs]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/the training range holds 30239 bars, not more than one 40000-bar episode/);
    expect(existsSync(runs)).toBe(false);
  });
});
