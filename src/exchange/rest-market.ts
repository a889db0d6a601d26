// Market-data REST endpoints of Binance USD-M futures, answered from the store.
// https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api
import { HOUR_MS, MINUTE_MS } from "../core/time.ts";
import { ApiError, badParam, invalidInterval, invalidSymbol, missingParam } from "./api-error.ts";
import { lowerBound, upperBound } from "../core/sorted.ts";
import type { KlineColumns } from "./market-data.ts";
import type { Route, RouteContext } from "./routes.ts";
import { depthWeight, klinesWeight } from "./weights.ts";
import { filtersJson, symbolFilters } from "./trading/filters.ts";
import { TICKER_ROUTES, markPriceKlinesRoute } from "./rest-tickers.ts";
import { BAR_MS } from "../core/time.ts";

/** exchangeInfo's price filters are scaled around a price; a symbol with no bars gets a BTC-like one. */
const PRICE_WHEN_NO_BARS = 60_000;
/** Binance: REQUEST_WEIGHT 2400 per minute, ORDERS 1200 per minute and 300 per 10 s. */
export const REQUEST_WEIGHT_PER_MINUTE = 2400;
const AGG_TRADES_MAX_WINDOW_MS = HOUR_MS;

function intParam(p: URLSearchParams, name: string): number | undefined {
  const v = p.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw badParam(`Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`);
  return n;
}

function limitParam(p: URLSearchParams, def: number, max: number): number {
  const limit = intParam(p, "limit") ?? def;
  if (limit <= 0) throw badParam("Illegal characters found in parameter 'limit'.");
  return Math.min(limit, max);
}

function requireSymbol(ctx: RouteContext): string {
  const s = ctx.params.get("symbol");
  if (!s) throw missingParam("symbol");
  const sym = s.toUpperCase();
  if (!knownSymbols(ctx).includes(sym)) throw invalidSymbol();
  return sym;
}

function knownSymbols(ctx: RouteContext): string[] {
  const fromSources = ctx.sources.flatMap((s) => (s.depthSnapshot && s.canServe("btcusdt@depth") ? ["BTCUSDT"] : []));
  return [...new Set([...ctx.data.symbols(), ...fromSources])];
}

const s = (x: number) => String(x);

/** Binance's interval strings and their length; klines are stored at 1m and aggregated for the others. */
const INTERVAL_MS: Record<string, number> = {
  "1m": MINUTE_MS, "3m": 3 * MINUTE_MS, "5m": 5 * MINUTE_MS, "15m": 15 * MINUTE_MS, "30m": 30 * MINUTE_MS,
  "1h": HOUR_MS, "2h": 2 * HOUR_MS, "4h": 4 * HOUR_MS, "6h": 6 * HOUR_MS, "8h": 8 * HOUR_MS, "12h": 12 * HOUR_MS, "1d": 24 * HOUR_MS,
};

type KlineRow = [number, string, string, string, string, string, number, string, number, string, string, string];

function klineRow(k: KlineColumns, i: number): KlineRow {
  const nz = (x: number) => (Number.isNaN(x) ? "0" : s(x));
  return [k.openTime[i], s(k.open[i]), s(k.high[i]), s(k.low[i]), s(k.close[i]), s(k.volume[i]), k.closeTime[i], nz(k.quoteVolume[i]), Number.isNaN(k.trades[i]) ? 0 : k.trades[i], nz(k.takerBuyVolume[i]), nz(k.takerBuyQuoteVolume[i]), "0"];
}

/** The bar in progress as it stands at its open: the clock has not seen its high, low or close yet. */
function openingRow(k: KlineColumns, i: number): KlineRow {
  const o = s(k.open[i]);
  return [k.openTime[i], o, o, o, o, "0", k.closeTime[i], "0", 0, "0", "0", "0"];
}

