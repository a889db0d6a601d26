// `rlt record`: the live recorder. Depth diffs + REST snapshot kept in a local book by the documented
// U / u / pu procedure (DepthSync, shared with capture replay), plus aggTrades, bookTicker and mark
// price. Every row goes to memory and to a log fsync'ed every flush interval (record-log.ts); at each
// roll the part is written as Parquet and its log deleted. Reconnects, depth-chain breaks, resyncs and
// REST backfills of skipped aggregate trades are stored as `record_events` rows.
import { acquireLock } from "../core/lock.ts";
import type { RecordConfigSchema } from "../core/config.ts";
import { RltError, TemporaryError } from "../core/errors.ts";
import type { Store } from "../data/store.ts";
import { binanceClient } from "../exchange/binance.ts";
import { MarketClient } from "../fetch/client.ts";
import { MAX_BACKFILL_IDS, backfillAggTrades } from "./backfill.ts";
import { RecordBuffers, type RecordEventType, writeTaken } from "./buffers.ts";
import { DepthSync, type DepthSyncStats } from "./depth-sync.ts";
import { type MarketEvent, parsePayload } from "./events.ts";
import { type ClockEstimate, type ClockReading, estimateClock, exchangeNowMs, formatOffset, timeEndpointReader } from "./exchange-clock.ts";
import { LagHistogram } from "./lag.ts";
import { RecordLog, fsyncFiles, logDir } from "./record-log.ts";
import { type RecoveredLog, partFiles, recoverLogs } from "./recovery.ts";
import { RoutedStream, routedStreamUrl } from "./streams.ts";
import path from "node:path";
import type { z } from "zod";

type RecordConfig = z.infer<typeof RecordConfigSchema>;

export interface RecorderOptions {
  store: Store;
  symbol: string;
  restUrl: string;
  wsUrl: string;
  config: RecordConfig;
  /**
   * The clock lag is read on. Default: the exchange's, measured from GET /fapi/v1/time after every
   * connect and stream jump and every few minutes (exchange-clock.ts); against the local exchange
   * replaying a capture, that is its replay clock. In-process tests may pass the capture's own.
   */
  clockMs?: () => number;
  /** Called every second with live figures (events/s, lag, resyncs). */
  onStatus?: (s: RecorderStatus) => void;
  onWarn?: (msg: string) => void;
  onInfo?: (msg: string) => void;
}

export interface RecorderStatus {
  events: number;
  eventsPerSec: number;
  /** Event time → applied to the book, on the exchange's clock, for the latest depth diff (ms). */
  lagMs: number;
  /**
   * The exchange's clock − this machine's now (ms), and the round trip of the sample it comes from
   * (the offset is known to ± half of it). Absent before the first measurement and with `clockMs`.
   */
  clockOffsetMs?: number;
  clockRoundTripMs?: number;
  /** Present when the clock read is a capture's replay clock (the local exchange): its speed. */
  replaySpeed?: number;
  synced: boolean;
  depth: DepthSyncStats;
  partsWritten: number;
  reconnects: number;
  /** Depth diffs whose pu did not follow the previous diff's u on the stream (as stored). */
  chainBreaks: number;
  /** Aggregate trades fetched by REST to fill gaps in the stream. */
  backfilledAggTrades: number;
  /** Rows fsync'ed to the log (durable) but not yet in Parquet, and when the last flush ended. */
  rowsInLog: number;
  lastDurableMs: number;
}

export interface RecorderSummary extends RecorderStatus {
  startedMs: number;
  stoppedMs: number;
  rowsByKind: Record<string, number>;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Logs of killed recorders turned into Parquet at start. */
  recovered: RecoveredLog[];
}

/** Back-off for snapshot retries: 0.5 s doubling to 30 s. */
const SNAPSHOT_RETRY_MS = [500, 1000, 2000, 4000, 8000, 16000, 30000];
/** Retries of a backfill page before the gap is reported as not filled. */
const BACKFILL_RETRIES = 4;
/** The exchange's clock is measured again this often (clocks drift; NTP may step this machine's). */
const CLOCK_REMEASURE_MS = 5 * 60_000;
/** Wait before measuring again when the clock could not be read and lag is not being measured. */
const CLOCK_RETRY_MS = 5000;
/** A periodic measurement that moved the offset by more than this is worth a warning. */
const CLOCK_STEP_WARN_MS = 1000;

