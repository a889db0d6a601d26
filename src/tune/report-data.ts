// What `rlt report --tune tunes/<name>` reads: the tune's tune.json (name, method, objective metric,
// search space), every recorded trial (trials/<id>.json, through store.ts) and parameter importance
// over them; and the page written as report.html (aside, then renamed into place).
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DataError, UsageError } from "../core/errors.ts";
import { asDiskError, removeDeadStaging } from "../core/staging.ts";
import { parameterImportance } from "./importance.ts";
import { type TuneReportInput, renderTuneReport } from "./report.ts";
import { TUNE_FILES, readRecords } from "./store.ts";
import type { ObjectiveMetric, SearchSpace } from "./types.ts";

/** The importance estimate is seeded so that the same trials give the same page. */
const IMPORTANCE_SEED = 0;

const usage = (message: string) => new UsageError(message, { hint: "pass the folder rlt tune wrote: rlt report --tune tunes/<name> (it holds tune.json and trials/)" });

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new DataError(`${file} is not readable JSON: ${(err as Error).message}`, { cause: err, hint: "rlt tune wrote it when the search started; restore it from a copy" });
  }
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** tune.json's keys the page shows (store.ts's TuneHeader): `metric` under `objective` (or at its top). */
function readTuneFile(file: string): Pick<TuneReportInput, "name" | "method" | "metric" | "space"> {
  const t = readJson(file);
  if (!isRecord(t)) throw new DataError(`${file} is not a JSON object`);
  const objective = isRecord(t.objective) ? t.objective : {};
  const metric = (objective.metric ?? t.metric) as ObjectiveMetric;
  if (metric !== "sharpe" && metric !== "return") throw new DataError(`${file}: objective.metric is ${JSON.stringify(metric)}, not "sharpe" or "return"`);
  if (!isRecord(t.space)) throw new DataError(`${file}: space is missing or not an object of parameter → spec`);
  return {
    name: typeof t.name === "string" ? t.name : path.basename(path.dirname(file)),
    method: String(t.method ?? "unknown"),
    metric,
    space: t.space as SearchSpace,
  };
}

/** Everything renderTuneReport needs from a tune's folder. */
export function readTuneForReport(dir: string): TuneReportInput {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw usage(`${dir} is not a folder`);
  const tuneFile = path.join(dir, TUNE_FILES.tune);
  if (!existsSync(tuneFile)) throw usage(`${dir} has no ${TUNE_FILES.tune}: it is not a tune's folder`);
  const tune = readTuneFile(tuneFile);
  const records = readRecords(dir);
  const importance = parameterImportance(
    tune.space,
    records.map((r) => ({ params: r.params, objective: r.status === "ok" ? r.objective : null })),
    IMPORTANCE_SEED,
  );
  const bestConfig = path.join(dir, TUNE_FILES.bestConfig);
  return { ...tune, records, importance, generatedAt: new Date().toISOString(), ...(existsSync(bestConfig) ? { bestConfigFile: bestConfig } : {}) };
}

/** Writes `<dir>/report.html` (aside, then renamed: a failure leaves the previous page) and returns its path. */
export function writeTuneReport(dir: string): { html: string; trials: number } {
  const input = readTuneForReport(dir);
  const html = path.join(dir, TUNE_FILES.report);
  const tmp = `${html}.tmp-${process.pid}`;
  removeDeadStaging(html);
  try {
    writeFileSync(tmp, renderTuneReport(input));
    renameSync(tmp, html);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw asDiskError(err, `the tune report ${html}`, html);
  }
  return { html, trials: input.records.length };
}
