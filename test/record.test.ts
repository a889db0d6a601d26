// `rlt record` against the local exchange replaying a real capture: the recorded book must equal the
// book rebuilt from the capture itself, also across dropped connections.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../src/data/duck.ts";
import { Store } from "../src/data/store.ts";
import { createCaptureSource } from "../src/exchange/capture-source.ts";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { readCapture } from "../src/record/capture.ts";
import { DepthSync } from "../src/record/depth-sync.ts";
import { Recorder, type RecorderSummary } from "../src/record/recorder.ts";
import { SAMPLE_CAPTURE_2024, tempDir } from "./helpers/sample-store.ts";

const TOP_N = 10;
let ex: RunningExchange;

beforeAll(async () => {
  const source = await createCaptureSource(SAMPLE_CAPTURE_2024, { speed: 30 });
  ex = await startExchange({ dataDir: tempDir(), streams: [source], nowMs: Date.UTC(2024, 6, 19) });
});
afterAll(() => ex.close());

async function record(seconds: number): Promise<{ summary: RecorderSummary; dataDir: string }> {
  const dataDir = tempDir();
  const store = await Store.open(dataDir);
  const recorder = new Recorder({
    store,
    symbol: "BTCUSDT",
    restUrl: ex.restUrl,
    wsUrl: ex.wsUrl,
    config: { topN: TOP_N, snapshotIntervalMs: 1000, rollIntervalMs: 1500, maxConnectionMs: 3_600_000, flushIntervalMs: 500, depthSpeed: "0ms" },
  });
  await recorder.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const summary = await recorder.stop();
  store.close();
  return { summary, dataDir };
}

/** Top-N levels of the book rebuilt from the capture file, right after each of the given update ids. */
async function captureBooks(updateIds: Set<number>): Promise<Map<number, string>> {
  const sync = new DepthSync();
  const out = new Map<number, string>();
  sync.onApplied = (diff, book) => {
    if (updateIds.has(diff.u)) out.set(diff.u, JSON.stringify([book.bids.top(TOP_N), book.asks.top(TOP_N)]));
  };
  for await (const { event } of readCapture(SAMPLE_CAPTURE_2024)) {
    if (event.type === "depth") sync.onDiff(event.diff);
    else if (event.type === "snapshot") sync.onSnapshot(event.snapshot);
  }
  return out;
}

async function recordedBooks(dataDir: string): Promise<Map<number, string>> {
  const store = await Store.open(dataDir);
  const rows = await queryRows<{ update_id: number; is_bid: boolean; price: number; quantity: number }>(
    store.db,
    `SELECT update_id, is_bid, price, quantity FROM ${store.scan("book_snapshots", "BTCUSDT")} ORDER BY update_id, is_bid DESC, level`,
  );
  store.close();
  const byId = new Map<number, { bids: [number, number][]; asks: [number, number][] }>();
  for (const r of rows) {
    const b = byId.get(r.update_id) ?? { bids: [], asks: [] };
    (r.is_bid ? b.bids : b.asks).push([r.price, r.quantity]);
    byId.set(r.update_id, b);
  }
  return new Map([...byId].map(([u, b]) => [u, JSON.stringify([b.bids, b.asks])]));
}

describe("rlt record against the local exchange", () => {
  it("records a book identical to the capture's at every snapshot, in rolling parts, flushed on stop", async () => {
    const { summary, dataDir } = await record(5);
    expect(summary.depth.applied).toBeGreaterThan(100);
    expect(summary.depth.breaks).toBe(0);
    expect(summary.partsWritten).toBeGreaterThanOrEqual(2);
    const recorded = await recordedBooks(dataDir);
    expect(recorded.size).toBeGreaterThan(3);
    const expected = await captureBooks(new Set(recorded.keys()));
    for (const [u, book] of recorded) expect(book, `book at u=${u}`).toBe(expected.get(u));
    const store = await Store.open(dataDir);
    const [n] = await queryRows<{ n: number }>(store.db, `SELECT count(*)::BIGINT AS n FROM ${store.scan("depth_updates", "BTCUSDT")}`);
    store.close();
    expect(n.n).toBe(summary.rowsByKind.depth_updates); // everything buffered reached Parquet
  });

  it("reconnects after dropped connections and resyncs without corrupting the book", async () => {
    ex.faults.dropWsAfterMessages = 400;
    try {
      const { summary, dataDir } = await record(8);
      expect(summary.depth.breaks + summary.reconnects).toBeGreaterThanOrEqual(1);
      expect(summary.depth.resyncs).toBeGreaterThanOrEqual(1);
      const recorded = await recordedBooks(dataDir);
      const expected = await captureBooks(new Set(recorded.keys()));
      expect(recorded.size).toBeGreaterThan(3);
      for (const [u, book] of recorded) expect(book, `book at u=${u}`).toBe(expected.get(u));
    } finally {
      ex.faults.dropWsAfterMessages = 0;
    }
  });
});
