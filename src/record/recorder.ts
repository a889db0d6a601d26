// `rlt record`: the live recorder. Depth diffs + REST snapshot kept in a local book by the documented
// U / u / pu procedure (DepthSync, shared with capture replay), plus aggTrades, bookTicker and mark
// price, persisted as rolling Parquet part files. Connections come from binance-api-node on the routed
// endpoints (/public for depth and bookTicker, /market for aggTrade and markPrice).
import type { RecordConfigSchema } from "../core/config.ts";
import type { Store } from "../data/store.ts";
import { binanceClient } from "../exchange/binance.ts";
import { RecordBuffers } from "./buffers.ts";
import { DepthSync, type DepthSyncStats } from "./depth-sync.ts";
import { type MarketEvent, parsePayload } from "./events.ts";
import type { z } from "zod";

type RecordConfig = z.infer<typeof RecordConfigSchema>;

export interface RecorderOptions {
  store: Store;
  symbol: string;
  restUrl: string;
  wsUrl: string;
  config: RecordConfig;
  /** Called every second with live figures (events/s, lag, resyncs). */
  onStatus?: (s: RecorderStatus) => void;
  onWarn?: (msg: string) => void;
}

export interface RecorderStatus {
  events: number;
  eventsPerSec: number;
  /** now − event time of the latest depth diff, ms. */
  lagMs: number;
  synced: boolean;
  depth: DepthSyncStats;
  partsWritten: number;
  reconnects: number;
}

export interface RecorderSummary extends RecorderStatus {
  startedMs: number;
  stoppedMs: number;
  rowsByKind: Record<string, number>;
  lagP99Ms: number;
  lagMaxMs: number;
}

/** Back-off for snapshot retries: 0.5 s doubling to 30 s. */
const SNAPSHOT_RETRY_MS = [500, 1000, 2000, 4000, 8000, 16000, 30000];

export class Recorder {
  private readonly sync = new DepthSync();
  private readonly buffers: RecordBuffers;
  private closers: (() => void)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private snapshotInFlight = false;
  private snapshotFailures = 0;
  private events = 0;
  private eventsAtLastStatus = 0;
  private lagMs = 0;
  private readonly lags: number[] = [];
  private partsWritten = 0;
  private reconnects = 0;
  private partStartMs = Date.now();
  private readonly rowsByKind: Record<string, number> = {};
  private flushing: Promise<void> = Promise.resolve();
  private startedMs = 0;
  private stopped = false;
  private readonly api: any;

  constructor(private readonly opts: RecorderOptions) {
    this.buffers = new RecordBuffers(opts.config.topN, opts.config.snapshotIntervalMs);
    this.sync.onApplied = (diff, book) => this.buffers.onBookChanged(book, diff.eventTimeMs);
    this.api = binanceClient({ rest: opts.restUrl, ws: opts.wsUrl });
  }

  start(): void {
    this.startedMs = Date.now();
    this.connect();
    this.timers.push(setInterval(() => this.roll(), this.opts.config.rollIntervalMs));
    // reconnect before the exchange's 24 h connection limit cuts us off
    this.timers.push(setInterval(() => this.reconnect("connection lifetime"), this.opts.config.maxConnectionMs));
    this.timers.push(setInterval(() => this.status(), 1000));
  }

