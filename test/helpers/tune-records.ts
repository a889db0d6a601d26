// Hand-built tune trial records for the tune report's tests: no training, every figure chosen so that
// the page's medians, best trial and verdicts are known in advance; and the readers of what rlt tune wrote.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openDuck } from "../../src/data/duck.ts";
import type { SearchSpace, TrialRecord, UnitResult } from "../../src/tune/types.ts";

export const TUNE_SPACE: SearchSpace = {
  "ppo.learningRate": { log: [1e-5, 1e-3] },
  "reward.w2": { range: [0, 1] },
  "ppo.hidden": { choice: [[32, 32], [64, 64]] },
};

export interface UnitFigures {
  symbol?: string;
  fold?: number;
  seed?: number;
  valReturn?: number;
  valSharpe?: number;
  testReturn?: number;
  testSharpe?: number;
  buyAndHold?: number;
  degenerate?: boolean;
}

export function unit(f: UnitFigures = {}): UnitResult {
  const range = { fromMs: Date.UTC(2023, 7, 1), toMs: Date.UTC(2023, 7, 3), trades: 12 };
  return {
    symbol: f.symbol ?? "BTCUSDT",
    fold: f.fold ?? 0,
    seed: f.seed ?? 1,
    updates: 10,
    bestUpdate: 7,
    validation: { ...range, totalReturn: f.valReturn ?? 0.01, sharpe: f.valSharpe ?? 1, degenerate: false },
    test: {
      ...range,
      totalReturn: f.testReturn ?? 0.005,
      sharpe: f.testSharpe ?? 0.5,
      degenerate: f.degenerate ?? false,
      baselines: { buyAndHold: f.buyAndHold ?? 0.02, flat: 0, momentum: -0.01, randomMedian: -0.004 },
    },
  };
}

/** An ok trial whose objective and test objective are given (the units' figures are the caller's). */
export function okTrial(id: number, objective: number, over: Partial<TrialRecord> = {}): TrialRecord {
  return {
    id,
    params: { "ppo.learningRate": 1e-4 * id, "reward.w2": 0.1 * id, "ppo.hidden": [64, 64] },
    status: "ok",
    objective,
    testObjective: objective / 2,
    units: [unit({ seed: 1, valSharpe: objective }), unit({ seed: 2, valSharpe: objective })],
    wallSeconds: 12.5 + id,
    worker: "local",
    attempts: 1,
    startedAt: "2024-01-01T00:00:00.000Z",
    finishedAt: "2024-01-01T00:00:12.000Z",
    ...over,
  };
}

export function failedTrial(id: number, error: string, over: Partial<TrialRecord> = {}): TrialRecord {
  return {
    ...okTrial(id, 0),
    status: "failed",
    objective: null,
    testObjective: null,
    units: [],
    error,
    worker: "host-b:4242",
    attempts: 2,
    ...over,
  };
}

/** A tune's folder as rlt tune writes it: tune.json and trials/<id>.json. */
export function writeTuneFolder(dir: string, records: TrialRecord[], tune: Record<string, unknown> = {}): string {
  mkdirSync(path.join(dir, "trials"), { recursive: true });
  writeFileSync(
    path.join(dir, "tune.json"),
    JSON.stringify({ name: "tpe-demo", method: "tpe", objective: { metric: "sharpe" }, space: TUNE_SPACE, ...tune }, null, 2),
  );
  for (const r of records) writeFileSync(path.join(dir, "trials", `${r.id}.json`), JSON.stringify(r, null, 2));
  return dir;
}

/** trials/<id>.json of a tune's folder. */
export function readTrialRecord(dir: string, id: number): TrialRecord {
  return JSON.parse(readFileSync(path.join(dir, "trials", `${id}.json`), "utf8")) as TrialRecord;
}

/** Every row of a tune's trials.parquet, by trial id, as JS values (integer columns as numbers). */
export async function trialsParquetRows(dir: string): Promise<Record<string, unknown>[]> {
  const { instance, conn } = await openDuck();
  try {
    return (await conn.runAndReadAll(`SELECT * FROM read_parquet('${path.join(dir, "trials.parquet")}') ORDER BY trial_id`)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
