// CSV layouts of data.binance.vision files (and the bundled sample), and how each maps onto a stored kind.
// https://github.com/binance/binance-public-data — older files have no header row, newer ones do.
import type { KindName } from "../kinds.ts";

export interface CsvLayout {
  name: string;
  kind: KindName;
  /** Columns in file order with DuckDB types. */
  columns: [name: string, type: string][];
  /** SELECT list mapping the file's columns onto the kind's columns. */
  select: string;
}

const MS = (col: string) =>
  // Timestamps are ms, except bookDepth/metrics which write "YYYY-MM-DD HH:MM:SS" (UTC), and 2025+ spot files in µs.
  `CASE WHEN ${col} > 100000000000000 THEN ${col} // 1000 ELSE ${col} END`;

export const LAYOUTS: CsvLayout[] = [
  {
    name: "klines (12 columns)",
    kind: "klines",
    columns: [
      ["open_time", "BIGINT"], ["open", "DOUBLE"], ["high", "DOUBLE"], ["low", "DOUBLE"], ["close", "DOUBLE"], ["volume", "DOUBLE"],
      ["close_time", "BIGINT"], ["quote_volume", "DOUBLE"], ["count", "BIGINT"], ["taker_buy_volume", "DOUBLE"],
      ["taker_buy_quote_volume", "DOUBLE"], ["ignore", "VARCHAR"],
    ],
    select: `${MS("open_time")} AS open_time, open, high, low, close, volume, ${MS("close_time")} AS close_time, quote_volume, count AS trades, taker_buy_volume, taker_buy_quote_volume`,
  },
  {
    name: "klines (7 columns, the bundled sample)",
    kind: "klines",
    columns: [["open_time", "BIGINT"], ["open", "DOUBLE"], ["high", "DOUBLE"], ["low", "DOUBLE"], ["close", "DOUBLE"], ["volume", "DOUBLE"], ["close_time", "BIGINT"]],
    select: `${MS("open_time")} AS open_time, open, high, low, close, volume, ${MS("close_time")} AS close_time`,
  },
  {
    name: "aggTrades",
    kind: "aggtrades",
    columns: [["agg_trade_id", "BIGINT"], ["price", "DOUBLE"], ["quantity", "DOUBLE"], ["first_trade_id", "BIGINT"], ["last_trade_id", "BIGINT"], ["transact_time", "BIGINT"], ["is_buyer_maker", "BOOLEAN"]],
    select: `agg_trade_id, price, quantity, first_trade_id, last_trade_id, ${MS("transact_time")} AS transact_time, is_buyer_maker`,
  },
  {
    name: "trades",
    kind: "trades",
    columns: [["id", "BIGINT"], ["price", "DOUBLE"], ["qty", "DOUBLE"], ["quote_qty", "DOUBLE"], ["time", "BIGINT"], ["is_buyer_maker", "BOOLEAN"]],
    select: `id AS trade_id, price, qty AS quantity, ${MS("time")} AS trade_time, is_buyer_maker`,
  },
  {
    name: "bookTicker",
    kind: "book_ticker",
    columns: [["update_id", "BIGINT"], ["best_bid_price", "DOUBLE"], ["best_bid_qty", "DOUBLE"], ["best_ask_price", "DOUBLE"], ["best_ask_qty", "DOUBLE"], ["transaction_time", "BIGINT"], ["event_time", "BIGINT"]],
    select: "update_id, best_bid_price AS bid_price, best_bid_qty AS bid_qty, best_ask_price AS ask_price, best_ask_qty AS ask_qty, transaction_time AS transact_time, event_time",
  },
  {
    name: "bookDepth",
    kind: "bookdepth",
    columns: [["timestamp", "VARCHAR"], ["percentage", "DOUBLE"], ["depth", "DOUBLE"], ["notional", "DOUBLE"]],
    select: `epoch_ms(strptime("timestamp", '%Y-%m-%d %H:%M:%S')) AS "timestamp", percentage, depth, notional`,
  },
  {
    name: "metrics",
    kind: "metrics",
    columns: [
      ["create_time", "VARCHAR"], ["symbol", "VARCHAR"], ["sum_open_interest", "DOUBLE"], ["sum_open_interest_value", "DOUBLE"],
      ["count_toptrader_long_short_ratio", "DOUBLE"], ["sum_toptrader_long_short_ratio", "DOUBLE"], ["count_long_short_ratio", "DOUBLE"],
      ["sum_taker_long_short_vol_ratio", "DOUBLE"],
    ],
    select:
      "epoch_ms(strptime(create_time, '%Y-%m-%d %H:%M:%S')) AS create_time, sum_open_interest, sum_open_interest_value, count_toptrader_long_short_ratio, sum_toptrader_long_short_ratio, count_long_short_ratio, sum_taker_long_short_vol_ratio",
  },
  {
    name: "fundingRate (monthly bulk file)",
    kind: "funding",
    columns: [["calc_time", "BIGINT"], ["funding_interval_hours", "INTEGER"], ["last_funding_rate", "DOUBLE"]],
    select: "calc_time AS funding_time, last_funding_rate AS funding_rate, funding_interval_hours AS interval_hours",
  },
  {
    name: "fundingRate (REST export)",
    kind: "funding",
    columns: [["symbol", "VARCHAR"], ["funding_time", "BIGINT"], ["funding_rate", "DOUBLE"], ["mark_price", "DOUBLE"]],
    select: "funding_time, funding_rate, mark_price",
  },
];

/** File-name patterns of data.binance.vision and the bundled sample. */
const NAME_PATTERNS: [RegExp, KindName][] = [
  [/^([A-Z0-9]+)-1m-\d{4}-\d{2}(-\d{2})?$/, "klines"],
  [/^([A-Z0-9]+)-1m-\d{8}-\d{8}$/, "klines"],
  [/^([A-Z0-9]+)-aggTrades-/, "aggtrades"],
  [/^([A-Z0-9]+)-trades-/, "trades"],
  [/^([A-Z0-9]+)-bookTicker-/, "book_ticker"],
  [/^([A-Z0-9]+)-bookDepth-/, "bookdepth"],
  [/^([A-Z0-9]+)-metrics-/, "metrics"],
  [/^([A-Z0-9]+)-fundingRate-/, "funding"],
];

/** Kind and symbol from a file name like BTCUSDT-aggTrades-2024-01-01.zip. */
export function inferFromName(fileName: string): { kind?: KindName; symbol?: string } {
  const base = fileName.replace(/\.(csv|zip|gz)$/g, "").replace(/\.(csv|zip|gz)$/g, "");
  for (const [re, kind] of NAME_PATTERNS) {
    const m = re.exec(base);
    if (m) return { kind, symbol: m[1] };
  }
  return {};
}

export function layoutsFor(kind: KindName, columnCount: number): CsvLayout[] {
  return LAYOUTS.filter((l) => l.kind === kind && l.columns.length === columnCount);
}
