// Column buffers for recorded market events, flushed as Parquet part files. Shared by `rlt record` and
// capture import so both store exactly the same rows for the same events.
import { dayOf } from "../core/time.ts";
import type { ColumnValues, Store } from "../data/store.ts";
import type { KindName } from "../data/kinds.ts";
import type { MarketEvent } from "./events.ts";
import type { OrderBook } from "./order-book.ts";

type Columns = Record<string, (number | boolean | null)[]>;

function columns(...names: string[]): Columns {
  return Object.fromEntries(names.map((n) => [n, []]));
}

export class RecordBuffers {
  private depth = columns("recv_time", "event_time", "transact_time", "first_update_id", "final_update_id", "prev_final_update_id", "is_bid", "price", "quantity");
  private snapshots = columns("time", "update_id", "is_bid", "level", "price", "quantity");
  private trades = columns("trade_id", "price", "quantity", "trade_time", "is_buyer_maker");
  private aggTrades = columns("agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time", "is_buyer_maker");
  private tickers = columns("update_id", "bid_price", "bid_qty", "ask_price", "ask_qty", "transact_time", "event_time");
  private marks = columns("event_time", "mark_price", "index_price", "funding_rate", "next_funding_time");
  private nextSnapshotMs = -Infinity;

  constructor(
    private readonly topN: number,
    private readonly snapshotIntervalMs: number,
  ) {}

  /** Rows waiting to be flushed, over all kinds. */
  get pendingRows(): number {
    return [this.depth, this.snapshots, this.trades, this.aggTrades, this.tickers, this.marks].reduce((a, c) => a + Object.values(c)[0].length, 0);
  }

  add(ev: MarketEvent): void {
    switch (ev.type) {
      case "depth": {
        const d = ev.diff;
        for (const [isBid, levels] of [[true, d.bids], [false, d.asks]] as const) {
          for (const [p, q] of levels) push(this.depth, ev.recvMs, d.eventTimeMs, ev.transactTimeMs, d.U, d.u, d.pu, isBid, p, q);
        }
        return;
      }
      case "trade":
        return push(this.trades, ev.trade.tradeId, ev.trade.priceUsdt, ev.trade.qty, ev.trade.tradeTimeMs, ev.trade.isBuyerMaker);
      case "aggTrade": {
        const t = ev.trade;
        return push(this.aggTrades, t.tradeId, t.priceUsdt, t.qty, t.firstTradeId, t.lastTradeId, t.tradeTimeMs, t.isBuyerMaker);
      }
      case "bookTicker": {
        const t = ev.ticker;
        return push(this.tickers, t.updateId, t.bidPrice, t.bidQty, t.askPrice, t.askQty, t.transactTimeMs, t.eventTimeMs);
      }
      case "markPrice": {
        const m = ev.mark;
        return push(this.marks, m.eventTimeMs, m.markPrice, m.indexPrice, m.fundingRate, m.nextFundingTimeMs);
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
      side.top(this.topN).forEach(([p, q], level) => push(this.snapshots, eventTimeMs, book.lastUpdateId, isBid, level, p, q));
    }
  }

  /**
   * Write every non-empty buffer as one part file per kind. The buffers are swapped for empty ones
   * before the first await, so events that arrive during the write go into the next part.
   */
  async flush(store: Store, symbol: string, partName: string): Promise<{ rowsByKind: Record<string, number>; days: string[] }> {
    const taken: [KindName, Columns, string][] = [
      ["depth_updates", this.depth, "event_time"],
      ["book_snapshots", this.snapshots, "time"],
      ["trades", this.trades, "trade_time"],
      ["aggtrades", this.aggTrades, "transact_time"],
      ["book_ticker", this.tickers, "event_time"],
      ["mark_price", this.marks, "event_time"],
    ];
    this.depth = emptyLike(this.depth);
    this.snapshots = emptyLike(this.snapshots);
    this.trades = emptyLike(this.trades);
    this.aggTrades = emptyLike(this.aggTrades);
    this.tickers = emptyLike(this.tickers);
    this.marks = emptyLike(this.marks);
    const rowsByKind: Record<string, number> = {};
    const days = new Set<string>();
    for (const [kind, cols, timeCol] of taken) {
      const n = cols[timeCol].length;
      if (n === 0) continue;
      // aggTrades have a global key (the aggregate id): merged like fetched data, not kept as parts
      if (kind === "aggtrades") await store.upsertColumns(kind, symbol, cols as Record<string, ColumnValues>);
      else await store.writePart(kind, symbol, partName, cols as Record<string, ColumnValues>);
      rowsByKind[kind] = n;
      for (const t of cols[timeCol]) days.add(dayOf(t as number));
    }
    return { rowsByKind, days: [...days].sort() };
  }
}

function emptyLike(cols: Columns): Columns {
  return Object.fromEntries(Object.keys(cols).map((k) => [k, []]));
}

function push(cols: Columns, ...values: (number | boolean)[]): void {
  const arrays = Object.values(cols);
  for (let i = 0; i < arrays.length; i++) arrays[i].push(values[i]);
}
