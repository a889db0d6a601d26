// The session's stream bars: market events (aggTrade, bookTicker, depth) routed to the bar their event
// time falls in, whatever order they arrive in, and each bar finished with its closed kline into the
// BarInput the feature engine takes, by the same rules the history driver (features/sources.ts) applies
// to recorded data, so that live inputs are what training saw:
//  - a stream's fields count for a bar only when one unbroken session of that stream covers the whole
//    bar (from its first event after a connect to its last before a drop); else they are NaN (masked);
//  - the book at the close is the recorder's last periodic top-N snapshot of the bar (taken on the
//    book's changes, every snapshotIntervalMs of event time), if it is at most BOOK_MAX_AGE_MS old, and
//    only when the book was in sync over the whole bar (a resync in the bar masks it);
//  - a bar filled from REST after a kline gap gets no stream fields at all.
// No sockets here (market-streams.ts opens them): this is the part the unit tests drive.
import { RecordConfigSchema } from "../core/config.ts";
import { BAR_MS } from "../core/time.ts";
import { type BarInput } from "../features/bar-input.ts";
import { LiveBarBuilder } from "../features/live.ts";
import { BOOK_MAX_AGE_MS } from "../features/sources.ts";
import { RecordBuffers } from "../record/buffers.ts";
import { DepthSync } from "../record/depth-sync.ts";
import type { MarketEvent } from "../record/events.ts";
import { type Level, OrderBook } from "../record/order-book.ts";
import type { Kline } from "./bars.ts";
import { type MarketStream, STREAM_SOURCES } from "./features.ts";

/** The recorder's snapshot settings by default: what `rlt record` and `rlt import <capture>` stored. */
const RECORD_DEFAULTS = RecordConfigSchema.parse({});

/** A stream's unbroken stretch of events, in event time: [firstMs, lastMs], lastMs Infinity while up. */
interface Session {
  firstMs: number;
  lastMs: number;
}

interface StreamState {
  up: boolean;
  /** Largest event time routed so far. */
  watermarkMs: number;
  sessions: Session[];
  /** Events not yet given to a bar, in arrival order (each stream's own order). */
  queue: MarketEvent[];
}

export interface FinishedBar {
  input: BarInput;
  /** Streams whose fields this bar has (covered, book in sync); the others' fields are NaN. */
  complete: MarketStream[];
  incomplete: MarketStream[];
}

/** The time an event is binned by, as the history driver bins the stored rows. */
export function eventBarTimeMs(ev: MarketEvent): number | undefined {
  switch (ev.type) {
    case "aggTrade":
    case "trade":
      return ev.trade.tradeTimeMs;
    case "bookTicker":
      return ev.ticker.transactTimeMs;
    case "depth":
      return ev.transactTimeMs;
    default:
      return undefined;
  }
}

export class StreamBars {
  readonly sync = new DepthSync();
  private readonly state = new Map<MarketStream, StreamState>();
  private builder?: LiveBarBuilder;
  private readonly snapshots = new RecordBuffers(RECORD_DEFAULTS.topN, RECORD_DEFAULTS.snapshotIntervalMs);
  /** The latest snapshot per bar open time (event time of the diff it was taken at). */
  private readonly lastSnapshot = new Map<number, { timeMs: number; bids: Level[]; asks: Level[]; lastUpdateId: number }>();
  /** Stretches (diff event times) over which the book was in sync; lastMs Infinity while it is. */
  private readonly synced: Session[] = [];
  /** Told once per depth chain break (the book resyncs). */
  onResync?: (atMs: number) => void;

