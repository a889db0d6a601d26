// Crash-safe training runs through the CLI, on the bundled real sample: a resumed run (after a clean
// stop, after SIGKILL between the checkpoint and its metrics row, after a full disk) ends with the same
// weights and metrics as an uninterrupted one; damaged model and checkpoint files are refused by name
// with the run folder left byte for byte; one trainer per run.
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { acquireLock } from "../src/core/lock.ts";
import { expectNoStackTrace, rlt } from "./helpers/cli.ts";
import { treeHashes } from "./helpers/files.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";
import { type SmallDisk, fillDisk, mountSmallDisk } from "./helpers/system-tools.ts";

const UPDATES = 4;
let work: string;
let config: string;
let reference: string;
let referenceHash: string;
const disks: SmallDisk[] = [];

function train(runsDir: string, name: string, extra: string[] = [], env: Record<string, string> = {}) {
  return rlt(["train", "--config", config, "--runs-dir", runsDir, "--name", name, "-q", ...extra], env);
}

/** metrics.csv without the wall-clock column (charts/sps), which no two runs share. */
function metricsWithoutClock(run: string): string[][] {
  const [header, ...rows] = readFileSync(path.join(run, "metrics.csv"), "utf8").trim().split("\n").map((l) => l.split(","));
  const sps = header.indexOf("charts/sps");
  return [header, ...rows].map((r) => r.filter((_, i) => i !== sps));
}

const updatesOf = (run: string) => metricsWithoutClock(run).slice(1).map((r) => Number(r[0]));
const hashOf = (run: string) => readFileSync(path.join(run, "weights.sha256"), "utf8").trim();

beforeAll(async () => {
  const dataDir = await sampleDataDir();
  work = tempDir("rlt-resume-");
  const features = path.join(work, "features");
  const res = rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", features]);
  expect(res.status, res.stderr).toBe(0);
  // small and quick; a constant learning rate, so a run stopped at --max-updates 2 and resumed to 4 is
  // the same computation as one that ran to 4 (an annealed rate depends on maxUpdates)
  config = path.join(work, "ppo.yaml");
  writeFileSync(config, toYaml({ name: "ref", features, dataDir, seed: 11, ppo: { numEnvs: 2, numSteps: 128, minibatchSize: 64, updateEpochs: 1, annealLr: false }, training: { maxUpdates: UPDATES, evalEvery: 1, earlyStopPatience: 0 } }));
  const runs = path.join(work, "runs");
  const ref = train(runs, "ref");
  expect(ref.status, ref.stderr).toBe(0);
  reference = path.join(runs, "ref");
  referenceHash = hashOf(reference);
  expect(referenceHash).toMatch(/^[0-9a-f]{64}$/);
  expect(updatesOf(reference)).toEqual([1, 2, 3, 4]);
});

afterAll(() => {
  for (const d of disks) d.unmount();
});

