// The order manager over the in-memory venue with scripted Binance failures.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeVenue } from "../venue/fake.ts";
import { Journal } from "./journal.ts";
import { clientOrderId } from "./order-ids.ts";
import { OrderManager } from "./orders.ts";

const SESSION = "s-test";
const BAR = 1_700_000_040_000 - (1_700_000_040_000 % 60_000);
const FAST = { queryBackoffMs: [5, 10, 20], notFoundsBeforeResend: 3, maxQueries: 40, sendRetries: 2 };
const info = { session: SESSION, run: "runs/demo", model: "best", exchange: "local", mode: "exchange", symbol: "BTCUSDT", config: { a: 1 } };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(file = ":memory:", venue = new FakeVenue()) {
  const journal = await Journal.open(file, info);
  const manager = await OrderManager.create({ venue, journal, symbol: "BTCUSDT", session: SESSION, filters: venue.filters, once: FAST, fillWaitMs: 200 });
  await venue.userStream({ onEvent: (e) => void manager.handleUserEvent(e), onGap: () => undefined });
  return { venue, journal, manager };
}

const open = (qty: number, bar = BAR) => ({ leg: "open" as const, side: "BUY" as const, qty, reduceOnly: false, barOpenMs: bar, refPrice: 50_000, reason: "test" });

