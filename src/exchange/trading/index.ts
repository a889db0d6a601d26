// The local exchange's trading side, wired together: the market clock, the matching engine over the
// stored bars, the user streams, authentication and order counting, and (in replay mode) the kline and
// markPrice streams driven by the same clock, so every subscriber sees the same bar at the same time.
import { z } from "zod";
import { HOUR_MS } from "../../core/time.ts";
import { upperBound } from "../../core/sorted.ts";
import { SimConfigSchema } from "../../sim/config.ts";
import type { MarketData } from "../market-data.ts";
import type { FaultConfig, StreamSource } from "../types.ts";
import { MarketClock } from "./clock.ts";
import { TradingEngine } from "./engine.ts";
import { FaultCounter, OrderCounter } from "./faults.ts";
import { type ApiKeyPair, generateKeyPair, requireKey, verifySigned } from "./signing.ts";
import { UserStreams } from "./user-stream.ts";

export const TradingOptionsSchema = z.strictObject({
  /** Accepted key pairs; default: one generated pair (rlt exchange prints it). */
  keys: z.array(z.strictObject({ apiKey: z.string().min(1), apiSecret: z.string().min(1) })).optional(),
  /** The wallet at start, USDT (Binance demo accounts start with more; 10,000 is the simulator's default). */
  balanceUsdt: z.number().positive().default(10_000),
  /** Fees, spread, slippage, leverage and maintenance rate: the simulator's settings and defaults. */
  sim: SimConfigSchema.partial().default({}),
});
export type TradingOptions = z.input<typeof TradingOptionsSchema>;

/** The running replay ticks this often at most (wall ms): each tick processes every bar that closed. */
const MAX_TICK_MS = 50;
const MIN_TICK_MS = 5;
/** Without a replay the market clock runs at wall speed past the data; a slow tick keeps listen keys expiring. */
const IDLE_TICK_MS = 1000;

export async function startTrading(
  data: MarketData,
  faults: FaultConfig,
  random: () => number,
  opts: { startMs: number; speed: number; manual: boolean; replay: boolean; options?: TradingOptions },
) {
  const cfg = TradingOptionsSchema.parse(opts.options ?? {});
  const sim = SimConfigSchema.parse(cfg.sim);
  const keys: ApiKeyPair[] = cfg.keys ?? [generateKeyPair()];
  const markets = [];
  for (const symbol of data.symbols()) {
    const bars = await data.klines(symbol);
    if (bars) markets.push({ symbol, bars, funding: await data.funding(symbol) });
  }
  const clock = new MarketClock({ startMs: opts.startMs, speed: opts.speed, manual: opts.manual });
  const engine = new TradingEngine({ sim, startMs: opts.startMs, balanceUsdt: cfg.balanceUsdt }, markets);
  const counter = new FaultCounter();
  const streams = new UserStreams(faults, random, counter);
  const orderCounter = new OrderCounter();
  const expireListenKeys = () => {
    counter.count("listenKeyExpired");
    streams.expire(clock.nowMs(), true);
  };
  engine.onUserEvent((ev) => streams.publish(ev));
  engine.onBarClose(() => {
    if (faults.listenKeyExpireRate > 0 && random() < faults.listenKeyExpireRate) expireListenKeys();
    if (faults.clockSkewJumpRate > 0 && random() < faults.clockSkewJumpRate) {
      faults.clockSkewMs = Math.round((random() * 2 - 1) * faults.clockSkewMaxMs);
      counter.count("clockSkew");
    }
  });
  clock.onAdvance((toMs) => {
    engine.advance(toMs);
    streams.expire(toMs);
  });
  const tickMs = opts.replay ? Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, 1000 / (opts.speed / 60))) : IDLE_TICK_MS;
  const timer = opts.manual ? undefined : setInterval(() => clock.sync(), tickMs);
  timer?.unref();
  return {
    clock,
    engine,
    streams,
    counter,
    orderCounter,
    keys,
    klineSource: replayKlineSource(engine, data),
    authenticate: (headers: Record<string, string | string[] | undefined>, rawQuery: string, body: string, nowMs: number) => verifySigned(headers, rawQuery, body, keys, nowMs),
    requireKey: (headers: Record<string, string | string[] | undefined>) => requireKey(headers, keys),
    expireListenKeys,
    stop() {
      if (timer) clearInterval(timer);
      streams.shutdown();
    },
  };
}

/**
 * `<symbol>@kline_1m` and `<symbol>@markPrice[@1s]` on the replay clock: one closed kline (x: true) and one
 * mark price per bar, sent when the clock passes the bar's close, to every subscriber at once.
 */
function replayKlineSource(engine: TradingEngine, data: MarketData): StreamSource {
  const subs = new Map<string, Set<(p: Record<string, unknown>) => void>>();
  engine.onBarClose((symbol, i) => {
    const b = engine.book(symbol)!;
    const k = b.bars;
    const sym = symbol.toLowerCase();
    const E = k.closeTime[i] + 1;
    const kline = subs.get(`${sym}@kline_1m`);
    if (kline?.size) {
      const nz = (x: number) => String(Number.isNaN(x) ? 0 : x);
      const ev = {
        e: "kline", E, s: symbol,
        k: {
          t: k.openTime[i], T: k.closeTime[i], s: symbol, i: "1m", f: -1, L: -1, o: String(k.open[i]), c: String(k.close[i]), h: String(k.high[i]),
          l: String(k.low[i]), v: String(k.volume[i]), n: Number.isNaN(k.trades[i]) ? 0 : k.trades[i], x: true, q: nz(k.quoteVolume[i]),
          V: nz(k.takerBuyVolume[i]), Q: nz(k.takerBuyQuoteVolume[i]), B: "0",
        },
      };
      for (const send of kline) send(ev);
    }
    for (const stream of [`${sym}@markPrice`, `${sym}@markPrice@1s`]) {
      const set = subs.get(stream);
      if (!set?.size) continue;
      const f = b.funding;
      const j = f ? upperBound(f.fundingTime, E) - 1 : -1;
      const price = String(k.close[i]);
      const intervalMs = (f && j >= 0 && !Number.isNaN(f.intervalHours[j]) ? f.intervalHours[j] : 8) * HOUR_MS;
      const ev = { e: "markPriceUpdate", E, s: symbol, p: price, i: price, P: price, r: f && j >= 0 ? f.fundingRate[j].toFixed(8) : "0.00010000", T: Math.floor(E / intervalMs) * intervalMs + intervalMs };
      for (const send of set) send(ev);
    }
  });
  return {
    canServe(stream) {
      const [sym, kind] = stream.split("@");
      return (kind === "kline_1m" || kind === "markPrice") && data.symbols().includes(sym.toUpperCase());
    },
    subscribe(stream, send) {
      const set = subs.get(stream) ?? new Set();
      subs.set(stream, set);
      set.add(send);
      return () => set.delete(send);
    },
  };
}
