// Market endpoints that clients call around trading: ticker/price, ticker/bookTicker, ticker/24hr,
// premiumIndex and markPriceKlines, quoted at the matching engine's price on the server clock (the bar in
// progress's open), so a client reads the price its market order will fill around. The store has no
// separate mark or index series: both are the traded price, and the book is the price ± half the
// simulator's default spread.
import { upperBound, lowerBound } from "../core/sorted.ts";
import { DAY_MS, HOUR_MS } from "../core/time.ts";
import { ApiError, invalidSymbol, missingParam } from "./api-error.ts";
import type { Route, RouteContext } from "./routes.ts";
import type { SymbolBook } from "./trading/engine.ts";
import { BPS } from "../sim/costs.ts";

function books(ctx: RouteContext): { books: SymbolBook[]; one: boolean } {
  const engine = ctx.trading?.engine;
  if (!engine) throw new Error("internal: ticker without the matching engine");
  const sym = ctx.params.get("symbol");
  if (!sym) return { books: [...engine.books.values()], one: false };
  const b = engine.book(sym.toUpperCase());
  if (!b) throw invalidSymbol();
  return { books: [b], one: true };
}

function price(ctx: RouteContext, b: SymbolBook): number {
  const p = ctx.trading!.engine.priceAt(b);
  if (p === undefined) throw new ApiError(400, -1000, `The local exchange has no bar of ${b.symbol} at ${new Date(ctx.trading!.engine.nowMs).toISOString()}.`);
  return p;
}

function answer<T>(ctx: RouteContext, f: (b: SymbolBook) => T): T | T[] {
  const { books: bs, one } = books(ctx);
  const out = bs.filter((b) => ctx.trading!.engine.priceAt(b) !== undefined || one).map(f);
  return one ? out[0] : out;
}

const s = (x: number) => String(x);

function tickerPrice(ctx: RouteContext) {
  return answer(ctx, (b) => ({ symbol: b.symbol, price: s(price(ctx, b)), time: ctx.nowMs }));
}

function bookTicker(ctx: RouteContext) {
  const half = ctx.trading!.engine.opts.sim.defaultHalfSpreadBps / BPS;
  return answer(ctx, (b) => {
    const p = price(ctx, b);
    const tick = b.filters.tickSize;
    const digits = b.filters.pricePrecision;
    // the quoted book: half the default spread either side, at least one tick apart
    const bid = Math.floor((p * (1 - half)) / tick) * tick;
    const ask = Math.max(bid + tick, Math.ceil((p * (1 + half)) / tick) * tick);
    return { symbol: b.symbol, bidPrice: bid.toFixed(digits), bidQty: "1.000", askPrice: ask.toFixed(digits), askQty: "1.000", time: ctx.nowMs, lastUpdateId: Math.floor(ctx.nowMs / 1000) };
  });
}

/** 24 h rolling statistics over the stored 1m bars that opened in (now − 24 h, now]. */
function ticker24h(ctx: RouteContext) {
  return answer(ctx, (b) => {
    const k = b.bars;
    const hi = upperBound(k.openTime, ctx.trading!.engine.nowMs);
    const lo = lowerBound(k.openTime, ctx.trading!.engine.nowMs - DAY_MS);
    const last = price(ctx, b);
    let high = -Infinity;
    let low = Infinity;
    let vol = 0;
    let quote = 0;
    let n = 0;
    for (let i = lo; i < hi - 1; i++) {
      high = Math.max(high, k.high[i]);
      low = Math.min(low, k.low[i]);
      vol += k.volume[i];
      quote += Number.isNaN(k.quoteVolume[i]) ? 0 : k.quoteVolume[i];
      n += Number.isNaN(k.trades[i]) ? 0 : k.trades[i];
    }
    const open = hi > lo ? k.open[lo] : last;
    high = Math.max(high, last);
    low = Math.min(low, last);
    return {
      symbol: b.symbol, priceChange: s(last - open), priceChangePercent: ((100 * (last - open)) / open).toFixed(3), weightedAvgPrice: s(vol > 0 ? quote / vol : last),
      lastPrice: s(last), lastQty: "0", openPrice: s(open), highPrice: s(high), lowPrice: s(low), volume: s(vol), quoteVolume: s(quote),
      openTime: hi > lo ? k.openTime[lo] : ctx.nowMs, closeTime: ctx.nowMs, firstId: 0, lastId: 0, count: n,
    };
  });
}

function premiumIndex(ctx: RouteContext) {
  return answer(ctx, (b) => {
    const p = s(price(ctx, b));
    const f = b.funding;
    const t = ctx.trading!.engine.nowMs;
    const j = f ? upperBound(f.fundingTime, t) - 1 : -1;
    const intervalMs = (f && j >= 0 && !Number.isNaN(f.intervalHours[j]) ? f.intervalHours[j] : 8) * HOUR_MS;
    return {
      symbol: b.symbol, markPrice: p, indexPrice: p, estimatedSettlePrice: p, lastFundingRate: f && j >= 0 ? f.fundingRate[j].toFixed(8) : "0.00010000",
      interestRate: "0.00010000", nextFundingTime: Math.floor(t / intervalMs) * intervalMs + intervalMs, time: ctx.nowMs,
    };
  });
}

export const TICKER_ROUTES: Route[] = [
  { method: "GET", path: "/fapi/v1/ticker/price", weight: (p) => (p.get("symbol") ? 1 : 2), handle: tickerPrice },
  { method: "GET", path: "/fapi/v2/ticker/price", weight: (p) => (p.get("symbol") ? 1 : 2), handle: tickerPrice },
  { method: "GET", path: "/fapi/v1/ticker/bookTicker", weight: (p) => (p.get("symbol") ? 2 : 5), handle: bookTicker },
  { method: "GET", path: "/fapi/v1/ticker/24hr", weight: (p) => (p.get("symbol") ? 1 : 40), handle: ticker24h },
  { method: "GET", path: "/fapi/v1/premiumIndex", weight: () => 1, handle: premiumIndex },
];

/** markPriceKlines: the stored klines (the store's mark price is its traded price), volumes zero as Binance sends them. */
export function markPriceKlinesRoute(klines: Route): Route {
  return {
    method: "GET",
    path: "/fapi/v1/markPriceKlines",
    weight: klines.weight,
    async handle(ctx) {
      if (!ctx.params.get("symbol")) throw missingParam("symbol");
      const rows = (await klines.handle(ctx)) as unknown[][];
      return rows.map((r) => [r[0], r[1], r[2], r[3], r[4], "0", r[6], "0", 0, "0", "0", "0"]);
    },
  };
}
