// The local exchange as a trading venue, over real HTTP and WebSocket on 127.0.0.1, driven by
// binance-api-node (and raw fetch for the error codes), on a manual replay clock so every fill is exact.
// Prices are the bundled sample's bars of 2023-07-20 00:00–00:10 UTC (BTCUSDT).
import { createHmac } from "node:crypto";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleDataDir } from "../../test/helpers/sample-store.ts";
import { binanceClient } from "./binance.ts";
import { startExchange } from "./server.ts";
import type { RunningExchange } from "./types.ts";

const KEY = { apiKey: "rltTestKey", apiSecret: "rltTestSecret" };
const T0 = Date.UTC(2023, 6, 20, 0, 0); // bar open 29895.5, a funding time (rate 0.00002652)
const MIN = 60_000;

let ex: RunningExchange;
let client: any;
const events: any[] = [];
let closeUser: (() => Promise<unknown>) | undefined;

beforeAll(async () => {
  ex = await startExchange({ dataDir: await sampleDataDir(), replay: { fromMs: T0, barsPerSecond: 1, manual: true }, trading: { keys: [KEY] } });
  client = binanceClient({ rest: ex.restUrl, ws: ex.wsUrl, auth: { ...KEY, getTime: () => ex.nowMs() } });
  // untransformed: Binance's own field names, with binance-api-node's `type` in place of `e`
  closeUser = await client.ws.futuresUser(({ type, ...ev }: any) => events.push({ e: type, ...ev }), false);
});
afterAll(async () => {
  await closeUser?.().catch(() => {}); // its listen key expired in the last tests: DELETE may answer -1125
  await ex.close();
});

