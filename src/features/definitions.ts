// The 30 features of the design's §4.1, in model-input order. Full definitions: docs/features.md.
// Bump FEATURE_DEFINITION_VERSION whenever a formula, window or source rule changes: artifacts and
// models record it, and later commands refuse a mismatch.

export const FEATURE_DEFINITION_VERSION = "1.0.0";

/** Normalization defaults of `rlt features` (and of the pipelines that build features themselves). */
export const DEFAULT_NORM_TRAIN_FRACTION = 0.7;
export const DEFAULT_ROLLING_WINDOW = 1440;

export type FeatureGroup = "ohlcv" | "trade" | "book";
export type NormMethod = "zscore" | "minmax" | "rolling" | "none";

export interface FeatureDef {
  name: string;
  group: FeatureGroup;
  unit: string;
  /** Default normalization (§4.2); overridable per feature in the config. */
  norm: NormMethod;
  summary: string;
}

const f = (name: string, group: FeatureGroup, unit: string, norm: NormMethod, summary: string): FeatureDef => ({ name, group, unit, norm, summary });

export const FEATURES: readonly FeatureDef[] = [
  f("open", "ohlcv", "USDT", "rolling", "bar open price"),
  f("high", "ohlcv", "USDT", "rolling", "bar high price"),
  f("low", "ohlcv", "USDT", "rolling", "bar low price"),
  f("close", "ohlcv", "USDT", "rolling", "bar close price"),
  f("volume", "ohlcv", "base asset", "rolling", "bar volume"),
  f("vwap", "ohlcv", "USDT", "rolling", "quote volume / volume; proxy (high+low+close)/3"),
  f("trade_imbalance", "trade", "ratio [-1,1]", "none", "(taker buy − taker sell) / total volume in the bar"),
  f("ret_5m", "trade", "log return", "zscore", "ln(close_t / close_t−5)"),
  f("ret_15m", "trade", "log return", "zscore", "ln(close_t / close_t−15)"),
  f("price_velocity", "trade", "log return / min", "zscore", "ln(close_t / close_t−1): the 1-minute price change"),
  f("trade_size_mean", "trade", "base asset", "zscore", "volume / number of trades in the bar"),
  f("trade_frequency", "trade", "trades / min", "zscore", "number of trades (fills) in the bar"),
  f("volume_acceleration", "trade", "ratio", "zscore", "(v_t − 2·v_t−1 + v_t−2) / EMA20(volume)"),
  f("large_trade_share", "trade", "ratio [0,1]", "none", "share of bar volume in aggTrades of ≥ 100,000 USDT notional"),
  f("trade_flow_imbalance", "trade", "ratio [-1,1]", "none", "Σ15 (taker buy − taker sell) / Σ15 volume"),
  f("rsi_14", "trade", "0..100", "minmax", "Wilder's RSI(14) of close"),
  f("macd_hist", "trade", "fraction of price", "zscore", "(MACD(12,26) − signal(9)) / close"),
  f("bb_percent_b", "trade", "ratio", "zscore", "Bollinger(20, 2) %B: (close − lower) / (upper − lower)"),
  f("spread_bps", "book", "bps of mid", "zscore", "(best ask − best bid) / mid at bar close"),
  f("book_imbalance", "book", "ratio [-1,1]", "none", "(bid qty − ask qty) / total over the top 5 levels at bar close"),
  f("book_depth", "book", "base asset", "zscore", "bid + ask quantity over the top 10 levels at bar close"),
  f("price_impact_bps", "book", "bps of mid", "zscore", "mean cost of a 10 BTC market buy and sell against the book, vs mid"),
  f("order_flow_imbalance", "book", "base asset", "zscore", "Cont–Kukanov–Stoikov OFI summed over best-level changes in the bar"),
  f("limit_arrival_rate", "book", "updates / s", "zscore", "depth level quantity increases per second in the bar"),
  f("cancel_rate", "book", "updates / s", "zscore", "depth level quantity decreases not explained by trades, per second"),
  f("market_order_rate", "book", "orders / s", "zscore", "aggregate trades (taker orders) per second in the bar"),
  f("book_pressure", "book", "ratio [-1,1]", "none", "level-weighted (1/(1+i)) imbalance over the top 10 levels"),
  f("liquidity_near_share", "book", "ratio [0,1]", "none", "quantity in levels 1–5 / quantity in levels 1–20 (both sides)"),
  f("book_slope", "book", "base asset / bps", "zscore", "slope of cumulative quantity vs distance from mid, top 10 levels, both sides averaged"),
  f("microprice_dev_bps", "book", "bps of mid", "zscore", "(microprice − mid) / mid: the mid-price movement predictor"),
];

export const FEATURE_NAMES = FEATURES.map((d) => d.name);
export const FEATURE_COUNT = FEATURES.length;

/** Mask codes stored beside every feature. */
export const MASK = {
  /** Computed from its primary source. */
  measured: 0,
  /** Computed from the documented proxy (e.g. taker-buy volume from klines instead of aggTrades). */
  proxy: 1,
  /** Not computable: the source is absent or the window is still warming up. The value is NaN. */
  missing: 2,
} as const;
