// rlt check: the look-ahead check passes the real feature code on the bundled sample and catches a
// feature that peeks at the next bar; the repro check finds two same-seed trainings identical and
// notices a metric that is not.
import { beforeAll, describe, expect, it } from "vitest";
import { checkLookahead, cutPoints, describeLeak } from "../src/check/lookahead.ts";
import { checkRepro, compareMetrics } from "../src/check/repro.ts";
import { Store } from "../src/data/store.ts";
import type { BarColumns } from "../src/features/bar-input.ts";
import { computeFeatures } from "../src/features/batch.ts";
import { FEATURES, FEATURE_COUNT } from "../src/features/definitions.ts";
import { loadBars } from "../src/features/sources.ts";
import { loadTf } from "../src/rl/backend.ts";
import { parseTrainConfig } from "../src/rl/config.ts";
import { TfPpoLearner } from "../src/rl/ppo.ts";
import { syntheticMarket } from "../src/rl/synthetic.ts";
import { rlt } from "./helpers/cli.ts";
import { sampleDataDir } from "./helpers/sample-store.ts";
import { learnerPolicy } from "../src/rl/run-policy.ts";

let dataDir: string;
let cols: BarColumns;

beforeAll(async () => {
  dataDir = await sampleDataDir();
  const store = await Store.open(dataDir);
  try {
    cols = (await loadBars(store, "BTCUSDT")).cols;
  } finally {
    store.close();
  }
});

describe("look-ahead check", () => {
  it("cut points cover the first bars, the warm-up edges, the middle and the last bar with a future", () => {
    const n = 43_199;
    const cuts = cutPoints(n, 12);
    expect(cuts).toHaveLength(12);
    for (const t of [0, 1, 14, 15, 33, 1439, 1440, n - 2]) expect(cuts).toContain(t);
    expect(cuts.filter((t) => t > 1440 && t < n - 2).length).toBe(4);
    expect(cutPoints(n, 4)).toEqual([0, 14, 1440, n - 2]);
  });

  it("finds no look-ahead in the real features of the sample", () => {
    const r = checkLookahead(cols, { points: 12 });
    expect(r.bars).toBe(43_199);
    expect(r.leak).toBeUndefined();
    expect(r.cuts).toHaveLength(12);
    expect(r.cuts.at(-1)).toMatchObject({ cut: 43_197, featuresCompared: 43_198 * FEATURE_COUNT });
  });

  it("catches a feature that reads the next bar's close, naming the bar and the feature", () => {
    const vwap = FEATURES.findIndex((f) => f.name === "vwap");
    const leaking = (c: BarColumns) => {
      const m = computeFeatures(c);
      for (let i = 0; i + 1 < m.n; i++) m.values[i * FEATURE_COUNT + vwap] = c.close[i + 1];
      return m;
    };
    const r = checkLookahead(cols, { points: 4, compute: leaking });
    // at every cut point t, bar t itself is the one that saw the altered bar t + 1
    for (const c of r.cuts) expect(c.leak).toMatchObject({ cut: c.cut, bar: c.cut, kind: "raw", feature: "vwap", before: cols.close[c.cut + 1], after: cols.close[c.cut + 1] * 1.5 + 7 });
    expect(r.leak).toMatchObject({ cut: 0, bar: 0, feature: "vwap" });
    expect(describeLeak(r.leak!)).toMatch(/^feature vwap at bar 0 changed .* when the bars after 0 were altered$/);
  });

  it("compares a policy's observations and decisions through bar t", async () => {
    const cfg = parseTrainConfig({ features: "unused" }, "test");
    const { tf } = await loadTf();
    // an untrained network is a policy like any other: what it decides at bar t may only depend on bars ≤ t
    const learner = TfPpoLearner.create(tf, cfg.ppo, FEATURE_COUNT + 3, 4);
    const r = checkLookahead(cols, { points: 3, policy: { policy: learnerPolicy(learner, cfg.env.obsClip), positionInObs: true, actions: cfg.env.actions, sim: cfg.sim, reward: cfg.reward, window: 300 } });
    expect(r.leak).toBeUndefined();
    expect(r.cuts.map((c) => c.decisionsCompared)).toEqual([1, 15, 301]);
  });
});

describe("repro check", () => {
  it("two trainings with the same seed give the same weights and metrics", async () => {
    const cfg = parseTrainConfig(
      {
        name: "repro",
        features: "generated",
        seed: 9,
        ppo: { numEnvs: 2, numSteps: 128, updateEpochs: 2 },
        env: { episodeBars: 100 },
        training: { maxUpdates: 50, evalEvery: 1, earlyStopPatience: 0, split: { gapBars: 10 } },
      },
      "repro test",
    );
    const r = await checkRepro(cfg, { data: syntheticMarket({ bars: 3000, seed: 11 }), updates: 2 });
    expect(r).toMatchObject({ reproducible: true, weightsMatch: true, seed: 9, updates: 2, rows: 2, metricDiffs: [] });
    expect(r.hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(r.hashes[1]).toBe(r.hashes[0]);
    expect(r.runDirs).toBeUndefined(); // agreeing runs are cleaned up
  });

  it("metrics are compared by column name, the wall-clock steps/s left out, the first differing update named", () => {
    const a = "update,charts/sps,losses/value_loss,val/sharpe\n1,100,0.5,1\n2,120,0.4,2\n3,90,0.3,3\n";
    expect(compareMetrics(a, a.replace("100", "7").replace("120", "8")).diffs).toEqual([]);
    const b = "update,charts/sps,losses/value_loss,val/sharpe\n1,100,0.5,1\n2,120,0.41,2\n3,90,0.31,3\n";
    expect(compareMetrics(a, b)).toEqual({ rows: 3, columns: 3, diffs: [{ column: "losses/value_loss", update: 2, a: "0.4", b: "0.41" }] });
    // a run that logged fewer updates differs too
    expect(compareMetrics(a, a.split("\n").slice(0, 3).join("\n")).diffs[0]).toMatchObject({ update: 3, b: "(absent)" });
  });
});

describe("rlt check lookahead (CLI)", () => {
  it("exits 0 on the bundled sample and says so", () => {
    const res = rlt(["check", "lookahead", "BTCUSDT", "--data-dir", dataDir, "--points", "4"]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/no look-ahead found in 4 cut points/);
    expect(res.stdout).toMatch(/^\s+1440\s+2023-07-19 11:13\s+43,230\s+—\s+ok$/m);
  });
});