  /** Close the streams and flush everything buffered. */
  async stop(): Promise<RecorderSummary> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.disconnect();
    await this.roll();
    await this.flushing;
    const sorted = [...this.lags].sort((a, b) => a - b);
    return {
      ...this.current(),
      startedMs: this.startedMs,
      stoppedMs: Date.now(),
      rowsByKind: { ...this.rowsByKind },
      lagP99Ms: sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] : 0,
      lagMaxMs: sorted.length ? sorted[sorted.length - 1] : 0,
    };
  }

  private connect(): void {
    const { symbol, config } = this.opts;
    const ws = this.api.ws;
    this.closers = [
      ws.futuresDepth(`${symbol}@${config.depthSpeed}`, (m: unknown) => this.onMessage(m), false),
      ws.futuresBookTicker(symbol, (m: unknown) => this.onMessage(m), false),
      ws.futuresAggTrades(symbol, (m: unknown) => this.onMessage(m), false),
      ws.futuresMarkPrice({ symbol, updateSpeed: "1s" }, (m: unknown) => this.onMessage(m), false),
    ];
  }

  private disconnect(): void {
    for (const close of this.closers) close();
    this.closers = [];
  }

  private reconnect(reason: string): void {
    if (this.stopped) return;
    this.opts.onWarn?.(`reconnecting: ${reason}`);
    this.reconnects++;
    this.disconnect();
    this.sync.restart();
    this.connect();
  }

  private onMessage(raw: unknown): void {
    if (this.stopped) return;
    const ev = parsePayload(raw, Date.now());
    if (!ev) return;
    this.events++;
    this.buffers.add(ev);
    if (ev.type === "depth") this.onDepth(ev);
  }

  private onDepth(ev: Extract<MarketEvent, { type: "depth" }>): void {
    this.lagMs = Date.now() - ev.diff.eventTimeMs;
    this.lags.push(this.lagMs);
    const outcome = this.sync.onDiff(ev.diff);
    if (outcome === "break") this.opts.onWarn?.(`depth chain broken at u=${ev.diff.u} (pu=${ev.diff.pu}): resyncing from a new snapshot`);
    if (this.sync.needsSnapshot) void this.requestSnapshot();
  }

  private async requestSnapshot(): Promise<void> {
    if (this.snapshotInFlight || this.stopped) return;
    this.snapshotInFlight = true;
    try {
      // let a few diffs buffer first, as the procedure asks
      await new Promise((r) => setTimeout(r, 100));
      const snap = await this.api.futuresBook({ symbol: this.opts.symbol, limit: 1000 });
      const toLevels = (xs: { price: string; quantity: string }[]) => xs.map((x) => [Number(x.price), Number(x.quantity)] as [number, number]);
      this.sync.onSnapshot({ lastUpdateId: Number(snap.lastUpdateId), bids: toLevels(snap.bids), asks: toLevels(snap.asks) });
      this.snapshotFailures = 0;
    } catch (err) {
      const wait = SNAPSHOT_RETRY_MS[Math.min(this.snapshotFailures++, SNAPSHOT_RETRY_MS.length - 1)];
      this.opts.onWarn?.(`depth snapshot failed (${(err as Error).message}); retrying in ${wait} ms`);
      await new Promise((r) => setTimeout(r, wait));
    } finally {
      this.snapshotInFlight = false;
    }
    if (this.sync.needsSnapshot && !this.stopped) void this.requestSnapshot();
  }

  /** Write the buffered rows as a new part and start the next one. Flushes never overlap. */
  private roll(): Promise<void> {
    const part = `rec-${this.partStartMs}`;
    this.partStartMs = Date.now();
    this.flushing = this.flushing.then(async () => {
      if (this.buffers.pendingRows === 0) return;
      const { rowsByKind } = await this.buffers.flush(this.opts.store, this.opts.symbol, part);
      for (const [k, n] of Object.entries(rowsByKind)) this.rowsByKind[k] = (this.rowsByKind[k] ?? 0) + n;
      this.partsWritten++;
    });
    return this.flushing;
  }

  private current(): RecorderStatus {
    return {
      events: this.events,
      eventsPerSec: this.events - this.eventsAtLastStatus,
      lagMs: this.lagMs,
      synced: this.sync.isSynced,
      depth: { ...this.sync.stats },
      partsWritten: this.partsWritten,
      reconnects: this.reconnects,
    };
  }

  private status(): void {
    const s = this.current();
    this.eventsAtLastStatus = this.events;
    this.opts.onStatus?.(s);
  }
}
