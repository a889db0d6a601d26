// PPO end to end on a generated market where feature 0 leads the next bar's drift: a working learner
// must turn that into held-out profit that no fixed or random policy gets; a broken one cannot.
// Also: the same seed on the same backend reproduces weights and metrics exactly.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/sample-store.ts";
import { createReporter } from "../core/log.ts";
import { parseTrainConfig } from "./config.ts";
import { splitByTime } from "./data.ts";
import { replayPolicy, replayTargets } from "../kernel/replay.ts";
import { LEARNERS } from "./learner.ts";
import { loadPolicyFrom } from "./run-policy.ts";
import { Rng } from "../core/random.ts";
import { syntheticMarket } from "./synthetic.ts";
import { trainOn } from "./trainer.ts";

const quiet = createReporter({ quiet: true });

describe("PPO learns a market with a leading feature", () => {
  it.each(LEARNERS)("the trained deterministic policy (%s learner) beats random, long-only and short-only on held-out bars by a pre-set margin", async (learner) => {
    const bars = 12_000;
    const data = syntheticMarket({ bars, seed: 7 });
    // the pure PnL reward (in percent per bar): this test is about the learner, not reward shaping
    const cfg = parseTrainConfig(
      {
        name: "learn",
        features: "generated",
        seed: 3,
        ppo: { numEnvs: 4, numSteps: 512, learner },
        env: { episodeBars: 240 },
        reward: { w1: 100, w2: 0, w3: 0, w4: 0, w5: 0, w6: 0 },
        training: { maxUpdates: 10, evalEvery: 5, earlyStopPatience: 0, split: { gapBars: 60 } },
      },
      "learning test",
    );
    const runDir = path.join(tempDir(), `learn-${learner}`);
    await trainOn(cfg, data, { runDir, resume: false, reporter: quiet });

    const { policy } = await loadPolicyFrom(cfg, path.join(runDir, "model"));
    const test = splitByTime(bars, 0.7, 0.15, 60).test;
    const run = (rule: Parameters<typeof replayTargets>[4]) => replayTargets(data, test, cfg.sim, true, rule, cfg.risk).totalReturn;
    const agent = replayPolicy(policy, cfg.env.actions, data, test, cfg.sim, true, cfg.risk).totalReturn;
    const longOnly = run(() => 1);
    const shortOnly = run(() => -1);
    const random = [1, 2, 3, 4, 5].map((s) => {
      const rng = new Rng(s);
      return run((_obs, _t, current) => [1, -1, current][Math.floor(rng.next() * 3)] as -1 | 0 | 1);
    });
    // measured: agent ≈ +715 % (wasm-simd) and +781 % (tfjs), long-only +33 %, short-only −33 %, random ≈ −67 %; an untrained network ≈ −64 %
    const MARGIN = 1.0; // 100 percentage points of held-out return
    console.log(`${learner}: agent ${(100 * agent).toFixed(0)} %, best fixed or random ${(100 * Math.max(longOnly, shortOnly, ...random)).toFixed(0)} %`);
    expect(agent).toBeGreaterThan(1.0);
    expect(agent - Math.max(longOnly, shortOnly, ...random)).toBeGreaterThan(MARGIN);
  });

  it("the same seed on the same learner and thread count gives the same weights and metrics; another seed does not", async () => {
    const data = syntheticMarket({ bars: 3_000, seed: 11 });
    const cfg = (seed: number) =>
      parseTrainConfig(
        {
          name: "repro",
          features: "generated",
          seed,
          ppo: { numEnvs: 2, numSteps: 128, updateEpochs: 2 },
          env: { episodeBars: 100 },
          training: { maxUpdates: 2, evalEvery: 1, earlyStopPatience: 0, split: { gapBars: 10 } },
        },
        "repro test",
      );
    const dirs = [1, 1, 2].map((seed) => ({ seed, dir: path.join(tempDir(), `seed-${seed}`) }));
    for (const { seed, dir } of dirs) await trainOn(cfg(seed), data, { runDir: dir, resume: false, reporter: quiet });
    const hash = (dir: string) => readFileSync(path.join(dir, "weights.sha256"), "utf8");
    // steps/s is a wall-clock reading: everything else must match
    const metrics = (dir: string) =>
      readFileSync(path.join(dir, "metrics.csv"), "utf8")
        .trim()
        .split("\n")
        .map((line) => line.split(",").filter((_, i) => i !== 5).join(","));
    expect(readFileSync(path.join(dirs[0].dir, "metrics.csv"), "utf8").split("\n")[0].split(",")[5]).toBe("charts/sps");
    expect(hash(dirs[1].dir)).toBe(hash(dirs[0].dir));
    expect(metrics(dirs[1].dir)).toEqual(metrics(dirs[0].dir));
    expect(metrics(dirs[0].dir)).toHaveLength(3);
    expect(hash(dirs[2].dir)).not.toBe(hash(dirs[0].dir));
  });
});
