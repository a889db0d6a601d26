// 90 days of 1-minute klines fetched from the local exchange: request count (the minimum is
// ceil(90 × 1440 / 1500) = 87) and the weight used per minute against Binance's limit.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../src/core/config.ts";
import { createReporter } from "../src/core/log.ts";
import { Store } from "../src/data/store.ts";
import { startExchange } from "../src/exchange/server.ts";
import { runFetch } from "../src/fetch/run.ts";
import type { BenchResult } from "./index.ts";

const DAYS = 90;
const START_MS = Date.UTC(2024, 0, 1);

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rlt-bench-fetch-"));
  try {
    const exchangeData = path.join(dir, "exchange");
    const store = await Store.open(exchangeData);
    // a random walk generated inside DuckDB, one bar per minute for 90 days and a day of margin
    await store.upsert(
      "klines",
      "BTCUSDT",
      `SELECT ${START_MS} + i * 60000 AS open_time, p AS open, p + 3 AS high, p - 3 AS low, p + 1 AS close, 12.5 AS volume,
              ${START_MS} + i * 60000 + 59999 AS close_time, 1e5 AS quote_volume, 100 AS trades, 6.2 AS taker_buy_volume, 5e4 AS taker_buy_quote_volume
       FROM (SELECT i, 40000 + 2000 * sin(i / 3000.0) AS p FROM range(${(DAYS + 1) * 1440}) t(i))`,
    );
    store.close();
    const ex = await startExchange({ dataDir: exchangeData, freezeClock: true });
    try {
      const cfg = loadConfig({ exchange: "local", restUrl: ex.restUrl, visionUrl: ex.restUrl, dataDir: path.join(dir, "data") }, {}, dir);
      const t0 = performance.now();
      const res = await runFetch(cfg, { symbols: ["BTCUSDT"], kinds: ["klines"], days: DAYS }, createReporter({ quiet: true }));
      const seconds = (performance.now() - t0) / 1000;
      const klines = res.results[0];
      const stats = ex.stats();
      return [
        { name: "fetch: requests for 90 days of 1m klines", value: stats.byPath["/fapi/v1/klines"] ?? 0, unit: "requests", target: Math.ceil((DAYS * 1440) / 1500), higherIsBetter: false, detail: `${klines.rowsStored} bars in ${seconds.toFixed(1)} s` },
        { name: "fetch: max REQUEST_WEIGHT used in a minute", value: stats.maxWeightInMinute, unit: "weight", target: 2400, higherIsBetter: false, detail: `${stats.rejected429} × 429` },
        { name: "fetch: 90 days of klines, throughput", value: klines.rowsStored / seconds, unit: "bars/s" },
      ];
    } finally {
      await ex.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
