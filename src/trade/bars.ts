// Closed 1-minute bars as the session receives them (a kline stream event or a REST candle), turned
// into the feature engine's BarInput with the same rules as the store's history: a kline that lacks
// trades and quote volume (an OHLCV-only source) has them as unknown, not as zeros.
import { BAR_INPUT_FIELDS, type BarColumns, type BarInput, emptyBar } from "../features/bar-input.ts";
import { lacksKlineExtras } from "../fetch/klines.ts";

export interface Kline {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  trades: number;
  takerBuyVolume: number;
}

/** A `<symbol>@kline_1m` payload's closed kline, or undefined while the bar is still open. */
export function closedKline(payload: unknown): Kline | undefined {
  const k = (payload as { k?: Record<string, unknown> })?.k;
  if (!k || k.x !== true) return undefined;
  return {
    openTime: Number(k.t),
    open: Number(k.o),
    high: Number(k.h),
    low: Number(k.l),
    close: Number(k.c),
    volume: Number(k.v),
    quoteVolume: Number(k.q),
    trades: Number(k.n),
    takerBuyVolume: Number(k.V),
  };
}

/** binance-api-node's futuresCandles row. */
export function candleKline(c: { openTime: number; open: string; high: string; low: string; close: string; volume: string; quoteVolume: string; trades: number; baseAssetVolume: string }): Kline {
  return { openTime: c.openTime, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close), volume: Number(c.volume), quoteVolume: Number(c.quoteVolume), trades: c.trades, takerBuyVolume: Number(c.baseAssetVolume) };
}

/** The kline's part of a BarInput (trade and book fields stay unknown unless a stream fills them). */
export function klineBar(k: Kline, into: BarInput = emptyBar(k.openTime)): BarInput {
  const lacks = lacksKlineExtras(k.trades, k.quoteVolume, k.volume);
  into.openTime = k.openTime;
  into.open = k.open;
  into.high = k.high;
  into.low = k.low;
  into.close = k.close;
  into.volume = k.volume;
  into.quoteVolume = lacks ? Number.NaN : k.quoteVolume;
  into.klineTrades = lacks ? Number.NaN : k.trades;
  into.takerBuyVolume = lacks ? Number.NaN : k.takerBuyVolume;
  return into;
}

/** Bars as the columns the batch feature driver reads. */
export function barsToColumns(bars: BarInput[]): BarColumns {
  const cols = Object.fromEntries(BAR_INPUT_FIELDS.map((f) => [f, new Float64Array(bars.length)])) as unknown as BarColumns;
  bars.forEach((b, i) => {
    for (const f of BAR_INPUT_FIELDS) cols[f][i] = b[f];
  });
  return cols;
}