export class Recorder {
  private readonly sync = new DepthSync();
  private readonly buffers: RecordBuffers;
  private readonly readClock: () => Promise<ClockReading>;
  private clock?: ClockEstimate;
  /** Bumped when the stream may have jumped (a connect, a chain break): older measurements are void. */
  private clockEpoch = 0;
  private clockStale = true;
  private measuringClock = false;
  private measureClockAgain = false;
  private clockFailures = 0;
  private readonly api: any;
  private readonly rest: MarketClient;
  private readonly abort = new AbortController();
  private streams: RoutedStream[] = [];
  private timers: NodeJS.Timeout[] = [];
  private log?: RecordLog;
  private releaseLock?: () => void;
  private snapshotInFlight = false;
  private applyingSnapshot = false;
  private snapshotFailures = 0;
  private events = 0;
  private eventsAtLastStatus = 0;
  private readonly lag = new LagHistogram();
  private partsWritten = 0;
  private reconnects = 0;
  private chainBreaks = 0;
  private backfilled = 0;
  private lastStreamU?: number;
  /** Exchange time of the latest message: record_events are stamped with it, on the same clock as the data. */
  private lastEventMs?: number;
  private lastAggId?: number;
  private backfills: Promise<void> = Promise.resolve();
  private partStartMs = 0;
  private readonly rowsByKind: Record<string, number> = {};
  private flushing: Promise<void> = Promise.resolve();
  private startedMs = 0;
  private lastDurableMs = 0;
  private recovered: RecoveredLog[] = [];
  private stopped = false;
  private failure?: unknown;
  private rejectFailed!: (err: unknown) => void;
  /** Rejects when recording cannot go on (the log or a part could not be written). */
  readonly failed: Promise<never>;

  constructor(private readonly opts: RecorderOptions) {
    this.buffers = new RecordBuffers(opts.config.topN, opts.config.snapshotIntervalMs);
    this.buffers.onRow = (kind, values) => this.log?.append(kind, values);
    this.sync.onApplied = (diff, book) => {
      // diffs replayed from the buffer when a snapshot lands waited for the snapshot, not for us: not lag
      if (!this.applyingSnapshot) {
        const nowMs = this.lagClockMs();
        if (nowMs !== undefined) this.lag.add(nowMs - diff.eventTimeMs);
      }
      this.buffers.onBookChanged(book, diff.eventTimeMs);
    };
    this.readClock = timeEndpointReader(opts.restUrl, this.abort.signal);
    this.api = binanceClient({ rest: opts.restUrl });
    this.rest = new MarketClient({ restUrl: opts.restUrl, weightBudget: 0.5, maxRetries: BACKFILL_RETRIES, signal: this.abort.signal });
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  }

  /** Take the symbol's recording lock, turn logs of killed recorders into Parquet, then connect. */
  async start(): Promise<void> {
    const { store, symbol } = this.opts;
    this.startedMs = Date.now();
    const lockFile = path.join(logDir(store.dir, symbol), "recording.lock");
    try {
      this.releaseLock = await acquireLock(lockFile, { purpose: `the recording of ${symbol}`, timeoutMs: 0 });
    } catch (err) {
      if (!(err instanceof TemporaryError)) throw err;
      throw new RltError(`another rlt record of ${symbol} is writing into ${store.dir}: ${err.message}`, {
        cause: err,
        hint: `stop it first, or record into another --data-dir`,
      });
    }
    try {
      // this session's log first, so that what the recovery notes is durable too
      this.partStartMs = Date.now();
      this.log = await RecordLog.create(store.dir, symbol, `rec-${this.partStartMs}`);
      this.recovered = await recoverLogs(store, symbol, new Set([this.log.file]));
      for (const r of this.recovered) {
        const msg = `recovered ${r.rows} rows ${JSON.stringify(r.rowsByKind)} from the log of recorder process ${r.pid} that stopped before its roll${r.tornLastLine ? " (its last, half-written row dropped)" : ""}`;
        this.opts.onInfo?.(msg);
        this.note("recovery", `${r.part}: ${r.rows} rows from process ${r.pid}${r.tornLastLine ? ", torn last row dropped" : ""}`, r.lastEventMs);
        if (r.lastAggTradeId !== undefined) this.lastAggId = Math.max(this.lastAggId ?? -Infinity, r.lastAggTradeId);
      }
    } catch (err) {
      this.releaseLock();
      throw err;
    }
    this.connect();
    const { config } = this.opts;
    this.timers.push(setInterval(() => void this.roll(), config.rollIntervalMs));
    this.timers.push(setInterval(() => void this.flushLog(), config.flushIntervalMs));
    // reconnect before the exchange's 24 h connection limit cuts us off
    this.timers.push(setInterval(() => this.streams.forEach((s) => s.recycle("connection lifetime")), config.maxConnectionMs));
    this.timers.push(setInterval(() => this.status(), 1000));
    this.timers.push(setInterval(() => this.measureClock(false), CLOCK_REMEASURE_MS));
  }

