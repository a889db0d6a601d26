import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { configRefusal as refusal } from "../../test/helpers/errors.ts";
import { tempDir } from "../../test/helpers/files.ts";
import { loadTrainConfig, parseSavedRunConfig, parseTrainConfig } from "./config.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("training config strict keys", () => {
  it("refuses a misspelled key at every level, naming its path and the closest valid key", () => {
    const file = path.join(tempDir("rlt-train-cfg-"), "x.yaml");
    writeFileSync(
      file,
      toYaml({
        nmae: "x",
        features: "features/BTCUSDT-1m",
        ppo: { learningRat: 0.001 },
        env: { episodeBar: 100 },
        sim: { takerFee: 0.1 },
        reward: { lambdaFrq: 1 },
        training: { maxUpdate: 1, split: { trian: 0.5 } },
        extra: true,
      }),
    );
    const err = refusal(() => loadTrainConfig(file));
    const [head, ...lines] = err.message.split("\n");
    expect(head).toBe(`invalid training config ${file}:`);
    expect(lines.sort()).toEqual(
      [
        "  nmae: unknown key; did you mean name?",
        "  ppo.learningRat: unknown key; did you mean ppo.learningRate?",
        "  env.episodeBar: unknown key; did you mean env.episodeBars?",
        "  sim.takerFee: unknown key; did you mean sim.takerFeeRate?",
        "  reward.lambdaFrq: unknown key; did you mean reward.lambdaFreq?",
        "  training.maxUpdate: unknown key; did you mean training.maxUpdates?",
        "  training.split.trian: unknown key; did you mean training.split.train?",
        "  extra: unknown key (valid here: name, features, dataDir, seed, ppo, env, sim, risk, reward, training)",
      ].sort(),
    );
    expect(err.hint).toBe("see configs/ppo.yaml for every field and its default");
  });

  it("still reads configs/ppo.yaml and a run's saved config.yaml (rlt's own output has no extra keys)", () => {
    const cfg = loadTrainConfig(path.join(ROOT, "configs/ppo.yaml"));
    expect(cfg.training.maxUpdates).toBe(60);
    expect(cfg.env.actions).toBe("step");
    expect(loadTrainConfig(path.join(ROOT, "configs/ppo-overnight.yaml")).training).toMatchObject({ maxUpdates: 20000, earlyStopPatience: 30 });
    const withOptionals = parseTrainConfig({ ...cfg, sim: { ...cfg.sim, stopLossPct: 0.02 } }, "test");
    // what trainer.ts writes into runs/<name>/config.yaml, read back as run-dir.ts does
    expect(parseTrainConfig(parseYaml(toYaml(withOptionals)), "config.yaml")).toEqual(withOptionals);
  });

  it("reads a run saved by an older rlt with that rlt's meaning: keep-the-position actions, no clipping, no reward normalization", () => {
    const old = { features: "f", env: { episodeBars: 1440, positionInObs: true }, ppo: { learningRate: 3e-4 } };
    const saved = parseSavedRunConfig(old, "config.yaml");
    expect(saved.env).toMatchObject({ actions: "long-short-keep", obsClip: null });
    expect(saved.ppo).toMatchObject({ normalizeReward: false, clipValueLoss: false });
    // no sections at all: the same
    expect(parseSavedRunConfig({ features: "f" }, "config.yaml").env.actions).toBe("long-short-keep");
    // what a new run writes keeps its own values; a new config without the keys gets today's defaults
    const fresh = parseTrainConfig({ features: "f" }, "test");
    expect(fresh.env).toMatchObject({ actions: "step", obsClip: 5 });
    expect(fresh.ppo.normalizeReward).toBe(true);
    expect(parseSavedRunConfig(parseYaml(toYaml(fresh)), "config.yaml")).toEqual(fresh);
  });
});
