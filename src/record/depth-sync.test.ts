import { describe, expect, it } from "vitest";
import { type DepthDiff, DepthSync } from "./depth-sync.ts";
import { OrderBook } from "./order-book.ts";

const diff = (U: number, u: number, pu: number, bids: [number, number][] = [], asks: [number, number][] = []): DepthDiff => ({ U, u, pu, eventTimeMs: u, bids, asks });
const snapshot = (lastUpdateId: number) => ({ lastUpdateId, bids: [[100, 1], [99, 2]] as [number, number][], asks: [[101, 1], [102, 3]] as [number, number][] });

describe("OrderBook", () => {
  it("keeps sides sorted, removes levels set to 0, reports top-N and crossing", () => {
    const book = new OrderBook();
    book.reset([[100, 1], [98, 2], [99, 3]], [[103, 1], [101, 2]], 5);
    expect(book.bids.top(3)).toEqual([[100, 1], [99, 3], [98, 2]]);
    expect(book.asks.top(3)).toEqual([[101, 2], [103, 1]]);
    book.apply(true, [[100, 0], [99.5, 4]]);
    book.apply(false, [[101, 0], [100.5, 1]]);
    expect(book.bestBid()).toEqual([99.5, 4]);
    expect(book.bestAsk()).toEqual([100.5, 1]);
    expect(book.isCrossed()).toBe(false);
    book.apply(true, [[100.5, 1]]);
    expect(book.isCrossed()).toBe(true);
    book.apply(true, [[42, 0]]); // removing an absent level is a no-op
    expect(book.bids.size).toBe(4);
  });
});

describe("DepthSync (Binance USD-M local book procedure)", () => {
  it("buffers until the snapshot, drops diffs older than it, applies the straddling one, then verifies pu", () => {
    const s = new DepthSync();
    expect(s.onDiff(diff(1, 5, 0))).toBe("buffered");
    expect(s.onDiff(diff(6, 9, 5, [[100, 7]]))).toBe("buffered");
    expect(s.onDiff(diff(10, 12, 9, [[99, 0]]))).toBe("buffered");
    s.onSnapshot(snapshot(10)); // 1..5 and 6..9 end before the snapshot (stale); 10..12 straddles it
    expect(s.stats).toMatchObject({ droppedStale: 2, applied: 1, snapshots: 1, breaks: 0 });
    expect(s.book.lastUpdateId).toBe(12);
    expect(s.book.bids.top(5)).toEqual([[100, 1]]);
    expect(s.onDiff(diff(13, 15, 12, [], [[101, 5]]))).toBe("applied");
    expect(s.stats.puVerified).toBe(1);
    expect(s.book.bestAsk()).toEqual([101, 5]);
  });

  it("treats a pu mismatch as a break, asks for a new snapshot, and counts the resync", () => {
    const s = new DepthSync();
    s.onDiff(diff(10, 12, 9));
    s.onSnapshot(snapshot(11));
    expect(s.isSynced).toBe(true);
    expect(s.onDiff(diff(20, 22, 19))).toBe("break"); // 13..19 were lost
    expect(s.needsSnapshot).toBe(true);
    expect(s.onDiff(diff(23, 25, 22))).toBe("buffered");
    s.onSnapshot(snapshot(24));
    expect(s.stats).toMatchObject({ breaks: 1, resyncs: 1, snapshots: 2 });
    expect(s.book.lastUpdateId).toBe(25);
  });

  it("refuses a snapshot older than the first buffered diff (first-event rule) and waits for a newer one", () => {
    const s = new DepthSync();
    s.onDiff(diff(50, 55, 49));
    s.onSnapshot(snapshot(40)); // 41..49 missing between snapshot and stream
    expect(s.stats.breaks).toBe(1);
    expect(s.needsSnapshot).toBe(true);
    s.onSnapshot(snapshot(52));
    expect(s.isSynced).toBe(true);
    expect(s.book.lastUpdateId).toBe(55);
    expect(s.stats.resyncs).toBe(1);
  });
});
