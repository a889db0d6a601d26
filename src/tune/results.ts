// What a search leaves in tunes/<name>/ besides its records: trials.parquet (one row per trial, wide:
// parameters, per-unit figures, status, time, worker), best.yaml (a ready `rlt train` config) and the
// report page. All are rebuilt from the records, so a resumed search rewrites them whole.
import { renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify as toYaml } from "yaml";
import { lit, openDuck } from "../data/duck.ts";
import { stagingDirFor } from "../core/staging.ts";
import { replaceFile } from "../rl/metrics-file.ts";
import { applyParams, type TuneConfig } from "./config.ts";
import { TUNE_CONTINUE, TUNE_FILES } from "./store.ts";
import type { SearchSpace, TrialRecord, UnitResult } from "./types.ts";

type ColumnType = "DOUBLE" | "INTEGER" | "VARCHAR" | "BOOLEAN";

/** A unit's columns are suffixed with it: `val_sharpe__BTCUSDT_seed2`, `…__BTCUSDT_fold1_seed2` with folds. */
export function unitSuffix(u: Pick<UnitResult, "symbol" | "fold" | "seed">): string {
  return `${u.symbol}${u.fold > 0 ? `_fold${u.fold}` : ""}_seed${u.seed}`;
}

const UNIT_COLUMNS: { name: string; type: ColumnType; value: (u: UnitResult) => unknown }[] = [
  { name: "val_return", type: "DOUBLE", value: (u) => u.validation.totalReturn },
  { name: "val_sharpe", type: "DOUBLE", value: (u) => u.validation.sharpe },
  { name: "val_trades", type: "INTEGER", value: (u) => u.validation.trades },
  { name: "test_return", type: "DOUBLE", value: (u) => u.test.totalReturn },
  { name: "test_sharpe", type: "DOUBLE", value: (u) => u.test.sharpe },
  { name: "test_trades", type: "INTEGER", value: (u) => u.test.trades },
  { name: "test_degenerate", type: "BOOLEAN", value: (u) => u.test.degenerate },
  { name: "test_buy_and_hold_return", type: "DOUBLE", value: (u) => u.test.baselines.buyAndHold },
  { name: "best_update", type: "INTEGER", value: (u) => u.bestUpdate },
];

/** A parameter's column is a number when every value its spec can give is one, else the value's JSON. */
function paramType(space: SearchSpace, key: string): ColumnType {
  const spec = space[key];
  if (spec && "choice" in spec) return spec.choice.every((v) => typeof v === "number") ? "DOUBLE" : "VARCHAR";
  return "DOUBLE";
}

export async function writeTrialsParquet(dir: string, space: SearchSpace, records: TrialRecord[]): Promise<string> {
  const columns: Record<string, ColumnType> = { trial_id: "INTEGER", status: "VARCHAR", objective: "DOUBLE", test_objective: "DOUBLE" };
  for (const key of Object.keys(space)) columns[`param.${key}`] = paramType(space, key);
  const suffixes = [...new Set(records.flatMap((r) => r.units.map(unitSuffix)))];
  for (const s of suffixes) for (const c of UNIT_COLUMNS) columns[`${c.name}__${s}`] = c.type;
  Object.assign(columns, { wall_seconds: "DOUBLE", worker: "VARCHAR", attempts: "INTEGER", started_at: "VARCHAR", finished_at: "VARCHAR", error: "VARCHAR" });
  const rows = records.map((r) => {
    const row: Record<string, unknown> = { trial_id: r.id, status: r.status, objective: r.objective, test_objective: r.testObjective };
    for (const key of Object.keys(space)) row[`param.${key}`] = columns[`param.${key}`] === "DOUBLE" ? (r.params[key] ?? null) : JSON.stringify(r.params[key] ?? null);
    for (const u of r.units) for (const c of UNIT_COLUMNS) row[`${c.name}__${unitSuffix(u)}`] = c.value(u);
    Object.assign(row, { wall_seconds: r.wallSeconds, worker: r.worker, attempts: r.attempts, started_at: r.startedAt, finished_at: r.finishedAt, error: r.error ?? null });
    // JSON has no NaN: a non-finite figure is a null cell
    return JSON.stringify(row, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
  });
  const file = path.join(dir, TUNE_FILES.parquet);
  const jsonl = stagingDirFor(path.join(dir, "trials.jsonl"));
  const tmp = stagingDirFor(file);
  const { instance, conn } = await openDuck();
  try {
    writeFileSync(jsonl, rows.length ? `${rows.join("\n")}\n` : "");
    const spec = `{${Object.entries(columns).map(([k, t]) => `${lit(k)}: '${t}'`).join(", ")}}`;
    const select = rows.length ? `SELECT * FROM read_json(${lit(jsonl)}, format = 'newline_delimited', columns = ${spec})` : `SELECT ${Object.entries(columns).map(([k, t]) => `CAST(NULL AS ${t}) AS "${k}"`).join(", ")} LIMIT 0`;
    await conn.run(`COPY (SELECT * FROM (${select}) ORDER BY trial_id) TO ${lit(tmp)} (FORMAT parquet)`);
    renameSync(tmp, file);
  } finally {
    rmSync(jsonl, { force: true });
    rmSync(tmp, { force: true });
    conn.closeSync();
    instance.closeSync();
  }
  return file;
}

/** The best trial's training config, ready for `rlt train --config` from the same folder the search ran in. */
export function writeBestConfig(dir: string, cfg: TuneConfig, best: TrialRecord): string {
  const file = path.join(dir, TUNE_FILES.bestConfig);
  const train = { ...applyParams(cfg.trainRaw, best.params), name: `${cfg.name}-best`, seed: cfg.seeds[0] };
  const header = [
    `# rlt tune ${cfg.name}: trial ${best.id} of ${cfg.budget.trials}, validation ${cfg.metric} ${best.objective?.toFixed(4)} (median of ${best.units.length} units), test ${best.testObjective?.toFixed(4) ?? "—"}`,
    "# the best of many trials on validation is optimistically biased there: judge it on test (tunes/<name>/report.html)",
    `# train it: rlt train --config ${file} --seeds ${cfg.seeds.join(",")}`,
    `# searched: ${Object.keys(cfg.space).join(", ")}`,
  ];
  // yaml leaves out keys whose value is undefined (a base config without dataDir)
  replaceFile(file, `${header.join("\n")}\n${toYaml(train)}`, "the best trial's config", TUNE_CONTINUE);
  return file;
}
