// What training, evaluation and live share about the data: the feature artifact (normalized inputs),
// the market columns the simulator fills against (raw prices, book spread), funding, and the time
// split into train / validation / test with gaps between them (§7.2).
import { DataError } from "../core/errors.ts";
import { DAY_MS } from "../core/time.ts";
import { openDuck, queryFloat64Columns } from "../data/duck.ts";
import { Store } from "../data/store.ts";
import { type ArtifactExpectation, type FeatureManifest, loadFeatureArtifact } from "../features/artifact.ts";
import { FEATURE_COUNT, FEATURE_NAMES } from "../features/definitions.ts";
import type { FundingSchedule, MarketColumns } from "../sim/simulator.ts";
import type { EnvData } from "./env.ts";

export interface Range {
  from: number;
  /** Exclusive. */
  to: number;
}

export interface Splits {
  train: Range;
  validation: Range;
  test: Range;
}

export interface TrainingData extends EnvData {
  manifest: FeatureManifest;
  openTime: Float64Array;
  /** Row-major n × 30 raw (unnormalized) features, for refitting normalization (walk-forward). */
  raw?: Float64Array;
}

/** The artifact (refused unless it meets `expect`) and the funding it needs, read through a DuckDB of its own. */
export async function loadTrainingData(featuresDir: string, dataDir?: string, expect: ArtifactExpectation = {}): Promise<TrainingData> {
  const { instance, conn } = await openDuck();
  let loaded;
  try {
    loaded = await loadFeatureArtifact(conn, featuresDir, expect);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  const { manifest, cols } = loaded;
  const n = cols.openTime.length;
  const k = manifest.features.length;
  const rawCol = (name: string) => {
    const j = manifest.features.findIndex((f) => f.name === name);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = cols.raw[i * k + j];
    return out;
  };
  // OHLC come from the artifact's raw columns: the simulator fills at exactly the prices the features saw
  const market: MarketColumns = { openTime: cols.openTime, open: rawCol("open"), high: rawCol("high"), low: rawCol("low"), close: rawCol("close"), spreadBps: rawCol("spread_bps") };
  let funding: FundingSchedule | undefined;
  if (dataDir) {
    const store = await Store.open(dataDir);
    try {
      funding = await storeFunding(store, manifest.symbol);
    } finally {
      store.close();
    }
  }
  if (k !== FEATURE_COUNT) throw new DataError(`${featuresDir} holds ${k} features; the environment needs ${FEATURE_COUNT} (${FEATURE_NAMES.length} named in docs/features.md)`);
  return { manifest, openTime: cols.openTime, features: cols.normalized, raw: cols.raw, market, funding, symbol: manifest.symbol };
}

/** The store's funding settlements of `symbol` (within [fromMs, toMs) when given) as the simulator's schedule; undefined when it has none. */
export async function storeFunding(store: Store, symbol: string, range?: { fromMs: number; toMs: number }): Promise<FundingSchedule | undefined> {
  const rel = store.scan("funding", symbol);
  if (!rel) return undefined;
  const where = range ? ` WHERE funding_time >= ${range.fromMs} AND funding_time < ${range.toMs}` : "";
  const f = await queryFloat64Columns(store.db, `SELECT funding_time, funding_rate, mark_price FROM ${rel}${where} ORDER BY funding_time`);
  return { timeMs: f.funding_time, rate: f.funding_rate, markPrice: f.mark_price };
}

/** Train / validation / test by time, with `gapBars` left out between them. */
export function splitByTime(n: number, train: number, validation: number, gapBars: number): Splits {
  const trainEnd = Math.floor(n * train);
  const valStart = trainEnd + gapBars;
  const valEnd = valStart + Math.floor(n * validation);
  const testStart = valEnd + gapBars;
  if (testStart >= n - 1) throw new DataError(`${n} bars are too few for train ${train} / validation ${validation} with ${gapBars}-bar gaps`, { hint: "use more data, or smaller gaps (training.split.gapBars)" });
  return { train: { from: 0, to: trainEnd }, validation: { from: valStart, to: valEnd }, test: { from: testStart, to: n } };
}

/** Bars where a training episode of `episodeBars` may start: the first bar of each UTC day that fits. */
export function episodeStarts(openTime: Float64Array, range: Range, episodeBars: number): number[] {
  const starts: number[] = [];
  for (let i = range.from; i + episodeBars < range.to; i++) {
    if (openTime[i] % DAY_MS === 0 || i === range.from) starts.push(i);
  }
  // short ranges (tests, small samples): every bar that leaves a whole episode
  if (starts.length === 0) for (let i = range.from; i + episodeBars < range.to; i += Math.max(1, Math.floor(episodeBars / 4))) starts.push(i);
  return starts;
}
