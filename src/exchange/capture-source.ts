// A StreamSource that replays a raw WebSocket capture (depth diffs, bookTicker, trades, mark price) at a
// chosen speed, keeping its own book with the same depth-sync code as the recorder so that the REST
// snapshot it serves is consistent with the diffs already sent. Under a server replay clock
// (followClock) it sends each frame when that clock passes it, so its streams and the klines the server
// replays from the store tell the same minute at the same time.
import { readCapture } from "../record/capture.ts";
import { DepthSync } from "../record/depth-sync.ts";
import type { MarketEvent } from "../record/events.ts";
import type { DepthSnapshot, StreamSource } from "./types.ts";

interface Frame {
  recvMs: number;
  event: MarketEvent;
  payload: Record<string, unknown>;
}

export interface CaptureSourceOptions {
  /** 1 = real time, 10 = ten times faster. */
  speed?: number;
  /** Start again from the beginning at the end (the server's book restarts from the capture's snapshot). */
  loop?: boolean;
  /** Stamp event times (E, T) with the wall clock at sending, as a live exchange would: lag becomes measurable. */
  restampEventTimes?: boolean;
  /**
   * aggTrade as Binance aggregates: the trades of one time, side and price as one aggregate (what
   * `rlt features` makes of the imported capture's raw trades). Default: one aggregate per trade, with
   * the trade's id, which the recorder tests' REST aggTrades are seeded to match.
   */
  aggregateTrades?: boolean;
}

export interface CaptureSource extends StreamSource {
  /**
   * The clock the replayed event times live on: the capture's receive time now being replayed, shifted
   * by the capture host's clock offset (its smallest receive − event time of a depth diff), or the wall
   * clock with restampEventTimes. A recorder's lag (event time → applied) is measured against it.
   */
  replayNowMs(): number;
}

