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
    await store.db.run("SELECT setseed(0.42)");
    // a seeded random walk generated inside DuckDB, one bar per minute for 90 days and a day of margin
    await store.upsert(
      "klines",
      "BTCUSDT",
      `WITH steps AS MATERIALIZED (SELECT i, random() - 0.5 AS step, random() AS wick FROM range(${(DAYS + 1) * 1440}) t(i)),
            walk AS (SELECT i, wick, 40000 + 20 * sum(step) OVER (ORDER BY i) AS open, 40000 + 20 * sum(step) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING) AS close FROM steps)
       SELECT ${START_MS} + i * 60000 AS open_time, open, greatest(open, close) + 5 * wick AS high, least(open, close) - 5 * wick AS low, close,
              10 + 5 * wick AS volume, ${START_MS} + i * 60000 + 59999 AS close_time, close * (10 + 5 * wick) AS quote_volume, 100 AS trades,
              5 * wick AS taker_buy_volume, close * 5 * wick AS taker_buy_quote_volume
       FROM walk`,
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
