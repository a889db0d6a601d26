// fetch against a misbehaving exchange: weight limits, 429s, 5xx and a tampered bulk file.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/core/config.ts";
import { createReporter } from "../src/core/log.ts";
import { queryRows } from "../src/data/duck.ts";
import { Store } from "../src/data/store.ts";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { runFetch } from "../src/fetch/run.ts";
import { SAMPLE_LAST_MS, sampleDataDir, tempDir } from "./helpers/sample-store.ts";

const quiet = createReporter({ quiet: true });
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

function config(ex: { restUrl: string }, visionUrl = ex.restUrl, weightBudget = 1) {
  const cfg = loadConfig({ exchange: "local", restUrl: ex.restUrl, visionUrl, dataDir: tempDir() }, {}, tempDir());
  return { ...cfg, fetch: { ...cfg.fetch, weightBudget, maxRetries: 8 } };
}

async function klineCount(dataDir: string): Promise<number> {
  const store = await Store.open(dataDir);
  try {
    const [r] = await queryRows<{ n: number }>(store.db, `SELECT count(*)::BIGINT AS n FROM ${store.scan("klines", "BTCUSDT")}`);
    return r.n;
  } finally {
    store.close();
  }
}

/**
 * An exchange whose clock starts a few seconds before a minute boundary, so waiting for the next minute
 * is short. The margin leaves room for a slow start on a busy machine: the fetch must reach its klines
 * before the boundary for these tests to see the limit (else they would wait a whole minute).
 */
const BEFORE_MINUTE_END_MS = 5_000;
async function exchangeNearMinuteEnd(faults: Partial<RunningExchange["faults"]> = {}): Promise<RunningExchange> {
  const nowMs = Math.floor(SAMPLE_LAST_MS / 60_000) * 60_000 + 2 * 60_000 - BEFORE_MINUTE_END_MS;
  const ex = await startExchange({ dataDir: await sampleDataDir(), nowMs, faults });
  open.push(ex);
  return ex;
}

describe("fetch under rate limits and faults", () => {
  it("paces itself by X-MBX-USED-WEIGHT-1M instead of running into 429", async () => {
    // 3 pages of klines weigh 10 each; a limit of 25 allows only two per minute
    const ex = await exchangeNearMinuteEnd({ weightLimitPerMinute: 25 });
    const cfg = config(ex);
    const res = await runFetch(cfg, { symbols: ["BTCUSDT"], kinds: ["klines"], days: 3 }, quiet);
    const { fromMs, toMs } = res.results[0];
    expect(res.results[0]).toMatchObject({ rowsStored: (Math.min(toMs, SAMPLE_LAST_MS + 60_000) - fromMs) / 60_000, requests: 3 });
    expect(res.waitedMs).toBeGreaterThan(0);
    expect(ex.stats().rejected429).toBe(0);
    expect(ex.stats().maxWeightInMinute).toBeLessThanOrEqual(25);
  });

  it("backs off on 429 until the weight window resets, then completes", async () => {
    const ex = await exchangeNearMinuteEnd({ weightLimitPerMinute: 30 });
    // another client has used the whole minute's weight
    for (let i = 0; i < 3; i++) await fetch(`${ex.restUrl}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1500`);
    const cfg = config(ex);
    const res = await runFetch(cfg, { symbols: ["BTCUSDT"], kinds: ["klines"], days: 1 }, quiet);
    expect(ex.stats().rejected429).toBeGreaterThanOrEqual(1);
    expect(res.retries).toBeGreaterThanOrEqual(1);
    expect(res.waitedMs).toBeLessThan(BEFORE_MINUTE_END_MS + 2_000); // until the minute's end, not a blind minute
    // the clock crossed a minute while waiting: the day ends one bar after the sample's last bar
    const { fromMs, toMs } = res.results[0];
    expect(await klineCount(cfg.dataDirAbs)).toBe((Math.min(toMs, SAMPLE_LAST_MS + 60_000) - fromMs) / 60_000);
  });

  it("retries 5xx answers and still stores every bar", async () => {
    const ex = await startExchange({ dataDir: await sampleDataDir(), freezeClock: true, faults: { error5xxRate: 0.3 }, faultSeed: 7 });
    open.push(ex);
    const cfg = config(ex);
    const res = await runFetch(cfg, { symbols: ["BTCUSDT"], kinds: ["klines"], days: 5 }, quiet);
    expect(res.retries).toBeGreaterThan(0);
    expect(res.results[0].validation).toMatchObject({ missing: [], duplicates: 0 });
    expect(await klineCount(cfg.dataDirAbs)).toBe(5 * 1440);
  });

  it("rejects a bulk file whose checksum does not match and stores nothing from it", async () => {
    const dataDir = await sampleDataDir();
    // two days of aggregate trades for the exchange to publish as daily zips
    const store = await Store.open(dataDir);
    const day1 = Date.UTC(2023, 7, 15);
    await store.upsert(
      "aggtrades",
      "BTCUSDT",
      `SELECT i AS agg_trade_id, 29000 + (i % 100) / 10 AS price, 0.001 * (1 + i % 7) AS quantity, 10 * i AS first_trade_id, 10 * i + 9 AS last_trade_id,
              ${day1} + i * 60000 AS transact_time, i % 2 = 0 AS is_buyer_maker FROM range(0, 2880) t(i)`,
    );
    store.close();
    const ex = await startExchange({ dataDir, freezeClock: true });
    open.push(ex);
    // a proxy in front of the bulk files that corrupts the 2023-08-15 zip
    const proxy = await tamperingProxy(ex.restUrl, "BTCUSDT-aggTrades-2023-08-15.zip");
    open.push({ close: () => new Promise((r) => proxy.server.close(r)) });
    const cfg = config(ex, proxy.url);
    const res = await runFetch(cfg, { symbols: ["BTCUSDT"], kinds: ["aggtrades"], fromMs: day1, toMs: day1 + 2 * 86_400_000 }, quiet);
    const agg = res.results[0];
    expect(agg.rejected).toHaveLength(1);
    expect(agg.rejected![0]).toMatch(/checksum mismatch for BTCUSDT-aggTrades-2023-08-15\.zip/);
    // the rejected day came over REST instead; the other day from its verified zip
    const s = await Store.open(cfg.dataDirAbs);
    const [n] = await queryRows<{ n: number; ids: number }>(s.db, `SELECT count(*)::BIGINT AS n, count(DISTINCT agg_trade_id)::BIGINT AS ids FROM ${s.scan("aggtrades", "BTCUSDT")}`);
    s.close();
    expect(n).toEqual({ n: 2880, ids: 2880 });
    expect(ex.stats().byPath["/fapi/v1/aggTrades"]).toBeGreaterThan(0);
  });
});

async function tamperingProxy(target: string, victim: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const upstream = await fetch(`${target}${req.url}`);
    let body = new Uint8Array(await upstream.arrayBuffer());
    if (req.url?.endsWith(victim)) {
      body = body.slice();
      body[body.length >> 1] ^= 0xff;
    }
    res.writeHead(upstream.status, { "Content-Type": upstream.headers.get("content-type") ?? "application/octet-stream" });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