  constructor(readonly streams: readonly MarketStream[]) {
    for (const s of streams) this.state.set(s, { up: false, watermarkMs: Number.NEGATIVE_INFINITY, sessions: [], queue: [] });
    let taking: { timeMs: number; bids: Level[]; asks: Level[]; lastUpdateId: number } | undefined;
    // the recorder's own snapshot rule, through its row hook: one snapshot is 2 × topN rows at one time
    this.snapshots.onRow = (kind, v) => {
      if (kind !== "book_snapshots") return;
      const [timeMs, lastUpdateId, isBid, , price, qty] = v as [number, number, boolean, number, number, number];
      if (!taking || taking.timeMs !== timeMs) {
        taking = { timeMs, bids: [], asks: [], lastUpdateId };
        this.lastSnapshot.set(Math.floor(timeMs / BAR_MS) * BAR_MS, taking);
      }
      (isBid ? taking.bids : taking.asks).push([price, qty]);
    };
    this.sync.onApplied = (diff, book) => {
      const last = this.synced[this.synced.length - 1];
      if (!last || last.lastMs !== Number.POSITIVE_INFINITY) this.synced.push({ firstMs: diff.eventTimeMs, lastMs: Number.POSITIVE_INFINITY });
      this.lastAppliedMs = diff.eventTimeMs;
      this.snapshots.onBookChanged(book, diff.eventTimeMs);
      this.snapshots.take(); // rows are not kept: the hook above has them
    };
  }

  private lastAppliedMs = Number.NaN;

  /** A connection carrying these streams opened: their next session starts at its first event. */
  up(streams: readonly MarketStream[]): void {
    for (const s of streams) {
      const st = this.state.get(s);
      if (st) st.up = true;
    }
  }

  /** A connection went down: each stream's session ends at the last event it routed. */
  down(streams: readonly MarketStream[]): void {
    for (const s of streams) {
      const st = this.state.get(s);
      if (!st || !st.up) continue;
      st.up = false;
      const cur = st.sessions[st.sessions.length - 1];
      if (cur && cur.lastMs === Number.POSITIVE_INFINITY) cur.lastMs = st.watermarkMs;
    }
    if (streams.includes("depth")) this.endSync();
  }

  isUp(stream: MarketStream): boolean {
    return this.state.get(stream)?.up ?? false;
  }

  /** One event of a stream. Depth diffs also go to the book at once (snapshots are kept per bar). */
  add(stream: MarketStream, ev: MarketEvent): void {
    const st = this.state.get(stream);
    const t = eventBarTimeMs(ev);
    if (!st || t === undefined) return;
    if (!st.up) return; // a late message of a connection already given up
    const cur = st.sessions[st.sessions.length - 1];
    if (!cur || cur.lastMs !== Number.POSITIVE_INFINITY) st.sessions.push({ firstMs: t, lastMs: Number.POSITIVE_INFINITY });
    if (t > st.watermarkMs) st.watermarkMs = t;
    st.queue.push(ev);
    if (ev.type === "depth") {
      const outcome = this.sync.onDiff(ev.diff);
      if (outcome === "break") {
        this.endSync();
        this.onResync?.(ev.diff.eventTimeMs);
      }
    }
  }

  /** A REST depth snapshot for the book (after a connect or a break). */
  snapshot(snap: { lastUpdateId: number; bids: Level[]; asks: Level[] }): void {
    this.sync.onSnapshot(snap);
  }

  /** Every stream that is up has routed an event at or after closeMs (nothing of the bar is still on its way). */
  caughtUp(closeMs: number): boolean {
    for (const st of this.state.values()) if (st.up && st.watermarkMs < closeMs) return false;
    return true;
  }

  /** Streams that are up but have not yet routed an event at or after closeMs. */
  behind(closeMs: number): MarketStream[] {
    return [...this.state].filter(([, st]) => st.up && st.watermarkMs < closeMs).map(([s]) => s);
  }

