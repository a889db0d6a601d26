// The session's market feed: the WebSocket streams the run's features need, on Binance's routed paths
// (/market: kline_1m and aggTrade; /public: bookTicker and depth@100ms), with a local order book kept by
// the recorder's depth-sync code from a REST snapshot plus diffs. Closed klines come out in order; each
// bar's stream fields are finished by StreamBars (stream-bars.ts) once every open stream has passed the
// bar's close, or after a short grace period (a quiet aggTrade stream has nothing more to say).
import { BAR_MS, isoMinute } from "../core/time.ts";
import type { BarInput } from "../features/bar-input.ts";
import { parsePayload } from "../record/events.ts";
import { RoutedStream, routedStreamUrl } from "../record/streams.ts";
import { type Kline, closedKline, klineBar } from "./bars.ts";
import type { MarketStream } from "./features.ts";
import type { Health } from "./health.ts";
import { type FinishedBar, StreamBars } from "./stream-bars.ts";

/** How long a finished kline waits for the other streams to pass its close (wall ms). */
export const STREAM_GRACE_MS = 2_000;
/** Bars after which a stream that has sent nothing is reported. */
const SILENT_STREAM_BARS = 3;
/** Depth snapshot size (the recorder's; weight 20). */
const SNAPSHOT_LIMIT = 1000;
/** Back-off for snapshot retries: 0.25 s doubling to 8 s. */
const SNAPSHOT_RETRY_MS = [250, 500, 1000, 2000, 4000, 8000];

const STREAM_NAMES: Record<MarketStream, (s: string) => string> = {
  aggTrade: (s) => `${s}@aggTrade`,
  bookTicker: (s) => `${s}@bookTicker`,
  depth: (s) => `${s}@depth@100ms`,
};
const ROUTE: Record<MarketStream, "market" | "public"> = { aggTrade: "market", bookTicker: "public", depth: "public" };

export interface DepthSnapshotRest {
  lastUpdateId: number | string;
  bids: { price: string; quantity: string }[];
  asks: { price: string; quantity: string }[];
}

export interface MarketFeedOptions {
  wsUrl: string;
  symbol: string;
  streams: readonly MarketStream[];
  /** GET /fapi/v1/depth (binance-api-node's futuresBook shape). */
  depthSnapshot: (limit: number) => Promise<DepthSnapshotRest>;
  onKline: (k: Kline) => void;
  onWarning: (message: string) => void;
  onInfo: (message: string) => void;
  graceMs?: number;
  /** The session's connection health: each route's ups, downs and events (absent: not reported). */
  health?: Health;
}

export class MarketFeed {
  readonly bars: StreamBars;
  /** Stream names opened, per route (for the session's start line and the tests). */
  readonly opened: { market: string[]; public: string[] };
  private readonly connections: RoutedStream[] = [];
  private readonly down = new Set<"market" | "public">();
  private waiter?: { closeMs: number; resolve: () => void };
  private snapshotInFlight = false;
  private snapshotFailures = 0;
  private closed = false;
  /** Streams that have had a complete bar (their features are measured from then on). */
  private readonly measured = new Set<MarketStream>();
  /** Streams that have sent at least one event, and bars finished since the feed opened. */
  private readonly heard = new Set<MarketStream>();
  private finished = 0;
  private silentWarned = false;

  constructor(private readonly opts: MarketFeedOptions) {
    const s = opts.symbol.toLowerCase();
    this.bars = new StreamBars(opts.streams);
    this.bars.onResync = (atMs) => {
      opts.onWarning(`depth chain broken at ${new Date(atMs).toISOString()}: the book resyncs from a new snapshot; book features of that bar are masked`);
      void this.requestSnapshot();
    };
    const byRoute = (route: "market" | "public") => opts.streams.filter((x) => ROUTE[x] === route);
    this.opened = { market: [`${s}@kline_1m`, ...byRoute("market").map((x) => STREAM_NAMES[x](s))], public: byRoute("public").map((x) => STREAM_NAMES[x](s)) };
    for (const route of ["market", "public"] as const) {
      const names = this.opened[route];
      if (names.length === 0) continue;
      const streams = byRoute(route);
      this.connections.push(
        new RoutedStream({
          url: routedStreamUrl(opts.wsUrl, route, names),
          onPayload: (stream, payload) => {
            opts.health?.streamEvent(`/${route}`);
            this.onPayload(stream, payload);
          },
          onOpen: (n) => {
            opts.health?.streamUp(`/${route}`);
            this.bars.up(streams);
            if (this.down.delete(route)) opts.onInfo(`${route} stream back (connection ${n}); ${streams.length ? `${streams.join(", ")} fields count again from the first whole bar` : "missed bars come from REST"}`);
            if (streams.includes("depth")) void this.requestSnapshot();
          },
          onDown: (reason) => {
            opts.health?.streamDown(`/${route}`, reason);
            this.bars.down(streams);
            // once per outage: a server that stays away fails every reconnect attempt
            if (this.down.has(route)) return;
            this.down.add(route);
            const masked = streams.length ? `; ${streams.join(", ")} fields are masked in every bar the outage touches` : "";
            opts.onWarning(`${route} stream down (${reason}); reconnecting, missed bars come from REST${masked}`);
          },
        }),
      );
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections) c.close();
    this.waiter?.resolve();
  }

