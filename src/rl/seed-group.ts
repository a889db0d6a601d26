// `rlt train --seeds`: one agent per seed, one after the other (the learner already uses every core),
// each a complete run in runs/<name>/seed-<k>/, under a group file written first so that an
// interrupted group is recognised and `--resume` continues it seed by seed.
import { existsSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../core/errors.ts";
import { withLock } from "../core/lock.ts";
import type { Reporter } from "../core/log.ts";
import { makeDirsFor } from "../core/dirs.ts";
import { hasCheckpoint } from "./checkpoint.ts";
import type { TrainConfig } from "./config.ts";
import { replaceFile } from "./metrics-file.ts";
import { GROUP_FILE, type RunGroup, isRunGroup, isSeedFinished, readRunGroup, seedDirName } from "./run-group.ts";
import { RUN_FILES } from "./run-files.ts";
import { type TrainResult, train } from "./trainer.ts";

/** Held by one `rlt train --seeds` of a group at a time (each seed's own train.lock is below it). */
const GROUP_LOCK = "group.lock";

export type SeedStatus = "trained" | "resumed" | "skipped" | "interrupted";

export interface SeedOutcome {
  seed: number;
  runDir: string;
  status: SeedStatus;
  /** Absent for a seed skipped as already trained. */
  result?: TrainResult;
}

export interface SeedGroupResult {
  kind: "seed-group";
  name: string;
  groupDir: string;
  config: string;
  seeds: number[];
  runs: SeedOutcome[];
  /** Ctrl-C stopped the group: the seeds after the interrupted one were not started. */
  interrupted: boolean;
}

export interface SeedGroupOptions {
  groupDir: string;
  seeds: number[];
  /** The config file as given on the command line: recorded, and named in the resume hint. */
  configFile: string;
  resume: boolean;
  signal?: AbortSignal;
  reporter: Reporter;
  /** Told as each seed ends (the command prints its line). */
  onSeed?: (outcome: SeedOutcome) => void;
}

/**
 * `--seeds 5` is a count (seeds 1..5); `--seeds 3,7,11` a list. A count is at least 1, a list holds
 * distinct non-negative integers (seed 0 is a seed like any other).
 */
export function parseSeeds(value: string): number[] {
  const text = value.trim();
  if (!text.includes(",")) {
    const n = text === "" ? NaN : Number(text);
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--seeds: "${value}" is neither a count of seeds (1 or more) nor a comma-separated list`, { hint: "e.g. --seeds 5 (seeds 1 to 5) or --seeds 3,7,11" });
    return Array.from({ length: n }, (_, i) => i + 1);
  }
  const parts = text.split(",").map((s) => s.trim());
  const seeds = parts.map((s) => (s === "" ? NaN : Number(s)));
  const bad = parts.filter((_, i) => !Number.isSafeInteger(seeds[i]) || seeds[i] < 0);
  if (bad.length) throw new UsageError(`--seeds: ${bad.map((b) => `"${b}"`).join(", ")} ${bad.length === 1 ? "is not a seed" : "are not seeds"} (non-negative integers)`, { hint: "e.g. --seeds 3,7,11" });
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw new UsageError(`--seeds: seed ${dup} is listed twice`);
  return seeds;
}

function writeGroupFile(groupDir: string, file: RunGroup): void {
  replaceFile(path.join(groupDir, GROUP_FILE), `${JSON.stringify(file, null, 2)}\n`, "the seed group's file");
}

/** The group file to train under: a new one, or the group's own when resuming (same seeds). */
function startGroup(cfg: TrainConfig, opts: SeedGroupOptions): RunGroup {
  const { groupDir } = opts;
  const isSingleRun = existsSync(path.join(groupDir, RUN_FILES.config)) || hasCheckpoint(groupDir);
  if (opts.resume) {
    if (!isRunGroup(groupDir)) {
      throw new UsageError(isSingleRun ? `--resume --seeds: ${groupDir} holds a single run, not a seed group` : `--resume: ${groupDir} holds no seed group to resume`, {
        hint: isSingleRun ? "resume it without --seeds, or start the group under another --name" : "start it without --resume",
      });
    }
    const group = readRunGroup(groupDir);
    if (group.seeds.join(",") !== opts.seeds.join(",")) {
      throw new UsageError(`--resume: ${groupDir} is a group of seeds ${group.seeds.join(",")}, not ${opts.seeds.join(",")}`, { hint: `pass --seeds ${group.seeds.join(",")} (or leave --seeds out with --resume)` });
    }
    if (group.config && path.resolve(group.config) !== path.resolve(opts.configFile)) opts.reporter.warn(`the group was started with --config ${group.config}; continuing with ${opts.configFile}`);
    return group;
  }
  if (isRunGroup(groupDir)) throw new UsageError(`${groupDir} already holds a seed group`, { hint: "pass --resume to continue it, or choose another --name" });
  if (isSingleRun) throw new UsageError(`${groupDir} already holds a run`, { hint: "choose another --name for the seed group" });
  const file: RunGroup = { kind: "seed-group", name: cfg.name, seeds: opts.seeds, config: opts.configFile, createdAt: new Date().toISOString(), finished: [] };
  makeDirsFor(groupDir, `the seed group ${groupDir}`);
  writeGroupFile(groupDir, file);
  return file;
}

/** Train every seed of the group in order; finished seeds are skipped, checkpointed ones resumed. */
export async function trainSeedGroup(cfg: TrainConfig, opts: SeedGroupOptions): Promise<SeedGroupResult> {
  const { groupDir } = opts;
  return withLock(path.join(groupDir, GROUP_LOCK), { purpose: `the seed group ${groupDir}`, onWait: (m) => opts.reporter.warn(m), signal: opts.signal }, async () => {
    const file = startGroup(cfg, opts);
    const runs: SeedOutcome[] = [];
    let interrupted = false;
    for (const seed of opts.seeds) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      const runDir = path.join(groupDir, seedDirName(seed));
      if (isSeedFinished(groupDir, file, seed)) {
        const outcome: SeedOutcome = { seed, runDir, status: "skipped" };
        runs.push(outcome);
        opts.onSeed?.(outcome);
        continue;
      }
      const resume = hasCheckpoint(runDir);
      opts.reporter.info(`seed ${seed} (${runs.length + 1} of ${opts.seeds.length}): ${resume ? "resuming" : "training"} ${runDir}`);
      const result = await train({ ...cfg, seed }, { runDir, resume, signal: opts.signal, reporter: opts.reporter });
      const stopped = result.stoppedBy === "interrupted";
      if (!stopped) {
        file.finished = [...file.finished.filter((s) => s !== seed), seed];
        writeGroupFile(groupDir, file);
      }
      const outcome: SeedOutcome = { seed, runDir, status: stopped ? "interrupted" : resume ? "resumed" : "trained", result };
      runs.push(outcome);
      opts.onSeed?.(outcome);
      if (stopped) {
        interrupted = true;
        break;
      }
    }
    return { kind: "seed-group", name: file.name, groupDir, config: opts.configFile, seeds: opts.seeds, runs, interrupted };
  });
}
