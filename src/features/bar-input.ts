// What the feature engine needs to know about one 1-minute bar, from every source, aligned on the bar:
// everything here is stamped at or before the bar's close (open time + 59,999 ms). NaN = source absent.

export interface BarInput {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Kline extras, absent in OHLCV-only history. */
  quoteVolume: number;
  klineTrades: number;
  takerBuyVolume: number;
  /** aggTrades in the bar (NaN when no trade source covers the bar; 0 is a real zero). */
  aggCount: number;
  fills: number;
  buyVolume: number;
  sellVolume: number;
  largeVolume: number;
  /** The book at the bar's close (from bookStats). */
  spreadBps: number;
  bookImbalance: number;
  bookDepth: number;
  priceImpactBps: number;
  bookPressure: number;
  liquidityNearShare: number;
  bookSlope: number;
  micropriceDevBps: number;
  /** Stream counts within the bar. */
  ofi: number;
  levelIncreases: number;
  levelDecreases: number;
}

export const BAR_INPUT_FIELDS = [
  "openTime", "open", "high", "low", "close", "volume", "quoteVolume", "klineTrades", "takerBuyVolume",
  "aggCount", "fills", "buyVolume", "sellVolume", "largeVolume",
  "spreadBps", "bookImbalance", "bookDepth", "priceImpactBps", "bookPressure", "liquidityNearShare", "bookSlope", "micropriceDevBps",
  "ofi", "levelIncreases", "levelDecreases",
] as const satisfies readonly (keyof BarInput)[];

export type BarColumns = Record<(typeof BAR_INPUT_FIELDS)[number], Float64Array>;

export function emptyBar(openTime: number): BarInput {
  const bar = Object.fromEntries(BAR_INPUT_FIELDS.map((f) => [f, Number.NaN])) as unknown as BarInput;
  bar.openTime = openTime;
  return bar;
}

export function barAt(cols: BarColumns, i: number, into: BarInput = emptyBar(0)): BarInput {
  for (const f of BAR_INPUT_FIELDS) into[f] = cols[f][i];
  return into;
}
