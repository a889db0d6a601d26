// After a search (finished or interrupted): trials.parquet, best.yaml and report.html from its records,
// and the lines the command prints.
import { shownPath } from "../rl/run-group.ts";
import type { TuneConfig } from "./config.ts";
import { writeBestConfig, writeTrialsParquet } from "./results.ts";
import { writeTuneReport } from "./report-data.ts";
import type { TuneSummary } from "./tuner.ts";
import { formatParams } from "./tuner.ts";

export interface TuneOutputs {
  parquet: string;
  bestConfig?: string;
  report: string;
  lines: string[];
}

export async function writeTuneOutputs(cfg: TuneConfig, s: TuneSummary): Promise<TuneOutputs> {
  const parquet = await writeTrialsParquet(s.dir, cfg.space, s.records);
  const bestConfig = s.best ? writeBestConfig(s.dir, cfg, s.best) : undefined;
  const { html: report } = writeTuneReport(s.dir);
  const failed = s.records.filter((r) => r.status === "failed").length;
  const lines = [
    `tune ${shownPath(s.dir)}: ${s.records.length} of ${cfg.budget.trials} trials recorded (${failed} failed; ${s.recordedNow} by this run${s.duplicates ? `, ${s.duplicates} repeated deliveries ignored` : ""}); stopped by ${s.stoppedBy}`,
    s.best
      ? `best: trial ${s.best.id}, validation ${cfg.metric} ${s.best.objective!.toFixed(4)} (median of ${s.best.units.length}), test ${s.best.testObjective?.toFixed(4) ?? "—"} — the best of ${s.records.length} trials is optimistically biased on validation: judge it on test; ${formatParams(s.best.params)}`
      : "best: none (no trial finished)",
    ...(bestConfig ? [`best config: ${shownPath(bestConfig)} (rlt train --config ${shownPath(bestConfig)} --seeds ${cfg.seeds.join(",")})`] : []),
    `trials: ${shownPath(parquet)}`,
    `report: ${shownPath(report)}`,
  ];
  return { parquet, bestConfig, report, lines };
}
