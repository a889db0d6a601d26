// Import of 1 M one-minute kline rows from a vision-layout CSV into the Parquet store.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDuck } from "../src/data/duck.ts";
import { importFile } from "../src/data/import/index.ts";
import { Store } from "../src/data/store.ts";
import type { BenchResult } from "./index.ts";

const ROWS = 1_000_000;

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rlt-bench-import-"));
  try {
    const csv = path.join(dir, "BTCUSDT-1m-2020-01.csv");
    const { instance, conn } = await openDuck();
    // a random walk in the 12-column vision layout, written by DuckDB (generation is not what we measure)
    await conn.run(`COPY (
      SELECT 1577836800000 + i * 60000 AS open_time, p AS open, p + 5 AS high, p - 5 AS low, p + 1 AS close, 10.5 AS volume,
             1577836800000 + i * 60000 + 59999 AS close_time, 1000.25 AS quote_volume, 42 AS count, 5.25 AS taker_buy_volume,
             500.5 AS taker_buy_quote_volume, 0 AS ignore
      FROM (SELECT i, round(30000 + 1000 * sin(i / 5000.0) + (hash(i) % 1000) / 100.0, 1) AS p FROM range(${ROWS}) t(i))
    ) TO '${csv}' (HEADER, DELIMITER ',')`);
    conn.closeSync();
    instance.closeSync();
    const store = await Store.open(path.join(dir, "data"));
    const t0 = performance.now();
    const res = await importFile(store, { file: csv, kind: "klines", symbol: "BTCUSDT" });
    const seconds = (performance.now() - t0) / 1000;
    store.close();
    if (res.rows !== ROWS) throw new Error(`imported ${res.rows} rows, expected ${ROWS}`);
    return [{ name: "import: 1M kline rows CSV → Parquet (incl. validation)", value: ROWS / seconds, unit: "rows/s", target: 1_000_000, detail: `${seconds.toFixed(2)} s, ${res.days.length} day files` }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