/** A signed request as Binance expects it: params + timestamp in the query, HMAC-SHA256 of it appended. */
async function signed(method: string, path: string, params: Record<string, string | number>, opts: { secret?: string; key?: string; timestamp?: number } = {}) {
  const q = new URLSearchParams({ ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])), timestamp: String(opts.timestamp ?? ex.nowMs()) }).toString();
  const sig = createHmac("sha256", opts.secret ?? KEY.apiSecret).update(q).digest("hex");
  const res = await fetch(`${ex.restUrl}${path}?${q}&signature=${sig}`, { method, headers: { "X-MBX-APIKEY": opts.key ?? KEY.apiKey } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

/** Wait until the user stream has delivered an event matching `pred` (events travel over a real socket). */
async function waitEvent(pred: (ev: any) => boolean, ms = 2000): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const hit = events.find(pred);
    if (hit) return hit;
    if (Date.now() > end) throw new Error(`no such user event; got ${JSON.stringify(events.map((e) => [e.e, e.o?.X ?? e.a?.m]))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const order = (p: Record<string, string | number>) => signed("POST", "/fapi/v1/order", { symbol: "BTCUSDT", ...p });

describe("signing", () => {
  it("accepts a correct HMAC, refuses a bad one (-1022), an old or future timestamp (-1021) and an unknown key (-2015)", async () => {
    expect((await signed("GET", "/fapi/v2/balance", {})).status).toBe(200);
    expect((await signed("GET", "/fapi/v2/balance", {}, { secret: "wrong" })).body).toEqual({ code: -1022, msg: "Signature for this request is not valid." });
    expect((await signed("GET", "/fapi/v2/balance", {}, { timestamp: ex.nowMs() - 5001 })).body.code).toBe(-1021);
    expect((await signed("GET", "/fapi/v2/balance", { recvWindow: 10_000 }, { timestamp: ex.nowMs() - 5001 })).status).toBe(200);
    expect((await signed("GET", "/fapi/v2/balance", {}, { timestamp: ex.nowMs() + 1000 })).body.code).toBe(-1021);
    expect((await signed("GET", "/fapi/v2/balance", { recvWindow: 60_001 })).body.code).toBe(-1131);
    const unknown = await signed("GET", "/fapi/v2/balance", {}, { key: "nobody" });
    expect([unknown.status, unknown.body.code]).toEqual([401, -2015]);
    // the replay clock, not the wall clock, is what timestamps are checked against
    const wall = await signed("GET", "/fapi/v2/balance", {}, { timestamp: Date.now() });
    expect(wall.body.code).toBe(-1021);
    expect(await client.futuresTime()).toBe(T0);
  });
});

describe("filters", () => {
  it("lists Binance's BTCUSDT filters in exchangeInfo", async () => {
    const info = await client.futuresExchangeInfo();
    const btc = info.symbols.find((s: any) => s.symbol === "BTCUSDT");
    const f = Object.fromEntries(btc.filters.map((x: any) => [x.filterType, x]));
    expect(f.PRICE_FILTER.tickSize).toBe("0.10");
    expect(f.LOT_SIZE).toMatchObject({ stepSize: "0.001", minQty: "0.001" });
    expect(f.MARKET_LOT_SIZE.maxQty).toBe("120.000");
    expect(f.MIN_NOTIONAL.notional).toBe("100");
    expect(f.PERCENT_PRICE).toMatchObject({ multiplierUp: "1.0500", multiplierDown: "0.9500" });
  });

  it("answers each broken filter with its code", async () => {
    const codes = async (p: Record<string, string | number>) => (await order(p)).body.code;
    expect(await codes({ side: "BUY", type: "MARKET", quantity: "0" })).toBe(-4003);
    expect(await codes({ side: "BUY", type: "MARKET", quantity: "0.0001" })).toBe(-1111);
    expect(await codes({ side: "BUY", type: "MARKET", quantity: "121" })).toBe(-4005);
    expect(await codes({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29000.051" })).toBe(-1111);
    expect(await codes({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29000.15" })).toBe(-4014);
    expect(await codes({ side: "BUY", type: "MARKET", quantity: "0.003" })).toBe(-4164); // 0.003 × 29,895 < 100 USDT
    expect(await codes({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "31500" })).toBe(-4016); // > 1.05 × mark
    expect(await codes({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "28000" })).toBe(-4024); // < 0.95 × mark
    expect(await codes({ side: "SELL", type: "MARKET", quantity: "0.01", reduceOnly: "true" })).toBe(-2022); // nothing to reduce
    const stop = await order({ side: "SELL", type: "STOP_MARKET", quantity: "0.01", stopPrice: "29000" });
    expect(stop.body).toEqual({ code: -4120, msg: "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead." });
  });
});

describe("orders", () => {
  it("fills a market round trip at the bar's open ± 1.5 bps, with the Account's fee, funding and PnL", async () => {
    const buy = await client.futuresOrder({ symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.01", newClientOrderId: "rt-open", newOrderRespType: "RESULT" });
    // 29895.5 × (1 + (0.5 + 1) / 10⁴)
    expect(buy).toMatchObject({ status: "FILLED", executedQty: "0.01", avgPrice: "29899.984325", clientOrderId: "rt-open" });
    const [pos] = await client.futuresPositionRisk({ symbol: "BTCUSDT" });
    expect(pos).toMatchObject({ positionAmt: "0.01", entryPrice: "29899.984325", positionSide: "BOTH" });
    ex.step(); // bar 00:00 closes: its funding (0.01 × 29895.5 × 0.00002652) is paid
    const funding = await waitEvent((e) => e.e === "ACCOUNT_UPDATE" && e.a.m === "FUNDING_FEE");
    expect(Number(funding.a.B[0].bc)).toBeCloseTo(-0.0079282866, 12);
    const sell = await order({ side: "SELL", type: "MARKET", quantity: "0.01", reduceOnly: "true", newOrderRespType: "RESULT" });
    expect(sell.body).toMatchObject({ status: "FILLED", avgPrice: "29894.31518" }); // 29898.8 × (1 − 1.5 bps)
    const trades = await client.futuresUserTrades({ symbol: "BTCUSDT" });
    expect(trades).toHaveLength(2);
    expect(Number(trades[0].commission)).toBeCloseTo(0.149499921625, 12); // 0.01 × 29899.984325 × 0.0005
    expect(Number(trades[1].commission)).toBeCloseTo(0.1494715759, 12);
    expect(Number(trades[1].realizedPnl)).toBeCloseTo(-0.05669145, 9); // 0.01 × (29894.31518 − 29899.984325)
    const [bal] = await client.futuresAccountBalance();
    expect(Number(bal.balance)).toBeCloseTo(10_000 - 0.149499921625 - 0.0079282866 - 0.1494715759 - 0.05669145, 9);
    const fill = await waitEvent((e) => e.e === "ORDER_TRADE_UPDATE" && e.o.c === "rt-open" && e.o.X === "FILLED");
    expect(fill.o).toMatchObject({ s: "BTCUSDT", S: "BUY", o: "MARKET", x: "TRADE", l: "0.01", L: "29899.984325", N: "USDT", ps: "BOTH" });
    expect((await client.futuresPositionRisk({ symbol: "BTCUSDT" }))[0].positionAmt).toBe("0");
  });

  it("caps a reduce-only order at the position, and refuses one that would open", async () => {
    await order({ side: "BUY", type: "MARKET", quantity: "0.01" });
    const r = await order({ side: "SELL", type: "MARKET", quantity: "0.02", reduceOnly: "true", newOrderRespType: "RESULT" });
    expect(r.body).toMatchObject({ executedQty: "0.01", status: "EXPIRED", reduceOnly: true });
    expect((await order({ side: "SELL", type: "MARKET", quantity: "0.01", reduceOnly: "true" })).body.code).toBe(-2022);
  });

  it("rests a limit order, refuses its client id again (-4116), finds and cancels it by client id", async () => {
    const placed = await order({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29000", newClientOrderId: "dup-1" });
    expect(placed.body).toMatchObject({ status: "NEW", clientOrderId: "dup-1", price: "29000" });
    expect(placed.headers.get("x-mbx-order-count-10s")).toMatch(/^\d+$/);
    const again = await order({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29000", newClientOrderId: "dup-1" });
    expect(again.body).toEqual({ code: -4116, msg: "ClientOrderId is duplicated." });
    expect(await client.futuresGetOrder({ symbol: "BTCUSDT", origClientOrderId: "dup-1" })).toMatchObject({ status: "NEW", orderId: placed.body.orderId });
    expect(await client.futuresOpenOrders({ symbol: "BTCUSDT" })).toHaveLength(1);
    expect(await client.futuresCancelOrder({ symbol: "BTCUSDT", origClientOrderId: "dup-1" })).toMatchObject({ status: "CANCELED" });
    expect((await signed("DELETE", "/fapi/v1/order", { symbol: "BTCUSDT", origClientOrderId: "dup-1" })).body.code).toBe(-2011);
    expect((await signed("GET", "/fapi/v1/order", { symbol: "BTCUSDT", origClientOrderId: "never" })).body.code).toBe(-2013);
  });

  it("counts orders in X-MBX-ORDER-COUNT-10S / -1M on the server clock", async () => {
    ex.advanceTo(T0 + 2 * MIN); // a new 10 s and 1 min window
    const a = await order({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29000" });
    const b = await order({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "29000" });
    expect([a.headers.get("x-mbx-order-count-10s"), a.headers.get("x-mbx-order-count-1m")]).toEqual(["1", "1"]);
    expect([b.headers.get("x-mbx-order-count-10s"), b.headers.get("x-mbx-order-count-1m")]).toEqual(["2", "2"]);
    await client.futuresCancelAllOpenOrders({ symbol: "BTCUSDT" });
    expect(await client.futuresOpenOrders({ symbol: "BTCUSDT" })).toHaveLength(0);
  });
});

describe("algo orders", () => {
  it("triggers a stop from the replayed bar's low into a market fill, with ALGO_UPDATE then ORDER_TRADE_UPDATE", async () => {
    // now 00:02, bar open 29895.5, low 29880
    await order({ side: "BUY", type: "MARKET", quantity: "0.01" });
    const stop = await client.futuresCreateAlgoOrder({ symbol: "BTCUSDT", side: "SELL", type: "STOP_MARKET", triggerPrice: "29885", closePosition: "true", workingType: "MARK_PRICE", clientAlgoId: "sl-1" });
    expect(stop).toMatchObject({ algoStatus: "NEW", clientAlgoId: "sl-1", orderType: "STOP_MARKET", triggerPrice: "29885", closePosition: true });
    const early = await signed("POST", "/fapi/v1/algoOrder", { symbol: "BTCUSDT", algoType: "CONDITIONAL", side: "SELL", type: "STOP_MARKET", triggerPrice: "29900", closePosition: "true" });
    expect(early.body.code).toBe(-2021); // above the market: it would trigger at once
    events.length = 0;
    ex.step();
    const triggered = await waitEvent((e) => e.e === "ALGO_UPDATE" && e.o.X === "TRIGGERED");
    expect(triggered.o).toMatchObject({ caid: "sl-1", aid: stop.algoId, tp: "29885", s: "BTCUSDT", S: "SELL" });
    const fill = await waitEvent((e) => e.e === "ORDER_TRADE_UPDATE" && e.o.X === "FILLED");
    expect(fill.o).toMatchObject({ i: Number(triggered.o.ai), o: "MARKET", ot: "STOP_MARKET", sp: "29885", cp: true, L: "29880.51725" }); // 29885 × (1 − 1.5 bps)
    await waitEvent((e) => e.e === "ALGO_UPDATE" && e.o.X === "FINISHED");
    const kinds = events.filter((e) => e.e !== "ACCOUNT_UPDATE").map((e) => `${e.e}:${e.o.X}`);
    expect(kinds.indexOf("ALGO_UPDATE:TRIGGERED")).toBeLessThan(kinds.indexOf("ORDER_TRADE_UPDATE:FILLED"));
    expect(await client.futuresGetAlgoOrder({ algoId: stop.algoId })).toMatchObject({ algoStatus: "FINISHED", actualOrderId: triggered.o.ai });
    expect((await client.futuresPositionRisk({ symbol: "BTCUSDT" }))[0].positionAmt).toBe("0");
  });

  it("expires a close-position stop when its position closes, so it cannot fill later", async () => {
    await order({ side: "BUY", type: "MARKET", quantity: "0.01" });
    const sl = await client.futuresCreateAlgoOrder({ symbol: "BTCUSDT", side: "SELL", type: "STOP_MARKET", triggerPrice: "29000", closePosition: "true", clientAlgoId: "sl-orphan" });
    await order({ side: "SELL", type: "MARKET", quantity: "0.01", reduceOnly: "true" });
    expect(await client.futuresGetAlgoOrder({ algoId: sl.algoId })).toMatchObject({ algoStatus: "EXPIRED" });
    expect(await client.futuresGetOpenAlgoOrders({ symbol: "BTCUSDT" })).toHaveLength(0);
    await waitEvent((e) => e.e === "ALGO_UPDATE" && e.o.caid === "sl-orphan" && e.o.X === "EXPIRED");
  });
});

describe("faults", () => {
  it("applies the order and then answers 503 Unknown error: the order exists when queried", async () => {
    ex.faults.orderUnknownErrorRate = 1;
    try {
      const r = await order({ side: "BUY", type: "MARKET", quantity: "0.01", newClientOrderId: "ghost-1" });
      expect([r.status, r.body.msg]).toEqual([503, "Unknown error, please check your request or try again later."]);
    } finally {
      ex.faults.orderUnknownErrorRate = 0;
    }
    expect(await client.futuresGetOrder({ symbol: "BTCUSDT", origClientOrderId: "ghost-1" })).toMatchObject({ status: "FILLED", executedQty: "0.01" });
    expect(ex.stats().faultsInjected.unknownError503AfterApply).toBe(1);
    await order({ side: "SELL", type: "MARKET", quantity: "0.01", reduceOnly: "true" });
  });
});

describe("user data stream", () => {
  it("returns one listen key (extended by a repeat POST), expires it after 60 min of replay time with listenKeyExpired, then -1125", async () => {
    const post = async () => (await fetch(`${ex.restUrl}/fapi/v1/listenKey`, { method: "POST", headers: { "X-MBX-APIKEY": KEY.apiKey } })).json() as Promise<any>;
    const { listenKey } = await post();
    expect((await post()).listenKey).toBe(listenKey);
    const ws = new WebSocket(`${ex.wsUrl}/private/ws?listenKey=${listenKey}`);
    const got: any[] = [];
    ws.on("message", (m) => got.push(JSON.parse(String(m))));
    await new Promise((r) => ws.once("open", r));
    ex.advanceTo(ex.nowMs() + 61 * MIN);
    for (let i = 0; i < 100 && !got.some((e) => e.e === "listenKeyExpired"); i++) await new Promise((r) => setTimeout(r, 10));
    ws.close();
    expect(got.find((e) => e.e === "listenKeyExpired")).toMatchObject({ listenKey });
    const put = await fetch(`${ex.restUrl}/fapi/v1/listenKey?listenKey=${listenKey}`, { method: "PUT", headers: { "X-MBX-APIKEY": KEY.apiKey } });
    expect(await put.json()).toEqual({ code: -1125, msg: "This listenKey does not exist." });
    expect((await post()).listenKey).not.toBe(listenKey);
  });
});

describe("market endpoints on the replay clock", () => {
  it("quotes ticker/price, bookTicker, 24hr and premiumIndex at the bar in progress, and serves markPriceKlines", async () => {
    const t = Date.UTC(2023, 6, 20, 2, 0);
    ex.advanceTo(t);
    const open = (await client.futuresCandles({ symbol: "BTCUSDT", interval: "1m", startTime: t, limit: 1 }))[0];
    expect(open).toMatchObject({ openTime: t, high: open.open, low: open.open, close: open.open, volume: "0" }); // nothing of the bar is known yet
    const px = (await (await fetch(`${ex.restUrl}/fapi/v1/ticker/price?symbol=BTCUSDT`)).json()) as any;
    expect(px).toEqual({ symbol: "BTCUSDT", price: open.open, time: t });
    const book = (await (await fetch(`${ex.restUrl}/fapi/v1/ticker/bookTicker?symbol=BTCUSDT`)).json()) as any;
    expect(Number(book.askPrice)).toBeGreaterThan(Number(book.bidPrice));
    expect(Number(book.bidPrice)).toBeLessThanOrEqual(Number(open.open));
    const day = (await (await fetch(`${ex.restUrl}/fapi/v1/ticker/24hr?symbol=BTCUSDT`)).json()) as any;
    expect(day).toMatchObject({ symbol: "BTCUSDT", lastPrice: open.open, closeTime: t });
    expect(await client.futuresMarkPrice({ symbol: "BTCUSDT" })).toMatchObject({ markPrice: open.open, nextFundingTime: Date.UTC(2023, 6, 20, 8) });
    const mk = (await (await fetch(`${ex.restUrl}/fapi/v1/markPriceKlines?symbol=BTCUSDT&interval=1m&startTime=${t - MIN}&limit=1`)).json()) as any[];
    expect(mk[0].slice(0, 2)).toEqual([t - MIN, expect.any(String)]);
  });

  it("sends every kline subscriber the same closed bar when the clock passes its close", async () => {
    const a = new WebSocket(`${ex.wsUrl}/market/ws/btcusdt@kline_1m`);
    const b = new WebSocket(`${ex.wsUrl}/market/stream?streams=btcusdt@kline_1m`);
    const gotA: any[] = [];
    const gotB: any[] = [];
    a.on("message", (m) => gotA.push(JSON.parse(String(m))));
    b.on("message", (m) => gotB.push(JSON.parse(String(m)).data));
    await Promise.all([new Promise((r) => a.once("open", r)), new Promise((r) => b.once("open", r))]);
    const from = ex.nowMs();
    ex.step(2);
    for (let i = 0; i < 100 && (gotA.length < 2 || gotB.length < 2); i++) await new Promise((r) => setTimeout(r, 10));
    a.close();
    b.close();
    expect(gotA.map((e) => [e.k.t, e.k.x])).toEqual([[from, true], [from + MIN, true]]);
    expect(gotB).toEqual(gotA);
  });
});
