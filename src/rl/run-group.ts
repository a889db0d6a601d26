// A seed group (runs/<name>/ holding one complete run per seed in seed-<k>/, written by
// `rlt train --seeds`): how to recognise one, and the refusal of every command that needs ONE agent.
import { existsSync } from "node:fs";
import path from "node:path";
import { DataError, UsageError } from "../core/errors.ts";
import { readJsonFile } from "./model-io.ts";
import { MODEL_PARTS, RUN_FILES } from "./run-files.ts";

/** Written first by `rlt train --seeds`, so that an interrupted group is still recognised as one. */
export const GROUP_FILE = "group.json";

export interface RunGroup {
  kind: "seed-group";
  name: string;
  seeds: number[];
  /** The training config file the group was started with, as given on the command line. */
  config: string;
  createdAt: string;
  /** Seeds whose training ended on its own (max updates or early stopping), added as each ends. */
  finished: number[];
}

export function seedDirName(seed: number): string {
  return `seed-${seed}`;
}

export function seedDirs(dir: string, group: Pick<RunGroup, "seeds">): string[] {
  return group.seeds.map((k) => path.join(dir, seedDirName(k)));
}

export function isRunGroup(dir: string): boolean {
  return existsSync(path.join(dir, GROUP_FILE));
}

/** The group file of `dir`, checked: a damaged one is named rather than read as a single run. */
export function readRunGroup(dir: string): RunGroup {
  const file = path.join(dir, GROUP_FILE);
  const raw = readJsonFile(file, "rlt train --seeds wrote it: restore it from a copy, or train the group again") as Partial<RunGroup> | undefined;
  const seeds = raw?.seeds;
  if (raw?.kind !== "seed-group" || !Array.isArray(seeds) || !seeds.length || !seeds.every((s) => Number.isSafeInteger(s) && s >= 0) || typeof raw.name !== "string") {
    throw new DataError(`${file} is not a seed group's file (kind "seed-group", name, a non-empty list of seeds)`, { hint: "rlt train --seeds writes it; restore it from a copy or train the group again" });
  }
  const finished = Array.isArray(raw.finished) ? raw.finished.filter((s) => seeds.includes(s)) : [];
  return { kind: "seed-group", name: raw.name, seeds, config: String(raw.config ?? ""), createdAt: String(raw.createdAt ?? ""), finished };
}

/**
 * A seed's training ended on its own and its final model is all there. Not the final model alone:
 * an interrupted run writes one too (Ctrl-C saves the weights it has), so the group file says which ended.
 */
export function isSeedFinished(dir: string, group: RunGroup, seed: number): boolean {
  if (!group.finished.includes(seed)) return false;
  const runDir = path.join(dir, seedDirName(seed));
  return existsSync(path.join(runDir, RUN_FILES.weightsHash)) && MODEL_PARTS.every((p) => existsSync(path.join(runDir, RUN_FILES.finalModel, p)));
}

/** "seed-1 … seed-5" for a run of consecutive seeds, else the list ("seed-3, seed-7, seed-11"). */
export function describeSeedFolders(seeds: number[]): string {
  const consecutive = seeds.every((s, i) => i === 0 || s === seeds[i - 1] + 1);
  if (consecutive && seeds.length > 2) return `${seedDirName(seeds[0])} … ${seedDirName(seeds[seeds.length - 1])}`;
  return seeds.map(seedDirName).join(", ");
}

/** A path as the user would type it: relative to where rlt runs when it lies below it. */
export function shownPath(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : dir;
}

/**
 * Throw the UsageError that sends the user to one seed's folder when `dir` is a seed group.
 * `use` says why one agent is needed ("rlt trade trades one agent").
 */
export function refuseRunGroup(dir: string, use = "this command works on one agent"): void {
  if (!isRunGroup(dir)) return;
  const group = readRunGroup(dir);
  const n = group.seeds.length;
  throw new UsageError(`${shownPath(dir)} is a group of ${n} seed${n === 1 ? "" : "s"} (${describeSeedFolders(group.seeds)}): ${use}; pass --run ${shownPath(dir)}/seed-<k>`, {
    hint: `e.g. --run ${path.join(shownPath(dir), seedDirName(group.seeds[0]))}; rlt eval --run ${shownPath(dir)} evaluates the whole group`,
  });
}
