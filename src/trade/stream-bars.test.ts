// StreamBars: events go to the bar their event time falls in whatever order they arrive in, and a bar
// a stream did not cover whole (connected late, dropped, resynced, filled from REST) has that stream's
// fields unknown (NaN), never a partial count.
import { describe, expect, it } from "vitest";
import type { MarketEvent } from "../record/events.ts";
import type { Kline } from "./bars.ts";
import { StreamBars } from "./stream-bars.ts";

const T0 = Date.UTC(2024, 6, 18, 23, 58);
const MIN = 60_000;
const kline = (openTime: number): Kline => ({ openTime, open: 100, high: 101, low: 99, close: 100.5, volume: 3, quoteVolume: 301, trades: 4, takerBuyVolume: 1 });
let tradeId = 1;
const agg = (tMs: number, qty: number, buyerMaker = false): MarketEvent => ({
  type: "aggTrade",
  recvMs: 0,
  trade: { tradeId: tradeId, priceUsdt: 100, qty, tradeTimeMs: tMs, isBuyerMaker: buyerMaker, firstTradeId: tradeId, lastTradeId: tradeId++ },
});
const ticker = (tMs: number, bidQty: number): MarketEvent => ({ type: "bookTicker", recvMs: 0, ticker: { updateId: tMs, bidPrice: 100, bidQty, askPrice: 100.1, askQty: 1, transactTimeMs: tMs, eventTimeMs: tMs } });
let u = 100;
const diff = (tMs: number, bids: [number, number][], opts: { pu?: number } = {}): MarketEvent => {
  const pu = opts.pu ?? u;
  const ev: MarketEvent = { type: "depth", recvMs: 0, transactTimeMs: tMs, diff: { U: pu + 1, u: pu + 10, pu, eventTimeMs: tMs, bids, asks: [[100.1, 2]] } };
  u = pu + 10;
  return ev;
};

describe("StreamBars routing by event time", () => {
  it("keeps events stamped after a bar's close for the next bar, even when they arrive before its kline", () => {
    const bars = new StreamBars(["aggTrade", "bookTicker"]);
    bars.up(["aggTrade", "bookTicker"]);
    bars.add("aggTrade", agg(T0 - 1, 9)); // opens the session just before bar T0
    bars.add("bookTicker", ticker(T0 - 1, 1));
    bars.add("aggTrade", agg(T0 + 1_000, 2));
    bars.add("aggTrade", agg(T0 + 59_999, 3, true));
    // bar T0+1's events arrive before T0's kline (the /market connection is slower than /public, say)
    bars.add("bookTicker", ticker(T0 + 30_000, 4));
    bars.add("bookTicker", ticker(T0 + MIN + 5, 2));
    bars.add("aggTrade", agg(T0 + MIN, 5));
    expect(bars.caughtUp(T0 + MIN)).toBe(true);
    expect(bars.caughtUp(T0 + 2 * MIN)).toBe(false);
    expect(bars.behind(T0 + 2 * MIN)).toEqual(["aggTrade", "bookTicker"]);
    // the trade stamped before T0 belongs to a bar no kline finished here: it is dropped, not counted in T0
    const first = bars.finish(kline(T0 - MIN));
    expect(first.incomplete).toEqual(["aggTrade", "bookTicker"]);
    const a = bars.finish(kline(T0));
    expect(a.complete).toEqual(["aggTrade", "bookTicker"]);
    expect(a.input.aggCount).toBe(2);
    expect(a.input.buyVolume).toBe(2);
    expect(a.input.sellVolume).toBe(3);
    // OFI of the one best-level change inside T0: the bid queue grew from 1 to 4 at the same price
    expect(a.input.ofi).toBe(3);
    bars.add("aggTrade", agg(T0 + 2 * MIN, 1));
    bars.add("bookTicker", ticker(T0 + 2 * MIN, 2));
    const b = bars.finish(kline(T0 + MIN));
    expect(b.complete).toEqual(["aggTrade", "bookTicker"]);
    expect(b.input.aggCount).toBe(1);
    expect(b.input.buyVolume).toBe(5);
    expect(b.input.ofi).toBe(-2); // 4 → 2 at the same bid
    // the kline part is the kline's
    expect([b.input.open, b.input.close, b.input.volume]).toEqual([100, 100.5, 3]);
  });
});

