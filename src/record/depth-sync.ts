// The documented Binance USD-M procedure for a local order book, as a pure state machine shared by the
// live recorder, capture replay and the local exchange:
//   buffer diffs; take a REST snapshot; drop diffs with u < lastUpdateId; the first applied diff has
//   U <= lastUpdateId <= u; every later diff's pu equals the previous diff's u, else resync.
// https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/How-to-manage-a-local-order-book-correctly
import { type Level, OrderBook } from "./order-book.ts";

export interface DepthDiff {
  /** First update id in the event. */
  U: number;
  /** Final update id in the event. */
  u: number;
  /** Final update id of the previous event on this stream. */
  pu: number;
  eventTimeMs: number;
  bids: Level[];
  asks: Level[];
}

export interface DepthSnapshotLevels {
  lastUpdateId: number;
  bids: Level[];
  asks: Level[];
}

export interface DepthSyncStats {
  applied: number;
  /** Diffs older than the snapshot, dropped as the procedure says. */
  droppedStale: number;
  /** Diffs whose pu matched the previous u. */
  puVerified: number;
  /** Chain breaks (pu mismatch, or a snapshot older than the first buffered diff). */
  breaks: number;
  /** Snapshots applied after a break. */
  resyncs: number;
  snapshots: number;
}

export type DiffOutcome = "applied" | "buffered" | "stale" | "break";

/** How many diffs to hold while waiting for a snapshot before the oldest are discarded. */
const MAX_BUFFER = 100_000;

type Phase = "buffering" | "first" | "synced";

export class DepthSync {
  readonly book = new OrderBook();
  readonly stats: DepthSyncStats = { applied: 0, droppedStale: 0, puVerified: 0, breaks: 0, resyncs: 0, snapshots: 0 };
  private phase: Phase = "buffering";
  private buffer: DepthDiff[] = [];
  private brokenSinceSnapshot = false;
  /** Called with each diff right after it changed the book (the book is in its post-diff state). */
  onApplied?: (diff: DepthDiff, book: OrderBook) => void;

  get isSynced(): boolean {
    return this.phase !== "buffering";
  }

  /** True when the caller should fetch a (new) REST snapshot. */
  get needsSnapshot(): boolean {
    return this.phase === "buffering";
  }

  onDiff(diff: DepthDiff): DiffOutcome {
    switch (this.phase) {
      case "buffering":
        this.buffer.push(diff);
        if (this.buffer.length > MAX_BUFFER) this.buffer.shift();
        return "buffered";
      case "first":
        if (diff.u < this.book.lastUpdateId) {
          this.stats.droppedStale++;
          return "stale";
        }
        // the snapshot must fall inside the first diff applied after it; otherwise it is too old
        if (!(diff.U <= this.book.lastUpdateId && this.book.lastUpdateId <= diff.u)) return this.breakChain(diff);
        this.phase = "synced";
        this.apply(diff);
        return "applied";
      case "synced":
        if (diff.pu !== this.book.lastUpdateId) return this.breakChain(diff);
        this.stats.puVerified++;
        this.apply(diff);
        return "applied";
    }
  }

  /** Apply a REST snapshot, then replay the buffered diffs through the procedure. */
  onSnapshot(snap: DepthSnapshotLevels): void {
    this.book.reset(snap.bids, snap.asks, snap.lastUpdateId);
    this.stats.snapshots++;
    if (this.brokenSinceSnapshot) {
      this.stats.resyncs++;
      this.brokenSinceSnapshot = false;
    }
    this.phase = "first";
    const pending = this.buffer;
    this.buffer = [];
    for (const diff of pending) this.onDiff(diff);
  }

  /** Forget the book (e.g. after a reconnect): the next snapshot starts a new chain. */
  restart(): void {
    if (this.phase !== "buffering") this.brokenSinceSnapshot = true;
    this.phase = "buffering";
    this.buffer = [];
  }

  private apply(diff: DepthDiff): void {
    this.book.apply(true, diff.bids);
    this.book.apply(false, diff.asks);
    this.book.lastUpdateId = diff.u;
    this.stats.applied++;
    this.onApplied?.(diff, this.book);
  }

  private breakChain(diff: DepthDiff): DiffOutcome {
    this.stats.breaks++;
    this.brokenSinceSnapshot = true;
    this.phase = "buffering";
    this.buffer = [diff];
    return "break";
  }
}
