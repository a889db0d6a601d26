// The kinds of market data the store holds: column schema, unique key, time column and expected cadence.

export type ColumnType = "BIGINT" | "DOUBLE" | "BOOLEAN" | "VARCHAR" | "INTEGER";
export interface Column {
  name: string;
  type: ColumnType;
  /** Absent in some sources (e.g. klines without taker volumes); stored as NULL, never invented. */
  nullable?: boolean;
}

export interface KindSpec {
  name: string;
  description: string;
  columns: Column[];
  /** Unique key: re-writing a row with the same key replaces it, never duplicates it. */
  key: string[];
  /** Millisecond timestamp column that decides the day partition and the covered range. */
  timeColumn: string;
  /** Expected spacing of timeColumn; a larger step is a gap. */
  cadenceMs?: number;
  /** For kinds without a fixed cadence: a silence longer than this is reported as a gap. */
  gapAfterMs?: number;
  /** Contiguous integer id column: a jump in it is a gap (aggTrades). */
  idColumn?: string;
  /** Written by the recorder as rolling part files rather than one merged file per day. */
  recorded?: boolean;
}

const col = (name: string, type: ColumnType, nullable = false): Column => ({ name, type, nullable });

export const KINDS = {
  klines: {
    name: "klines",
    description: "1-minute candles (GET /fapi/v1/klines, data.binance.vision klines/1m)",
    columns: [
      col("open_time", "BIGINT"),
      col("open", "DOUBLE"),
      col("high", "DOUBLE"),
      col("low", "DOUBLE"),
      col("close", "DOUBLE"),
      col("volume", "DOUBLE"),
      col("close_time", "BIGINT"),
      col("quote_volume", "DOUBLE", true),
      col("trades", "BIGINT", true),
      col("taker_buy_volume", "DOUBLE", true),
      col("taker_buy_quote_volume", "DOUBLE", true),
      // true: an impossible candle (high < max(open, close), a price ≤ 0, …) stored on purpose by
      // `rlt import --allow-invalid-rows`; NULL (every file written before this column) means valid
      col("invalid", "BOOLEAN", true),
    ],
    key: ["open_time"],
    timeColumn: "open_time",
    cadenceMs: 60_000,
  },
  funding: {
    name: "funding",
    description: "funding settlements (GET /fapi/v1/fundingRate, data.binance.vision fundingRate)",
    columns: [
      col("funding_time", "BIGINT"),
      col("funding_rate", "DOUBLE"),
      col("mark_price", "DOUBLE", true),
      col("interval_hours", "INTEGER", true),
    ],
    key: ["funding_time"],
    timeColumn: "funding_time",
    cadenceMs: 8 * 3_600_000,
  },
  aggtrades: {
    name: "aggtrades",
    description: "aggregate trades (GET /fapi/v1/aggTrades, data.binance.vision aggTrades)",
    columns: [
      col("agg_trade_id", "BIGINT"),
      col("price", "DOUBLE"),
      col("quantity", "DOUBLE"),
      col("first_trade_id", "BIGINT"),
      col("last_trade_id", "BIGINT"),
      col("transact_time", "BIGINT"),
      col("is_buyer_maker", "BOOLEAN"),
    ],
    key: ["agg_trade_id"],
    timeColumn: "transact_time",
    idColumn: "agg_trade_id",
  },
  bookdepth: {
    name: "bookdepth",
    description: "±1..5 % depth bands (data.binance.vision bookDepth)",
    columns: [col("timestamp", "BIGINT"), col("percentage", "DOUBLE"), col("depth", "DOUBLE"), col("notional", "DOUBLE")],
    key: ["timestamp", "percentage"],
    timeColumn: "timestamp",
    gapAfterMs: 5 * 60_000,
  },
  metrics: {
    name: "metrics",
    description: "5-minute open interest and long/short ratios (data.binance.vision metrics)",
    columns: [
      col("create_time", "BIGINT"),
      col("sum_open_interest", "DOUBLE", true),
      col("sum_open_interest_value", "DOUBLE", true),
      col("count_toptrader_long_short_ratio", "DOUBLE", true),
      col("sum_toptrader_long_short_ratio", "DOUBLE", true),
      col("count_long_short_ratio", "DOUBLE", true),
      col("sum_taker_long_short_vol_ratio", "DOUBLE", true),
    ],
    key: ["create_time"],
    timeColumn: "create_time",
    cadenceMs: 5 * 60_000,
  },
  depth_updates: {
    name: "depth_updates",
    description: "raw depth diff events, one row per price level (WebSocket <symbol>@depth)",
    columns: [
      col("recv_time", "BIGINT"),
      col("event_time", "BIGINT"),
      col("transact_time", "BIGINT"),
      col("first_update_id", "BIGINT"),
      col("final_update_id", "BIGINT"),
      col("prev_final_update_id", "BIGINT"),
      col("is_bid", "BOOLEAN"),
      col("price", "DOUBLE"),
      col("quantity", "DOUBLE"),
    ],
    key: ["final_update_id", "is_bid", "price"],
    timeColumn: "event_time",
    recorded: true,
    gapAfterMs: 60_000,
  },
  book_snapshots: {
    name: "book_snapshots",
    description: "periodic top-N levels of the locally maintained book (rlt record, capture replay)",
    columns: [
      col("time", "BIGINT"),
      col("update_id", "BIGINT"),
      col("is_bid", "BOOLEAN"),
      col("level", "INTEGER"),
      col("price", "DOUBLE"),
      col("quantity", "DOUBLE"),
    ],
    key: ["update_id", "is_bid", "level"],
    timeColumn: "time",
    recorded: true,
    gapAfterMs: 60_000,
  },
  trades: {
    name: "trades",
    description: "individual trades (WebSocket <symbol>@trade, captures)",
    columns: [
      col("trade_id", "BIGINT"),
      col("price", "DOUBLE"),
      col("quantity", "DOUBLE"),
      col("trade_time", "BIGINT"),
      col("is_buyer_maker", "BOOLEAN"),
    ],
    key: ["trade_id"],
    timeColumn: "trade_time",
    idColumn: "trade_id",
    recorded: true,
    gapAfterMs: 60_000,
  },
  book_ticker: {
    name: "book_ticker",
    description: "best bid/ask updates (WebSocket <symbol>@bookTicker)",
    columns: [
      col("update_id", "BIGINT"),
      col("bid_price", "DOUBLE"),
      col("bid_qty", "DOUBLE"),
      col("ask_price", "DOUBLE"),
      col("ask_qty", "DOUBLE"),
      col("transact_time", "BIGINT"),
      col("event_time", "BIGINT"),
    ],
    key: ["update_id"],
    timeColumn: "event_time",
    recorded: true,
    gapAfterMs: 60_000,
  },
  mark_price: {
    name: "mark_price",
    description: "mark price, index price and funding (WebSocket <symbol>@markPrice)",
    columns: [
      col("event_time", "BIGINT"),
      col("mark_price", "DOUBLE"),
      col("index_price", "DOUBLE", true),
      col("funding_rate", "DOUBLE", true),
      col("next_funding_time", "BIGINT", true),
    ],
    key: ["event_time"],
    timeColumn: "event_time",
    recorded: true,
    gapAfterMs: 60_000,
  },
  record_events: {
    name: "record_events",
    description: "what happened to a recording: reconnect, chain_break, resync, backfill, recovery (rlt record)",
    columns: [col("time", "BIGINT"), col("type", "VARCHAR"), col("detail", "VARCHAR")],
    key: ["time", "type", "detail"],
    timeColumn: "time",
    recorded: true,
  },
} as const satisfies Record<string, KindSpec>;

export type KindName = keyof typeof KINDS;
export const KIND_NAMES = Object.keys(KINDS) as KindName[];

export function kindSpec(kind: KindName): KindSpec {
  return KINDS[kind];
}

export function isKindName(s: string): s is KindName {
  return Object.hasOwn(KINDS, s);
}
