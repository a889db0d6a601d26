// The local exchange's matching, account settings and trading faults, over real HTTP and WebSocket on
// 127.0.0.1 with a manual replay clock (and one running clock). Prices are the bundled sample's bars.
import { createHmac } from "node:crypto";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_CAPTURE_2024, sampleDataDir } from "../../test/helpers/sample-store.ts";
import { createCaptureSource } from "./capture-source.ts";
import { startExchange } from "./server.ts";
import type { RunningExchange } from "./types.ts";

const KEY = { apiKey: "rltTestKey", apiSecret: "rltTestSecret" };
const MIN = 60_000;
/** 2023-07-18 16:19 UTC: open 29916.3; 29 bars later the low is 29400 (−1.7 %). */
const DROP_MS = 1689697140000;

let dataDir: string;
let ex: RunningExchange;
beforeAll(async () => {
  dataDir = await sampleDataDir();
  ex = await startExchange({ dataDir, replay: { fromMs: Date.UTC(2023, 6, 20, 0, 2), barsPerSecond: 1, manual: true }, trading: { keys: [KEY] } });
});
afterAll(() => ex.close());

async function signed(on: RunningExchange, method: string, path: string, params: Record<string, string | number> = {}, timestamp = on.nowMs()) {
  const q = new URLSearchParams({ ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])), timestamp: String(timestamp) }).toString();
  const sig = createHmac("sha256", KEY.apiSecret).update(q).digest("hex");
  const res = await fetch(`${on.restUrl}${path}?${q}&signature=${sig}`, { method, headers: { "X-MBX-APIKEY": KEY.apiKey } });
  return { status: res.status, body: (await res.json()) as any };
}
const order = (on: RunningExchange, p: Record<string, string | number>) => signed(on, "POST", "/fapi/v1/order", { symbol: "BTCUSDT", ...p });

