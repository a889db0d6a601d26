// `rlt check repro`: train the same config twice with the same seed, in fresh run directories, and
// compare what a result rests on: the final weights (weights.sha256) and every logged metric. Only
// charts/sps is left out — it is a wall-clock reading. A difference means a result cannot be rebuilt
// from its config and seed on this machine (unseeded randomness, iteration-order or threading effects).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Reporter, createReporter } from "../core/log.ts";
import { type TrainConfig, parseTrainConfig } from "../rl/config.ts";
import type { TrainingData } from "../rl/data.ts";
import { type TrainResult, train, trainOn } from "../rl/trainer.ts";
import { RUN_FILES } from "../rl/run-files.ts";

/** Metric columns that measure the machine, not the training. */
export const WALL_CLOCK_COLUMNS = ["charts/sps"];

export interface MetricDiff {
  column: string;
  /** The update (metrics.csv row's `update`) where the column first differs. */
  update: number;
  a: string;
  b: string;
}

export interface ReproOptions {
  /** Updates per run (overrides training.maxUpdates; default 2). */
  updates?: number;
  /** Overrides the config's seed. */
  seed?: number;
  /** Train on this data instead of loading the config's feature artifact (tests: syntheticMarket). */
  data?: TrainingData;
  /** Keep the two run directories even when they agree (they are always kept when they differ). */
  keep?: boolean;
  reporter?: Reporter;
}

export interface ReproResult {
  reproducible: boolean;
  seed: number;
  updates: number;
  backend: string;
  hashes: [string, string];
  weightsMatch: boolean;
  /** Rows compared and columns compared (excluding wall-clock ones). */
  rows: number;
  columns: number;
  metricDiffs: MetricDiff[];
  /** Run directories, when kept. */
  runDirs?: [string, string];
  seconds: number;
}

export async function checkRepro(config: TrainConfig, opts: ReproOptions = {}): Promise<ReproResult> {
  const started = Date.now();
  const updates = opts.updates ?? 2;
  const seed = opts.seed ?? config.seed;
  const cfg = parseTrainConfig({ ...config, seed, training: { ...config.training, maxUpdates: updates } }, "rlt check repro");
  const reporter = opts.reporter ?? createReporter({ quiet: true });
  const root = mkdtempSync(path.join(os.tmpdir(), "rlt-repro-"));
  const dirs: [string, string] = [path.join(root, "a"), path.join(root, "b")];
  const results: TrainResult[] = [];
  for (const [i, runDir] of dirs.entries()) {
    reporter.info(`repro: training run ${i + 1} of 2 (seed ${seed}, ${updates} updates)`);
    // without injected data each run loads the artifact itself, as `rlt train` does
    const trainOpts = { runDir, resume: false, reporter };
    results.push(opts.data ? await trainOn(cfg, opts.data, trainOpts) : await train(cfg, trainOpts));
  }
  const hash = (dir: string) => readFileSync(path.join(dir, RUN_FILES.weightsHash), "utf8").trim();
  const hashes: [string, string] = [hash(dirs[0]), hash(dirs[1])];
  const cmp = compareMetrics(readFileSync(path.join(dirs[0], RUN_FILES.metrics), "utf8"), readFileSync(path.join(dirs[1], RUN_FILES.metrics), "utf8"));
  const weightsMatch = hashes[0] === hashes[1];
  const reproducible = weightsMatch && cmp.diffs.length === 0;
  const keep = opts.keep || !reproducible;
  if (!keep) rmSync(root, { recursive: true, force: true });
  return {
    reproducible,
    seed,
    updates,
    backend: results[0].backend,
    hashes,
    weightsMatch,
    rows: cmp.rows,
    columns: cmp.columns,
    metricDiffs: cmp.diffs,
    ...(keep ? { runDirs: dirs } : {}),
    seconds: (Date.now() - started) / 1000,
  };
}

/** Two metrics.csv texts, cell by cell by column name; wall-clock columns are skipped. One diff per column, its first. */
export function compareMetrics(a: string, b: string): { rows: number; columns: number; diffs: MetricDiff[] } {
  const parse = (text: string) => {
    const [header, ...rows] = text.trim().split("\n").map((l) => l.split(","));
    return { header, rows };
  };
  const A = parse(a);
  const B = parse(b);
  const columns = [...new Set([...A.header, ...B.header])].filter((c) => !WALL_CLOCK_COLUMNS.includes(c));
  const diffs: MetricDiff[] = [];
  const rows = Math.max(A.rows.length, B.rows.length);
  for (const column of columns) {
    const ia = A.header.indexOf(column);
    const ib = B.header.indexOf(column);
    for (let r = 0; r < rows; r++) {
      // a missing column or row reads as "(absent)", so a run that logged less also differs
      const va = ia < 0 || !A.rows[r] ? "(absent)" : A.rows[r][ia];
      const vb = ib < 0 || !B.rows[r] ? "(absent)" : B.rows[r][ib];
      if (va !== vb) {
        const update = Number((A.rows[r] ?? B.rows[r])[A.header.indexOf("update")] ?? r + 1);
        diffs.push({ column, update: Number.isFinite(update) ? update : r + 1, a: va, b: vb });
        break;
      }
    }
  }
  return { rows, columns: columns.length, diffs };
}

export function formatRepro(r: ReproResult): string {
  const lines = [
    `run 1 weights sha256 ${r.hashes[0]}`,
    `run 2 weights sha256 ${r.hashes[1]}${r.weightsMatch ? " (same)" : " (DIFFERENT)"}`,
    `metrics.csv: ${r.rows} update(s) × ${r.columns} column(s) compared (${WALL_CLOCK_COLUMNS.join(", ")} left out: wall-clock)`,
  ];
  for (const d of r.metricDiffs) lines.push(`  ${d.column} differs from update ${d.update}: ${d.a} vs ${d.b}`);
  if (r.runDirs) lines.push(`runs kept in ${r.runDirs.join(" and ")}`);
  lines.push(
    r.reproducible
      ? `reproducible: seed ${r.seed}, ${r.updates} update(s) on the ${r.backend} backend, twice, gave the same weights and metrics (${r.seconds.toFixed(1)} s)`
      : `not reproducible: ${[r.weightsMatch ? "" : "the weights", r.metricDiffs.length ? `${r.metricDiffs.length} metric column(s)` : ""].filter(Boolean).join(" and ")} differ between two runs with seed ${r.seed}`,
  );
  return `${lines.join("\n")}\n`;
}
