// The pieces of an exact resume, each on its own: an environment restored from its snapshot continues
// step for step like the original; the learner written and read back takes the same next update; the
// checkpoint's JSON keeps NaN, ±Infinity and −0; every bad file is refused by name; metrics.csv is
// brought back in line with the checkpoint.
import { readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sha256File as sha, tempDir } from "../../test/helpers/files.ts";
import { Rng } from "../core/random.ts";
import { SimConfigSchema } from "../sim/config.ts";
import { loadTf } from "./backend.ts";
import { RolloutStateSchema, type TrainerState, decodeNumber, encodeJson, readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import { EnvStateSchema, TradingEnv } from "./env.ts";
import { METRICS, metricsLine, repairMetrics, startMetrics } from "./metrics-file.ts";
import { LEARNERS, PpoConfigSchema } from "./learner.ts";
import { openLearner } from "./learners.ts";
import { TfPpoLearner } from "./ppo.ts";
import { RewardConfigSchema } from "./reward.ts";
import { syntheticMarket } from "./synthetic.ts";

describe("an environment restored from its snapshot", () => {
  it("continues exactly like the original: observations, rewards, equity, trades, through resets and funding", () => {
    const data = syntheticMarket({ bars: 3_000, seed: 4 });
    // funding every 8 h, so the snapshot carries a funding index mid-schedule
    const times = Array.from({ length: 10 }, (_, i) => data.openTime[0] + (i + 1) * 8 * 3_600_000);
    const withFunding = { ...data, funding: { timeMs: Float64Array.from(times), rate: Float64Array.from(times, (_, i) => (i % 2 ? 1e-4 : -2e-4)) } };
    const sim = SimConfigSchema.parse({ stopLossPct: 0.004, takeProfitPct: 0.01 });
    const make = (rng: Rng) => new TradingEnv(withFunding, { episodeBars: 200, positionInObs: true, actions: "long-short-keep", obsClip: 5, episodeStarts: [0, 500, 1000, 1500, 2000], rewardScale: { unit: 1e-3, exposure: 1.5 } }, sim, RewardConfigSchema.parse({}), () => rng.next());
    const rngA = new Rng(9);
    const a = make(rngA);
    a.reset();
    const actions = new Rng(3);
    for (let i = 0; i < 137; i++) if (a.step(Math.floor(actions.next() * 3)).truncated) a.reset();
    expect(a.sim.position).toBeDefined(); // the snapshot below holds an open position

    const saved = EnvStateSchema.parse(JSON.parse(encodeJson(a.snapshot()), decodeNumber));
    const rngB = new Rng(rngA.state);
    const b = make(rngB);
    expect(Array.from(b.restore(saved))).toEqual(Array.from(a.restore(a.snapshot())));
    let resets = 0;
    for (let i = 0; i < 600; i++) {
      const act = Math.floor(actions.next() * 3);
      const [x, y] = [a.step(act), b.step(act)];
      expect(y).toEqual(x);
      if (x.truncated || x.terminated) {
        resets++;
        expect(Array.from(b.reset())).toEqual(Array.from(a.reset()));
      }
    }
    expect(resets).toBeGreaterThanOrEqual(2);
    expect(b.snapshot()).toEqual(a.snapshot());
  });
});

describe("the checkpoint's JSON", () => {
  it("reads back every double exactly, NaN, ±Infinity and −0 included", () => {
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 0.1 + 0.2, 1e-310, -123456.789e20, Math.fround(1 / 3)];
    const back = JSON.parse(encodeJson({ values }), decodeNumber).values as number[];
    back.forEach((v, i) => expect(Object.is(v, values[i]), `value ${i}`).toBe(true));
  });
});

