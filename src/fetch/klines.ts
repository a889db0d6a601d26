// 1-minute klines over REST: only the missing minutes, 1500 per request (the fewest requests), each page
// stored as soon as it arrives, so an interrupted fetch resumes where it stopped.
import { MINUTE_MS } from "../core/time.ts";
import { queryFloat64Columns } from "../data/duck.ts";
import type { Store } from "../data/store.ts";
import type { Candle, MarketClient } from "./client.ts";
import { type FetchState, type Range, missingRanges } from "./plan.ts";

/** GET /fapi/v1/klines maximum page size. */
export const KLINES_PER_REQUEST = 1500;

export interface KindProgress {
  (done: number, total: number): void;
}

export interface FetchedKind {
  requests: number;
  rowsFetched: number;
  rowsStored: number;
}

export async function fetchKlines(
  client: MarketClient,
  store: Store,
  state: FetchState,
  symbol: string,
  range: Range,
  progress: KindProgress,
  signal?: AbortSignal,
): Promise<FetchedKind> {
  const key = `klines/${symbol}`;
  const rel = store.scan("klines", symbol);
  const present = rel
    ? (await queryFloat64Columns(store.db, `SELECT open_time FROM ${rel} WHERE open_time >= ${range.fromMs} AND open_time < ${range.toMs} ORDER BY open_time`)).open_time
    : new Float64Array(0);
  const todo = missingRanges(present, range, MINUTE_MS, state.absent(key));
  const totalPages = todo.reduce((a, r) => a + Math.ceil((r.toMs - r.fromMs) / MINUTE_MS / KLINES_PER_REQUEST), 0);
  const out: FetchedKind = { requests: 0, rowsFetched: 0, rowsStored: 0 };
  progress(0, totalPages);
  for (const r of todo) {
    let cursor = r.fromMs;
    while (cursor < r.toMs && !signal?.aborted) {
      const candles = await client.candles({ symbol, startTime: cursor, endTime: r.toMs - 1, limit: KLINES_PER_REQUEST });
      out.requests++;
      // only closed bars: the current minute is still changing
      const closed = candles.filter((c) => c.closeTime < client.serverNow() && c.openTime >= cursor && c.openTime < r.toMs);
      out.rowsFetched += closed.length;
      if (closed.length === 0) {
        state.addAbsent(key, { fromMs: cursor, toMs: Math.min(r.toMs, client.serverNow() - MINUTE_MS) });
        break;
      }
      // bars the exchange skipped inside this page do not exist there: remember, do not ask again
      if (closed[0].openTime > cursor) state.addAbsent(key, { fromMs: cursor, toMs: closed[0].openTime });
      out.rowsStored += (await store.upsertColumns("klines", symbol, candleColumns(closed))).rows;
      cursor = closed[closed.length - 1].openTime + MINUTE_MS;
      progress(out.requests, Math.max(totalPages, out.requests));
      if (candles.length < KLINES_PER_REQUEST && cursor < r.toMs) {
        // a short page means the exchange has nothing more up to the range end (or the bars are not closed yet)
        const lastClosedOpen = Math.floor((client.serverNow() - MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
        if (candles.length === closed.length) state.addAbsent(key, { fromMs: cursor, toMs: Math.min(r.toMs, lastClosedOpen) });
        break;
      }
    }
  }
  return out;
}

/**
 * Candles as store columns. A bar with volume but zero trades and zero quote volume cannot exist on
 * Binance: it means the source lacks those fields (e.g. a replay of OHLCV-only data), so they are stored
 * as NULL rather than as misleading zeros.
 */
export function candleColumns(candles: Candle[]) {
  const lacks = (c: Candle) => c.trades === 0 && Number(c.quoteVolume) === 0 && Number(c.volume) > 0;
  return {
    open_time: candles.map((c) => c.openTime),
    open: candles.map((c) => Number(c.open)),
    high: candles.map((c) => Number(c.high)),
    low: candles.map((c) => Number(c.low)),
    close: candles.map((c) => Number(c.close)),
    volume: candles.map((c) => Number(c.volume)),
    close_time: candles.map((c) => c.closeTime),
    quote_volume: candles.map((c) => (lacks(c) ? null : Number(c.quoteVolume))),
    trades: candles.map((c) => (lacks(c) ? null : c.trades)),
    taker_buy_volume: candles.map((c) => (lacks(c) ? null : Number(c.baseAssetVolume))),
    taker_buy_quote_volume: candles.map((c) => (lacks(c) ? null : Number(c.quoteAssetVolume))),
  };
}
