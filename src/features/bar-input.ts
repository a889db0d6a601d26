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

/** Row i of the columns. Written out field by field: a loop over names is several times slower here. */
export function barAt(c: BarColumns, i: number, into: BarInput = emptyBar(0)): BarInput {
  into.openTime = c.openTime[i];
  into.open = c.open[i];
  into.high = c.high[i];
  into.low = c.low[i];
  into.close = c.close[i];
  into.volume = c.volume[i];
  into.quoteVolume = c.quoteVolume[i];
  into.klineTrades = c.klineTrades[i];
  into.takerBuyVolume = c.takerBuyVolume[i];
  into.aggCount = c.aggCount[i];
  into.fills = c.fills[i];
  into.buyVolume = c.buyVolume[i];
  into.sellVolume = c.sellVolume[i];
  into.largeVolume = c.largeVolume[i];
  into.spreadBps = c.spreadBps[i];
  into.bookImbalance = c.bookImbalance[i];
  into.bookDepth = c.bookDepth[i];
  into.priceImpactBps = c.priceImpactBps[i];
  into.bookPressure = c.bookPressure[i];
  into.liquidityNearShare = c.liquidityNearShare[i];
  into.bookSlope = c.bookSlope[i];
  into.micropriceDevBps = c.micropriceDevBps[i];
  into.ofi = c.ofi[i];
  into.levelIncreases = c.levelIncreases[i];
  into.levelDecreases = c.levelDecreases[i];
  return into;
}
