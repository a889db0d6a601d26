// Reconciliation over the in-memory venue: what the venue's records explain is applied, the rest stops
// the start (or is adopted with --adopt); no fill is invented.
import { describe, expect, it } from "vitest";
import { FakeVenue } from "../venue/fake.ts";
import { Journal } from "./journal.ts";
import { clientOrderId } from "./order-ids.ts";
import { OrderManager } from "./orders.ts";
import { ReconcileMismatch, reconcile } from "./reconcile.ts";
import { connectUserStream } from "./reconcile-stream.ts";

const SESSION = "s-rec";
const BAR = 1_700_000_000_000 - (1_700_000_000_000 % 60_000);
const FAST = { queryBackoffMs: [5, 10], notFoundsBeforeResend: 3, maxQueries: 30, sendRetries: 2 };
const info = { session: SESSION, run: "r", model: "m", exchange: "local", mode: "exchange", symbol: "BTCUSDT", config: {} };

async function started(venue: FakeVenue, journal?: Journal) {
  const j = journal ?? (await Journal.open(":memory:", info));
  const manager = await OrderManager.create({ venue, journal: j, symbol: "BTCUSDT", session: SESSION, filters: venue.filters, once: FAST, fillWaitMs: 100 });
  await venue.userStream({ onEvent: (e) => void manager.handleUserEvent(e), onGap: () => undefined });
  return { journal: j, manager };
}
const rec = (venue: FakeVenue, s: { journal: Journal; manager: OrderManager }, adopt = false) => reconcile({ venue, ...s, symbol: "BTCUSDT", session: SESSION, adopt, trigger: "start" });

describe("reconcile", () => {
  it("is in sync on a fresh account and journals that", async () => {
    const venue = new FakeVenue();
    const s = await started(venue);
    const r = await rec(venue, s);
    expect(r).toMatchObject({ outcome: "in-sync", applied: [], differences: [], positionQty: 0 });
    expect(await s.journal.count("reconciliations")).toBe(1);
  });

  it("applies a stop that triggered while the trader was down: the fill from the venue's trades, the take-profit cancelled", async () => {
    const venue = new FakeVenue();
    const a = await started(venue);
    await a.manager.applyTarget(0.02, { barOpenMs: BAR, refPrice: 50_000, reason: "buy", protection: { stopPrice: 49_000, takeProfitPrice: 52_000 }, venueQty: 0 });
    await venue.settle();
    // the trader is gone; the market falls through the stop; no event reaches anyone
    await venue.userStream({ onEvent: () => undefined, onGap: () => undefined });
    venue.price = 48_950;
    venue.trigger(clientOrderId(SESSION, BAR, "stop"), { silent: true });
    const b = await started(venue, a.journal);
    expect(b.manager.positionQty).toBe(0.02);
    const r = await rec(venue, b);
    expect(r.outcome).toBe("applied");
    expect(r.applied.join("\n")).toMatch(/fill \d+ of rlt-.*-s: SELL 0.02 at 48950/);
    expect(r.applied.join("\n")).toContain(`algo order ${clientOrderId(SESSION, BAR, "stop")}: NEW → FINISHED`);
    expect(await a.journal.positionQty()).toBe(0);
    await b.manager.cancelProtection("settle");
    expect(await venue.openAlgoOrders()).toEqual([]);
    const fills = await a.journal.fills();
    expect(fills.map((f) => [f.source, f.tradeId])).toEqual([["stream", venue.trades[0].tradeId], ["reconcile", venue.trades[1].tradeId]]);
  });

  it("stops on what the venue's records do not explain, naming each difference", async () => {
    const venue = new FakeVenue();
    const s = await started(venue);
    venue.foreignOrder("BUY", 0.01);
    await venue.placeAlgo({ symbol: "BTCUSDT", side: "SELL", type: "STOP_MARKET", triggerPrice: 45_000, workingType: "MARK_PRICE", closePosition: true, clientAlgoId: "manual-sl" });
    const err = (await rec(venue, s).catch((e) => e)) as ReconcileMismatch;
    expect(err).toBeInstanceOf(ReconcileMismatch);
    expect(err.differences).toEqual([
      "the exchange holds 0.01 BTCUSDT (entry 50000), the journal's fills add up to 0",
      "open algo order manual-sl (STOP_MARKET SELL at 45000) is not this session's",
    ]);
    expect(err.hint).toContain("--adopt");
    expect(err.exitCode).toBe(1);
    expect(await s.journal.positionQty()).toBe(0); // nothing invented
    expect(await s.journal.count("fills")).toBe(0);
    expect((await s.journal.query<{ outcome: string }>("SELECT outcome FROM reconciliations"))[0].outcome).toBe("mismatch");
  });

  it("adopts the venue's position and orders with adopt: an adjustment, not a fill", async () => {
    const venue = new FakeVenue();
    const s = await started(venue);
    venue.foreignOrder("SELL", 0.03);
    await venue.placeAlgo({ symbol: "BTCUSDT", side: "BUY", type: "STOP_MARKET", triggerPrice: 55_000, workingType: "MARK_PRICE", closePosition: true, clientAlgoId: "manual-sl" });
    const r = await rec(venue, s, true);
    expect(r.outcome).toBe("adopted");
    expect(r.differences).toHaveLength(2);
    expect(await s.journal.positionQty()).toBe(-0.03);
    expect(s.manager.positionQty).toBe(-0.03);
    expect(await s.journal.count("fills")).toBe(0);
    expect(await s.journal.count("position_adjustments")).toBe(1);
    expect(s.manager.liveProtection().stop?.clientId).toBe("manual-sl");
    // a second reconciliation finds everything in sync
    expect((await rec(venue, s)).outcome).toBe("in-sync");
  });

  it("reconciles after every stream gap: fills missed while the stream was down are read back", async () => {
    const venue = new FakeVenue();
    const journal = await Journal.open(":memory:", info);
    const manager = await OrderManager.create({ venue, journal, symbol: "BTCUSDT", session: SESSION, filters: venue.filters, once: FAST, fillWaitMs: 100 });
    const reports: string[] = [];
    const stream = await connectUserStream({ venue, journal, manager, symbol: "BTCUSDT", session: SESSION, onReconciled: (r) => reports.push(`${r.trigger}: ${r.outcome}`) });
    await manager.applyTarget(0.02, { barOpenMs: BAR, refPrice: 50_000, reason: "buy", protection: { stopPrice: 49_000 }, venueQty: 0 });
    venue.price = 48_900;
    venue.trigger(clientOrderId(SESSION, BAR, "stop"), { silent: true }); // while the socket was down
    venue.gap("the user stream reconnected");
    await new Promise((r) => setImmediate(r));
    await stream.idle();
    expect(reports).toEqual(["gap: the user stream reconnected: applied"]);
    expect(await journal.positionQty()).toBe(0);
    await stream.close();
  });
});
