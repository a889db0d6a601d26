// The capture source under a server replay clock: a frame goes out when the clock passes it (frames
// before the clock's start are history, not sent, though the book took them), and with aggregateTrades
// the raw trades go out as aggTrades of one time, side and price, each counting its trades.
import { describe, expect, it } from "vitest";
import { SAMPLE_CAPTURE_2024 } from "../../test/helpers/sample-store.ts";
import { readCapture } from "../record/capture.ts";
import { createCaptureSource } from "./capture-source.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("capture source on a replay clock", () => {
  it("sends each frame when the clock passes it, and aggregates trades as the history driver groups them", async () => {
    const trades = new Map<string, { qty: number; n: number }>();
    let count = 0;
    for await (const { event } of readCapture(SAMPLE_CAPTURE_2024)) {
      if (event.type !== "trade") continue;
      const t = event.trade;
      const key = `${t.tradeTimeMs}|${t.isBuyerMaker}|${t.priceUsdt}`;
      const g = trades.get(key) ?? { qty: 0, n: 0 };
      g.qty += t.qty;
      g.n++;
      trades.set(key, g);
      count++;
    }
    let nowMs = Date.UTC(2024, 6, 18, 23, 58);
    const source = await createCaptureSource(SAMPLE_CAPTURE_2024, { aggregateTrades: true });
    source.followClock!(() => nowMs);
    const depth: number[] = [];
    const aggs: Record<string, unknown>[] = [];
    const offDepth = source.subscribe("btcusdt@depth@100ms", (p) => depth.push(Number(p.E)));
    const offAgg = source.subscribe("btcusdt@aggTrade", (p) => aggs.push(p));
    try {
      await wait(50);
      // the clock stands at 23:58: the two minutes before it are not sent, and its book is in sync
      expect(depth.length).toBe(0);
      expect(source.depthSnapshot!("BTCUSDT", 5)?.bids.length).toBe(5);
      expect(source.replayNowMs()).toBe(nowMs);
      nowMs += 10_000;
      await wait(50);
      expect(depth.length).toBeGreaterThan(50);
      expect(Math.min(...depth)).toBeGreaterThanOrEqual(Date.UTC(2024, 6, 18, 23, 58) - 2_000);
      expect(Math.max(...depth)).toBeLessThanOrEqual(nowMs);
      nowMs = Date.UTC(2024, 6, 19, 0, 10);
      await wait(50);
      // every aggregate sent is one (time, side, price) group with its trades counted in l − f + 1
      const sent = aggs.map((a) => ({ key: `${a.T}|${a.m}|${Number(a.p)}`, qty: Number(a.q), n: Number(a.l) - Number(a.f) + 1 }));
      expect(new Set(sent.map((a) => a.key)).size).toBe(sent.length);
      for (const a of sent) {
        expect(a.n).toBe(trades.get(a.key)!.n);
        expect(a.qty).toBeCloseTo(trades.get(a.key)!.qty, 8);
      }
      expect(sent.length).toBeGreaterThan(100);
      expect(sent.length).toBeLessThan(count); // fewer aggregates than trades: some orders filled several makers
    } finally {
      offDepth();
      offAgg();
      source.close?.();
    }
  });
});
