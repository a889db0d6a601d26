// Column buffers for recorded market events, flushed as Parquet part files. Shared by `rlt record`,
// its log recovery and capture import, so all three store exactly the same rows for the same events.
// Columns follow the kind's schema in src/data/kinds.ts, in its order.
import { dayOf } from "../core/time.ts";
import type { ColumnValues, Store, WriteOptions } from "../data/store.ts";
import { kindSpec } from "../data/kinds.ts";
import type { MarketEvent } from "./events.ts";
import type { OrderBook } from "./order-book.ts";

export type RowValue = number | boolean | string | null;
type Columns = Record<string, RowValue[]>;

/** The kinds the recorder writes, in the order they are flushed. */
export const RECORDED_KINDS = ["depth_updates", "book_snapshots", "trades", "aggtrades", "book_ticker", "mark_price", "record_events"] as const;
export type RecordedKind = (typeof RECORDED_KINDS)[number];

export function isRecordedKind(s: string): s is RecordedKind {
  return (RECORDED_KINDS as readonly string[]).includes(s);
}

/** Column names of a recorded kind, in the order rows are pushed. */
export function recordedColumns(kind: RecordedKind): string[] {
  return kindSpec(kind).columns.map((c) => c.name);
}

/** What happened to a recording, stored as rows of `record_events` (see `rlt data status`). */
export type RecordEventType = "reconnect" | "chain_break" | "resync" | "backfill" | "recovery";

export type TakenColumns = Record<RecordedKind, Columns>;

function emptyColumns(): TakenColumns {
  return Object.fromEntries(RECORDED_KINDS.map((k) => [k, Object.fromEntries(recordedColumns(k).map((c) => [c, []]))])) as unknown as TakenColumns;
}

export class RecordBuffers {
  private cols = emptyColumns();
  private nextSnapshotMs = -Infinity;
  /** Told every row as it is buffered (the recorder's durable log). */
  onRow?: (kind: RecordedKind, values: RowValue[]) => void;

  constructor(
    private readonly topN: number,
    private readonly snapshotIntervalMs: number,
  ) {}

  /** Rows waiting to be flushed, over all kinds. */
  get pendingRows(): number {
    return RECORDED_KINDS.reduce((a, k) => a + Object.values(this.cols[k])[0].length, 0);
  }

  /** One row of a kind, values in `recordedColumns(kind)` order. */
  pushRow(kind: RecordedKind, values: RowValue[]): void {
    const arrays = Object.values(this.cols[kind]);
    for (let i = 0; i < arrays.length; i++) arrays[i].push(values[i] ?? null);
    this.onRow?.(kind, values);
  }

  event(timeMs: number, type: RecordEventType, detail: string): void {
    this.pushRow("record_events", [timeMs, type, detail]);
  }

  add(ev: MarketEvent): void {
    switch (ev.type) {
      case "depth": {
        const d = ev.diff;
        for (const [isBid, levels] of [[true, d.bids], [false, d.asks]] as const) {
          for (const [p, q] of levels) this.pushRow("depth_updates", [ev.recvMs, d.eventTimeMs, ev.transactTimeMs, d.U, d.u, d.pu, isBid, p, q]);
        }
        return;
      }
      case "trade":
        return this.pushRow("trades", [ev.trade.tradeId, ev.trade.priceUsdt, ev.trade.qty, ev.trade.tradeTimeMs, ev.trade.isBuyerMaker]);
      case "aggTrade": {
        const t = ev.trade;
        return this.pushRow("aggtrades", [t.tradeId, t.priceUsdt, t.qty, t.firstTradeId, t.lastTradeId, t.tradeTimeMs, t.isBuyerMaker]);
      }
      case "bookTicker": {
        const t = ev.ticker;
        return this.pushRow("book_ticker", [t.updateId, t.bidPrice, t.bidQty, t.askPrice, t.askQty, t.transactTimeMs, t.eventTimeMs]);
      }
      case "markPrice": {
        const m = ev.mark;
        return this.pushRow("mark_price", [m.eventTimeMs, m.markPrice, m.indexPrice, m.fundingRate, m.nextFundingTimeMs]);
      }
      case "snapshot":
        return;
    }
  }

  /** Take a top-N snapshot of the book when the snapshot interval (in event time) has elapsed. */
  onBookChanged(book: OrderBook, eventTimeMs: number): void {
    if (eventTimeMs < this.nextSnapshotMs) return;
    this.nextSnapshotMs = Math.floor(eventTimeMs / this.snapshotIntervalMs) * this.snapshotIntervalMs + this.snapshotIntervalMs;
    for (const [isBid, side] of [[true, book.bids], [false, book.asks]] as const) {
      side.top(this.topN).forEach(([p, q], level) => this.pushRow("book_snapshots", [eventTimeMs, book.lastUpdateId, isBid, level, p, q]));
    }
  }

  /** Hand over everything buffered and start empty, synchronously: later events go into the next part. */
  take(): TakenColumns {
    const taken = this.cols;
    this.cols = emptyColumns();
    return taken;
  }

  /** Write every buffered row as one part file per kind (see writeTaken). */
  flush(store: Store, symbol: string, partName: string, opts: WriteOptions = {}): Promise<{ rowsByKind: Record<string, number>; days: string[] }> {
    return writeTaken(store, symbol, partName, this.take(), opts);
  }
}

/**
 * Write taken columns as one part file per kind and day. Part files are immutable and named after the
 * part, so writing the same part again (a recovered log) replaces it instead of duplicating rows.
 */
export async function writeTaken(store: Store, symbol: string, partName: string, taken: TakenColumns, opts: WriteOptions = {}): Promise<{ rowsByKind: Record<string, number>; days: string[] }> {
  const rowsByKind: Record<string, number> = {};
  const days = new Set<string>();
  for (const kind of RECORDED_KINDS) {
    const cols = taken[kind];
    const timeCol = cols[kindSpec(kind).timeColumn];
    if (timeCol.length === 0) continue;
    // aggTrades have a global key (the aggregate id): merged like fetched data, not kept as parts
    if (kind === "aggtrades") await store.upsertColumns(kind, symbol, cols as Record<string, ColumnValues>, opts);
    else await store.writePart(kind, symbol, partName, cols as Record<string, ColumnValues>, opts);
    rowsByKind[kind] = timeCol.length;
    for (const t of timeCol) days.add(dayOf(t as number));
  }
  return { rowsByKind, days: [...days].sort() };
}