describe("matching", () => {
  it("rests a limit below the market and fills it at its price, maker fee, when the bar's low reaches it", async () => {
    // bar 00:02: open 29895.5, low 29880
    const placed = await order(ex, { side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29885", newClientOrderId: "lim-1" });
    expect(placed.body.status).toBe("NEW");
    ex.step();
    const o = await signed(ex, "GET", "/fapi/v1/order", { symbol: "BTCUSDT", origClientOrderId: "lim-1" });
    expect(o.body).toMatchObject({ status: "FILLED", avgPrice: "29885", executedQty: "0.01" });
    const [trade] = (await signed(ex, "GET", "/fapi/v1/userTrades", { symbol: "BTCUSDT" })).body;
    expect(trade).toMatchObject({ maker: true, price: "29885", buyer: true });
    expect(Number(trade.commission)).toBeCloseTo(0.05977, 12); // 0.01 × 29885 × 0.0002
    await order(ex, { side: "SELL", type: "MARKET", quantity: "0.01", reduceOnly: "true" });
  });

  it("liquidates an isolated position at its liquidation price when a bar's low crosses it, losing its margin", async () => {
    const liq = await startExchange({ dataDir, replay: { fromMs: DROP_MS, barsPerSecond: 1, manual: true }, trading: { keys: [KEY] } });
    try {
      expect((await signed(liq, "POST", "/fapi/v1/leverage", { symbol: "BTCUSDT", leverage: 100 })).body).toMatchObject({ leverage: 100, symbol: "BTCUSDT" });
      await order(liq, { side: "BUY", type: "MARKET", quantity: "0.01" });
      const [pos] = (await signed(liq, "GET", "/fapi/v2/positionRisk", { symbol: "BTCUSDT" })).body;
      const [before] = (await signed(liq, "GET", "/fapi/v2/balance")).body;
      const liqPrice = Number(pos.liquidationPrice);
      expect(liqPrice).toBeGreaterThan(29400);
      expect(liqPrice).toBeLessThan(Number(pos.entryPrice));
      liq.advanceTo(DROP_MS + 30 * MIN);
      const [after] = (await signed(liq, "GET", "/fapi/v2/positionRisk", { symbol: "BTCUSDT" })).body;
      expect(after.positionAmt).toBe("0");
      const orders = (await signed(liq, "GET", "/fapi/v1/allOrders", { symbol: "BTCUSDT" })).body;
      expect(orders.at(-1)).toMatchObject({ origType: "LIQUIDATION", status: "FILLED", avgPrice: String(liqPrice) });
      const [bal] = (await signed(liq, "GET", "/fapi/v2/balance")).body;
      expect(Number(bal.balance)).toBeCloseTo(Number(before.balance) - Number(pos.isolatedMargin), 9);
    } finally {
      await liq.close();
    }
  });
});

describe("account settings", () => {
  it("answers margin type, position mode and leverage brackets as Binance does", async () => {
    expect((await signed(ex, "GET", "/fapi/v1/positionSide/dual")).body).toEqual({ dualSidePosition: false });
    expect((await signed(ex, "POST", "/fapi/v1/positionSide/dual", { dualSidePosition: "false" })).body.code).toBe(-4059);
    expect((await signed(ex, "POST", "/fapi/v1/marginType", { symbol: "BTCUSDT", marginType: "ISOLATED" })).body).toEqual({ code: 200, msg: "success" });
    expect((await signed(ex, "POST", "/fapi/v1/marginType", { symbol: "BTCUSDT", marginType: "ISOLATED" })).body.code).toBe(-4046);
    await order(ex, { side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29000" });
    expect((await signed(ex, "POST", "/fapi/v1/marginType", { symbol: "BTCUSDT", marginType: "CROSSED" })).body.code).toBe(-4047);
    await signed(ex, "DELETE", "/fapi/v1/allOpenOrders", { symbol: "BTCUSDT" });
    await order(ex, { side: "BUY", type: "MARKET", quantity: "0.01" });
    expect((await signed(ex, "POST", "/fapi/v1/marginType", { symbol: "BTCUSDT", marginType: "CROSSED" })).body.code).toBe(-4048);
    await order(ex, { side: "SELL", type: "MARKET", quantity: "0.01", reduceOnly: "true" });
    const [br] = (await signed(ex, "GET", "/fapi/v1/leverageBracket", { symbol: "BTCUSDT" })).body;
    expect(br.brackets[0]).toMatchObject({ bracket: 1, maintMarginRatio: 0.004, cum: 0 });
    expect((await signed(ex, "POST", "/fapi/v1/leverage", { symbol: "BTCUSDT", leverage: 126 })).body.code).toBe(-4028);
  });
});

describe("faults", () => {
  it("-1007 applies the order, -1006 does not; both are counted", async () => {
    ex.faults.orderTimeoutRate = 1;
    const timeout = await order(ex, { side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29000", newClientOrderId: "t-1007" });
    ex.faults.orderTimeoutRate = 0;
    expect(timeout.body.code).toBe(-1007);
    expect((await signed(ex, "GET", "/fapi/v1/order", { symbol: "BTCUSDT", origClientOrderId: "t-1007" })).body.status).toBe("NEW");
    ex.faults.orderRejectRate = 1;
    const rejected = await order(ex, { side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29000", newClientOrderId: "t-1006" });
    ex.faults.orderRejectRate = 0;
    expect(rejected.body.code).toBe(-1006);
    expect((await signed(ex, "GET", "/fapi/v1/order", { symbol: "BTCUSDT", origClientOrderId: "t-1006" })).body.code).toBe(-2013);
    await signed(ex, "DELETE", "/fapi/v1/allOpenOrders", { symbol: "BTCUSDT" });
    expect(ex.stats().faultsInjected).toMatchObject({ timeout1007AfterApply: 1, rejected1006: 1 });
  });

  it("skews the server clock: /fapi/v1/time and recvWindow follow the skewed clock", async () => {
    const market = ex.nowMs();
    ex.faults.clockSkewMs = 10_000;
    try {
      const { serverTime } = (await (await fetch(`${ex.restUrl}/fapi/v1/time`)).json()) as any;
      expect(serverTime).toBe(market + 10_000);
      expect((await signed(ex, "GET", "/fapi/v2/balance", {}, market)).body.code).toBe(-1021);
      expect((await signed(ex, "GET", "/fapi/v2/balance", {}, serverTime)).status).toBe(200);
    } finally {
      ex.faults.clockSkewMs = 0;
    }
  });

  it("drops user-stream events and WebSocket connections on request, counting each", async () => {
    const { listenKey } = (await (await fetch(`${ex.restUrl}/fapi/v1/listenKey`, { method: "POST", headers: { "X-MBX-APIKEY": KEY.apiKey } })).json()) as any;
    const ws = new WebSocket(`${ex.wsUrl}/private/ws/${listenKey}`);
    const got: any[] = [];
    ws.on("message", (m) => got.push(JSON.parse(String(m))));
    await new Promise((r) => ws.once("open", r));
    const dropped0 = ex.stats().faultsInjected.userEventDropped ?? 0;
    ex.faults.userEventDropRate = 1;
    await order(ex, { side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29000" });
    ex.faults.userEventDropRate = 0;
    expect((ex.stats().faultsInjected.userEventDropped ?? 0) - dropped0).toBe(1); // the order's NEW event
    ex.faults.wsDropRate = 1;
    const closed = new Promise<number>((r) => ws.once("close", (c) => r(c)));
    await signed(ex, "DELETE", "/fapi/v1/allOpenOrders", { symbol: "BTCUSDT" }); // its CANCELED event is sent, then the socket dies
    expect(await closed).toBe(1006);
    ex.faults.wsDropRate = 0;
    expect(got.map((e) => `${e.e}:${e.o?.X}`)).toEqual(["ORDER_TRADE_UPDATE:CANCELED"]);
    expect(ex.stats().faultsInjected.wsDropped).toBeGreaterThanOrEqual(1);
  });

  it("refuses the 301st order in 10 seconds with -1015", async () => {
    ex.advanceTo(Math.ceil((ex.nowMs() + 1) / 10_000) * 10_000);
    const codes = new Set<number>();
    for (let i = 0; i < 300; i++) codes.add((await order(ex, { side: "BUY", type: "MARKET", quantity: "0" })).body.code);
    expect([...codes]).toEqual([-4003]); // refused orders count too
    const over = await order(ex, { side: "BUY", type: "MARKET", quantity: "0.01" });
    expect([over.status, over.body.code]).toEqual([429, -1015]);
  });
});

describe("clock and depth", () => {
  it("runs the replay clock at the chosen bars per second, and /fapi/v1/time follows it", async () => {
    const from = Date.UTC(2023, 6, 21);
    const run = await startExchange({ dataDir, replay: { fromMs: from, barsPerSecond: 100 }, trading: { keys: [KEY] } });
    try {
      const time = async () => ((await (await fetch(`${run.restUrl}/fapi/v1/time`)).json()) as any).serverTime as number;
      const w0 = Date.now();
      const t0 = await time();
      await new Promise((r) => setTimeout(r, 400));
      const t1 = await time();
      const w1 = Date.now();
      expect(t0).toBeGreaterThanOrEqual(from);
      // 100 bars/s = 6,000 market ms per wall ms; the two requests' own latency bounds the error
      expect(t1 - t0).toBeGreaterThanOrEqual(6_000 * 400 - 6_000 * 50);
      expect(t1 - t0).toBeLessThanOrEqual(6_000 * (w1 - w0) + 6_000);
    } finally {
      await run.close();
    }
  });

  it("says that no replayed capture covers the order book at the replay time, instead of asking for --capture", async () => {
    const noBook = await fetch(`${ex.restUrl}/fapi/v1/depth?symbol=BTCUSDT&limit=5`);
    expect(((await noBook.json()) as any).msg).toContain("start it with --capture");
    const capture = await createCaptureSource(SAMPLE_CAPTURE_2024, { speed: 1 });
    const withCapture = await startExchange({ dataDir, streams: [capture], trading: { keys: [KEY] } });
    try {
      const res = await fetch(`${withCapture.restUrl}/fapi/v1/depth?symbol=BTCUSDT&limit=5`);
      const { msg } = (await res.json()) as any;
      expect(msg).toMatch(/^No replayed capture covers BTCUSDT's order book at replay time 2024-07-18T23:5/);
      expect(msg).not.toContain("start it with --capture");
    } finally {
      await withCapture.close();
    }
  });
});