  /**
   * Finish bar kline.openTime: every queued event before its close goes into it, then the kline and
   * the book. `fromRest`: the bar came from REST after a kline gap, so no stream field is trusted.
   */
  finish(kline: Kline, opts: { fromRest?: boolean } = {}): FinishedBar {
    const openMs = kline.openTime;
    const closeMs = openMs + BAR_MS;
    if (!this.builder || this.builder.openTime > openMs) this.builder = new LiveBarBuilder(openMs);
    // bars no kline finished (should not happen: the caller fills gaps first) still take their events
    while (this.builder.openTime < openMs) this.finishBuilder(this.builder.openTime);
    for (const st of this.state.values()) {
      let keep = 0;
      for (const ev of st.queue) {
        const t = eventBarTimeMs(ev)!;
        if (t < openMs) continue; // a bar already finished: too late to count
        if (t < closeMs) this.builder.add(ev);
        else st.queue[keep++] = ev;
      }
      st.queue.length = keep;
    }
    const snap = this.lastSnapshot.get(openMs);
    const bookOk = snap !== undefined && snap.timeMs >= closeMs - BOOK_MAX_AGE_MS && this.bookInSync(openMs, closeMs);
    let book: OrderBook | undefined;
    if (bookOk) {
      book = new OrderBook();
      book.reset(snap.bids, snap.asks, snap.lastUpdateId);
    }
    const input = this.builder.finish({ open: kline.open, high: kline.high, low: kline.low, close: kline.close, volume: kline.volume, quoteVolume: kline.quoteVolume, trades: kline.trades, takerBuyVolume: kline.takerBuyVolume }, book);
    for (const k of this.lastSnapshot.keys()) if (k <= openMs) this.lastSnapshot.delete(k);
    const complete: MarketStream[] = [];
    const incomplete: MarketStream[] = [];
    for (const s of this.streams) {
      const ok = !opts.fromRest && this.covered(s, openMs, closeMs) && (s !== "depth" || bookOk);
      (ok ? complete : incomplete).push(s);
      if (!ok) for (const f of STREAM_SOURCES[s].fields) (input[f] as number) = Number.NaN;
    }
    // fields of streams this session does not open stay unknown, as emptyBar has them
    for (const s of Object.keys(STREAM_SOURCES) as MarketStream[]) {
      if (!this.streams.includes(s)) for (const f of STREAM_SOURCES[s].fields) (input[f] as number) = Number.NaN;
    }
    this.prune(openMs);
    return { input, complete, incomplete };
  }

  private finishBuilder(openMs: number): void {
    for (const st of this.state.values()) {
      let keep = 0;
      for (const ev of st.queue) {
        const t = eventBarTimeMs(ev)!;
        if (t >= openMs && t < openMs + BAR_MS) this.builder!.add(ev);
        else if (t >= openMs + BAR_MS) st.queue[keep++] = ev;
      }
      st.queue.length = keep;
    }
    this.builder!.finish({ open: Number.NaN, high: Number.NaN, low: Number.NaN, close: Number.NaN, volume: Number.NaN });
  }

  /** One session of the stream spans the whole bar: first event at or before its open, last at or after its close − 1 ms. */
  private covered(stream: MarketStream, openMs: number, closeMs: number): boolean {
    return this.state.get(stream)!.sessions.some((s) => s.firstMs <= openMs && s.lastMs >= closeMs - 1);
  }

  private bookInSync(openMs: number, closeMs: number): boolean {
    return this.synced.some((s) => s.firstMs <= openMs && s.lastMs >= closeMs - 1);
  }

  private endSync(): void {
    const last = this.synced[this.synced.length - 1];
    if (last && last.lastMs === Number.POSITIVE_INFINITY) last.lastMs = this.lastAppliedMs;
    if (this.sync.isSynced) this.sync.restart();
  }

  /** Sessions that ended before this bar cannot cover a later one. */
  private prune(openMs: number): void {
    for (const st of this.state.values()) st.sessions = st.sessions.filter((s, i) => i === st.sessions.length - 1 || s.lastMs >= openMs);
    const keep = this.synced.filter((s, i) => i === this.synced.length - 1 || s.lastMs >= openMs);
    this.synced.length = 0;
    this.synced.push(...keep);
  }
}
