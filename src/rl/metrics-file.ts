// metrics.csv: one row per update, appended only after the checkpoint of that update is in place, so a
// row never refers to state that was lost. On --resume the file is brought back in line with the
// checkpoint (a torn last line dropped, rows past it dropped, its own row appended when the run stopped
// between the two), so every update appears exactly once.
import { appendFileSync, existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, renameSync } from "node:fs";
import { DataError, RltError } from "../core/errors.ts";
import { isDiskFull, removeDeadStaging, stagingDirFor } from "../core/staging.ts";
import { REWARD_COMPONENTS } from "./reward.ts";


export const METRICS = [
  "update", "global_step", "charts/learning_rate", "charts/episodic_return", "charts/episodic_equity", "charts/sps",
  "losses/policy_loss", "losses/value_loss", "losses/entropy", "losses/approx_kl", "losses/clipfrac", "losses/explained_variance", "losses/epochs",
  ...REWARD_COMPONENTS.map((c) => `reward/${c}`), "val/total_return", "val/sharpe",
  // episodes are a day long, so most updates finish none: the mean reward per step shows progress meanwhile
  "charts/step_reward",
];

const HEADER = METRICS.join(",");

/** One CSV line; a metric not measured this update (no finished episode, no evaluation) is empty. */
export function metricsLine(row: Record<string, number>): string {
  return `${METRICS.map((m) => (row[m] === undefined || Number.isNaN(row[m]) ? "" : String(row[m]))).join(",")}\n`;
}

/** A new run's metrics file: the header only (a start that died before its first checkpoint left no rows that count). */
export function startMetrics(file: string): void {
  replaceFile(file, `${HEADER}\n`, "the metrics header");
}

/** Append one row; a failure (a full disk) cuts the file back to where it was. */
export function appendMetricsRow(file: string, row: Record<string, number>): void {
  const before = statSync(file).size;
  try {
    appendFileSync(file, metricsLine(row));
  } catch (err) {
    try {
      truncateSync(file, before);
    } catch {
      // a torn last line is dropped by the next --resume anyway
    }
    throw diskError(err, `the metrics row of update ${row.update}`, file, TRAIN_CONTINUE);
  }
}

/**
 * Make metrics.csv agree with a checkpoint of update `update` whose own row is `row`: returns what
 * was changed, in words, for the user (empty when nothing was).
 */
export function repairMetrics(file: string, update: number, row: Record<string, number>): string[] {
  const notes: string[] = [];
  let lines: string[];
  if (!existsSync(file)) {
    notes.push(`${file} was missing: it now starts at update ${update}`);
    lines = [HEADER];
  } else {
    const text = readFileSync(file, "utf8");
    lines = text.split("\n");
    const last = lines.pop()!;
    if (last !== "") notes.push(`dropped a torn last line (${JSON.stringify(last.slice(0, 40))}) written when the run stopped`);
    if (lines[0] !== HEADER) {
      throw new DataError(`${file} does not have the columns this rlt writes (its header: ${JSON.stringify((lines[0] ?? "").slice(0, 80))})`, { hint: "it was written by another rlt or edited: resume with the rlt that trained the run, or train a new one" });
    }
  }
  const rows = lines.slice(1);
  const kept = rows.filter((l) => Number(l.split(",")[0]) <= update);
  if (kept.length < rows.length) notes.push(`dropped ${rows.length - kept.length} row(s) after update ${update}, the checkpoint's`);
  const lastUpdate = kept.length ? Number(kept[kept.length - 1].split(",")[0]) : 0;
  if (lastUpdate < update) {
    if (lastUpdate < update - 1) notes.push(`rows of updates ${lastUpdate + 1}–${update - 1} are missing and cannot be rebuilt`);
    kept.push(metricsLine(row).trimEnd());
    notes.push(`appended update ${update}'s row from the checkpoint (the run stopped between the two)`);
  }
  if (notes.length) replaceFile(file, `${[HEADER, ...kept].join("\n")}\n`, "the repaired metrics");
  return notes;
}

/** How a training run continues after a full disk stopped it writing. */
const TRAIN_CONTINUE = "continue with rlt train --resume";

/**
 * A small file replaced whole: written beside it, then renamed over it (a crash leaves the old one or
 * the new one). On a full disk the error's hint ends with `then`: how the writer's command continues.
 */
export function replaceFile(file: string, text: string, what: string, then = TRAIN_CONTINUE): void {
  removeDeadStaging(file);
  const tmp = stagingDirFor(file);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw diskError(err, what, file, then);
  }
}

function diskError(err: unknown, what: string, file: string, then: string): unknown {
  if (!isDiskFull(err)) return err;
  return new RltError(`no space left on the device while writing ${what} to ${file}; the file was left as it was`, { cause: err, hint: `free space on that filesystem, then ${then}` });
}
