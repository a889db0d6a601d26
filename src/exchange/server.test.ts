// The local exchange over real HTTP and WebSocket, driven by binance-api-node as rlt drives it.
import { createHash } from "node:crypto";
import { strFromU8, unzipSync } from "fflate";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_FIRST_MS, SAMPLE_LAST_MS, sampleDataDir } from "../../test/helpers/sample-store.ts";
import { binanceClient } from "./binance.ts";
import { startExchange } from "./server.ts";
import type { RunningExchange } from "./types.ts";


let ex: RunningExchange;
let client: any;
beforeAll(async () => {
  ex = await startExchange({ dataDir: await sampleDataDir(), klineReplay: { barsPerSecond: 50 } });
  client = binanceClient({ rest: ex.restUrl, ws: ex.wsUrl });
});
afterAll(() => ex.close());

describe("REST market data", () => {
  it("serves the stored bars through binance-api-node, 1500 per page, with weight headers", async () => {
    expect(await client.futuresTime()).toBeGreaterThan(SAMPLE_LAST_MS + 60_000 - 1);
    const page = await client.futuresCandles({ symbol: "BTCUSDT", interval: "1m", startTime: SAMPLE_FIRST_MS, limit: 1500 });
    expect(page).toHaveLength(1500);
    expect(page[0]).toMatchObject({ openTime: SAMPLE_FIRST_MS, open: "29996.9", high: "30002", low: "29996.9", close: "30001.9", volume: "60.905", closeTime: SAMPLE_FIRST_MS + 59_999 });
    expect(page[1499].openTime).toBe(SAMPLE_FIRST_MS + 1499 * 60_000);
    expect(Object.values(client.getInfo())[0]).toMatchObject({ usedWeight1m: expect.any(String) });
    const res = await fetch(`${ex.restUrl}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1500&startTime=${SAMPLE_FIRST_MS}`);
    const used1 = Number(res.headers.get("x-mbx-used-weight-1m"));
    const res2 = await fetch(`${ex.restUrl}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=99`);
    expect(Number(res2.headers.get("x-mbx-used-weight-1m"))).toBe(used1 + 1); // limit < 100 weighs 1, 1500 weighs 10
    const latest = (await res2.json()) as unknown[][];
    expect(latest).toHaveLength(99);
    expect(latest[98][0]).toBe(SAMPLE_LAST_MS);
  });

  it("aggregates 1m bars into longer intervals", async () => {
    const [bar] = await client.futuresCandles({ symbol: "BTCUSDT", interval: "1h", startTime: Date.UTC(2023, 6, 19), limit: 1 });
    const minutes = await client.futuresCandles({ symbol: "BTCUSDT", interval: "1m", startTime: Date.UTC(2023, 6, 19), limit: 60 });
    expect(bar.open).toBe(minutes[0].open);
    expect(bar.close).toBe(minutes[59].close);
    expect(Number(bar.high)).toBe(Math.max(...minutes.map((m: any) => Number(m.high))));
    expect(Number(bar.volume)).toBeCloseTo(minutes.reduce((a: number, m: any) => a + Number(m.volume), 0), 6);
  });

  it("answers an unknown symbol with -1121 and a bad interval with -1120", async () => {
    await expect(client.futuresCandles({ symbol: "FOOUSDT", interval: "1m" })).rejects.toMatchObject({ code: -1121 });
    await expect(client.futuresCandles({ symbol: "BTCUSDT", interval: "7m" })).rejects.toMatchObject({ code: -1120 });
  });

  it("serves funding in ascending order from startTime", async () => {
    const rates = await client.futuresFundingRate({ symbol: "BTCUSDT", startTime: Date.UTC(2023, 7, 1), limit: 3 });
    expect(rates.map((r: any) => r.fundingTime)).toEqual([Date.UTC(2023, 7, 1), Date.UTC(2023, 7, 1, 8), Date.UTC(2023, 7, 1, 16)]);
    expect(rates[0].fundingRate).toMatch(/^-?\d\.\d{8}$/);
  });
});

