// Bulk history over the local exchange. aggTrades: a monthly file, daily files and REST for the server's
// today, and a fetch stopped half-way through the REST part continues by trade id instead of starting
// over. bookDepth and metrics: daily files where published, the other days reported as unavailable.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/core/config.ts";
import { createReporter } from "../src/core/log.ts";
import { queryRows } from "../src/data/duck.ts";
import { Store } from "../src/data/store.ts";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { runFetch } from "../src/fetch/run.ts";
import { SAMPLE_LAST_MS, sampleDataDir, tempDir } from "./helpers/sample-store.ts";

const quiet = createReporter({ quiet: true });
const FROM_MS = Date.UTC(2023, 6, 1);
const TODAY_MS = Date.UTC(2023, 7, 17);
/** The exchange's clock: the sample's last bar has closed. */
const NOW_MS = SAMPLE_LAST_MS + 60_000;

let ex: RunningExchange;
let source: string;
beforeAll(async () => {
  source = await sampleDataDir();
  const store = await Store.open(source);
  // one trade a minute on past days (the bulk files), one every 2 s today (over REST: full pages of 1000)
  await store.upsert(
    "aggtrades",
    "BTCUSDT",
    `WITH t AS (
       SELECT ${FROM_MS} + i * 60000 AS ts FROM range(0, ${(TODAY_MS - FROM_MS) / 60_000}) r(i)
       UNION ALL SELECT ${TODAY_MS} + i * 2000 FROM range(0, ${Math.floor((NOW_MS - TODAY_MS) / 2000)}) r(i)
     )
     SELECT row_number() OVER (ORDER BY ts) + 1000000 AS agg_trade_id, 29000 + (ts // 60000) % 97 AS price, 0.001 * (1 + (ts // 1000) % 7) AS quantity,
            10 * row_number() OVER (ORDER BY ts) AS first_trade_id, 10 * row_number() OVER (ORDER BY ts) + 9 AS last_trade_id,
            ts AS transact_time, (ts // 1000) % 2 = 0 AS is_buyer_maker FROM t`,
  );
  // order-book depth every 5 minutes for two days, metrics for one: the days before are not published
  await store.upsert(
    "bookdepth",
    "BTCUSDT",
    `SELECT ${Date.UTC(2023, 7, 15)} + m * 300000 AS "timestamp", p::DOUBLE AS percentage, 100 + m + abs(p) AS depth, (100 + m + abs(p)) * 29000 AS notional
     FROM range(0, 576) a(m), (VALUES (-5), (-1), (1), (5)) b(p)`,
  );
  await store.upsert(
    "metrics",
    "BTCUSDT",
    `SELECT ${Date.UTC(2023, 7, 16)} + m * 300000 AS create_time, 80000 + m AS sum_open_interest, (80000 + m) * 29000 AS sum_open_interest_value,
            1.5 AS count_toptrader_long_short_ratio, 1.2 AS sum_toptrader_long_short_ratio, 1.8 AS count_long_short_ratio, 0.9 + m / 1000 AS sum_taker_long_short_vol_ratio
     FROM range(0, 288) a(m)`,
  );
  store.close();
  ex = await startExchange({ dataDir: source, nowMs: NOW_MS, freezeClock: true });
});
afterAll(() => ex.close());

function config(dataDir = tempDir()) {
  return loadConfig({ exchange: "local", restUrl: ex.restUrl, visionUrl: ex.restUrl, dataDir }, {}, tempDir());
}

async function trades(dataDir: string) {
  const store = await Store.open(dataDir);
  try {
    return await queryRows(store.db, `SELECT * FROM ${store.scan("aggtrades", "BTCUSDT")} WHERE transact_time >= ${FROM_MS} ORDER BY agg_trade_id`);
  } finally {
    store.close();
  }
}

async function rows(dataDir: string, kind: "bookdepth" | "metrics") {
  const store = await Store.open(dataDir);
  try {
    const order = kind === "bookdepth" ? `"timestamp", percentage` : "create_time";
    return await queryRows(store.db, `SELECT * EXCLUDE (symbol) FROM ${store.scan(kind, "BTCUSDT")} ORDER BY ${order}`);
  } finally {
    store.close();
  }
}

