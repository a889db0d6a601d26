// 1-minute klines over REST: only the missing minutes, in the fewest requests of 1500, each page stored
// as soon as it arrives, so an interrupted fetch resumes where it stopped.
import { MINUTE_MS, isoMinute } from "../core/time.ts";
import { queryFloat64Columns } from "../data/duck.ts";
import { assertRowsValid } from "../data/row-rules.ts";
import type { Candle } from "./client.ts";
import type { FetchContext, KindCounters } from "./context.ts";
import { type Range, coverWindows, missingRanges } from "./plan.ts";

/** GET /fapi/v1/klines maximum page size. */
export const KLINES_PER_REQUEST = 1500;
/**
 * Minutes this close to the server's clock may not be published yet: an empty answer for them is not
 * proof that the exchange lacks them, so they are asked for again next time.
 */
const UNSETTLED_MS = 5 * MINUTE_MS;

export async function fetchKlines(ctx: FetchContext, symbol: string, range: Range, out: KindCounters): Promise<void> {
  const { client, store, state, progress, signal } = ctx;
  const key = `klines/${symbol}`;
  const rel = store.scan("klines", symbol);
  const present = rel
    ? (await queryFloat64Columns(store.db, `SELECT open_time FROM ${rel} WHERE open_time >= ${range.fromMs} AND open_time < ${range.toMs} ORDER BY open_time`)).open_time
    : new Float64Array(0);
  const windows = coverWindows(missingRanges(present, range, MINUTE_MS, state.absent(key)), KLINES_PER_REQUEST * MINUTE_MS);
  progress(0, windows.length);
  for (const w of windows) {
    if (signal?.aborted) break;
    // a window spans at most 1500 minutes, so one page holds all the exchange has in it
    const candles = await client.candles({ symbol, startTime: w.fromMs, endTime: w.toMs - 1, limit: KLINES_PER_REQUEST });
    out.requests++;
    // only closed bars: the current minute is still changing
    const nowMs = client.serverNow();
    const closed = candles.filter((c) => c.closeTime < nowMs && c.openTime >= w.fromMs && c.openTime < w.toMs);
    out.rowsFetched += closed.length;
    // a window may span stored bars between two gaps: store only the missing ones
    const fresh = closed.filter((c) => w.missing.some((m) => c.openTime >= m.fromMs && c.openTime < m.toMs));
    if (fresh.length) {
      const cols = candleColumns(fresh);
      // the same row rules as rlt import: an impossible candle from the exchange is refused, not stored
      assertRowsValid("klines", cols, `GET /fapi/v1/klines ${symbol}`, (i) => isoMinute(fresh[i].openTime));
      out.rowsStored += (await store.upsertColumns("klines", symbol, cols)).rows;
    }
    // minutes of this window the exchange did not return, long enough ago, do not exist there: remember
    const returned = Float64Array.from(closed, (c) => c.openTime);
    const settledBeforeMs = Math.floor((nowMs - UNSETTLED_MS) / MINUTE_MS) * MINUTE_MS;
    const absent = w.missing
      .flatMap((m) => missingRanges(returned, m, MINUTE_MS))
      .map((r) => ({ fromMs: r.fromMs, toMs: Math.min(r.toMs, settledBeforeMs) }));
    state.addAbsent(key, absent);
    progress(out.requests, windows.length);
  }
}

/**
 * Candles as store columns. A bar with volume but zero trades and zero quote volume cannot exist on
 * Binance: it means the source lacks those fields (e.g. a replay of OHLCV-only data), so they are stored
 * as NULL rather than as misleading zeros.
 */
export function candleColumns(candles: Candle[]) {
  const lacks = (c: Candle) => lacksKlineExtras(c.trades, Number(c.quoteVolume), Number(c.volume));
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

/** Volume without trades or quote volume: the source has no such fields (see candleColumns). */
export function lacksKlineExtras(trades: number, quoteVolume: number, volume: number): boolean {
  return trades === 0 && quoteVolume === 0 && volume > 0;
}
