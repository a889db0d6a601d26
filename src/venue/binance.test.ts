// The Binance venue and the order manager against the local exchange, over real HTTP and WebSocket on
// 127.0.0.1, through binance-api-node: a market round trip, a 503 after the order was applied, the user
// stream's fills, listenKey expiry, protective algo orders, and keys the exchange rejects.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleDataDir } from "../../test/helpers/sample-store.ts";
import { startExchange } from "../exchange/server.ts";
import { bracketTable } from "../sim/brackets.ts";
import type { RunningExchange } from "../exchange/types.ts";
import { Journal } from "../trade/journal.ts";
import { clientOrderId } from "../trade/order-ids.ts";
import { OrderManager } from "../trade/orders.ts";
import { BinanceVenue } from "./binance.ts";
import { UsageError } from "../core/errors.ts";
import { KeysRejected } from "./errors.ts";
import { loadKeys } from "./keys.ts";
import type { UserEvent } from "./types.ts";

const KEY = { apiKey: "rltVenueTestKey0001", apiSecret: "rltVenueTestSecretABCDEFGH" };
const T0 = Date.UTC(2023, 6, 20, 0, 0);
const SESSION = "venue-it";
const FAST = { queryBackoffMs: [20, 50, 100], notFoundsBeforeResend: 3, maxQueries: 40, sendRetries: 3 };

let ex: RunningExchange;
let venue: BinanceVenue;
let journal: Journal;
let manager: OrderManager;
const events: UserEvent[] = [];
const gaps: string[] = [];
let stream: { close(): Promise<void> };
const dir = mkdtempSync(path.join(tmpdir(), "rlt-venue-"));
const produced: string[] = []; // every error message, hint and stack the run produced

beforeAll(async () => {
  ex = await startExchange({ dataDir: await sampleDataDir(), replay: { fromMs: T0, barsPerSecond: 1, manual: true }, trading: { keys: [KEY] } });
  loadKeys({ env: { RLT_API_KEY: KEY.apiKey, RLT_API_SECRET: KEY.apiSecret } }); // registers them for redaction
  // a short recvWindow keeps the "never arrived" test quick: not-founds count once it has passed
  venue = new BinanceVenue({ exchange: "local", restUrl: ex.restUrl, wsUrl: ex.wsUrl, ...KEY, requestTimeoutMs: 5000, recvWindowMs: 300 });
  await venue.serverTimeMs();
  journal = await Journal.open(path.join(dir, "journal.duckdb"), { session: SESSION, run: "runs/it", model: "best", exchange: "local", mode: "exchange", symbol: "BTCUSDT", config: {} });
  const filters = await venue.exchangeInfo("BTCUSDT");
  manager = await OrderManager.create({ venue, journal, symbol: "BTCUSDT", session: SESSION, filters, once: FAST, fillWaitMs: 1000 });
  stream = await venue.userStream({
    onEvent: (e) => {
      events.push(e);
      void manager.handleUserEvent(e);
    },
    onGap: (reason) => gaps.push(reason),
    onError: (err) => produced.push(`${err.message} ${err.stack}`),
  });
});

