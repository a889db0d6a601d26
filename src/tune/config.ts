// `rlt tune --config tune.yaml`: the search's config. A base training config (every trial starts from
// it), the space of dotted training-config paths, the method, the objective, the budget, the seeds and
// symbols. Strict like the training config: a misspelled key is an error naming its path.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { formatIssues } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import { RUN_NAME_PATTERN, RUN_NAME_RULE, type TrainConfig, loadTrainConfigForCommand, parseTrainConfig } from "../rl/config.ts";
import { shownPath } from "../rl/run-group.ts";
import { checkSpace, sampleParams } from "./space.ts";
import type { ObjectiveMetric, Params, SearchSpace } from "./types.ts";
import { Rng } from "../core/random.ts";

const pair = z.tuple([z.number(), z.number()]);
const ParamSpecSchema = z.union([z.strictObject({ choice: z.array(z.unknown()).min(1) }), z.strictObject({ range: pair }), z.strictObject({ log: pair }), z.strictObject({ int: pair })]);

/** Paths the tuner owns: a trial's seed comes from `seeds`, its length from `budget.updatesPerTrial`, its data from `symbols`. */
const RESERVED_PATHS = ["name", "seed", "features", "dataDir", "training.maxUpdates"];

export const TuneConfigSchema = z.strictObject({
  name: z.string().regex(RUN_NAME_PATTERN, RUN_NAME_RULE),
  /** The training config every trial starts from (resolved against where rlt runs, like --config). */
  base: z.string().min(1),
  method: z.enum(["grid", "random", "tpe"]).default("tpe"),
  space: z.record(z.string(), ParamSpecSchema),
  objective: z
    .strictObject({
      /** The validation range's Sharpe ratio or total return of each unit's best-validation model. */
      metric: z.enum(["sharpe", "return"]).default("sharpe"),
      /** Walk-forward folds per trial (0: the base config's own train / validation / test split). */
      folds: z.number().int().min(0).max(20).default(0),
    })
    .default({ metric: "sharpe", folds: 0 }),
  budget: z
    .strictObject({
      trials: z.number().int().positive(),
      /** training.maxUpdates of every trial (default: the base config's). */
      updatesPerTrial: z.number().int().positive().optional(),
      /** No trial is started after this many minutes of one `rlt tune` (running ones finish). */
      wallMinutes: z.number().positive().nullable().default(null),
    }),
  /** Every trial trains one agent per seed (and per fold and symbol); the objective is the median over them. */
  seeds: z.array(z.number().int().min(0)).min(1).default([1]),
  /** Symbols whose artifacts lie at `featuresPattern` (default: the base config's artifact alone). */
  symbols: z.array(z.string().regex(/^[A-Z0-9]+$/, "an upper-case symbol such as BTCUSDT")).min(1).optional(),
  featuresPattern: z.string().includes("{symbol}").default("features/{symbol}-1m"),
  search: z
    .strictObject({
      /** The search's own random seed (random and TPE proposals). */
      seed: z.number().int().min(0).default(1),
      /** TPE: this many random trials before the model proposes. */
      startupTrials: z.number().int().min(1).default(8),
      /** Grid: points per range / log / wide int dimension. */
      gridSteps: z.number().int().min(2).default(3),
    })
    .default({ seed: 1, startupTrials: 8, gridSteps: 3 }),
  /** Trials at once: local processes (default one per core), or trials queued at once with --queue (default 8). */
  parallel: z.number().int().positive().optional(),
  /** Seeded random baselines traded on each test range. */
  randomRepeats: z.number().int().min(1).default(20),
});
export type TuneConfigFile = z.infer<typeof TuneConfigSchema>;

export interface TuneConfig extends TuneConfigFile {
  /** Where the file was read from (errors and the resume hint name it). */
  file: string;
  /** The base training config as `rlt train` would read it, with every trial's fixed changes applied. */
  train: TrainConfig;
  /** The base training config object a job carries (paths as given, so a worker resolves them itself). */
  trainRaw: Record<string, unknown>;
  symbolsResolved: { symbol: string; features: string }[];
  metric: ObjectiveMetric;
  /** What makes two runs of `rlt tune` the same search (the budget's size may grow on resume). */
  fingerprint: string;
}