  /** Close the streams and write everything buffered as Parquet. */
  async stop(): Promise<RecorderSummary> {
    this.halt();
    await this.backfills;
    if (this.failure === undefined) await this.roll(true);
    await this.flushing.catch(() => {});
    this.releaseLock?.();
    this.releaseLock = undefined;
    if (this.failure !== undefined) throw this.failure;
    return {
      ...this.current(),
      startedMs: this.startedMs,
      stoppedMs: Date.now(),
      rowsByKind: { ...this.rowsByKind },
      lagP99Ms: this.lag.quantileMs(0.99),
      lagMaxMs: Math.round(this.lag.maxMs),
      recovered: this.recovered,
    };
  }

  private halt(): void {
    this.stopped = true;
    this.abort.abort();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const s of this.streams) s.close();
    this.streams = [];
  }

  /** A write failed: stop recording, keep the log for the next start, and tell whoever awaits `failed`. */
  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.halt();
    this.releaseLock?.();
    this.releaseLock = undefined;
    this.rejectFailed(err);
  }

  private connect(): void {
    const { symbol, config, wsUrl } = this.opts;
    const s = symbol.toLowerCase();
    const onPayload = (_stream: string, payload: unknown) => this.onMessage(payload);
    this.streams = [
      new RoutedStream({
        url: routedStreamUrl(wsUrl, "public", [`${s}@depth@${config.depthSpeed}`, `${s}@bookTicker`]),
        onPayload,
        onOpen: (n) => {
          // a new connection may be to a server whose clock moved (a restarted replay): measure it again
          this.measureClock(true);
          if (n > 1) this.onReconnected("public");
        },
        onDown: (reason) => this.opts.onWarn?.(`public stream down (${reason}); reconnecting`),
      }),
      new RoutedStream({
        url: routedStreamUrl(wsUrl, "market", [`${s}@aggTrade`, `${s}@markPrice@1s`]),
        onPayload,
        onOpen: (n) => {
          if (n > 1) this.onReconnected("market");
        },
        onDown: (reason) => this.opts.onWarn?.(`market stream down (${reason}); reconnecting`),
      }),
    ];
  }

  private onReconnected(route: "public" | "market"): void {
    if (this.stopped) return;
    this.reconnects++;
    this.note("reconnect", `${route} stream`);
    // diffs were missed while away: the book must start again from a new snapshot
    if (route === "public") this.sync.restart();
  }

  private onMessage(raw: unknown): void {
    if (this.stopped) return;
    const ev = parsePayload(raw, Date.now());
    if (!ev) return;
    this.events++;
    this.lastEventMs = eventTimeOf(ev) ?? this.lastEventMs;
    this.buffers.add(ev);
    if (ev.type === "depth") this.onDepth(ev);
    else if (ev.type === "aggTrade") this.onAggTrade(ev.trade.tradeId);
  }

  private onDepth(ev: Extract<MarketEvent, { type: "depth" }>): void {
    const d = ev.diff;
    // the stored stream's chain: a pu that does not follow the previous u is a hole in depth_updates
    if (this.lastStreamU !== undefined && d.pu !== this.lastStreamU) {
      this.chainBreaks++;
      this.note("chain_break", `pu=${d.pu} after u=${this.lastStreamU} (U=${d.U}, u=${d.u})`);
      this.opts.onWarn?.(`depth chain broken at u=${d.u} (pu=${d.pu}, previous u=${this.lastStreamU}): resyncing from a new snapshot`);
      // a replay that started over jumps its clock back too
      this.measureClock(true);
    }
    this.lastStreamU = d.u;
    this.sync.onDiff(d);
    if (this.sync.needsSnapshot) void this.requestSnapshot();
  }

  /** Aggregate ids are contiguous: a jump means the stream skipped trades, which REST can still give. */
  private onAggTrade(id: number): void {
    const last = this.lastAggId;
    if (last === undefined || id > last) this.lastAggId = id;
    if (last === undefined || id <= last + 1) return;
    const fromId = last + 1;
    const toId = id - 1;
    const missing = toId - fromId + 1;
    if (missing > MAX_BACKFILL_IDS) {
      this.note("backfill", `skipped ids ${fromId}..${toId} (${missing}): more than ${MAX_BACKFILL_IDS}`);
      this.opts.onWarn?.(`${missing} aggregate trades missing (ids ${fromId}..${toId}): too many to backfill while recording; run rlt fetch ${this.opts.symbol} --kinds aggtrades for that time`);
      return;
    }
    this.backfills = this.backfills.then(() => this.backfill(fromId, toId));
  }

  private async backfill(fromId: number, toId: number): Promise<void> {
    if (this.stopped) return;
    try {
      const r = await backfillAggTrades(this.rest, this.opts.symbol, fromId, toId, (ev) => {
        if (!this.stopped) this.buffers.add(ev);
      });
      this.backfilled += r.fetched;
      const expected = toId - fromId + 1;
      this.note("backfill", `ids ${fromId}..${toId}: ${r.fetched} of ${expected} fetched by REST in ${r.requests} requests`);
      if (r.fetched < expected) this.opts.onWarn?.(`backfill of aggregate trades ${fromId}..${toId}: the exchange returned only ${r.fetched} of ${expected}`);
    } catch (err) {
      if (this.stopped) return;
      this.note("backfill", `ids ${fromId}..${toId} failed: ${(err as Error).message}`);
      this.opts.onWarn?.(`backfill of aggregate trades ${fromId}..${toId} failed (${(err as Error).message}); rlt fetch can fill it later`);
    }
  }

  private async requestSnapshot(): Promise<void> {
    if (this.snapshotInFlight || this.stopped) return;
    this.snapshotInFlight = true;
    try {
      // let a few diffs buffer first, as the procedure asks
      await new Promise((r) => setTimeout(r, 100));
      if (this.stopped) return;
      const snap = await this.api.futuresBook({ symbol: this.opts.symbol, limit: 1000 });
      if (this.stopped) return;
      const toLevels = (xs: { price: string; quantity: string }[]) => xs.map((x) => [Number(x.price), Number(x.quantity)] as [number, number]);
      const resyncs = this.sync.stats.resyncs;
      this.applyingSnapshot = true;
      try {
        this.sync.onSnapshot({ lastUpdateId: Number(snap.lastUpdateId), bids: toLevels(snap.bids), asks: toLevels(snap.asks) });
      } finally {
        this.applyingSnapshot = false;
      }
      if (this.sync.stats.resyncs > resyncs) this.note("resync", `book rebuilt from a snapshot at lastUpdateId=${snap.lastUpdateId}`);
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

  /** The clock lag is read on now, or undefined while the exchange's is not known. */
  private lagClockMs(): number | undefined {
    if (this.opts.clockMs) return this.opts.clockMs();
    return this.clock && !this.clockStale ? exchangeNowMs(this.clock) : undefined;
  }

  /**
   * Measure the exchange's clock. `stale`: the stream may have jumped since the last measurement, so
   * lag is not counted until this one lands. Measurements never overlap; one asked for during another
   * runs right after it.
   */
  private measureClock(stale: boolean): void {
    if (this.opts.clockMs || this.stopped) return;
    if (stale) {
      this.clockEpoch++;
      this.clockStale = true;
    }
    if (this.measuringClock) {
      this.measureClockAgain = true;
      return;
    }
    this.measuringClock = true;
    const epoch = this.clockEpoch;
    void estimateClock(this.readClock)
      .then(
        (est) => {
          if (this.stopped || epoch !== this.clockEpoch) return;
          const prev = this.clock;
          if (!this.clockStale && prev) {
            const stepMs = est.localMs + est.offsetMs - exchangeNowMs(prev, est.localMs);
            if (Math.abs(stepMs) > CLOCK_STEP_WARN_MS) {
              this.opts.onWarn?.(`the exchange's clock moved ${formatOffset(stepMs)} against this machine's since it was last measured; lag is now read with offset ${formatOffset(est.offsetMs)}`);
            }
          }
          this.clock = est;
          this.clockStale = false;
          this.clockFailures = 0;
        },
        (err: Error) => {
          if (this.stopped) return;
          if (this.clockFailures++ === 0) {
            const what = this.clockStale ? "lag is not measured until it can be" : "lag is read with the offset measured before";
            this.opts.onWarn?.(`cannot read the exchange's clock (${err.message}); ${what}`);
          }
          if (this.clockStale) {
            const retry = setTimeout(() => {
              this.timers = this.timers.filter((t) => t !== retry);
              this.measureClock(false);
            }, CLOCK_RETRY_MS);
            this.timers.push(retry);
          }
        },
      )
      .finally(() => {
        this.measuringClock = false;
        if (this.measureClockAgain && !this.stopped) {
          this.measureClockAgain = false;
          this.measureClock(false);
        }
      });
  }

  private note(type: RecordEventType, detail: string, timeMs = this.lastEventMs ?? Date.now()): void {
    this.buffers.event(timeMs, type, detail);
  }

  /** Make everything received so far durable: one append and fsync of the part's log. */
  private async flushLog(): Promise<void> {
    const log = this.log;
    if (!log || this.failure !== undefined) return;
    try {
      await log.flush();
      this.lastDurableMs = Date.now();
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * Write the buffered rows as a new part and start the next one. Rows and log are handed over
   * synchronously, so events arriving during the write go to the next part and its log. The old log
   * is deleted only once its Parquet files are fsync'ed. Rolls never overlap.
   */
  private roll(last = false): Promise<void> {
    const part = `rec-${this.partStartMs}`;
    const taken = this.buffers.take();
    const oldLog = this.log;
    this.log = undefined;
    const { store, symbol } = this.opts;
    const nextStartMs = Date.now();
    const nextLog = last ? undefined : RecordLog.create(store.dir, symbol, `rec-${nextStartMs}`);
    if (!last) {
      this.partStartMs = nextStartMs;
      // rows arriving before the next log is open wait in memory and are appended once it is
      const early: [Parameters<RecordLog["append"]>[0], Parameters<RecordLog["append"]>[1]][] = [];
      this.buffers.onRow = (kind, values) => (this.log ? this.log.append(kind, values) : early.push([kind, values]));
      void nextLog!.then(
        (log) => {
          for (const [k, v] of early) log.append(k, v);
          this.log = log;
        },
        (err) => this.fail(err),
      );
    }
    this.flushing = this.flushing.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await oldLog?.close();
        this.lastDurableMs = Date.now();
        const { rowsByKind, days } = await writeTaken(store, symbol, part, taken);
        await fsyncFiles(partFiles(store, symbol, part, Object.keys(rowsByKind), days));
        oldLog?.remove();
        for (const [k, n] of Object.entries(rowsByKind)) this.rowsByKind[k] = (this.rowsByKind[k] ?? 0) + n;
        if (Object.keys(rowsByKind).length) this.partsWritten++;
      } catch (err) {
        this.fail(err);
      }
    });
    return this.flushing;
  }

  private current(): RecorderStatus {
    return {
      events: this.events,
      eventsPerSec: this.events - this.eventsAtLastStatus,
      lagMs: Math.round(this.lag.lastMs),
      ...this.clockFigures(),
      synced: this.sync.isSynced,
      depth: { ...this.sync.stats },
      partsWritten: this.partsWritten,
      reconnects: this.reconnects,
      chainBreaks: this.chainBreaks,
      backfilledAggTrades: this.backfilled,
      rowsInLog: this.log?.rowsDurable ?? 0,
      lastDurableMs: this.lastDurableMs,
    };
  }

  private clockFigures(): Pick<RecorderStatus, "clockOffsetMs" | "clockRoundTripMs" | "replaySpeed"> {
    const c = this.clock;
    if (!c || this.opts.clockMs) return {};
    return {
      clockOffsetMs: Math.round(exchangeNowMs(c) - Date.now()),
      clockRoundTripMs: Math.round(c.roundTripMs * 10) / 10,
      ...(c.replay ? { replaySpeed: c.speed } : {}),
    };
  }

  private status(): void {
    const s = this.current();
    this.eventsAtLastStatus = this.events;
    this.opts.onStatus?.(s);
  }
}

function eventTimeOf(ev: MarketEvent): number | undefined {
  switch (ev.type) {
    case "depth":
      return ev.diff.eventTimeMs;
    case "bookTicker":
      return ev.ticker.eventTimeMs;
    case "aggTrade":
    case "trade":
      return ev.trade.tradeTimeMs;
    case "markPrice":
      return ev.mark.eventTimeMs;
    default:
      return undefined;
  }
}
