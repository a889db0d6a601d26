// tunes/<name>/: what a search has proposed and what it has recorded, written so that a tuner killed
// at any point restarts from it. The proposals file comes first (a trial's parameters are fixed before
// it runs); a trial's record (trials/<id>.json, written last, after its files) is its one commit:
// a second delivery of the same trial finds it and is ignored.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { makeDirs, makeDirsFor } from "../core/dirs.ts";
import { DataError, UsageError } from "../core/errors.ts";
import { writeDirAtomically } from "../core/staging.ts";
import { replaceFile } from "../rl/metrics-file.ts";
import type { Params, TrialRecord } from "./types.ts";

export const TUNE_FILES = {
  /** The search as started: its name, fingerprint, method, objective, space and config. */
  tune: "tune.json",
  proposals: "proposals.json",
  trials: "trials",
  parquet: "trials.parquet",
  bestConfig: "best.yaml",
  report: "report.html",
  lock: "tune.lock",
} as const;

/** How a search continues after a full disk stopped it writing (replaceFile's hint). */
export const TUNE_CONTINUE = "run the same rlt tune again: the trials recorded so far are kept";

export interface TuneHeader {
  kind: "rlt-tune";
  name: string;
  fingerprint: string;
  method: string;
  objective: { metric: string; folds: number };
  space: Record<string, unknown>;
  seeds: number[];
  symbols: string[];
  config: string;
  createdAt: string;
}

export interface Proposal {
  id: number;
  params: Params;
}

/** A new tune's folder, or the existing one of the same search (the same fingerprint); another search under the name is refused. */
export function openTuneDir(dir: string, header: TuneHeader): { resumed: boolean } {
  const file = path.join(dir, TUNE_FILES.tune);
  if (existsSync(file)) {
    const saved = readTuneHeader(dir);
    if (saved.fingerprint !== header.fingerprint) {
      throw new UsageError(`${dir} holds another search (started ${saved.createdAt} from ${saved.config}): its base config, space, method, objective, seeds or symbols differ`, {
        hint: "resume it with the config it was started with, or give this search another name (name: in the tune config)",
      });
    }
    return { resumed: true };
  }
  makeDirs(path.join(dir, TUNE_FILES.trials));
  replaceFile(file, `${JSON.stringify(header, null, 2)}\n`, "the tune's header", TUNE_CONTINUE);
  return { resumed: false };
}

/** tune.json: the search as it was started (the caller has checked the file exists). */
export function readTuneHeader(dir: string): TuneHeader {
  return readJson<TuneHeader>(path.join(dir, TUNE_FILES.tune), "rlt tune wrote it when the search started");
}

export function readProposals(dir: string): Proposal[] {
  const file = path.join(dir, TUNE_FILES.proposals);
  return existsSync(file) ? readJson<Proposal[]>(file, "rlt tune writes it before each trial starts") : [];
}

export function writeProposals(dir: string, proposals: Proposal[]): void {
  replaceFile(path.join(dir, TUNE_FILES.proposals), `${JSON.stringify(proposals, null, 1)}\n`, "the tune's proposals", TUNE_CONTINUE);
}

export function recordFile(dir: string, id: number): string {
  return path.join(dir, TUNE_FILES.trials, `${id}.json`);
}

/** Every recorded trial, by id order. */
export function readRecords(dir: string): TrialRecord[] {
  const trials = path.join(dir, TUNE_FILES.trials);
  if (!existsSync(trials)) return [];
  return readdirSync(trials)
    .filter((f) => /^\d+\.json$/.test(f))
    .map((f) => readJson<TrialRecord>(path.join(trials, f), "rlt tune wrote it when the trial was recorded"))
    .sort((a, b) => a.id - b.id);
}

/**
 * Record a delivered trial once: its run files (trials/<id>/, swapped in whole) and then its record.
 * False when the trial was recorded already (a second delivery): nothing is written.
 */
export async function recordTrial(dir: string, record: TrialRecord, files: Record<string, string>): Promise<boolean> {
  const file = recordFile(dir, record.id);
  if (existsSync(file)) return false;
  if (Object.keys(files).length) {
    await writeDirAtomically(path.join(dir, TUNE_FILES.trials, String(record.id)), `trial ${record.id}'s runs`, async (staging) => {
      for (const [rel, b64] of Object.entries(files)) {
        const target = path.join(staging, rel);
        if (!target.startsWith(staging + path.sep)) throw new DataError(`trial ${record.id} returned a file outside its folder: ${rel}`);
        makeDirsFor(path.dirname(target), `trial ${record.id}'s runs`);
        writeFileSync(target, Buffer.from(b64, "base64"));
      }
    });
  }
  replaceFile(file, `${JSON.stringify(record, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`, `trial ${record.id}'s record`, TUNE_CONTINUE);
  return true;
}

function readJson<T>(file: string, origin: string): T {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (err) {
    throw new DataError(`${file} cannot be read: ${(err as Error).message}`, { cause: err, hint: `${origin}; restore it from a copy or start the search under another name` });
  }
}