export function loadTuneConfig(file: string, dataDirFlag?: string): TuneConfig {
  if (!existsSync(file)) throw new ConfigError(`tune config ${file} does not exist`, { hint: "see configs/tune.yaml for an example" });
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read tune config ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = TuneConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(`invalid tune config ${file}:\n${formatIssues(parsed.error.issues, TuneConfigSchema)}`, { hint: "see configs/tune.yaml for every field" });
  const t = parsed.data;
  checkSpace(t.space as SearchSpace, file);
  const reserved = Object.keys(t.space).filter((p) => RESERVED_PATHS.includes(p));
  if (reserved.length) throw new ConfigError(`${file}: space.${reserved[0]} cannot be searched`, { hint: "seeds, symbols and budget.updatesPerTrial set a trial's seed, data and length" });
  const baseFile = path.resolve(t.base);
  if (!existsSync(baseFile)) throw new ConfigError(`${file}: base training config ${t.base} does not exist`, { hint: "point base: at an rlt train config such as configs/ppo.yaml" });
  // the training config exactly as `rlt train --config` reads it, then the tuner's fixed changes
  const resolved = loadTrainConfigForCommand(baseFile, dataDirFlag);
  // one trial per core: a trial's learner threads are fixed in its config (threads change the weights), 1 unless the base sets them
  const fixed = (c: TrainConfig): TrainConfig => ({ ...c, name: t.name, ppo: { ...c.ppo, threads: c.ppo.threads ?? 1 }, training: { ...c.training, maxUpdates: t.budget.updatesPerTrial ?? c.training.maxUpdates } });
  const train = parseTrainConfig(fixed(resolved), baseFile);
  // paths relative to where rlt runs when they lie below it: a worker resolves them against its own
  const trainRaw = { ...(train as unknown as Record<string, unknown>), features: shownPath(train.features), dataDir: train.dataDir ? shownPath(train.dataDir) : undefined };
  const symbolsResolved = t.symbols ? t.symbols.map((symbol) => ({ symbol, features: t.featuresPattern.replaceAll("{symbol}", symbol) })) : [{ symbol: "", features: shownPath(train.features) }];
  checkParamsApply(t.space as SearchSpace, train, file);
  const fingerprint = createHash("sha256")
    .update(JSON.stringify({ train: trainRaw, space: t.space, method: t.method, objective: t.objective, seeds: t.seeds, symbols: symbolsResolved, search: t.search, randomRepeats: t.randomRepeats }))
    .digest("hex")
    .slice(0, 12);
  return { ...t, file, train, trainRaw, symbolsResolved, metric: t.objective.metric, fingerprint };
}

/** A trial's training config: the base with the parameters set at their dotted paths. */
export function applyParams(base: Record<string, unknown>, params: Params): Record<string, unknown> {
  const out = structuredClone(base);
  for (const [dotted, value] of Object.entries(params)) {
    const keys = dotted.split(".");
    let at: Record<string, unknown> = out;
    for (const k of keys.slice(0, -1)) {
      const next = at[k];
      at[k] = next !== null && typeof next === "object" && !Array.isArray(next) ? { ...(next as object) } : {};
      at = at[k] as Record<string, unknown>;
    }
    at[keys[keys.length - 1]] = value;
  }
  return out;
}

/** Every path names a training-config key and every kind of value it can take parses: checked before any trial runs. */
function checkParamsApply(space: SearchSpace, train: TrainConfig, file: string): void {
  const rng = new Rng(7);
  for (let k = 0; k < 5; k++) {
    const params = sampleParams(space, () => rng.next());
    const attempt = parseProblem(applyParams(train as unknown as Record<string, unknown>, params));
    if (attempt) throw new ConfigError(`${file}: the space gives training configs that do not parse (e.g. ${JSON.stringify(params)}):\n${attempt}`, { hint: "space keys are dotted paths of rlt train's config (ppo.learningRate, reward.w2, env.episodeBars)" });
  }
}

function parseProblem(raw: Record<string, unknown>): string | undefined {
  try {
    parseTrainConfig(raw, "the trial's config");
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