describe("bulk files like data.binance.vision", () => {
  it("serves a daily klines zip whose CHECKSUM verifies and whose CSV holds the stored day", async () => {
    const base = `${ex.restUrl}/data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2023-07-20.zip`;
    const zip = new Uint8Array(await (await fetch(base)).arrayBuffer());
    const checksum = await (await fetch(`${base}.CHECKSUM`)).text();
    expect(checksum).toBe(`${createHash("sha256").update(zip).digest("hex")}  BTCUSDT-1m-2023-07-20.zip\n`);
    const csv = strFromU8(unzipSync(zip)["BTCUSDT-1m-2023-07-20.csv"]).trim().split("\n");
    expect(csv[0]).toBe("open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore");
    expect(csv).toHaveLength(1 + 1440);
    expect(csv[1].split(",")[0]).toBe(String(Date.UTC(2023, 6, 20)));
  });

  it("404s periods that are not complete or not stored", async () => {
    expect((await fetch(`${ex.restUrl}/data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2023-09-01.zip`)).status).toBe(404);
    expect((await fetch(`${ex.restUrl}/data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2023-07-20.zip`)).status).toBe(404);
  });
});

describe("limits and faults", () => {
  it("answers 429 with Retry-After past the weight limit, then 418 when the client keeps going", async () => {
    ex.faults.weightLimitPerMinute = (await currentWeight()) + 15;
    ex.faults.banAfter429s = 2;
    try {
      const url = `${ex.restUrl}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1500`;
      expect((await fetch(url)).status).toBe(200); // weight 10
      const r429 = await fetch(url);
      expect(r429.status).toBe(429);
      expect(await r429.json()).toMatchObject({ code: -1003 });
      const retry = Number(r429.headers.get("retry-after"));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      expect((await fetch(url)).status).toBe(429);
      expect((await fetch(url)).status).toBe(418);
    } finally {
      ex.faults.weightLimitPerMinute = 2400;
      ex.faults.banAfter429s = 0;
      await fetch(`${ex.restUrl}/__rlt/reset-limits`, { method: "POST" });
    }
  });

  it("injects 5xx answers, switchable at run time over HTTP", async () => {
    await fetch(`${ex.restUrl}/__rlt/faults`, { method: "POST", body: JSON.stringify({ error5xxRate: 1 }) });
    expect((await fetch(`${ex.restUrl}/fapi/v1/time`)).status).toBe(503);
    await fetch(`${ex.restUrl}/__rlt/faults`, { method: "POST", body: JSON.stringify({ error5xxRate: 0 }) });
    expect((await fetch(`${ex.restUrl}/fapi/v1/time`)).status).toBe(200);
  });
});

async function currentWeight(): Promise<number> {
  const res = await fetch(`${ex.restUrl}/fapi/v1/ping`);
  return Number(res.headers.get("x-mbx-used-weight-1m"));
}

describe("routed WebSocket streams", () => {
  it("streams closed 1m klines on /market through binance-api-node", async () => {
    const bars: any[] = [];
    await new Promise<void>((resolve) => {
      const off = client.ws.futuresCandles("BTCUSDT", "1m", (c: any) => {
        bars.push(c);
        if (bars.length === 3) {
          off();
          resolve();
        }
      });
    });
    expect(bars.map((b) => b.startTime)).toEqual([SAMPLE_FIRST_MS, SAMPLE_FIRST_MS + 60_000, SAMPLE_FIRST_MS + 120_000]);
    expect(bars[0]).toMatchObject({ isFinal: true, open: "29996.9", close: "30001.9" });
  });

  it("sends market streams nothing on an unrouted connection, and answers SUBSCRIBE", async () => {
    const ws = new WebSocket(`${ex.wsUrl}/ws/btcusdt@kline_1m`);
    const got: string[] = [];
    ws.on("message", (m) => got.push(String(m)));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ method: "SUBSCRIBE", params: ["btcusdt@markPrice"], id: 7 }));
    await new Promise((r) => setTimeout(r, 300));
    ws.close();
    expect(got).toEqual([JSON.stringify({ result: null, id: 7 })]);
  });

  it("wraps combined streams as {stream, data} and drops the connection on the injected fault", async () => {
    ex.faults.dropWsAfterMessages = 2;
    try {
      const ws = new WebSocket(`${ex.wsUrl}/market/stream?streams=btcusdt@kline_1m`);
      const got: any[] = [];
      ws.on("message", (m) => got.push(JSON.parse(String(m))));
      const code = await new Promise<number>((r) => ws.once("close", (c) => r(c)));
      expect(code).toBe(1006); // abnormal closure: no close frame
      expect(got).toHaveLength(2);
      expect(got[0]).toMatchObject({ stream: "btcusdt@kline_1m", data: { e: "kline", s: "BTCUSDT" } });
    } finally {
      ex.faults.dropWsAfterMessages = 0;
    }
  });
});
