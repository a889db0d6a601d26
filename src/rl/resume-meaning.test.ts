// `--resume` continues the agent the run is: a config that changes what its actions, inputs or reward
// mean is refused, naming what changed; one that changes only training.* continues.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/sample-store.ts";
import { UsageError } from "../core/errors.ts";
import { createReporter } from "../core/log.ts";
import { parseTrainConfig } from "./config.ts";
import { syntheticMarket } from "./synthetic.ts";
import { trainOn } from "./trainer.ts";

const quiet = createReporter({ quiet: true });
const data = syntheticMarket({ bars: 3_000, seed: 2 });
const cfg = (over: object = {}, maxUpdates = 1) =>
  parseTrainConfig({ name: "m", features: "generated", ppo: { numEnvs: 2, numSteps: 64, updateEpochs: 1 }, env: { episodeBars: 100 }, training: { maxUpdates, evalEvery: 1, earlyStopPatience: 0, split: { gapBars: 10 } }, ...over }, "test");

describe("rlt train --resume keeps the run's meaning", () => {
  it("refuses a changed action scheme or reward weight, and continues with only training.* changed", async () => {
    const runDir = path.join(tempDir(), "run");
    await trainOn(cfg(), data, { runDir, resume: false, reporter: quiet });
    const refused = (c: ReturnType<typeof cfg>) => trainOn(c, data, { runDir, resume: true, reporter: quiet }).then(() => undefined, (err: unknown) => err);
    const actions = await refused(cfg({ env: { episodeBars: 100, actions: "long-short-keep" } }, 2));
    expect(actions).toBeInstanceOf(UsageError);
    expect((actions as Error).message).toMatch(/changes the run's env .*"actions":"step"/);
    const reward = await refused(cfg({ reward: { w4: 0 } }, 2));
    expect((reward as Error).message).toMatch(/changes the run's reward/);
    const more = await trainOn(cfg({}, 2), data, { runDir, resume: true, reporter: quiet });
    expect(more.updates).toBe(2);
  });
});
