// Built-in stream source: `<symbol>@kline_1m` and `<symbol>@markPrice[@1s]` replayed from stored klines
// and funding at a chosen speed, so the /market route has something real to say.
import { HOUR_MS } from "../core/time.ts";
import { upperBound } from "../core/sorted.ts";
import type { MarketData } from "./market-data.ts";
import type { StreamSource } from "./types.ts";

export interface KlineReplayOptions {
  /** First bar to replay (ms); default: the first stored bar. */
  fromMs?: number;
  barsPerSecond?: number;
}

export function createKlineSource(data: MarketData, opts: KlineReplayOptions = {}): StreamSource {
  const timers = new Set<NodeJS.Timeout>();
  const barsPerSecond = opts.barsPerSecond ?? 10;
  return {
    canServe(stream) {
      const [sym, kind] = stream.split("@");
      return (kind === "kline_1m" || kind === "markPrice") && data.symbols().includes(sym.toUpperCase());
    },
    subscribe(stream, send) {
      const [sym, kind] = stream.split("@");
      const symbol = sym.toUpperCase();
      let i = -1;
      let stopped = false;
      const timer = setInterval(async () => {
        const k = await data.klines(symbol);
        if (stopped || !k) return;
        if (i < 0) i = opts.fromMs !== undefined ? upperBound(k.openTime, opts.fromMs - 1) : 0;
        if (i >= k.openTime.length) return;
        const E = k.closeTime[i] + 1;
        if (kind === "kline_1m") {
          send({
            e: "kline", E, s: symbol,
            k: {
              t: k.openTime[i], T: k.closeTime[i], s: symbol, i: "1m", f: -1, L: -1,
              o: String(k.open[i]), c: String(k.close[i]), h: String(k.high[i]), l: String(k.low[i]), v: String(k.volume[i]),
              n: Number.isNaN(k.trades[i]) ? 0 : k.trades[i], x: true,
              q: String(Number.isNaN(k.quoteVolume[i]) ? 0 : k.quoteVolume[i]),
              V: String(Number.isNaN(k.takerBuyVolume[i]) ? 0 : k.takerBuyVolume[i]),
              Q: String(Number.isNaN(k.takerBuyQuoteVolume[i]) ? 0 : k.takerBuyQuoteVolume[i]), B: "0",
            },
          });
        } else {
          const f = await data.funding(symbol);
          const j = f ? upperBound(f.fundingTime, E) - 1 : -1;
          const rate = f && j >= 0 ? f.fundingRate[j].toFixed(8) : "0.00010000";
          const price = String(k.close[i]);
          send({ e: "markPriceUpdate", E, s: symbol, p: price, i: price, P: price, r: rate, T: Math.floor(E / (8 * HOUR_MS)) * 8 * HOUR_MS + 8 * HOUR_MS });
        }
        i++;
      }, 1000 / barsPerSecond);
      timers.add(timer);
      return () => {
        stopped = true;
        clearInterval(timer);
        timers.delete(timer);
      };
    },
    close() {
      for (const t of timers) clearInterval(t);
      timers.clear();
    },
  };
}
