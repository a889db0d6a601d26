// Replays the real WebSocket captures through the same book-building code as `rlt record`.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readCapture } from "./capture.ts";
import { DepthSync } from "./depth-sync.ts";
import type { BookTickerEvent } from "./events.ts";

const SAMPLE = path.resolve(import.meta.dirname, "../../data/sample");

interface Top {
  bid: [number, number];
  ask: [number, number];
}

async function replay(file: string) {
  const sync = new DepthSync();
  const topAfter = new Map<number, Top>(); // book top right after the diff with final update id u
  let crossedAfterApply = 0;
  sync.onApplied = (diff, book) => {
    if (book.isCrossed()) crossedAfterApply++;
    topAfter.set(diff.u, { bid: book.bestBid()!, ask: book.bestAsk()! });
  };
  const tickers: BookTickerEvent[] = [];
  let diffs = 0;
  for await (const { event } of readCapture(file)) {
    if (event.type === "depth") {
      diffs++;
      sync.onDiff(event.diff);
    } else if (event.type === "snapshot") sync.onSnapshot(event.snapshot);
    else if (event.type === "bookTicker") tickers.push(event.ticker);
  }
  let matched = 0;
  const mismatches: string[] = [];
  for (const t of tickers) {
    const top = topAfter.get(t.updateId);
    if (!top) continue;
    matched++;
    const got = [top.bid[0], top.bid[1], top.ask[0], top.ask[1]];
    const want = [t.bidPrice, t.bidQty, t.askPrice, t.askQty];
    if (got.some((v, i) => v !== want[i])) mismatches.push(`u=${t.updateId} book ${got} ticker ${want}`);
  }
  return { sync, diffs, crossedAfterApply, tickers: tickers.length, matched, mismatches };
}

describe("capture replay through the local book (real BTCUSDT captures)", () => {
  it("2024-07-18: never crossed, every pu verified, best levels equal bookTicker at shared update ids", async () => {
    const r = await replay(path.join(SAMPLE, "BTCUSDT-ws-capture-20240718T2357.txt.gz"));
    const s = r.sync.stats;
    expect(r.diffs).toBe(9022);
    expect(s.snapshots).toBe(1);
    // every diff is accounted for: dropped as older than the snapshot, or applied with a verified chain
    expect(s.breaks).toBe(0);
    expect(s.droppedStale + s.applied).toBe(r.diffs);
    expect(s.puVerified).toBe(s.applied - 1); // the first diff after the snapshot is checked by U <= lastUpdateId <= u instead
    expect(r.crossedAfterApply).toBe(0);
    expect(r.matched).toBeGreaterThan(600);
    expect(r.mismatches).toEqual([]);
  });

  it("2023-04-04: the same holds for the older capture (µs receive times, spaced snapshot JSON)", async () => {
    const r = await replay(path.join(SAMPLE, "BTCUSDT-ws-capture-20230404T2358.txt.gz"));
    const s = r.sync.stats;
    expect(s.snapshots).toBe(1);
    expect(s.breaks).toBe(0);
    expect(s.droppedStale + s.applied).toBe(r.diffs);
    expect(r.crossedAfterApply).toBe(0);
    expect(r.matched).toBeGreaterThan(0);
    expect(r.mismatches).toEqual([]);
  });
});