const count = (path: string) => ex.stats().byPath[path] ?? 0;
const restPath = "/fapi/v1/aggTrades";

describe("fetch bulk history", () => {
  it("takes whole months and days from checksummed bulk files and the server's today over REST", async () => {
    const cfg = config();
    const before = { rest: count(restPath), monthly: count("/data/futures/um/monthly/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2023-07.zip") };
    const res = await runFetch(cfg, { symbols: ["BTCUSDT"], kinds: ["aggtrades"], fromMs: FROM_MS }, quiet);
    const agg = res.results[0];
    expect(agg.rejected).toEqual([]);
    expect(count("/data/futures/um/monthly/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2023-07.zip") - before.monthly).toBe(1);
    // 1 monthly + 16 daily zips with their checksums, then today's 20,160 trades in pages of 1000
    const restRequests = count(restPath) - before.rest;
    expect(restRequests).toBe(21);
    expect(agg.requests).toBe(2 * 17 + restRequests);
    expect(agg.validation).toMatchObject({ duplicates: 0, outOfOrder: 0 });
    const stored = await trades(cfg.dataDirAbs);
    expect(stored).toEqual(await trades(source));
    expect(agg.rowsStored).toBe(stored.length);
  });

  it("stopped during the REST part, a re-run continues after the last stored trade id", async () => {
    const whole = config();
    const restBefore = count(restPath);
    await runFetch(whole, { symbols: ["BTCUSDT"], kinds: ["aggtrades"], fromMs: TODAY_MS }, quiet);
    const fullRest = count(restPath) - restBefore;

    const cfg = config();
    const abort = new AbortController();
    const start = count(restPath);
    ex.onRequest((p) => {
      if (p === restPath && count(restPath) - start >= 10) abort.abort();
    });
    const first = await runFetch(cfg, { symbols: ["BTCUSDT"], kinds: ["aggtrades"], fromMs: TODAY_MS }, quiet, abort.signal);
    expect(first.interrupted).toBe(true);
    expect(first.results[0]).toMatchObject({ interrupted: true, rowsStored: 10_000 });

    const second = await runFetch(cfg, { symbols: ["BTCUSDT"], kinds: ["aggtrades"], fromMs: TODAY_MS }, quiet);
    expect(second.interrupted).toBe(false);
    // one request to find where the stored run ends, then only the pages not yet stored
    expect(second.results[0].requests).toBe(1 + fullRest - 10);
    expect(await trades(cfg.dataDirAbs)).toEqual(await trades(whole.dataDirAbs));
  });

  it("bookDepth and metrics: imports the published days, reports the others as unavailable, and does not download a day twice", async () => {
    const cfg = config();
    const req = { symbols: ["BTCUSDT"], kinds: ["bookdepth" as const, "metrics" as const], fromMs: Date.UTC(2023, 7, 14), toMs: TODAY_MS };
    const res = await runFetch(cfg, req, quiet);
    const [depth, metrics] = res.results;
    expect(depth).toMatchObject({ kind: "bookdepth", rowsStored: 576 * 4, rejected: [], unavailable: ["BTCUSDT-bookDepth-2023-08-14.zip"] });
    expect(metrics).toMatchObject({ kind: "metrics", rowsStored: 288, unavailable: ["BTCUSDT-metrics-2023-08-14.zip", "BTCUSDT-metrics-2023-08-15.zip"] });
    expect(await rows(cfg.dataDirAbs, "bookdepth")).toEqual(await rows(source, "bookdepth"));
    expect(await rows(cfg.dataDirAbs, "metrics")).toEqual(await rows(source, "metrics"));

    // a re-run asks only about the days that were not published
    const again = await runFetch(cfg, req, quiet);
    expect(again.results.map((r) => [r.kind, r.requests, r.rowsStored])).toEqual([
      ["bookdepth", 1, 0],
      ["metrics", 2, 0],
    ]);
  });
});