export async function createCaptureSource(file: string, opts: CaptureSourceOptions = {}): Promise<CaptureSource> {
  const frames: Frame[] = [];
  let symbol = "";
  // the capture host's clock against the exchange's: the smallest receive − event time of a depth diff
  // (a clock error plus the fastest network delay, which cannot be told apart); the replay clock removes it
  let recvMinusEventMs = Infinity;
  for await (const { event, payload } of readCapture(file)) {
    frames.push({ recvMs: event.recvMs, event, payload });
    if (event.type === "depth") recvMinusEventMs = Math.min(recvMinusEventMs, event.recvMs - event.diff.eventTimeMs);
    if (!symbol && typeof payload.s === "string") symbol = payload.s;
  }
  const lower = symbol.toLowerCase();
  const aggTrades = opts.aggregateTrades ? aggregateTrades(frames) : perTrade(frames);
  const speed = opts.speed ?? 1;
  const listeners = new Map<string, Set<(p: Record<string, unknown>) => void>>();
  const sync = new DepthSync();
  let timer: NodeJS.Timeout | undefined;
  let index = 0;
  let loopStartWall = 0;
  let loopStartRecv = 0;

  const emit = (stream: string, payload: Record<string, unknown>) => {
    for (const l of listeners.get(stream) ?? []) l(payload);
  };
  const streamsOf = (ev: MarketEvent): string[] => {
    switch (ev.type) {
      case "depth":
        return [`${lower}@depth`, `${lower}@depth@100ms`, `${lower}@depth@0ms`, `${lower}@depth@250ms`, `${lower}@depth@500ms`];
      case "bookTicker":
        return [`${lower}@bookTicker`];
      case "trade":
        return [`${lower}@trade`, `${lower}@aggTrade`];
      case "markPrice":
        return [`${lower}@markPrice@1s`, `${lower}@markPrice`];
      default:
        return [];
    }
  };
  /** Under a server replay clock: its time now (see followClock). */
  let clockNowMs: (() => number) | undefined;

  const tick = () => {
    const elapsedRecv = (Date.now() - loopStartWall) * speed;
    const due = (f: Frame) => (clockNowMs ? f.recvMs - hostOffsetMs <= clockNowMs() : f.recvMs - loopStartRecv <= elapsedRecv);
    while (index < frames.length && due(frames[index])) {
      const i = index++;
      const f = frames[i];
      if (f.event.type === "depth") sync.onDiff(f.event.diff);
      else if (f.event.type === "snapshot") sync.onSnapshot(f.event.snapshot);
      const payload = opts.restampEventTimes ? { ...f.payload, E: Date.now(), T: Date.now() } : f.payload;
      for (const s of streamsOf(f.event)) {
        if (!s.endsWith("@aggTrade")) emit(s, payload);
        else {
          // an aggregate goes out with its last trade
          const agg = aggTrades.get(i);
          if (agg) emit(s, opts.restampEventTimes ? { ...agg, E: payload.E, T: payload.T } : agg);
        }
      }
    }
    if (index >= frames.length) {
      if (!opts.loop || clockNowMs) return stop();
      restart();
    }
  };
  const restart = () => {
    index = 0;
    loopStartWall = Date.now();
    loopStartRecv = frames[0]?.recvMs ?? 0;
    sync.restart();
    if (!clockNowMs) return;
    // frames before the server clock's time are history: the book takes them, nobody is sent them
    for (const now = clockNowMs(); index < frames.length && frames[index].recvMs - hostOffsetMs < now; index++) {
      const ev = frames[index].event;
      if (ev.type === "depth") sync.onDiff(ev.diff);
      else if (ev.type === "snapshot") sync.onSnapshot(ev.snapshot);
    }
  };
  const start = () => {
    if (timer) return;
    restart();
    timer = setInterval(tick, 5);
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  const hostOffsetMs = Number.isFinite(recvMinusEventMs) ? recvMinusEventMs : 0;
  // before the first subscriber the replay has not begun: its clock stands at the capture's first frame
  const replayNowMs = () =>
    clockNowMs
      ? clockNowMs()
      : opts.restampEventTimes
      ? Date.now()
      : loopStartWall === 0
        ? (frames[0]?.recvMs ?? Date.now()) - hostOffsetMs
        : loopStartRecv + (Date.now() - loopStartWall) * speed - hostOffsetMs;

  return {
    replayNowMs,
    followClock(nowMs) {
      clockNowMs = nowMs;
    },
    replayClock: () => ({ nowMs: replayNowMs(), speed: opts.restampEventTimes ? 1 : speed }),
    canServe(stream) {
      return stream.startsWith(`${lower}@`) && streamsOf({ type: "depth" } as MarketEvent).concat([`${lower}@bookTicker`, `${lower}@trade`, `${lower}@aggTrade`, `${lower}@markPrice@1s`, `${lower}@markPrice`]).includes(stream);
    },
    subscribe(stream, send) {
      if (!listeners.has(stream)) listeners.set(stream, new Set());
      listeners.get(stream)!.add(send);
      start();
      return () => listeners.get(stream)?.delete(send);
    },
    depthSnapshot(sym, limit): DepthSnapshot | undefined {
      if (sym !== symbol || !sync.isSynced) return undefined;
      const book = sync.book;
      const fmt = (levels: [number, number][]) => levels.map(([p, q]) => [p.toFixed(2), q.toFixed(3)] as [string, string]);
      const t = frames[Math.max(0, index - 1)]?.recvMs ?? 0;
      return { lastUpdateId: book.lastUpdateId, E: Math.round(t), T: Math.round(t), bids: fmt(book.bids.top(limit)), asks: fmt(book.asks.top(limit)) };
    },
    close: stop,
  };
}

/** One aggTrade per raw trade, with the trade's id as the aggregate's. */
function perTrade(frames: Frame[]): Map<number, Record<string, unknown>> {
  const out = new Map<number, Record<string, unknown>>();
  frames.forEach((f, i) => {
    const p = f.payload;
    if (f.event.type === "trade") out.set(i, { e: "aggTrade", E: p.E, s: p.s, a: p.t, p: p.p, q: p.q, f: p.t, l: p.t, T: p.T, m: p.m });
  });
  return out;
}

/**
 * aggTrade payloads from the capture's raw trades, keyed by the frame of each aggregate's last trade:
 * trades of one time, side and price form one aggregate (one taker order), as Binance aggregates them
 * and as the history driver groups stored raw trades (features/sources.ts), so a session streaming
 * these computes what `rlt features` computes from the imported capture.
 */
function aggregateTrades(frames: Frame[]): Map<number, Record<string, unknown>> {
  const groups = new Map<string, { last: number; first: Record<string, unknown>; qty: number; trades: number }>();
  frames.forEach((f, i) => {
    if (f.event.type !== "trade") return;
    const t = f.event.trade;
    const key = `${t.tradeTimeMs}|${t.isBuyerMaker}|${t.priceUsdt}`;
    const g = groups.get(key);
    if (g) {
      g.last = i;
      g.qty += t.qty;
      g.trades++;
    } else groups.set(key, { last: i, first: f.payload, qty: t.qty, trades: 1 });
  });
  const out = new Map<number, Record<string, unknown>>();
  for (const g of [...groups.values()].sort((a, b) => a.last - b.last)) {
    const p = g.first;
    const last = frames[g.last].payload;
    // l − f + 1 is the aggregate's number of trades, as the history driver counts grouped raw trades (the
    // capture's ids of one group need not be consecutive: another order's fill at the same ms between them)
    out.set(g.last, { e: "aggTrade", E: last.E, s: p.s, a: p.t, p: p.p, q: g.qty.toFixed(8).replace(/0+$/, "").replace(/\.$/, ""), f: p.t, l: Number(p.t) + g.trades - 1, T: p.T, m: p.m });
  }
  return out;
}