describe("StreamBars incomplete bars", () => {
  it("masks a stream's fields in the bar it connected in, the bars its outage touched, and REST-filled bars", () => {
    const bars = new StreamBars(["aggTrade"]);
    bars.up(["aggTrade"]);
    bars.add("aggTrade", agg(T0 + 20_000, 1)); // connected mid-bar
    bars.add("aggTrade", agg(T0 + MIN + 10, 1));
    const connectedIn = bars.finish(kline(T0));
    expect(connectedIn.incomplete).toEqual(["aggTrade"]);
    expect(Number.isNaN(connectedIn.input.aggCount) && Number.isNaN(connectedIn.input.buyVolume)).toBe(true);
    bars.add("aggTrade", agg(T0 + 2 * MIN + 10, 1));
    const whole = bars.finish(kline(T0 + MIN));
    expect(whole.complete).toEqual(["aggTrade"]);
    expect(whole.input.aggCount).toBe(1);
    // a drop inside bar T0+2: its trades so far are not a bar's worth
    bars.add("aggTrade", agg(T0 + 2 * MIN + 30_000, 1));
    bars.down(["aggTrade"]);
    bars.add("aggTrade", agg(T0 + 2 * MIN + 40_000, 1)); // a late message of the dead connection: ignored
    bars.up(["aggTrade"]);
    bars.add("aggTrade", agg(T0 + 3 * MIN + 15_000, 1)); // back inside T0+3
    bars.add("aggTrade", agg(T0 + 4 * MIN + 1, 1));
    bars.add("aggTrade", agg(T0 + 5 * MIN + 1, 1));
    const dropped = bars.finish(kline(T0 + 2 * MIN));
    const reconnected = bars.finish(kline(T0 + 3 * MIN));
    const after = bars.finish(kline(T0 + 4 * MIN));
    expect([dropped.incomplete, reconnected.incomplete, after.complete]).toEqual([["aggTrade"], ["aggTrade"], ["aggTrade"]]);
    expect(Number.isNaN(dropped.input.aggCount) && Number.isNaN(reconnected.input.fills)).toBe(true);
    expect(after.input.aggCount).toBe(1);
    // the stream never dropped in T0+5, but the kline stream did: that bar came from REST
    bars.add("aggTrade", agg(T0 + 6 * MIN + 1, 1));
    const rest = bars.finish(kline(T0 + 5 * MIN), { fromRest: true });
    expect(rest.incomplete).toEqual(["aggTrade"]);
    expect(Number.isNaN(rest.input.aggCount)).toBe(true);
    // fields of streams the session does not open are unknown too, never zero
    expect(Number.isNaN(after.input.ofi) && Number.isNaN(after.input.spreadBps) && Number.isNaN(after.input.levelIncreases)).toBe(true);
  });

  it("takes the book from the last snapshot before the close, and masks it in a bar with a depth resync", () => {
    const bars = new StreamBars(["depth"]);
    const resyncs: number[] = [];
    bars.onResync = (t) => resyncs.push(t);
    bars.up(["depth"]);
    u = 100;
    bars.add("depth", diff(T0 - 500, [[99.9, 1]]));
    bars.snapshot({ lastUpdateId: 105, bids: [[100, 1], [99.9, 1]], asks: [[100.1, 1]] });
    bars.add("depth", diff(T0 + 10_000, [[100, 2]]));
    bars.add("depth", diff(T0 + 59_200, [[100, 3]])); // the bar's last snapshot (the first change of its last second)
    bars.add("depth", diff(T0 + 59_800, [[100, 9]])); // same second: no new snapshot
    bars.add("depth", diff(T0 + MIN + 200, [[100, 4]]));
    const a = bars.finish(kline(T0));
    expect(a.complete).toEqual(["depth"]);
    // best bid 100 × 3 and 99.9 × 1 (the 59.2 s snapshot), best ask 100.1 × 2: imbalance over the top 5 levels
    expect(a.input.bookImbalance).toBeCloseTo((3 + 1 - 2) / (3 + 1 + 2), 12);
    // level 100 in the bar's diffs: 2 → 3 → 9 (its first appearance has no previous quantity); the ask stays at 2
    expect([a.input.levelIncreases, a.input.levelDecreases]).toEqual([2, 0]);
    // a chain break in the next bar: its book fields are masked and the session is told
    bars.add("depth", diff(T0 + MIN + 20_000, [[100, 5]], { pu: 1 }));
    bars.snapshot({ lastUpdateId: u - 5, bids: [[100, 5]], asks: [[100.1, 1]] });
    bars.add("depth", diff(T0 + 2 * MIN + 100, [[100, 6]]));
    const broken = bars.finish(kline(T0 + MIN));
    expect(resyncs).toEqual([T0 + MIN + 20_000]);
    expect(broken.incomplete).toEqual(["depth"]);
    expect(Number.isNaN(broken.input.spreadBps) && Number.isNaN(broken.input.levelIncreases)).toBe(true);
  });
});