/** Aggregate 1m rows [from, to) into one bar of a longer interval. */
function aggregate(k: KlineColumns, from: number, to: number, openMs: number, intervalMs: number): KlineRow {
  let high = -Infinity;
  let low = Infinity;
  let vol = 0;
  let qv = 0;
  let n = 0;
  let tbv = 0;
  let tbq = 0;
  for (let i = from; i < to; i++) {
    high = Math.max(high, k.high[i]);
    low = Math.min(low, k.low[i]);
    vol += k.volume[i];
    qv += Number.isNaN(k.quoteVolume[i]) ? 0 : k.quoteVolume[i];
    n += Number.isNaN(k.trades[i]) ? 0 : k.trades[i];
    tbv += Number.isNaN(k.takerBuyVolume[i]) ? 0 : k.takerBuyVolume[i];
    tbq += Number.isNaN(k.takerBuyQuoteVolume[i]) ? 0 : k.takerBuyQuoteVolume[i];
  }
  return [openMs, s(k.open[from]), s(high), s(low), s(k.close[to - 1]), s(vol), openMs + intervalMs - 1, s(qv), n, s(tbv), s(tbq), "0"];
}

async function klines(ctx: RouteContext): Promise<KlineRow[]> {
  const symbol = requireSymbol(ctx);
  const interval = ctx.params.get("interval");
  if (!interval) throw missingParam("interval");
  const intervalMs = INTERVAL_MS[interval];
  if (!intervalMs) throw invalidInterval();
  const limit = limitParam(ctx.params, 500, 1500);
  const k = await ctx.data.klines(symbol);
  if (!k) return [];
  const startTime = intParam(ctx.params, "startTime");
  const endTime = Math.min(intParam(ctx.params, "endTime") ?? Infinity, ctx.nowMs);
  if (startTime !== undefined && startTime > endTime) return [];
  if (intervalMs === MINUTE_MS) {
    const hi = upperBound(k.openTime, endTime); // bars that opened by endTime (and by now)
    const lo = startTime !== undefined ? lowerBound(k.openTime, startTime) : Math.max(0, hi - limit);
    const out: KlineRow[] = [];
    for (let i = lo; i < hi && out.length < limit; i++) out.push(k.closeTime[i] < ctx.nowMs ? klineRow(k, i) : openingRow(k, i));
    return out;
  }
  // Longer intervals: buckets aligned to the epoch, built from the stored 1m bars they contain.
  const firstBucket = Math.floor((startTime ?? k.openTime[0]) / intervalMs) * intervalMs;
  const lastBucket = Math.floor(endTime / intervalMs) * intervalMs;
  const out: KlineRow[] = [];
  for (let b = startTime === undefined ? Math.max(firstBucket, lastBucket - (limit - 1) * intervalMs) : firstBucket; b <= lastBucket && out.length < limit; b += intervalMs) {
    const from = lowerBound(k.openTime, b);
    // closed 1m bars only: the one in progress would tell its high, low and close before they happen
    const to = Math.min(lowerBound(k.openTime, b + intervalMs), upperBound(k.openTime, ctx.nowMs - BAR_MS));
    if (to > from) out.push(aggregate(k, from, to, b, intervalMs));
  }
  return out;
}

async function aggTrades(ctx: RouteContext) {
  const symbol = requireSymbol(ctx);
  const limit = limitParam(ctx.params, 500, 1000);
  const fromId = intParam(ctx.params, "fromId");
  const startTime = intParam(ctx.params, "startTime");
  const endTime = intParam(ctx.params, "endTime");
  if (startTime !== undefined && endTime !== undefined && endTime - startTime >= AGG_TRADES_MAX_WINDOW_MS) {
    throw new ApiError(400, -1127, "More than 1 hours between startTime and endTime.");
  }
  const where: string[] = [`transact_time <= ${ctx.nowMs}`];
  if (fromId !== undefined) where.push(`agg_trade_id >= ${fromId}`);
  if (startTime !== undefined) where.push(`transact_time >= ${startTime}`);
  if (endTime !== undefined) where.push(`transact_time <= ${endTime}`);
  const latestFirst = fromId === undefined && startTime === undefined;
  const rows = await ctx.data.aggTrades(symbol, where.join(" AND "), latestFirst ? "DESC" : "ASC", limit);
  return rows.map((r) => ({ a: r.a, p: s(r.p), q: s(r.q), f: r.f, l: r.l, T: r.T, m: r.m }));
}