afterAll(async () => {
  await stream?.close();
  await journal?.close().catch(() => undefined);
  await ex?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor<T>(fn: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("BinanceVenue on the local exchange", () => {
  it("reads the filters and the futures clock, and sets one-way mode, isolated margin and leverage", async () => {
    const f = await venue.exchangeInfo("BTCUSDT");
    expect(f).toMatchObject({ tickSize: 0.1, stepSize: 0.001, minQty: 0.001, marketMaxQty: 120, minNotional: 100, percentPrice: { multiplierUp: 1.05, multiplierDown: 0.95 } });
    expect(await venue.serverTimeMs()).toBe(T0);
    await venue.setup("BTCUSDT", 5);
    await venue.setup("BTCUSDT", 5); // -4046 "no need to change" the second time is success
    // the exchange's table, in the shape the account takes: the local exchange serves src/sim's stored one
    expect(await venue.leverageBrackets("BTCUSDT")).toEqual(bracketTable("BTCUSDT", 0.004).brackets.map((b) => ({ ...b, notionalCap: Number.isFinite(b.notionalCap) ? b.notionalCap : expect.anything() })));
    await expect(venue.exchangeInfo("NOPEUSDT")).rejects.toThrow("local does not list NOPEUSDT");
  });

  it("a market round trip: the fills come from the user stream, once each, and the position follows", async () => {
    const open = await manager.submit({ leg: "open", side: "BUY", qty: 0.0105, reduceOnly: false, barOpenMs: T0, refPrice: 29_895.5, reason: "it" });
    expect(open).toMatchObject({ status: "filled", clientId: clientOrderId(SESSION, T0, "open") });
    expect(open.order).toMatchObject({ qty: 0.01, executedQty: 0.01, avgPrice: 29899.984325 });
    const fills = await journal.fillsOf(open.clientId);
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ qty: 0.01, price: 29899.984325, source: "stream", side: "BUY" });
    expect(fills[0].commission).toBeCloseTo(0.149499921625, 12);
    expect((await venue.position("BTCUSDT")).qty).toBe(0.01);
    const close = await manager.submit({ leg: "close", side: "SELL", qty: 0.01, reduceOnly: true, barOpenMs: T0, refPrice: 29_895.5, reason: "it" });
    expect(close.status).toBe("filled");
    expect(await journal.positionQty()).toBe(0);
    expect((await venue.position("BTCUSDT")).qty).toBe(0);
    expect((await venue.userTrades("BTCUSDT", { startTimeMs: T0 })).map((t) => t.side)).toEqual(["BUY", "SELL"]);
  });

  it("a 503 'Unknown error' after the order was applied is resolved by a query, without a second order", async () => {
    ex.step();
    await venue.serverTimeMs();
    const bar = T0 + 60_000;
    ex.faults.orderUnknownErrorRate = 1;
    const before = ex.stats().ordersPlaced;
    try {
      const r = await manager.submit({ leg: "open", side: "SELL", qty: 0.02, reduceOnly: false, barOpenMs: bar, refPrice: 29_900, reason: "it" });
      expect(r.status).toBe("filled");
      expect((await journal.orderEvents(r.clientId)).map((e) => e.status)).toContain("unknown");
    } finally {
      ex.faults.orderUnknownErrorRate = 0;
    }
    expect(ex.stats().ordersPlaced - before).toBe(1);
    expect((await venue.position("BTCUSDT")).qty).toBe(-0.02);
    expect(await journal.positionQty()).toBe(-0.02);
  });

  it("-1006 (not applied) is resolved by not-founds past the recvWindow and one re-send with the same id", async () => {
    await venue.serverTimeMs();
    let first = true;
    ex.onRequest((p) => {
      if (p !== "/fapi/v1/order") return;
      ex.faults.orderRejectRate = first ? 1 : 0;
      first = false;
    });
    const before = ex.stats().ordersPlaced;
    const r = await manager.submit({ leg: "close", side: "BUY", qty: 0.01, reduceOnly: true, barOpenMs: T0 + 60_000, refPrice: 29_900, reason: "it" });
    ex.faults.orderRejectRate = 0;
    expect(r.status).toBe("filled");
    expect(ex.stats().ordersPlaced - before).toBe(1);
    expect(r.order?.sends).toBe(2);
    const details = (await journal.orderEvents(r.clientId)).map((e) => e.detail);
    expect(details.filter((d) => d.startsWith("not-found"))).toHaveLength(3);
    expect((await venue.position("BTCUSDT")).qty).toBe(-0.01);
  });

  it("-1007 after apply, and every user event dropped: found by query, fills read by REST, once", async () => {
    await venue.serverTimeMs();
    ex.faults.orderTimeoutRate = 1;
    ex.faults.userEventDropRate = 1;
    const before = ex.stats().ordersPlaced;
    try {
      const r = await manager.submit({ leg: "open", side: "SELL", qty: 0.01, reduceOnly: false, barOpenMs: T0 + 60_000, refPrice: 29_900, reason: "it", revision: 1 });
      expect(r.status).toBe("filled");
      const fills = await journal.fillsOf(r.clientId);
      expect(fills.map((f) => [f.source, f.qty])).toEqual([["rest", 0.01]]);
    } finally {
      ex.faults.orderTimeoutRate = 0;
      ex.faults.userEventDropRate = 0;
    }
    expect(ex.stats().ordersPlaced - before).toBe(1);
    expect(await journal.positionQty()).toBe(-0.02);
    expect((await venue.position("BTCUSDT")).qty).toBe(-0.02);
  });

  it("-1021 re-reads the futures clock and the venue sends the order once more, which goes through", async () => {
    await venue.serverTimeMs();
    let orderRequests = 0;
    ex.onRequest((p) => {
      if (p !== "/fapi/v1/order") return;
      ex.faults.timestampErrorRate = orderRequests++ === 0 ? 1 : 0;
    });
    const r = await manager.submit({ leg: "close", side: "BUY", qty: 0.01, reduceOnly: true, barOpenMs: T0 + 60_000, refPrice: 29_900, reason: "it", revision: 1 });
    ex.faults.timestampErrorRate = 0;
    expect(r.status).toBe("filled");
    // the refused request (-1021 is checked before anything is applied) and the one that went through
    expect(orderRequests).toBe(2);
    expect((await venue.position("BTCUSDT")).qty).toBe(-0.01);
  });

  it("places the stop-loss as a closePosition algo order and cancels it when flattening", async () => {
    const bar = T0 + 60_000;
    await venue.serverTimeMs();
    await manager.placeProtection(bar, { stopPrice: 30_500, takeProfitPrice: 29_000 });
    const algos = await venue.openAlgoOrders("BTCUSDT");
    expect(algos.map((a) => [a.type, a.side, a.triggerPrice]).sort()).toEqual([["STOP_MARKET", "BUY", 30_500], ["TAKE_PROFIT_MARKET", "BUY", 29_000]]);
    await manager.moveTakeProfit(29_100, bar);
    expect((await venue.openAlgoOrders("BTCUSDT")).filter((a) => a.type === "TAKE_PROFIT_MARKET").map((a) => a.triggerPrice)).toEqual([29_100]);
    const r = await manager.flatten("test", bar, 29_900);
    expect(r?.status).toBe("filled");
    expect(await venue.openAlgoOrders("BTCUSDT")).toEqual([]);
    expect((await venue.position("BTCUSDT")).qty).toBe(0);
    expect(manager.liveOrders()).toEqual([]);
  });

  it("reconnects with a new listenKey after listenKeyExpired, reports the gap, and the next fill arrives", async () => {
    await venue.serverTimeMs();
    ex.expireListenKeys();
    await waitFor(() => events.find((e) => e.kind === "expired"));
    await waitFor(() => gaps.find((g) => g.includes("expired")));
    const r = await manager.submit({ leg: "open", side: "BUY", qty: 0.01, reduceOnly: false, barOpenMs: T0 + 120_000, refPrice: 29_900, reason: "after expiry" });
    expect(r.status).toBe("filled");
    const fill = await waitFor(() => events.find((e) => e.kind === "order" && e.order.clientId === r.clientId && e.fill));
    expect(fill.kind).toBe("order");
    expect((await journal.fillsOf(r.clientId))[0].source).toBe("stream");
    await manager.flatten("cleanup", T0 + 120_000, 29_900);
  });

  it("a dropped user-stream socket reconnects and is reported as a gap; a resync after it reads what was missed", { timeout: 30_000 }, async () => {
    await venue.serverTimeMs();
    const gapsBefore = gaps.length;
    ex.faults.wsDropRate = 1; // the socket dies after the next message it sends
    ex.faults.userEventDropRate = 0;
    const r = await manager.submit({ leg: "open", side: "BUY", qty: 0.01, reduceOnly: false, barOpenMs: T0 + 180_000, refPrice: 29_900, reason: "drop" });
    ex.faults.wsDropRate = 0;
    expect(r.status).toBe("filled");
    // binance-api-node reconnects after its 4 s minimum delay
    const reason = await waitFor(() => gaps.slice(gapsBefore)[0], 15_000);
    expect(reason).toBe("the user stream reconnected");
    await venue.serverTimeMs();
    await manager.resync();
    expect(await journal.positionQty()).toBe((await venue.position("BTCUSDT")).qty);
    expect((await journal.fillsOf(r.clientId)).length).toBe(1);
    await manager.flatten("cleanup", T0 + 180_000, 29_900);
  });

  it("a stop that triggers on the replayed market closes the position; the fill is journaled once and no protective order is left", async () => {
    await venue.serverTimeMs();
    const bar = T0 + 240_000;
    const mark = (await venue.position("BTCUSDT")).markPrice || 29_890;
    await manager.applyTarget(0.01, { barOpenMs: bar, refPrice: mark, reason: "tight stop", protection: { stopPrice: mark - 3, takeProfitPrice: mark + 500 }, venueQty: 0 });
    expect((await venue.openAlgoOrders("BTCUSDT")).length).toBe(2);
    const stopId = clientOrderId(SESSION, bar, "stop");
    for (let i = 0; i < 30 && manager.positionQty !== 0; i++) {
      ex.step();
      await new Promise((r) => setTimeout(r, 30));
    }
    await venue.serverTimeMs();
    await manager.resync();
    expect(manager.positionQty).toBe(0);
    expect((await venue.position("BTCUSDT")).qty).toBe(0);
    expect((await journal.fillsOf(stopId)).length).toBe(1);
    expect(await venue.openAlgoOrders("BTCUSDT")).toEqual([]);
    expect(manager.liveOrders()).toEqual([]);
    // TRIGGERED then FINISHED arrive as two ALGO_UPDATE events: on a loaded machine the second can still be on its way
    for (let i = 0; i < 100 && manager.order(stopId)?.status !== "FINISHED"; i++) await new Promise((r) => setTimeout(r, 20));
    expect(manager.order(stopId)?.status).toBe("FINISHED");
  });

  it("slows down when X-MBX-ORDER-COUNT-10S nears the limit (orderBudget of 300 per 10 s)", async () => {
    // 9 s into a fresh 10 s window of the (manual) server clock: the pause until the next one is ~1 s
    ex.advanceTo(Math.ceil((ex.nowMs() + 1) / 10_000) * 10_000 + 9_000);
    const paced = new BinanceVenue({ exchange: "local", restUrl: ex.restUrl, wsUrl: ex.wsUrl, ...KEY, orderBudget: 10 / 300 });
    await paced.serverTimeMs();
    await paced.exchangeInfo("BTCUSDT");
    expect((await paced.position("BTCUSDT")).qty).toBe(0);
    // reduce-only with nothing to reduce: refused (-2022), but counted like every order
    const refused = () => paced.placeOrder({ symbol: "BTCUSDT", side: "SELL", type: "MARKET", qty: 0.01, reduceOnly: true, clientId: "pace" }).catch((e) => e);
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) { const e = await refused(); expect([e.code, i, e.message]).toEqual([-2022, i, expect.any(String)]); }
    const quick = Date.now() - t0;
    const t1 = Date.now();
    await refused();
    const paused = Date.now() - t1;
    expect(paused).toBeGreaterThan(300);
    expect(paused).toBeGreaterThan(quick / 10 + 250);
  });

  it("refuses mainnet without the opt-in, whatever the exchange name says, and never keeps the secret on the object", () => {
    expect(() => new BinanceVenue({ exchange: "mainnet", ...KEY })).toThrow("refusing to trade on Binance mainnet (fapi.binance.com) without the opt-in");
    expect(() => new BinanceVenue({ exchange: "demo", restUrl: "https://fapi.binance.com", ...KEY })).toThrow(UsageError);
    // wsUrl kept local: binance-api-node holds WebSocket URLs in module state, shared with this file's user stream
    expect(new BinanceVenue({ exchange: "mainnet", ...KEY, wsUrl: ex.wsUrl, mainnetOptIn: true }).restUrl).toBe("https://fapi.binance.com");
    expect(new BinanceVenue({ exchange: "demo", ...KEY, wsUrl: ex.wsUrl }).restUrl).toBe("https://demo-fapi.binance.com");
    const printed = `${JSON.stringify(venue)} ${inspect(venue, { depth: 5 })}`;
    expect(printed).not.toContain(KEY.apiSecret);
    expect(printed).not.toContain(KEY.apiKey);
  });

  it("keys the exchange rejects are a KeysRejected naming RLT_API_KEY, and never show the key or secret", async () => {
    const bad = new BinanceVenue({ exchange: "local", restUrl: ex.restUrl, apiKey: KEY.apiKey, apiSecret: "wrongSecretWrongSecret" });
    await bad.serverTimeMs();
    const err = await bad.balanceUsdt().catch((e) => e);
    expect(err).toBeInstanceOf(KeysRejected);
    expect(err.exitCode).toBe(2);
    expect(`${err.message} ${err.hint}`).toContain("RLT_API_KEY");
    const text = `${err.message} ${err.hint} ${err.stack}`;
    expect(text).not.toContain(KEY.apiKey);
    expect(text).not.toContain(KEY.apiSecret);
    expect(text).not.toContain("signature=");
    produced.push(text, JSON.stringify(err), String(err.cause?.message));
    await journal.recordError("test: rejected keys", err);
  });

  it("no key or secret in anything the run produced: errors, stream errors, the journal's every table and file", async () => {
    const tables = (await journal.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables")).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(["orders", "order_events", "fills", "errors", "session", "intents"]));
    for (const t of tables) produced.push(JSON.stringify(await journal.query(`SELECT * FROM "${t}"`), (_, v) => (typeof v === "bigint" ? String(v) : v)));
    await journal.close();
    for (const f of readdirSync(dir)) produced.push(readFileSync(path.join(dir, f)).toString("latin1"));
    const all = produced.join("\n");
    expect(all).toContain("the exchange rejected the API keys"); // the scan did see the error
    expect(all).not.toContain(KEY.apiKey);
    expect(all).not.toContain(KEY.apiSecret);
  });
});
