// `rlt train` configuration: one zod schema per subsystem, composed; defaults are the design's.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { formatIssues } from "../core/config.ts";
import { envValue } from "../core/env.ts";
import { ConfigError } from "../core/errors.ts";
import { ACTION_SCHEMES, DEFAULT_ACTION_SCHEME, LEGACY_ACTION_SCHEME } from "../kernel/actions.ts";
import { DEFAULT_RISK_CONFIG, RiskConfigSchema } from "../risk/index.ts";
import { SimConfigSchema } from "../sim/config.ts";
import { PpoConfigSchema } from "./learner.ts";
import { RewardConfigSchema } from "./reward.ts";

/** A run name is a folder name under runs/: no separators, no spaces. */
export const RUN_NAME_PATTERN = /^[\w.-]+$/;
export const RUN_NAME_RULE = "letters, digits, '.', '_' and '-' only";

/** Normalized features beyond ±5 standard deviations are outliers (a volume burst): clipped, they cannot swamp the first layer. */
export const DEFAULT_OBS_CLIP = 5;

/**
 * What a saved run's config.yaml means for keys it lacks: the behaviour of the rlt that wrote it,
 * not today's defaults (so an old run evaluates and trades as it was trained).
 */
const LEGACY_RUN_DEFAULTS = { env: { actions: LEGACY_ACTION_SCHEME, obsClip: null }, ppo: { normalizeReward: false, clipValueLoss: false } } as const;

// Every object is strict: a misspelled key (`maxUpdate: 1`) is an error naming its path, never a
// silently kept default.
export const TrainConfigSchema = z
  .strictObject({
    name: z.string().regex(RUN_NAME_PATTERN, RUN_NAME_RULE).default("ppo"),
    /** Feature artifact folder (rlt features). */
    features: z.string().min(1),
    /** Data directory with funding rates (optional: without it no funding is charged). */
    dataDir: z.string().optional(),
    seed: z.number().int().min(0).default(1),
    ppo: PpoConfigSchema.default(PpoConfigSchema.parse({})),
    env: z
      .strictObject({
        /** One trading day (§7.1). */
        episodeBars: z.number().int().min(10).default(1440),
        /** Append side, unrealized PnL and time in position to the 30 features. */
        positionInObs: z.boolean().default(true),
        /** What the three actions ask of the position (src/kernel/actions.ts); runs without the key mean the default. */
        actions: z.enum(ACTION_SCHEMES).default(DEFAULT_ACTION_SCHEME),
        /** Clip every observation input to ±this before the networks see it (null = off); training, evaluation and trading alike. */
        obsClip: z.number().positive().nullable().default(DEFAULT_OBS_CLIP),
      })
      .default({ episodeBars: 1440, positionInObs: true, actions: DEFAULT_ACTION_SCHEME, obsClip: DEFAULT_OBS_CLIP }),
    sim: SimConfigSchema.default(SimConfigSchema.parse({})),
    /** Risk limits training, evaluation and trading share (docs/risk.md); runs without the key mean the defaults. */
    risk: RiskConfigSchema.default(DEFAULT_RISK_CONFIG),
    reward: RewardConfigSchema.default(RewardConfigSchema.parse({})),
    training: z
      .strictObject({
        maxUpdates: z.number().int().positive().default(50),
        /** Deterministic evaluation on the validation range every this many updates. */
        evalEvery: z.number().int().positive().default(5),
        /** Stop after this many evaluations without a new best (0 = never). */
        earlyStopPatience: z.number().int().min(0).default(4),
        split: z
          .strictObject({
            train: z.number().gt(0).lt(1).default(0.7),
            validation: z.number().gt(0).lt(1).default(0.15),
            /** Bars left out between train / validation / test, so no episode straddles two. */
            gapBars: z.number().int().min(0).default(1440),
          })
          .default({ train: 0.7, validation: 0.15, gapBars: 1440 }),
      })
      .default({ maxUpdates: 50, evalEvery: 5, earlyStopPatience: 4, split: { train: 0.7, validation: 0.15, gapBars: 1440 } }),
  })
  .superRefine((c, ctx) => {
    if (c.training.split.train + c.training.split.validation >= 1) ctx.addIssue({ code: "custom", path: ["training", "split"], message: "train + validation must leave room for a test range (sum < 1)" });
    if (c.ppo.numSteps % c.ppo.numEnvs !== 0) ctx.addIssue({ code: "custom", path: ["ppo", "numSteps"], message: `must be a multiple of ppo.numEnvs (${c.ppo.numEnvs})` });
    if (c.ppo.minibatchSize > c.ppo.numSteps) ctx.addIssue({ code: "custom", path: ["ppo", "minibatchSize"], message: "must not exceed ppo.numSteps" });
  });
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export function parseTrainConfig(raw: unknown, source: string): TrainConfig {
  const parsed = TrainConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid training config ${source}:\n${formatIssues(parsed.error.issues, TrainConfigSchema)}`, { hint: "see configs/ppo.yaml for every field and its default" });
  return parsed.data;
}

/** A run's own config.yaml: keys written by an older rlt are absent and keep that rlt's meaning. */
export function parseSavedRunConfig(raw: unknown, source: string): TrainConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return parseTrainConfig(raw, source);
  const r = raw as Record<string, unknown>;
  const section = (key: "env" | "ppo") => {
    const given = r[key];
    return given !== null && typeof given === "object" && !Array.isArray(given) ? { ...LEGACY_RUN_DEFAULTS[key], ...given } : given === undefined ? { ...LEGACY_RUN_DEFAULTS[key] } : given;
  };
  return parseTrainConfig({ ...r, env: section("env"), ppo: section("ppo") }, source);
}

export function loadTrainConfig(file: string): TrainConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read training config ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseTrainConfig(raw ?? {}, file);
}

/**
 * A training config as the commands take it: the file, command-line overrides on top, and relative
 * paths resolved against where rlt runs, like the data directory of every other command
 * (`rlt train --config configs/ppo.yaml` from the project finds ./features). --data-dir wins over
 * the file's dataDir.
 */
export function loadTrainConfigForCommand(file: string, dataDirFlag: string | undefined, override: (cfg: TrainConfig) => object = () => ({})): TrainConfig {
  const cfg = loadTrainConfig(file);
  return parseTrainConfig(
    {
      ...cfg,
      ...override(cfg),
      features: path.resolve(cfg.features),
      dataDir: path.resolve(dataDirFlag ?? cfg.dataDir ?? envValue("RLT_DATA_DIR") ?? "data"),
    },
    file,
  );
}