describe("OrderManager", () => {
  it("an unknown outcome whose order exists is found by query and never sent twice", async () => {
    const { venue, journal, manager } = await setup();
    venue.fail("placeOrder", { kind: "unknown-applied" });
    const r = await manager.submit(open(0.0105));
    const id = clientOrderId(SESSION, BAR, "open");
    expect(r).toMatchObject({ clientId: id, status: "filled" });
    expect(venue.calls.get("placeOrder")).toBe(1);
    expect(venue.applied.get(id)).toBe(1);
    expect((await journal.orderEvents(id)).map((e) => e.status)).toEqual(expect.arrayContaining(["pending", "unknown", "FILLED"]));
    expect(await journal.positionQty()).toBe(0.01); // floored to the 0.001 step
    expect(manager.positionQty).toBe(0.01);
  });

  it("an order that never arrived is sent once more, with the same id, after 3 not-founds past the recvWindow", async () => {
    const { venue, journal, manager } = await setup();
    venue.fail("placeOrder", { kind: "unknown-lost" });
    const r = await manager.submit(open(0.01));
    expect(r.status).toBe("filled");
    expect(venue.calls.get("placeOrder")).toBe(2);
    expect(venue.applied.get(r.clientId)).toBe(1);
    const events = (await journal.orderEvents(r.clientId)).map((e) => e.detail);
    expect(events.filter((d) => d.startsWith("not-found"))).toHaveLength(3);
    expect(events.filter((d) => d.startsWith("resend"))).toHaveLength(1);
    expect((await journal.order(r.clientId))?.sends).toBe(2);
  });

  it("a temporary failure is retried with the same id; a rejection is journaled and nothing retried", async () => {
    const { venue, journal, manager } = await setup();
    venue.fail("placeOrder", { kind: "temporary" }, { kind: "reject", code: -2019, message: "Margin is insufficient." });
    const r = await manager.submit(open(0.01));
    expect(r.status).toBe("rejected");
    expect(r.message).toContain("-2019");
    expect(venue.calls.get("placeOrder")).toBe(2);
    expect((await journal.order(r.clientId))?.status).toBe("rejected");
    expect(await journal.positionQty()).toBe(0);
  });

  it("refuses below the minimum notional before sending; reduce-only is exempt", async () => {
    const { venue, manager } = await setup();
    const r = await manager.submit({ ...open(0.001), refPrice: 1000 }); // 1 USDT < 5 USDT
    expect(r).toMatchObject({ status: "refused", message: "notional 1.00 USDT is below the minimum 5 USDT" });
    expect(venue.calls.get("placeOrder")).toBeUndefined();
    await manager.submit(open(0.002, BAR + 60_000));
    const close = await manager.submit({ leg: "close", side: "SELL", qty: 0.001, reduceOnly: true, barOpenMs: BAR + 120_000, refPrice: 1000, reason: "reduce" });
    expect(close.status).toBe("filled");
    expect(manager.positionQty).toBe(0.001);
  });

  it("journals funding, the wallet and the venue's position from ACCOUNT_UPDATE", async () => {
    const { venue, journal, manager } = await setup();
    await manager.submit(open(0.02));
    venue.funding(-0.25);
    await venue.settle();
    await manager.handleUserEvent({ kind: "expired", eventTimeMs: 0 }); // waits for the queued events
    expect(await journal.query("SELECT amount_usdt, source FROM funding")).toEqual([{ amount_usdt: -0.25, source: "stream" }]);
    const [last] = await journal.query<{ wallet_usdt: number }>("SELECT wallet_usdt FROM balances ORDER BY ts_ms DESC LIMIT 1");
    expect(last.wallet_usdt).toBe(9_999.75);
    expect((await journal.query<{ qty: number }>("SELECT qty FROM positions")).map((r) => r.qty)).toEqual([0.02, 0.02]);
  });

  it("a user-stream fill delivered twice is journaled once", async () => {
    const { venue, journal, manager } = await setup();
    venue.duplicateEvents = true;
    await manager.submit(open(0.02));
    await venue.settle();
    expect(await journal.count("fills")).toBe(1);
    expect(await journal.positionQty()).toBe(0.02);
    expect((await journal.fills())[0].source).toBe("stream");
  });

  it("fills missed by the stream are read back by REST, not invented", async () => {
    const { venue, journal, manager } = await setup();
    venue.dropEvents = 10;
    const r = await manager.submit(open(0.02));
    expect(r.status).toBe("filled");
    const fills = await journal.fills();
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ source: "rest", tradeId: venue.trades[0].tradeId, price: 50_000, qty: 0.02 });
  });

  it("places stop and take-profit after the entry fills and cancels them when the position closes", async () => {
    const { venue, journal, manager } = await setup();
    const res = await manager.applyTarget(0.02, { barOpenMs: BAR, refPrice: 50_000, reason: "buy", protection: { stopPrice: 49_000.04, takeProfitPrice: 52_000.06 }, venueQty: 0 });
    expect(res.map((r) => r.status)).toEqual(["filled"]);
    const openAlgos = await venue.openAlgoOrders();
    expect(openAlgos.map((a) => [a.type, a.side, a.triggerPrice, a.clientAlgoId]).sort()).toEqual([
      ["STOP_MARKET", "SELL", 49_000, clientOrderId(SESSION, BAR, "stop")],
      ["TAKE_PROFIT_MARKET", "SELL", 52_000.1, clientOrderId(SESSION, BAR, "tp")],
    ]);
    const res2 = await manager.applyTarget(0, { barOpenMs: BAR + 60_000, refPrice: 50_000, reason: "flat" });
    expect(res2.map((r) => [r.status, r.order?.reduceOnly])).toEqual([["filled", true]]);
    await venue.settle();
    await manager.cancelProtection("noop"); // waits for the queued cleanup
    expect(await venue.openAlgoOrders()).toEqual([]);
    expect((await journal.liveOrders()).length).toBe(0);
    expect(await journal.positionQty()).toBe(0);
  });

  it("reversing closes reduce-only first, swaps the protection to the new side", async () => {
    const { venue, manager } = await setup();
    await manager.applyTarget(0.02, { barOpenMs: BAR, refPrice: 50_000, reason: "buy", protection: { stopPrice: 49_000 }, venueQty: 0 });
    const res = await manager.applyTarget(-0.03, { barOpenMs: BAR + 60_000, refPrice: 50_000, reason: "sell", protection: { stopPrice: 51_000 } });
    expect(res.map((r) => [r.order?.leg, r.order?.side, r.order?.qty, r.order?.reduceOnly])).toEqual([
      ["close", "SELL", 0.02, true],
      ["open", "SELL", 0.03, false],
    ]);
    await venue.settle();
    await manager.cancelProtection("noop").catch(() => undefined);
    expect(venue.positionQty).toBe(-0.03);
  });

  it("moving the take-profit leaves exactly one take-profit, at the new price, and the stop untouched", async () => {
    const { venue, manager } = await setup();
    await manager.applyTarget(0.02, { barOpenMs: BAR, refPrice: 50_000, reason: "buy", protection: { stopPrice: 49_000, takeProfitPrice: 52_000 }, venueQty: 0 });
    await manager.moveTakeProfit(52_500, BAR + 60_000);
    await manager.moveTakeProfit(53_000, BAR + 60_000);
    const algos = await venue.openAlgoOrders();
    expect(algos.filter((a) => a.type === "TAKE_PROFIT_MARKET").map((a) => [a.triggerPrice, a.clientAlgoId])).toEqual([[53_000, clientOrderId(SESSION, BAR + 60_000, "tp", 1)]]);
    expect(algos.filter((a) => a.type === "STOP_MARKET")).toHaveLength(1);
  });

  it("a stop that triggers closes the position and its take-profit is cancelled (no orphan)", async () => {
    const { venue, journal, manager } = await setup();
    await manager.applyTarget(0.02, { barOpenMs: BAR, refPrice: 50_000, reason: "buy", protection: { stopPrice: 49_000, takeProfitPrice: 52_000 }, venueQty: 0 });
    venue.price = 48_990;
    venue.trigger(clientOrderId(SESSION, BAR, "stop"));
    await venue.settle();
    await manager.cancelProtection("settle").catch(() => undefined);
    expect(await venue.openAlgoOrders()).toEqual([]);
    expect(await journal.positionQty()).toBe(0);
    const stopFill = (await journal.fills()).find((f) => f.clientId === clientOrderId(SESSION, BAR, "stop"));
    expect(stopFill).toMatchObject({ price: 48_990, side: "SELL", qty: 0.02 });
  });

  it("a triggered stop's fill that arrives before its ALGO_UPDATE is still journaled, once", async () => {
    const { venue, journal, manager } = await setup();
    await manager.applyTarget(0.02, { barOpenMs: BAR, refPrice: 50_000, reason: "buy", protection: { stopPrice: 49_000 }, venueQty: 0 });
    await venue.settle();
    const stopId = clientOrderId(SESSION, BAR, "stop");
    const algo = venue.algos.get(stopId)!;
    // deliver the child's fill first, then the algo update naming it
    const child = { tradeId: "9999", orderId: "777", clientId: "autoclose-x", symbol: "BTCUSDT", side: "SELL" as const, qty: 0.02, price: 48_900, commission: 0, commissionAsset: "USDT", realizedPnlUsdt: 0, maker: false, timeMs: 1 };
    await manager.handleUserEvent({ kind: "order", eventTimeMs: 1, execution: "TRADE", fill: child, order: { symbol: "BTCUSDT", clientId: "autoclose-x", orderId: "777", side: "SELL", type: "MARKET", status: "FILLED", qty: 0.02, executedQty: 0.02, avgPrice: 48_900, reduceOnly: true, updateTimeMs: 1 } });
    expect(manager.positionQty).toBe(0.02);
    await manager.handleUserEvent({ kind: "algo", eventTimeMs: 2, algo: { ...algo, status: "FINISHED", triggeredOrderId: "777" } });
    expect(manager.positionQty).toBe(0);
    expect((await journal.fillsOf(stopId)).map((f) => f.tradeId)).toEqual(["9999"]);
  });

  it("a stop the venue refused is placed again under the next revision, never under the refused id", async () => {
    const { venue, manager } = await setup();
    venue.fail("placeAlgo", { kind: "reject", code: -2021, message: "Order would immediately trigger." });
    await manager.applyTarget(0.02, { barOpenMs: BAR, refPrice: 50_000, reason: "buy", protection: { stopPrice: 49_000 }, venueQty: 0 });
    expect(manager.liveProtection().stop).toBeUndefined();
    await manager.placeProtection(BAR, { stopPrice: 48_000 });
    expect((await venue.openAlgoOrders()).map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[clientOrderId(SESSION, BAR, "stop", 1), 48_000]]);
  });

  it("a crash after the acknowledgement, before the fill event: the restart reads the fill from the venue, once", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rlt-orders-"));
    dirs.push(dir);
    const file = path.join(dir, "journal.duckdb");
    const venue = new FakeVenue();
    const a = await setup(file, venue);
    venue.dropEvents = 100; // the process dies before any event of the order is read
    await a.manager.submit(open(0.01)).catch(() => undefined);
    const id = clientOrderId(SESSION, BAR, "open");
    // simulate the crash point: the journal has the ack but not the fill
    await a.journal.query("DELETE FROM fills");
    await a.journal.close();
    venue.dropEvents = 0;
    const b = await setup(file, venue);
    expect(b.manager.positionQty).toBe(0);
    await b.manager.resync();
    expect(await b.journal.positionQty()).toBe(0.01);
    expect((await b.journal.fillsOf(id)).map((f) => f.tradeId)).toEqual([venue.trades[0].tradeId]);
    expect(venue.applied.get(id)).toBe(1);
    await b.journal.close();
  });

  it("a reopened journal continues: a crash after an unknown send is resolved from the venue, once", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rlt-orders-"));
    dirs.push(dir);
    const file = path.join(dir, "journal.duckdb");
    const venue = new FakeVenue();
    const a = await setup(file, venue);
    // the send reaches the exchange; the process dies before the answer (simulated: journal only)
    await a.journal.recordIntent({ clientId: clientOrderId(SESSION, BAR, "open"), kind: "order", symbol: "BTCUSDT", leg: "open", barOpenMs: BAR, revision: 0, side: "BUY", type: "MARKET", qty: 0.01, triggerPrice: 0, reduceOnly: false }, "crash test", { stopPrice: 49_000 });
    await a.journal.updateOrder(clientOrderId(SESSION, BAR, "open"), { sent: true }, "send");
    venue.dropEvents = 100;
    await venue.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "MARKET", qty: 0.01, reduceOnly: false, clientId: clientOrderId(SESSION, BAR, "open") });
    venue.dropEvents = 0;
    await a.journal.close();
    const b = await setup(file, venue);
    expect(b.journal.resumed).toBe(true);
    await b.manager.resync();
    expect(venue.applied.get(clientOrderId(SESSION, BAR, "open"))).toBe(1);
    expect(await b.journal.positionQty()).toBe(0.01);
    expect((await b.journal.fills())[0].source).toBe("reconcile");
    // the stop the entry asked for is put back
    expect((await venue.openAlgoOrders()).map((a) => a.clientAlgoId)).toEqual([clientOrderId(SESSION, BAR, "stop")]);
    await b.journal.close();
  });
});
