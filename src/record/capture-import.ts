// `rlt import <capture>`: replay a raw WebSocket capture through the recorder's book-building code and
// store what a live `rlt record` session would have stored: raw depth diffs, trades, bookTicker, mark
// price and periodic top-N book snapshots.
import path from "node:path";
import { DataError } from "../core/errors.ts";
import { sha256File } from "../data/checksum.ts";
import type { Store } from "../data/store.ts";
import { readCapture } from "./capture.ts";
import { RecordBuffers } from "./buffers.ts";
import { DepthSync } from "./depth-sync.ts";

export interface CaptureImportResult {
  symbol: string;
  /** Rows stored over all kinds. */
  rows: number;
  rowsByKind: Record<string, number>;
  days: string[];
  firstMs?: number;
  lastMs?: number;
  depth: DepthSync["stats"];
}

export async function importCapture(
  store: Store,
  file: string,
  opts: { symbol?: string; topN?: number; snapshotIntervalMs?: number } = {},
): Promise<CaptureImportResult> {
  const symbol = (opts.symbol ?? "BTCUSDT").toUpperCase();
  const sync = new DepthSync();
  const buffers = new RecordBuffers(opts.topN ?? 20, opts.snapshotIntervalMs ?? 1000);
  let firstMs: number | undefined;
  let lastMs: number | undefined;
  sync.onApplied = (diff, book) => buffers.onBookChanged(book, diff.eventTimeMs);
  for await (const { event } of readCapture(file)) {
    const t = event.type === "depth" ? event.diff.eventTimeMs : undefined;
    if (t !== undefined) {
      firstMs ??= t;
      lastMs = t;
    }
    buffers.add(event);
    if (event.type === "depth") sync.onDiff(event.diff);
    else if (event.type === "snapshot") sync.onSnapshot(event.snapshot);
  }
  if (sync.stats.snapshots === 0) {
    throw new DataError(`${path.basename(file)}: no REST depth snapshot line, so the book cannot be rebuilt`, {
      hint: "a capture must contain one {\"lastUpdateId\":…} line, as `rlt record` writes",
    });
  }
  // One part per kind and capture: re-importing the same capture replaces its parts instead of duplicating.
  const part = `capture-${path.basename(file).replace(/\.txt(\.gz)?$/, "")}`;
  // the capture is named in each written file's record: rlt data repair names it to import again
  const { rowsByKind, days } = await buffers.flush(store, symbol, part, { source: { file: path.basename(file), sha256: await sha256File(file) } });
  const rows = Object.values(rowsByKind).reduce((a, b) => a + b, 0);
  return { symbol, rows, rowsByKind, days, firstMs, lastMs, depth: { ...sync.stats } };
}