async function fundingRate(ctx: RouteContext) {
  const symbol = requireSymbol(ctx);
  const limit = limitParam(ctx.params, 100, 1000);
  const f = await ctx.data.funding(symbol);
  if (!f) return [];
  const startTime = intParam(ctx.params, "startTime");
  const endTime = Math.min(intParam(ctx.params, "endTime") ?? Infinity, ctx.nowMs);
  const hi = upperBound(f.fundingTime, endTime);
  const lo = startTime !== undefined ? lowerBound(f.fundingTime, startTime) : Math.max(0, hi - limit);
  const out = [];
  for (let i = lo; i < hi && out.length < limit; i++) {
    out.push({ symbol, fundingTime: f.fundingTime[i], fundingRate: f.fundingRate[i].toFixed(8), markPrice: Number.isNaN(f.markPrice[i]) ? "" : s(f.markPrice[i]) });
  }
  return out;
}

function depth(ctx: RouteContext) {
  const symbol = requireSymbol(ctx);
  const limit = intParam(ctx.params, "limit") ?? 500;
  if (![5, 10, 20, 50, 100, 500, 1000].includes(limit)) throw badParam("Invalid limit.");
  for (const src of ctx.sources) {
    const snap = src.depthSnapshot?.(symbol, limit);
    if (snap) return snap;
  }
  const captures = ctx.sources.filter((src) => src.depthSnapshot);
  if (captures.length === 0) throw new ApiError(400, -1000, `The local exchange has no order book for ${symbol}: start it with --capture <ws-capture file>.`);
  // a capture was given, but none has a book of this symbol at its replay time
  const times = captures.map((c) => c.replayClock?.().nowMs).filter((t): t is number => t !== undefined).map((t) => new Date(t).toISOString());
  throw new ApiError(
    400,
    -1000,
    `No replayed capture covers ${symbol}'s order book at replay time ${times.join(", ") || "now"}: a capture's book exists for its own symbol while its depth stream is replayed (subscribe to ${symbol.toLowerCase()}@depth first).`,
  );
}

/** Filters like mainnet's (trading/filters.ts, which also checks orders against them). */
function symbolInfo(symbol: string, lastPrice: number) {
  const f = symbolFilters(symbol, lastPrice);
  const base = symbol.replace(/USDT$|USDC$/, "");
  return {
    symbol,
    pair: symbol,
    contractType: "PERPETUAL",
    status: "TRADING",
    baseAsset: base,
    quoteAsset: symbol.slice(base.length),
    marginAsset: symbol.slice(base.length),
    pricePrecision: f.pricePrecision,
    quantityPrecision: f.quantityPrecision,
    underlyingType: "COIN",
    triggerProtect: "0.0500",
    orderTypes: ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
    timeInForce: ["GTC", "IOC", "FOK", "GTX", "GTD"],
    filters: filtersJson(f),
  };
}

async function exchangeInfo(ctx: RouteContext) {
  const symbols = [];
  for (const sym of knownSymbols(ctx)) {
    const k = await ctx.data.klines(sym);
    symbols.push(symbolInfo(sym, k && k.close.length ? k.close[k.close.length - 1] : PRICE_WHEN_NO_BARS));
  }
  return {
    timezone: "UTC",
    serverTime: ctx.nowMs,
    futuresType: "U_MARGINED",
    rateLimits: [
      { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: ctx.weightLimitPerMinute },
      { rateLimitType: "ORDERS", interval: "MINUTE", intervalNum: 1, limit: 1200 },
      { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: "USDT", marginAvailable: true, autoAssetExchange: "-10000" }],
    symbols,
  };
}

const KLINES_ROUTE: Route = { method: "GET", path: "/fapi/v1/klines", weight: (p) => klinesWeight(Math.min(Number(p.get("limit") ?? 500), 1500)), handle: klines };

export const MARKET_ROUTES: Route[] = [
  { method: "GET", path: "/fapi/v1/ping", weight: () => 1, handle: () => ({}) },
  { method: "GET", path: "/fapi/v1/time", weight: () => 1, handle: (ctx) => ({ serverTime: ctx.nowMs }) },
  { method: "GET", path: "/fapi/v1/exchangeInfo", weight: () => 1, handle: exchangeInfo },
  KLINES_ROUTE,
  markPriceKlinesRoute(KLINES_ROUTE),
  ...TICKER_ROUTES,
  { method: "GET", path: "/fapi/v1/aggTrades", weight: () => 20, handle: aggTrades },
  { method: "GET", path: "/fapi/v1/fundingRate", weight: () => 1, handle: fundingRate },
  { method: "GET", path: "/fapi/v1/depth", weight: (p) => depthWeight(Number(p.get("limit") ?? 500)), handle: depth },
];