  /** The bar of a closed kline from the stream, once the other streams have passed its close. */
  async streamedBar(k: Kline): Promise<FinishedBar> {
    const closeMs = k.openTime + BAR_MS;
    if (!this.bars.caughtUp(closeMs)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => done(), this.opts.graceMs ?? STREAM_GRACE_MS);
        const done = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
        this.waiter = { closeMs, resolve: done };
      });
    }
    const done = this.bars.finish(k);
    // klineBar's rules for the kline part (a kline without trades and quote volume has them unknown)
    klineBar(k, done.input);
    return this.report(done);
  }

  /** A bar the kline stream missed, from REST: its stream fields are not trusted. */
  restBar(bar: BarInput): FinishedBar {
    const k: Kline = { openTime: bar.openTime, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume, quoteVolume: bar.quoteVolume, trades: bar.klineTrades, takerBuyVolume: bar.takerBuyVolume };
    const done = this.bars.finish(k, { fromRest: true });
    klineBar(k, done.input);
    return this.report(done);
  }

  private report(bar: FinishedBar): FinishedBar {
    // an exchange that does not serve a stream (a local exchange without a capture) keeps its features masked: say so once
    if (++this.finished === SILENT_STREAM_BARS && !this.silentWarned) {
      const silent = this.opts.streams.filter((s) => !this.heard.has(s));
      this.silentWarned = silent.length > 0;
      if (silent.length) this.opts.onWarning(`no ${silent.join(", ")} events in ${SILENT_STREAM_BARS} bars: the features they feed stay masked (does the exchange serve ${silent.map((s) => STREAM_NAMES[s](this.opts.symbol.toLowerCase())).join(", ")}? rlt exchange needs --capture for them)`);
    }
    for (const s of bar.complete) {
      if (this.measured.has(s)) continue;
      this.measured.add(s);
      this.opts.onInfo(`${s} stream: bar ${isoMinute(bar.input.openTime)} is the first it covers whole; its features are measured from here on`);
    }
    return bar;
  }

  private onPayload(stream: string, payload: unknown): void {
    if (this.closed) return;
    if (stream.endsWith("@kline_1m")) {
      const k = closedKline(payload);
      if (k) this.opts.onKline(k);
      return;
    }
    const ev = parsePayload(payload, Date.now());
    if (!ev) return;
    const kind: MarketStream | undefined = ev.type === "aggTrade" ? "aggTrade" : ev.type === "bookTicker" ? "bookTicker" : ev.type === "depth" ? "depth" : undefined;
    if (!kind) return;
    this.heard.add(kind);
    this.bars.add(kind, ev);
    if (kind === "depth" && this.bars.sync.needsSnapshot) void this.requestSnapshot();
    if (this.waiter && this.bars.caughtUp(this.waiter.closeMs)) this.waiter.resolve();
  }

  private async requestSnapshot(): Promise<void> {
    if (this.snapshotInFlight || this.closed || !this.opts.streams.includes("depth")) return;
    this.snapshotInFlight = true;
    try {
      // let a few diffs buffer first, as Binance's procedure asks
      await new Promise((r) => setTimeout(r, 100));
      if (this.closed || !this.bars.sync.needsSnapshot) return;
      const snap = await this.opts.depthSnapshot(SNAPSHOT_LIMIT);
      if (this.closed) return;
      const levels = (xs: { price: string; quantity: string }[]) => xs.map((x) => [Number(x.price), Number(x.quantity)] as [number, number]);
      this.bars.snapshot({ lastUpdateId: Number(snap.lastUpdateId), bids: levels(snap.bids), asks: levels(snap.asks) });
      this.snapshotFailures = 0;
    } catch (err) {
      const wait = SNAPSHOT_RETRY_MS[Math.min(this.snapshotFailures++, SNAPSHOT_RETRY_MS.length - 1)];
      if (this.snapshotFailures === 1) this.opts.onWarning(`depth snapshot failed (${(err as Error).message}); retrying, book features stay masked until the book is in sync`);
      await new Promise((r) => setTimeout(r, wait));
    } finally {
      this.snapshotInFlight = false;
    }
    if (this.bars.sync.needsSnapshot && !this.closed) void this.requestSnapshot();
  }
}