describe.each(LEARNERS)("the %s learner written and read back", (learner) => {
  it("holds the same weights and Adam state: its next update gives the same weights as the original's", async () => {
    const cfg = PpoConfigSchema.parse({ learner, threads: 1, hidden: [8], minibatchSize: 16, updateEpochs: 2, numSteps: 64, numEnvs: 1 });
    const source = await openLearner(cfg, "train");
    const load = (dir: string, optimizer: "require" | "if-present" = "if-present") => source.load(dir, optimizer);
    const obsSize = 5;
    const n = 64;
    const r = new Rng(1);
    const batch = () => ({
      obs: Float32Array.from({ length: n * obsSize }, () => r.next() - 0.5),
      actions: Int32Array.from({ length: n }, () => Math.floor(r.next() * 3)),
      logp: Float32Array.from({ length: n }, () => Math.log(1 / 3)),
      advantages: Float32Array.from({ length: n }, () => r.next() - 0.5),
      returns: Float32Array.from({ length: n }, () => r.next()),
      values: Float32Array.from({ length: n }, () => r.next()),
    });
    const original = source.create(obsSize, 7);
    for (let i = 0; i < 3; i++) original.update(batch(), n, 1e-2, new Rng(i).next);
    const dir = path.join(tempDir("rlt-learner-"), "learner");
    await original.save(dir);
    const copy = await load(dir, "require");
    expect(copy.weightsHash()).toBe(original.weightsHash());
    const next = batch();
    original.update(next, n, 1e-2, new Rng(99).next);
    copy.update(next, n, 1e-2, new Rng(99).next);
    expect(copy.weightsHash()).toBe(original.weightsHash());

    // every damaged file is named
    const weights = path.join(dir, "policy", "weights.bin");
    const size = readFileSync(weights).byteLength;
    truncateSync(weights, size - 10);
    await expect(load(dir)).rejects.toMatchObject({ name: "DataError", exitCode: 1, message: `${weights} is truncated (${size - 10} bytes, model.json needs ${size})`, hint: expect.stringMatching(/restore the folder from a copy or train the run again/) });
    await original.save(dir);
    writeFileSync(path.join(dir, "value", "model.json"), '{"modelTopology": {"class_name": "Sequ');
    await expect(load(dir)).rejects.toThrow(new RegExp(`^${path.join(dir, "value", "model.json")} is not valid JSON`));
    await original.save(dir);
    const optimizerBin = path.join(dir, "optimizer.bin");
    truncateSync(optimizerBin, 100);
    await expect(load(dir, "require")).rejects.toThrow(new RegExp(`^${optimizerBin} is truncated \\(100 bytes, optimizer.json needs \\d+\\)`));
    rmSync(path.join(dir, "optimizer.json"));
    await expect(load(dir, "require")).rejects.toThrow(`${path.join(dir, "optimizer.json")} is missing`);
    await expect(load(dir)).resolves.toHaveProperty("obsSize", obsSize); // a policy to trade needs no optimizer

    // a model folder of an older rlt: the optimizer index a bare list led by the int32 step count
    await original.save(dir);
    const index = JSON.parse(readFileSync(path.join(dir, "optimizer.json"), "utf8"));
    writeFileSync(path.join(dir, "optimizer.json"), JSON.stringify([{ name: "iter", shape: [] }, ...index.moments]));
    const iter = Buffer.alloc(4);
    iter.writeInt32LE(index.iterations);
    writeFileSync(optimizerBin, Buffer.concat([iter, readFileSync(optimizerBin)]));
    const legacy = await load(dir, "require");
    expect(legacy.weightsHash()).toBe(original.weightsHash());
    source.release();
  });
});

