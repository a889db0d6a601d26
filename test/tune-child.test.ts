// A trial's child process (src/tune/child.ts) on the bundled sample: it ends when its parent decides,
// not when a Ctrl-C or systemd's SIGTERM reaches the whole process group (a worker stopping gracefully
// waits for its trial); an abort kills it; a trial that cannot train is a failed outcome, not a throw.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectationFrom } from "../src/features/artifact.ts";
import { runTrialInChild } from "../src/tune/child.ts";
import type { TrialJob } from "../src/tune/types.ts";
import { rlt } from "./helpers/cli.ts";
import { until } from "./helpers/poll.ts";
import { childrenOf } from "./helpers/processes.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";

let job: TrialJob;

const trialChildren = () => childrenOf(process.pid, "tune-trial");


beforeAll(async () => {
  const dataDir = await sampleDataDir();
  const features = path.join(tempDir("rlt-tune-child-"), "features");
  expect(rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", features]).status).toBe(0);
  const manifest = JSON.parse(readFileSync(path.join(features, "manifest.json"), "utf8"));
  job = {
    tune: "child",
    fingerprint: "f",
    id: 0,
    params: {},
    train: { name: "child", features, dataDir, ppo: { numEnvs: 2, numSteps: 512, updateEpochs: 2, threads: 1 }, training: { maxUpdates: 8, evalEvery: 4, earlyStopPatience: 0 } },
    symbols: [{ symbol: "BTCUSDT", features, expect: expectationFrom(manifest) }],
    seeds: [1],
    folds: 0,
    randomRepeats: 2,
  };
});

describe("a trial's child process", () => {
  it("finishes its trial through SIGINT and SIGTERM sent to it (a terminal's Ctrl-C, systemd's stop)", async () => {
    const running = runTrialInChild(job, { worker: "test" });
    await until("the trial's child", () => trialChildren().length === 1, 20_000, 10);
    const [pid] = trialChildren();
    // past its start-up, into the training
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(pid, "SIGINT");
    process.kill(pid, "SIGTERM");
    const outcome = await running;
    expect(outcome.status, outcome.error).toBe("ok");
    expect(outcome.units).toHaveLength(1);
    expect(outcome.units[0].updates).toBe(8);
    expect(Object.keys(outcome.files)).toContain("BTCUSDT/seed-1/best/policy/weights.bin");
  });

  it("an abort kills it and rejects; a trial that cannot train is a failed outcome with the error", async () => {
    const abort = new AbortController();
    const running = runTrialInChild(job, { worker: "test", signal: abort.signal });
    await until("the trial's child", () => trialChildren().length === 1, 20_000, 10);
    abort.abort(new Error("stop"));
    await expect(running).rejects.toThrow("stop");
    await until("the child gone", () => trialChildren().length === 0, 10_000, 10);

    const bad = await runTrialInChild({ ...job, symbols: [{ ...job.symbols[0], features: "/nonexistent/features" }] }, { worker: "test" });
    expect(bad).toMatchObject({ status: "failed", units: [], worker: "test" });
    expect(bad.error).toMatch(/\/nonexistent\/features is not a feature artifact/);
  });
});
