// Feature speed: the bar-level engine over history, and per-bar aggregation of aggTrades inside DuckDB.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDuck } from "../src/data/duck.ts";
import { BAR_INPUT_FIELDS, type BarColumns } from "../src/features/bar-input.ts";
import { computeFeatures } from "../src/features/batch.ts";
import { tradeAggregationSql } from "../src/features/sources.ts";
import type { BenchResult } from "./index.ts";

const BARS = 1_000_000;
const TRADES = 20_000_000;

export async function run(): Promise<BenchResult[]> {
  // bars: a random walk with every source present, so every feature is computed
  const cols = Object.fromEntries(BAR_INPUT_FIELDS.map((f) => [f, new Float64Array(BARS)])) as unknown as BarColumns;
  let p = 30_000;
  for (let i = 0; i < BARS; i++) {
    p *= 1 + (Math.sin(i * 12.9898) * 43758.5453 % 1) * 1e-3;
    cols.openTime[i] = i * 60_000;
    cols.open[i] = p;
    cols.high[i] = p * 1.001;
    cols.low[i] = p * 0.999;
    cols.close[i] = p * 1.0002;
    cols.volume[i] = 10 + (i % 17);
    for (const f of BAR_INPUT_FIELDS.slice(6)) cols[f][i] = 1 + (i % 7);
  }
  computeFeatures(cols); // warm up the JIT
  const t0 = performance.now();
  computeFeatures(cols);
  const barSeconds = (performance.now() - t0) / 1000;

  const dir = mkdtempSync(path.join(os.tmpdir(), "rlt-bench-features-"));
  const { instance, conn } = await openDuck();
  try {
    const file = path.join(dir, "aggtrades.parquet");
    await conn.run(`COPY (SELECT i AS agg_trade_id, 30000 + (hash(i) % 10000) / 10.0 AS price, (hash(i * 7) % 5000) / 1000.0 AS quantity,
                          2 * i AS first_trade_id, 2 * i + (i % 3) AS last_trade_id, 1700000000000 + i * 43 AS transact_time, hash(i) % 2 = 0 AS is_buyer_maker
                   FROM range(${TRADES}) t(i)) TO '${file}' (FORMAT parquet)`);
    const rel = `SELECT transact_time AS t, price, quantity, last_trade_id - first_trade_id + 1 AS fills, is_buyer_maker FROM read_parquet('${file}')`;
    await conn.run(`SELECT count(*) FROM (${tradeAggregationSql(rel, 0, 9e15)})`); // warm the file cache
    const t1 = performance.now();
    await conn.run(`CREATE TEMP TABLE bars AS ${tradeAggregationSql(rel, 0, 9e15)}`);
    const aggSeconds = (performance.now() - t1) / 1000;
    return [
      { name: "features: bar-level engine (30 features, all sources)", value: BARS / barSeconds, unit: "bars/s", target: 500_000, detail: `${BARS.toLocaleString("en-US")} bars in ${barSeconds.toFixed(2)} s` },
      { name: "features: aggTrades → per-bar aggregates in DuckDB", value: TRADES / aggSeconds, unit: "trades/s", target: 5_000_000, detail: `${(TRADES / 1e6).toFixed(0)} M trades from Parquet in ${aggSeconds.toFixed(2)} s` },
    ];
  } finally {
    conn.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}