describe("rlt train --resume continues exactly", () => {
  it("stopped after update 2, resumed, SIGKILLed between checkpoint 3 and its metrics row (torn row too), resumed: updates 1 2 3 4 once each, the same weights hash and metrics as uninterrupted", () => {
    const runs = path.join(work, "runs-resume");
    const run = path.join(runs, "ref");
    expect(train(runs, "ref", ["--max-updates", "2"]).status).toBe(0);
    expect(updatesOf(run)).toEqual([1, 2]);

    const killed = train(runs, "ref", ["--resume"], { RLT_TEST_KILL_AFTER_CHECKPOINT: "3" });
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    expect(updatesOf(run)).toEqual([1, 2]); // the checkpoint of update 3 is in, its row is not
    expect(JSON.parse(readFileSync(path.join(run, "checkpoint", "trainer.json"), "utf8")).update).toBe(3);
    expect(JSON.parse(readFileSync(path.join(run, "train.lock"), "utf8")).pid).toBe(killed.pid); // left by the dead process
    writeFileSync(path.join(run, "metrics.csv"), "3,384,0.0003,", { flag: "a" }); // and a row torn mid-write

    const resumed = rlt(["train", "--config", config, "--runs-dir", runs, "--name", "ref", "--resume"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/metrics\.csv: dropped a torn last line \("3,384,0.0003,"\) written when the run stopped/);
    expect(resumed.stderr).toMatch(/metrics\.csv: appended update 3's row from the checkpoint \(the run stopped between the two\)/);
    expect(resumed.stderr).toMatch(/resuming .* after update 3 \(384 steps\)/);
    expect(updatesOf(run)).toEqual([1, 2, 3, 4]);
    expect(metricsWithoutClock(run)).toEqual(metricsWithoutClock(reference));
    expect(hashOf(run)).toBe(referenceHash);
    expect(existsSync(path.join(run, "train.lock"))).toBe(false); // taken over from the dead process, then released
  });
});

describe("damaged files are refused by name, the run left as it was", () => {
  it("rlt eval --run: a truncated weights.bin and a garbled model.json exit 1 naming the file", () => {
    const run = path.join(work, "runs-eval", "ref");
    cpSync(reference, run, { recursive: true });
    const weights = path.join(run, "best", "policy", "weights.bin");
    const size = statSync(weights).size;
    truncateSync(weights, size - 1000);
    const truncated = rlt(["eval", "--run", run]);
    expect(truncated.status).toBe(1);
    expect(truncated.stderr).toContain(`${weights} is truncated (${size - 1000} bytes, model.json needs ${size})`);
    expect(truncated.stderr).toMatch(/hint: rlt writes model folders whole/);
    expectNoStackTrace(truncated.stderr);

    const modelJson = path.join(run, "model", "value", "model.json");
    writeFileSync(modelJson, readFileSync(modelJson, "utf8").slice(0, 200));
    const garbled = rlt(["eval", "--run", run, "--checkpoint", "final"]);
    expect(garbled.status).toBe(1);
    expect(garbled.stderr).toContain(`${modelJson} is not valid JSON (200 bytes:`);
    expectNoStackTrace(garbled.stderr);
  });

  it("rlt eval --run reads no Adam state: a damaged best/optimizer.bin does not stop an evaluation", () => {
    const run = path.join(work, "runs-eval-optimizer", "ref");
    cpSync(reference, run, { recursive: true });
    const optimizer = path.join(run, "best", "optimizer.bin");
    truncateSync(optimizer, 10);
    const res = rlt(["eval", "--run", run, "--random-repeats", "2", "--bootstrap", "50"]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain("buy & hold");
  });

  it("--resume with a truncated checkpoint file exits 1 naming it; nothing in the run folder changes", () => {
    const runs = path.join(work, "runs-bad-ckpt");
    const run = path.join(runs, "ref");
    cpSync(reference, run, { recursive: true });
    const optimizer = path.join(run, "checkpoint", "learner", "optimizer.bin");
    truncateSync(optimizer, 4096);
    const before = treeHashes(run);
    const res = train(runs, "ref", ["--resume", "--max-updates", "6"]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`${optimizer} is truncated \\(4096 bytes, optimizer.json needs \\d+\\)`));
    expectNoStackTrace(res.stderr);
    expect(treeHashes(run)).toEqual(before);
  });
});

describe("one trainer per run", () => {
  it("a second trainer of a run that is being trained waits, says for whom, and gives up with exit 75; nothing changes", async () => {
    const runs = path.join(work, "runs-lock");
    const run = path.join(runs, "ref");
    cpSync(reference, run, { recursive: true });
    const before = treeHashes(run);
    // this test process plays the first trainer: it holds the run's lock
    const release = await acquireLock(path.join(run, "train.lock"), { purpose: "the training run (test holder)" });
    try {
      const res = rlt(["train", "--config", config, "--runs-dir", runs, "--name", "ref", "--resume", "--max-updates", "6"], { RLT_LOCK_TIMEOUT_MS: "1000" });
      expect(res.status).toBe(75);
      expect(res.stderr).toMatch(new RegExp(`warning: waiting for process ${process.pid} on this host \\(.*\\) to finish writing the training run ${run} \\(lock ${run}/train.lock\\)`));
      expect(res.stderr).toMatch(new RegExp(`the training run ${run} is being written by process ${process.pid} on this host`));
      expectNoStackTrace(res.stderr);
    } finally {
      release();
    }
    const after = treeHashes(run);
    delete before["train.lock"];
    expect(after).toEqual(before);
  });
});

describe("a full disk during training", () => {
  it("exits 1 saying there is no space, leaves the previous checkpoint byte for byte and no staging folder; --resume then continues", async () => {
    const disk = mountSmallDisk(2048, "rlt train on a full disk");
    if (!disk) return;
    disks.push(disk);
    const runs = path.join(disk.dir, "runs");
    const run = path.join(runs, "ref");
    cpSync(reference, run, { recursive: true }); // trained to update 4
    // resumed with evaluations every 3 updates, update 5 evaluates nothing: the first write to fail is
    // its checkpoint (best/ would come first)
    const noEval = path.join(work, "no-eval.yaml");
    writeFileSync(noEval, readFileSync(config, "utf8").replace("evalEvery: 1", "evalEvery: 3"));
    // fill the disk but for ~100 KB: room for the lock, not for the next checkpoint (~380 KB)
    const filler = fillDisk(disk.dir, 100 * 1024);
    const before = treeHashes(run);

    const full = rlt(["train", "--config", noEval, "--runs-dir", runs, "-q", "--resume", "--max-updates", "6"]);
    expect(full.status).toBe(1);
    expect(full.stderr).toMatch(/^error: no space left on the device while writing the checkpoint of update 5/m);
    expect(full.stderr).toMatch(/hint: free space on that filesystem, then continue with rlt train --resume/);
    expectNoStackTrace(full.stderr);
    expect(readdirSync(runs).filter((f) => f !== "ref")).toEqual([]); // no staging folder beside the run
    expect(readdirSync(run).filter((f) => /\.(tmp|old)-/.test(f))).toEqual([]);
    expect(treeHashes(run)).toEqual(before);

    rmSync(filler);
    const resumed = rlt(["train", "--config", noEval, "--runs-dir", runs, "-q", "--resume", "--max-updates", "5"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(updatesOf(run)).toEqual([1, 2, 3, 4, 5]);
  });
});

