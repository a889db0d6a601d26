// A StreamSource that replays a raw WebSocket capture (depth diffs, bookTicker, trades, mark price) at a
// chosen speed, keeping its own book with the same depth-sync code as the recorder so that the REST
// snapshot it serves is consistent with the diffs already sent.
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
  /** aggTrade payloads derived from trade messages: one trade per aggregate (the capture has no aggTrade stream). */
  const toAggTrade = (p: Record<string, unknown>) => ({ e: "aggTrade", E: p.E, s: p.s, a: p.t, p: p.p, q: p.q, f: p.t, l: p.t, T: p.T, m: p.m });

  const tick = () => {
    const elapsedRecv = (Date.now() - loopStartWall) * speed;
    while (index < frames.length && frames[index].recvMs - loopStartRecv <= elapsedRecv) {
      const f = frames[index++];
      if (f.event.type === "depth") sync.onDiff(f.event.diff);
      else if (f.event.type === "snapshot") sync.onSnapshot(f.event.snapshot);
      const payload = opts.restampEventTimes ? { ...f.payload, E: Date.now(), T: Date.now() } : f.payload;
      for (const s of streamsOf(f.event)) emit(s, s.endsWith("@aggTrade") ? toAggTrade(payload) : payload);
    }
    if (index >= frames.length) {
      if (!opts.loop) return stop();
      restart();
    }
  };
  const restart = () => {
    index = 0;
    loopStartWall = Date.now();
    loopStartRecv = frames[0]?.recvMs ?? 0;
    sync.restart();
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
    opts.restampEventTimes
      ? Date.now()
      : loopStartWall === 0
        ? (frames[0]?.recvMs ?? Date.now()) - hostOffsetMs
        : loopStartRecv + (Date.now() - loopStartWall) * speed - hostOffsetMs;

  return {
    replayNowMs,
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