describe("reading a checkpoint", () => {
  const trainer: TrainerState = { update: 3, globalStep: 96, rngState: 42, bestValidationReturn: Number.NEGATIVE_INFINITY, bestUpdate: 0, evalsWithoutBest: 0, metricsRow: { update: 3, "charts/episodic_return": Number.NaN } };
  const rollout = RolloutStateSchema.parse({ envs: [] });
  const setup = async () => {
    const { tf } = await loadTf();
    const cfg = PpoConfigSchema.parse({ hidden: [4] });
    const learner = TfPpoLearner.create(tf, cfg, 3, 1);
    const runDir = tempDir("rlt-ckpt-");
    await writeCheckpoint(runDir, trainer, rollout, (dir) => learner.writeTo(dir));
    return { runDir, load: (dir: string) => TfPpoLearner.load(tf, cfg, dir, { optimizer: "require" }) };
  };

  it("gives back what was written; a newer version, an unknown part, a missing or garbled part are refused by name", async () => {
    const { runDir, load } = await setup();
    const ck = await readCheckpoint(runDir, load);
    expect(ck.trainer).toEqual(trainer);
    expect(Object.is(ck.trainer.bestValidationReturn, Number.NEGATIVE_INFINITY)).toBe(true);
    const format = path.join(runDir, "checkpoint", "format.json");
    writeFileSync(format, JSON.stringify({ version: 2, parts: ["learner", "trainer.json", "rollout.json", "normalizer.json"] }));
    await expect(readCheckpoint(runDir, load)).rejects.toMatchObject({ name: "UsageError", exitCode: 2, message: `${format}: checkpoint format version 2 was written by a newer rlt; this one reads version 1`, hint: "resume the run with the rlt that trained it" });
    writeFileSync(format, JSON.stringify({ version: 1, parts: ["learner", "trainer.json", "rollout.json", "normalizer.json"] }));
    await expect(readCheckpoint(runDir, load)).rejects.toThrow(`${format} lists parts this rlt does not know (normalizer.json): resuming without them would not be exact`);
    writeFileSync(format, JSON.stringify({ version: 1, parts: ["learner", "trainer.json", "rollout.json"] }));
    const trainerFile = path.join(runDir, "checkpoint", "trainer.json");
    writeFileSync(trainerFile, '{"update": 3, "globalStep"');
    await expect(readCheckpoint(runDir, load)).rejects.toThrow(new RegExp(`^${trainerFile} is not valid JSON`));
    writeFileSync(trainerFile, encodeJson({ ...trainer, rngState: "x" }));
    await expect(readCheckpoint(runDir, load)).rejects.toThrow(`${trainerFile} is not a checkpoint part this rlt wrote (rngState:`);
    rmSync(path.join(runDir, "checkpoint", "rollout.json"));
    await expect(readCheckpoint(runDir, load)).rejects.toThrow(`${path.join(runDir, "checkpoint")} is not a complete checkpoint: rollout.json missing`);
  });

  it("refuses a run folder of an older rlt (state.json beside an unversioned checkpoint), saying it cannot resume it exactly", async () => {
    const { runDir, load } = await setup();
    rmSync(path.join(runDir, "checkpoint", "format.json"));
    writeFileSync(path.join(runDir, "state.json"), "{}");
    await expect(readCheckpoint(runDir, load)).rejects.toThrow(`${runDir} was written by an older rlt (state.json and a checkpoint without format.json): it cannot be resumed exactly, so it is not resumed`);
  });
});

describe("metrics.csv brought in line with a checkpoint", () => {
  const row = (update: number) => Object.fromEntries(METRICS.map((m, i) => [m, m === "update" ? update : i + update / 10]));
  const file = () => {
    const f = path.join(tempDir("rlt-metrics-"), "metrics.csv");
    startMetrics(f);
    return f;
  };
  const updates = (f: string) => readFileSync(f, "utf8").trim().split("\n").slice(1).map((l) => Number(l.split(",")[0]));

  it("drops a torn last line and appends the checkpoint's row when the run stopped between the two", () => {
    const f = file();
    writeFileSync(f, metricsLine(row(1)), { flag: "a" });
    writeFileSync(f, metricsLine(row(2)).slice(0, 25), { flag: "a" }); // killed while appending update 2
    expect(repairMetrics(f, 2, row(2))).toEqual([`dropped a torn last line (${JSON.stringify(metricsLine(row(2)).slice(0, 25))}) written when the run stopped`, "appended update 2's row from the checkpoint (the run stopped between the two)"]);
    expect(updates(f)).toEqual([1, 2]);
    expect(readFileSync(f, "utf8").split("\n")[2]).toBe(metricsLine(row(2)).trimEnd());
  });

  it("drops rows past the checkpoint, and leaves a file that agrees byte for byte", () => {
    const f = file();
    for (const u of [1, 2, 3]) writeFileSync(f, metricsLine(row(u)), { flag: "a" });
    expect(repairMetrics(f, 2, row(2))).toEqual(["dropped 1 row(s) after update 2, the checkpoint's"]);
    expect(updates(f)).toEqual([1, 2]);
    const before = sha(f);
    expect(repairMetrics(f, 2, row(2))).toEqual([]);
    expect(sha(f)).toBe(before);
  });

  it("refuses a file with other columns, naming it, and leaves it as it was", () => {
    const f = file();
    writeFileSync(f, "update,reward\n1,2\n");
    const before = sha(f);
    expect(() => repairMetrics(f, 1, row(1))).toThrow(`${f} does not have the columns this rlt writes (its header: "update,reward")`);
    expect(sha(f)).toBe(before);
  });
});
