// Reading a training run back (rlt eval, rlt report, rlt check): every file it needs, or an error
// that names the ones missing or damaged (the model files themselves are checked as they load).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { DataError } from "../core/errors.ts";
import type { FeatureManifest } from "../features/artifact.ts";
import { type TrainConfig, parseSavedRunConfig } from "./config.ts";
import type { Splits } from "./data.ts";
import { readJsonFile } from "./model-io.ts";
import { MODEL_PARTS, type ModelChoice, RUN_FILES, modelFolderName } from "./run-files.ts";
import { refuseRunGroup } from "./run-group.ts";

export interface MsRange {
  fromMs: number;
  toMs: number;
}

export interface RunInfo {
  symbol: string;
  backend: string;
  split: Splits;
  splitMs: { train: MsRange; validation: MsRange; test: MsRange };
  features: string;
  createdAt: string;
}

export interface TrainingRun {
  dir: string;
  name: string;
  cfg: TrainConfig;
  info: RunInfo;
  manifest: FeatureManifest;
}

/**
 * `use` says why the caller needs one agent ("rlt trade trades one agent"): a seed group
 * (rlt train --seeds) is refused with it, naming the seed folders to choose from.
 */
export function readRun(dir: string, use?: string): TrainingRun {
  if (!existsSync(dir)) throw new DataError(`no run at ${dir}`, { hint: "train one with: rlt train --config configs/ppo.yaml" });
  refuseRunGroup(dir, use);
  const required = [RUN_FILES.config, RUN_FILES.info, RUN_FILES.manifest];
  const missing = required.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length) throw new DataError(`${dir} is not a complete run: ${missing.join(", ")} missing`, { hint: "rlt train writes these; re-run it or point --run at another run" });
  const info = readJsonFile(path.join(dir, RUN_FILES.info), CHANGED_HINT) as RunInfo;
  if (!info?.splitMs) throw new DataError(`${dir}/run.json has no time ranges (splitMs): the run was written by an older rlt`, { hint: "train it again" });
  return {
    dir,
    name: path.basename(dir),
    cfg: readRunConfig(dir),
    info,
    manifest: readJsonFile(path.join(dir, RUN_FILES.manifest), CHANGED_HINT) as FeatureManifest,
  };
}

const CHANGED_HINT = "rlt train wrote it with the run, so it was changed afterwards: restore it from a copy or train the run again";

/** A run's own config.yaml, with the meaning of the rlt that wrote it (parseSavedRunConfig). */
export function readRunConfig(dir: string): TrainConfig {
  const configFile = path.join(dir, RUN_FILES.config);
  let rawConfig: unknown;
  try {
    rawConfig = parseYaml(readFileSync(configFile, "utf8"));
  } catch (err) {
    throw new DataError(`${configFile} is not valid YAML: ${(err as Error).message.split("\n")[0]}`, { cause: err, hint: CHANGED_HINT });
  }
  return parseSavedRunConfig(rawConfig, configFile);
}

/** The model folder to trade: best (selected on validation) unless the final one is asked for. */
export function modelDir(run: TrainingRun, choice: ModelChoice): string {
  const dir = path.join(run.dir, modelFolderName(choice));
  for (const part of MODEL_PARTS) {
    if (!existsSync(path.join(dir, part))) {
      throw new DataError(`${run.dir} has no ${choice} model: ${path.join(dir, part)} is missing`, {
        hint: choice === "best" ? "the run never evaluated on validation; use --checkpoint final" : "the run did not finish; resume it with rlt train --resume",
      });
    }
  }
  return dir;
}
