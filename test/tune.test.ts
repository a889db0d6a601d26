// `rlt tune` on the local pool, on the bundled real sample with tiny trainings: every trial recorded
// once in trials/<id>.json and trials.parquet, the objective the median of the units' validation
// figures, a crashing trial recorded with its error without stopping the search, best.yaml a config
// `rlt train` takes, and a tuner killed mid-search resuming without re-running what it had finished.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { parseTrainConfig } from "../src/rl/config.ts";
import { expectNoStackTrace, rlt, spawnRlt } from "./helpers/cli.ts";
import { until } from "./helpers/poll.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";
import { readTrialRecord, trialsParquetRows } from "./helpers/tune-records.ts";

let work: string;
let base: string;
let dataDir: string;

function tuneConfig(name: string, extra: Record<string, unknown>): string {
  const file = path.join(work, `${name}.yaml`);
  writeFileSync(file, toYaml({ name, base, method: "tpe", space: { "ppo.learningRate": { log: [0.0001, 0.003] }, "reward.w2": { range: [0, 1] }, "ppo.hidden": { choice: [[32], [64, 32]] } }, budget: { trials: 5 }, seeds: [1, 2], search: { startupTrials: 2 }, randomRepeats: 3, ...extra }));
  return file;
}

beforeAll(async () => {
  dataDir = await sampleDataDir();
  work = tempDir("rlt-tune-");
  const features = path.join(work, "features");
  expect(rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", features]).status).toBe(0);
  base = path.join(work, "base.yaml");
  writeFileSync(base, toYaml({ name: "base", features, dataDir, ppo: { numEnvs: 2, numSteps: 256, updateEpochs: 2 }, training: { maxUpdates: 2, evalEvery: 1, earlyStopPatience: 0 } }));
});

describe("rlt tune on the local pool", () => {
  it("runs every trial once, records its units and the median objective, and writes trials.parquet, best.yaml and the report", async () => {
    const tunes = path.join(work, "tunes");
    const r = rlt(["tune", "--config", tuneConfig("local", {}), "--tunes-dir", tunes, "--parallel", "2"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/5 of 5 trials recorded \(0 failed; 5 by this run\); stopped by budget/);
    expect(r.stdout).toMatch(/optimistically biased on validation/);
    expect(r.stderr).toMatch(/local pool of 2 processes/);
    const dir = path.join(tunes, "local");
    const rows = await trialsParquetRows(dir);
    expect(rows.map((row) => row.trial_id)).toEqual([0, 1, 2, 3, 4]);
    for (const row of rows) {
      const rec = readTrialRecord(dir, Number(row.trial_id));
      expect(row.status).toBe("ok");
      expect(row.worker).toBe("local");
      expect(row.attempts).toBe(1);
      expect(rec.units.map((u) => `${u.symbol}/${u.seed}`)).toEqual(["BTCUSDT/1", "BTCUSDT/2"]);
      // the objective is the median (of two: the mean) of the seeds' validation Sharpe ratios
      const s1 = row["val_sharpe__BTCUSDT_seed1"] as number;
      const s2 = row["val_sharpe__BTCUSDT_seed2"] as number;
      expect(Number.isFinite(s1) && s1 !== s2).toBe(true);
      expect(row.objective).toBeCloseTo((s1 + s2) / 2, 9);
      expect(row["param.ppo.learningRate"]).toBe(rec.params["ppo.learningRate"]);
      expect(row["param.ppo.hidden"]).toBe(JSON.stringify(rec.params["ppo.hidden"]));
      // the unit's runs came back: the model it was judged by, without its optimizer state
      expect(existsSync(path.join(dir, "trials", String(row.trial_id), "BTCUSDT/seed-2/best/policy/weights.bin"))).toBe(true);
      expect(existsSync(path.join(dir, "trials", String(row.trial_id), "BTCUSDT/seed-2/best/optimizer.bin"))).toBe(false);
      expect(rec.units[0].test.baselines.flat).toBe(0);
    }
    const best = rows.reduce((a, b) => ((b.objective as number) > (a.objective as number) ? b : a));
    expect(r.stdout).toContain(`best: trial ${best.trial_id},`);
    const bestCfg = parseYaml(readFileSync(path.join(dir, "best.yaml"), "utf8"));
    const bestRec = readTrialRecord(dir, Number(best.trial_id));
    expect(bestCfg.ppo.learningRate).toBe(bestRec.params["ppo.learningRate"]);
    expect(bestCfg.reward.w2).toBe(bestRec.params["reward.w2"]);
    expect(bestCfg.ppo.hidden).toEqual(bestRec.params["ppo.hidden"]);
    expect(parseTrainConfig(bestCfg, "best.yaml").training.maxUpdates).toBe(2);
    const trained = rlt(["train", "--config", path.join(dir, "best.yaml"), "--runs-dir", path.join(work, "runs"), "--max-updates", "1"]);
    expect(trained.status, trained.stderr).toBe(0);
    const html = readFileSync(path.join(dir, "report.html"), "utf8");
    expect(html).toMatch(/optimistically biased/);
    expect(html).toMatch(/Parameter importance/i);
  });

  it("records a crashing trial with its error and goes on with the search", async () => {
    const tunes = path.join(work, "tunes");
    // a 100,000-bar episode does not fit the sample's training range: that trial fails inside training
    const cfg = tuneConfig("crash", { method: "grid", space: { "env.episodeBars": { choice: [120, 100000] } }, budget: { trials: 2 }, seeds: [1] });
    const r = rlt(["tune", "--config", cfg, "--tunes-dir", tunes, "--parallel", "2"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 of 2 trials recorded \(1 failed/);
    const dir = path.join(tunes, "crash");
    const failed = readTrialRecord(dir, 1);
    expect(failed).toMatchObject({ status: "failed", objective: null, params: { "env.episodeBars": 100000 } });
    expect(failed.error).toMatch(/not more than one 100000-bar episode/);
    expect(readTrialRecord(dir, 0).status).toBe("ok");
    expect(r.stdout).toContain("best: trial 0,");
    const rows = await trialsParquetRows(dir);
    expect(rows.map((row) => [row.trial_id, row.status])).toEqual([[0, "ok"], [1, "failed"]]);
    expect(String(rows[1].error)).toMatch(/100000-bar episode/);
  });

  it("a tuner killed mid-search resumes: finished trials are not run again, the started one runs with its saved parameters", async () => {
    const tunes = path.join(work, "tunes");
    const cfg = tuneConfig("resume", { budget: { trials: 4 } });
    const dir = path.join(tunes, "resume");
    const first = spawnRlt(["tune", "--config", cfg, "--tunes-dir", tunes, "--parallel", "1"]);
    await until("two trials recorded and the third started", () => /trial 2 started/.test(first.stderrSoFar()), 90_000);
    first.child.kill("SIGKILL");
    await first.done;
    const before = [0, 1].map((id) => readFileSync(path.join(dir, "trials", `${id}.json`), "utf8"));
    expect(existsSync(path.join(dir, "trials", "2.json"))).toBe(false);
    const proposals = JSON.parse(readFileSync(path.join(dir, "proposals.json"), "utf8"));
    expect(proposals.map((p: { id: number }) => p.id)).toEqual([0, 1, 2]);

    const again = rlt(["tune", "--config", cfg, "--tunes-dir", tunes, "--parallel", "1"]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resuming .*resume: 2 trials recorded, 1 started and not recorded \(they run again\), 3 proposed of 4/);
    expect(again.stderr).not.toMatch(/trial [01] started/);
    expect(again.stdout).toMatch(/4 of 4 trials recorded \(0 failed; 2 by this run\)/);
    [0, 1].forEach((id, k) => expect(readFileSync(path.join(dir, "trials", `${id}.json`), "utf8")).toBe(before[k]));
    expect(readTrialRecord(dir, 2).params).toEqual(proposals[2].params);
    expect((await trialsParquetRows(dir)).map((row) => row.trial_id)).toEqual([0, 1, 2, 3]);

    // the same name with another search is refused, naming what to do
    const changed = tuneConfig("resume", { budget: { trials: 4 }, seeds: [1, 2, 3] });
    const refused = rlt(["tune", "--config", changed, "--tunes-dir", tunes]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/holds another search/);
    expectNoStackTrace(refused.stderr);
  });

  it("trains every symbol × walk-forward fold × seed of a trial, the objective on the folds' validation returns; the wall-time budget stops starting trials", async () => {
    const tunes = path.join(work, "tunes");
    const pattern = path.join(work, "by-symbol", "{symbol}");
    expect(rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", pattern.replace("{symbol}", "BTCUSDT")]).status).toBe(0);
    const cfg = tuneConfig("folds", { symbols: ["BTCUSDT"], featuresPattern: pattern, objective: { metric: "return", folds: 2 }, seeds: [1], budget: { trials: 1 } });
    const r = rlt(["tune", "--config", cfg, "--tunes-dir", tunes]);
    expect(r.status, r.stderr).toBe(0);
    const rec = readTrialRecord(path.join(tunes, "folds"), 0);
    expect(rec.units.map((u) => [u.symbol, u.fold, u.seed])).toEqual([["BTCUSDT", 1, 1], ["BTCUSDT", 2, 1]]);
    // fold 2 validates and tests after fold 1
    expect(rec.units[1].validation.fromMs).toBeGreaterThan(rec.units[0].test.fromMs);
    expect(rec.objective).toBeCloseTo((rec.units[0].validation.totalReturn + rec.units[1].validation.totalReturn) / 2, 12);
    expect(existsSync(path.join(tunes, "folds", "trials", "0", "BTCUSDT", "fold-2", "seed-1", "config.yaml"))).toBe(true);
    const rows = await trialsParquetRows(path.join(tunes, "folds"));
    expect(Object.keys(rows[0])).toEqual(expect.arrayContaining(["val_return__BTCUSDT_fold1_seed1", "test_return__BTCUSDT_fold2_seed1"]));

    // a budget of 5 trials and 1.2 s: the first trial starts, none after it
    const wall = rlt(["tune", "--config", tuneConfig("wall", { budget: { trials: 5, wallMinutes: 0.02 }, seeds: [1] }), "--tunes-dir", tunes, "--parallel", "1"]);
    expect(wall.status, wall.stderr).toBe(0);
    expect(wall.stdout).toMatch(/1 of 5 trials recorded .*stopped by wall-time/);
  });

  it("refuses a space path the training config does not have, before any trial runs", () => {
    const cfg = tuneConfig("badpath", { space: { "ppo.learningRat": { log: [0.0001, 0.001] } } });
    const r = rlt(["tune", "--config", cfg, "--tunes-dir", path.join(work, "tunes")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/learningRat/);
    expect(existsSync(path.join(work, "tunes", "badpath"))).toBe(false);
    expectNoStackTrace(r.stderr);
  });
});
