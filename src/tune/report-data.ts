// What `rlt report --tune tunes/<name>` reads: the tune's tune.json (name, method, objective metric,
// search space), every recorded trial (trials/<id>.json, through store.ts) and parameter importance
// over them; and the page written as report.html (aside, then renamed into place).
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { DataError, UsageError } from "../core/errors.ts";
import { replaceFile } from "../rl/metrics-file.ts";
import { parameterImportance } from "./importance.ts";
import { type TuneReportInput, renderTuneReport } from "./report.ts";
import { TUNE_FILES, type TuneHeader, readRecords, readTuneHeader } from "./store.ts";
import type { SearchSpace } from "./types.ts";

/** The importance estimate is seeded so that the same trials give the same page. */
const IMPORTANCE_SEED = 0;

const usage = (message: string) => new UsageError(message, { hint: "pass the folder rlt tune wrote: rlt report --tune tunes/<name> (it holds tune.json and trials/)" });

/** tune.json's keys the page shows, checked: a hand-edited or damaged header is named, not rendered half. */
function readTuneFile(dir: string): Pick<TuneReportInput, "name" | "method" | "metric" | "space"> {
  const t = readTuneHeader(dir) as Partial<TuneHeader> | null;
  const file = path.join(dir, TUNE_FILES.tune);
  if (typeof t !== "object" || t === null || Array.isArray(t)) throw new DataError(`${file} is not a JSON object`);
  const metric = t.objective?.metric;
  if (metric !== "sharpe" && metric !== "return") throw new DataError(`${file}: objective.metric is ${JSON.stringify(metric)}, not "sharpe" or "return"`);
  if (typeof t.space !== "object" || t.space === null || Array.isArray(t.space)) throw new DataError(`${file}: space is missing or not an object of parameter → spec`);
  return {
    name: typeof t.name === "string" ? t.name : path.basename(dir),
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
  const tune = readTuneFile(dir);
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
  replaceFile(html, renderTuneReport(input), "the tune report", "run the command again");
  return { html, trials: input.records.length };
}
