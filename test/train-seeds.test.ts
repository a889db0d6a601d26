// `rlt train --seeds` on the bundled real sample: a seed group of complete runs under group.json,
// `--resume` seed by seed (a group killed mid-seed continues to the same weights), `rlt eval` of the
// group (each seed's own figures, their median and spread), and the commands that need one agent
// refusing a group by naming its seed folders.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { expectNoStackTrace, rlt } from "./helpers/cli.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";

let work: string;
let runs: string;
let cfgFile: string;
let group: string;
let firstTrain: ReturnType<typeof rlt>;

const hashOf = (dir: string) => readFileSync(path.join(dir, "weights.sha256"), "utf8").trim();
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));

beforeAll(async () => {
  const dataDir = await sampleDataDir();
  work = tempDir("rlt-seeds-");
  const features = path.join(work, "features");
  expect(rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", features]).status).toBe(0);
  cfgFile = path.join(work, "ppo.yaml");
  writeFileSync(cfgFile, toYaml({ name: "grp", features, dataDir, seed: 9, ppo: { numEnvs: 2, numSteps: 256, updateEpochs: 2 }, training: { maxUpdates: 2, evalEvery: 1, earlyStopPatience: 0 } }));
  runs = path.join(work, "runs");
  group = path.join(runs, "grp");
  firstTrain = rlt(["train", "--config", cfgFile, "--seeds", "2", "--runs-dir", runs]);
  expect(firstTrain.status, firstTrain.stderr).toBe(0);
});

describe("rlt train --seeds", () => {
  it("trains one complete run per seed into seed-<k>/ with its own seed and weights, under group.json", () => {
    expect(firstTrain.stdout).toMatch(/^seed 1 trained: .*seed-1 .*2 updates/m);
    expect(firstTrain.stdout).toMatch(/^seed 2 trained: .*seed-2 .*2 updates/m);
    expect(firstTrain.stdout).toMatch(/^seed group .*grp: 2 of 2 seeds trained .*rlt eval --run /m);
    const file = readJson(path.join(group, "group.json"));
    expect(file).toMatchObject({ kind: "seed-group", name: "grp", seeds: [1, 2], config: cfgFile, finished: [1, 2] });
    expect(Date.parse(file.createdAt)).toBeGreaterThan(Date.now() - 3_600_000);
    for (const k of [1, 2]) {
      const dir = path.join(group, `seed-${k}`);
      for (const f of ["config.yaml", "run.json", "feature-manifest.json", "metrics.csv", "best/policy/model.json", "model/policy/weights.bin", "weights.sha256"]) expect(existsSync(path.join(dir, f)), `seed-${k}/${f}`).toBe(true);
      // the group's seed, not the config file's 9
      expect(parseYaml(readFileSync(path.join(dir, "config.yaml"), "utf8")).seed).toBe(k);
      expect(hashOf(dir)).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(hashOf(path.join(group, "seed-1"))).not.toBe(hashOf(path.join(group, "seed-2")));
  });

  it("--resume skips finished seeds, and a group killed inside a seed continues to the same weights", async () => {
    const started = Date.now();
    const again = rlt(["train", "--config", cfgFile, "--seeds", "2", "--runs-dir", runs, "--resume"]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^seed 1 already trained/m);
    expect(again.stdout).toMatch(/^seed 2 already trained/m);
    expect(again.stdout).toMatch(/2 of 2 seeds trained \(2 already were\)/);
    expect(again.stderr).not.toMatch(/training on/); // nothing was trained
    expect(Date.now() - started).toBeLessThan(15_000);

    // a second group killed right after seed 1's first checkpoint: recognisable as a group, nothing finished
    const killed = rlt(["train", "--config", cfgFile, "--seeds", "2", "--runs-dir", runs, "--name", "again", "-q"], { RLT_TEST_KILL_AFTER_CHECKPOINT: "1" });
    expect(killed.signal).toBe("SIGKILL");
    const other = path.join(runs, "again");
    expect(readJson(path.join(other, "group.json"))).toMatchObject({ kind: "seed-group", seeds: [1, 2], finished: [] });
    expect(existsSync(path.join(other, "seed-2"))).toBe(false);
    const refused = rlt(["train", "--config", cfgFile, "--seeds", "2", "--runs-dir", runs, "--name", "again"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/already holds a seed group[\s\S]*--resume/);
    // --resume without --seeds takes the group's seeds: seed 1 resumes from its checkpoint, seed 2 starts
    const resumed = rlt(["train", "--config", cfgFile, "--runs-dir", runs, "--name", "again", "--resume"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^seed 1 resumed: .*2 updates/m);
    expect(resumed.stdout).toMatch(/^seed 2 trained: /m);
    expect(hashOf(path.join(other, "seed-1"))).toBe(hashOf(path.join(group, "seed-1")));
    expect(hashOf(path.join(other, "seed-2"))).toBe(hashOf(path.join(group, "seed-2")));
    expect(readJson(path.join(other, "group.json")).finished).toEqual([1, 2]);
    rmSync(other, { recursive: true, force: true });
  });

  it("refuses --seeds 0, --seeds a,b and --seed with --seeds (exit 2), and a single run into a group's folder", () => {
    for (const [args, message] of [
      [["--seeds", "0"], /--seeds: "0" is neither a count/],
      [["--seeds", "a,b"], /--seeds: "a", "b" are not seeds/],
      [["--seeds", "3,3"], /seed 3 is listed twice/],
      [["--seed", "1", "--seeds", "2"], /--seed and --seeds are alternatives/],
    ] as const) {
      const res = rlt(["train", "--config", cfgFile, "--runs-dir", runs, "--name", "bad", ...args]);
      expect(res.status, args.join(" ")).toBe(2);
      expect(res.stderr).toMatch(message);
      expectNoStackTrace(res.stderr);
    }
    expect(existsSync(path.join(runs, "bad"))).toBe(false);
    const single = rlt(["train", "--config", cfgFile, "--runs-dir", runs]);
    expect(single.status).toBe(2);
    expect(single.stderr).toMatch(/is a seed group/);
  });
});

describe("a seed group in the commands that take --run", () => {
  it("rlt eval evaluates every seed and writes the group's figures: each seed's own, their median and spread", () => {
    const res = rlt(["eval", "--run", group, "--random-repeats", "5", "--bootstrap", "100"]);
    expect(res.status, res.stderr).toBe(0);
    const g = readJson(path.join(group, "eval", "test", "group.json"));
    expect(g).toMatchObject({ kind: "seed-group-eval", name: "grp", label: "test", model: "best", symbol: "BTCUSDT" });
    expect(g.seeds.map((s: { seed: number }) => s.seed)).toEqual([1, 2]);
    const own = [1, 2].map((k) => readJson(path.join(group, `seed-${k}`, "eval", "test", "metrics.json")));
    own.forEach((m, i) => {
      const agent = m.strategies.find((s: { name: string }) => s.name === "agent").metrics;
      const bh = m.strategies.find((s: { name: string }) => s.name === "buy & hold").metrics;
      expect(g.seeds[i]).toMatchObject({
        totalReturn: agent.totalReturn,
        totalReturnLow: m.bootstrap.totalReturn.low,
        totalReturnHigh: m.bootstrap.totalReturn.high,
        sharpe: agent.sharpe,
        buyAndHoldReturn: bh.totalReturn,
        excessReturn: agent.totalReturn - bh.totalReturn,
        probBeatsBuyAndHold: m.bootstrap.probBeatsBenchmark,
        trades: agent.trades,
        maxDrawdown: agent.maxDrawdown,
      });
      expect(g.buyAndHoldReturn).toBe(bh.totalReturn);
    });
    const [r1, r2] = g.seeds.map((s: { totalReturn: number }) => s.totalReturn);
    // the median of two seeds is their mean; the range is the two
    expect(g.spread.totalReturn.median).toBeCloseTo((r1 + r2) / 2, 14);
    expect(g.spread.totalReturn.min).toBe(Math.min(r1, r2));
    expect(g.spread.totalReturn.max).toBe(Math.max(r1, r2));
    expect(g.spread.totalReturn.iqr).toBeCloseTo(Math.abs(r1 - r2) / 2, 14);
    expect(g.beatsFlat).toBe([r1, r2].filter((r) => r > 0).length);
    expect(g.beatsBuyAndHold).toBe([r1, r2].filter((r) => r > g.buyAndHoldReturn).length);
    const widths = g.seeds.map((s: { totalReturnLow: number; totalReturnHigh: number }) => s.totalReturnHigh - s.totalReturnLow);
    expect(g.swing.swings).toBe(Math.abs(r1 - r2) > (widths[0] + widths[1]) / 2);

    expect(res.stdout).toMatch(/^seed\s+return\s+95 % interval\s+Sharpe\s+vs B&H\s+P\(>B&H\)\s+trades/m);
    expect(res.stdout).toMatch(/^1\s+-?[\d.]+ %\s+-?[\d.]+ % – -?[\d.]+ %/m);
    expect(res.stdout).toMatch(/^median\s+-?[\d.]+ %/m);
    expect(res.stdout).toMatch(/^IQR\s+/m);
    expect(res.stdout).toMatch(/buy & hold over the same bars: -?[\d.]+ % \(the same for every seed\)/);
    expect(res.stdout).toMatch(new RegExp(`${g.beatsBuyAndHold} of 2 seeds beat buy & hold, ${g.beatsFlat} of 2 beat flat \\(0\\)`));
    if (g.swing.swings) expect(res.stdout).toMatch(/results swing from seed to seed more than within one seed's interval: do not trust one seed/);

    const json = rlt(["eval", "--run", group, "--random-repeats", "5", "--bootstrap", "100", "--json"]);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).spread.totalReturn.median).toBeCloseTo(g.spread.totalReturn.median, 14);
  });

  it("rlt trade --paper, rlt report, rlt check lookahead and walk-forward refuse the group (exit 2) naming its seeds", () => {
    const trade = rlt(["trade", "--run", group, "--paper", "--bars", "1"]);
    expect(trade.status).toBe(2);
    expect(trade.stderr).toMatch(/grp is a group of 2 seeds \(seed-1, seed-2\): rlt trade trades one agent; pass --run .*grp\/seed-<k>/);
    expect(trade.stderr).toMatch(/e\.g\. --run .*grp\/seed-1/);
    expectNoStackTrace(trade.stderr);
    for (const [args, message] of [
      [["report", "--run", group], /group of 2 seeds .*rlt report --run reports one agent's evaluation/],
      [["check", "lookahead", "--run", group], /group of 2 seeds .*rlt check lookahead checks one agent's decisions/],
      [["eval", "--run", group, "--walk-forward", "2"], /is a seed group: --walk-forward .* one seed at a time/],
    ] as const) {
      const res = rlt([...args]);
      expect(res.status, args.join(" ")).toBe(2);
      expect(res.stderr).toMatch(message);
    }
  });
});
