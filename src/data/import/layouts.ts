// CSV layouts of data.binance.vision files (and the bundled sample), and how each maps onto a stored kind.
// https://github.com/binance/binance-public-data — older files have no header row, newer ones do.
import { DataError } from "../../core/errors.ts";
import type { KindName } from "../kinds.ts";

export interface CsvLayout {
  name: string;
  kind: KindName;
  /** Columns in file order with DuckDB types, named as Binance's header row names them. */
  columns: [name: string, type: string][];
  /**
   * Integer epoch columns of the file: their unit is decided once for the whole file (ms, or µs as in
   * 2025+ spot files) from every value, never row by row. Date-string layouts have none.
   */
  epochColumns: string[];
  /** SELECT list mapping the file's columns onto the kind's columns; `ms(col)` is col in milliseconds. */
  select: (ms: (col: string) => string) => string;
}

export const LAYOUTS: CsvLayout[] = [
  {
    name: "klines (12 columns)",
    kind: "klines",
    columns: [
      ["open_time", "BIGINT"], ["open", "DOUBLE"], ["high", "DOUBLE"], ["low", "DOUBLE"], ["close", "DOUBLE"], ["volume", "DOUBLE"],
      ["close_time", "BIGINT"], ["quote_volume", "DOUBLE"], ["count", "BIGINT"], ["taker_buy_volume", "DOUBLE"],
      ["taker_buy_quote_volume", "DOUBLE"], ["ignore", "VARCHAR"],
    ],
    epochColumns: ["open_time", "close_time"],
    select: (ms) => `${ms("open_time")} AS open_time, open, high, low, close, volume, ${ms("close_time")} AS close_time, quote_volume, count AS trades, taker_buy_volume, taker_buy_quote_volume`,
  },
  {
    name: "klines (7 columns, the bundled sample)",
    kind: "klines",
    columns: [["open_time", "BIGINT"], ["open", "DOUBLE"], ["high", "DOUBLE"], ["low", "DOUBLE"], ["close", "DOUBLE"], ["volume", "DOUBLE"], ["close_time", "BIGINT"]],
    epochColumns: ["open_time", "close_time"],
    select: (ms) => `${ms("open_time")} AS open_time, open, high, low, close, volume, ${ms("close_time")} AS close_time`,
  },
  {
    name: "aggTrades",
    kind: "aggtrades",
    columns: [["agg_trade_id", "BIGINT"], ["price", "DOUBLE"], ["quantity", "DOUBLE"], ["first_trade_id", "BIGINT"], ["last_trade_id", "BIGINT"], ["transact_time", "BIGINT"], ["is_buyer_maker", "BOOLEAN"]],
    epochColumns: ["transact_time"],
    select: (ms) => `agg_trade_id, price, quantity, first_trade_id, last_trade_id, ${ms("transact_time")} AS transact_time, is_buyer_maker`,
  },
  {
    name: "trades",
    kind: "trades",
    columns: [["id", "BIGINT"], ["price", "DOUBLE"], ["qty", "DOUBLE"], ["quote_qty", "DOUBLE"], ["time", "BIGINT"], ["is_buyer_maker", "BOOLEAN"]],
    epochColumns: ["time"],
    select: (ms) => `id AS trade_id, price, qty AS quantity, ${ms("time")} AS trade_time, is_buyer_maker`,
  },
  {
    name: "bookTicker",
    kind: "book_ticker",
    columns: [["update_id", "BIGINT"], ["best_bid_price", "DOUBLE"], ["best_bid_qty", "DOUBLE"], ["best_ask_price", "DOUBLE"], ["best_ask_qty", "DOUBLE"], ["transaction_time", "BIGINT"], ["event_time", "BIGINT"]],
    epochColumns: ["transaction_time", "event_time"],
    select: (ms) =>
      `update_id, best_bid_price AS bid_price, best_bid_qty AS bid_qty, best_ask_price AS ask_price, best_ask_qty AS ask_qty, ${ms("transaction_time")} AS transact_time, ${ms("event_time")} AS event_time`,
  },
  {
    name: "bookDepth",
    kind: "bookdepth",
    columns: [["timestamp", "VARCHAR"], ["percentage", "DOUBLE"], ["depth", "DOUBLE"], ["notional", "DOUBLE"]],
    epochColumns: [],
    select: () => `epoch_ms(strptime("timestamp", '%Y-%m-%d %H:%M:%S')) AS "timestamp", percentage, depth, notional`,
  },
  {
    name: "metrics",
    kind: "metrics",
    columns: [
      ["create_time", "VARCHAR"], ["symbol", "VARCHAR"], ["sum_open_interest", "DOUBLE"], ["sum_open_interest_value", "DOUBLE"],
      ["count_toptrader_long_short_ratio", "DOUBLE"], ["sum_toptrader_long_short_ratio", "DOUBLE"], ["count_long_short_ratio", "DOUBLE"],
      ["sum_taker_long_short_vol_ratio", "DOUBLE"],
    ],
    epochColumns: [],
    select: () =>
      "epoch_ms(strptime(create_time, '%Y-%m-%d %H:%M:%S')) AS create_time, sum_open_interest, sum_open_interest_value, count_toptrader_long_short_ratio, sum_toptrader_long_short_ratio, count_long_short_ratio, sum_taker_long_short_vol_ratio",
  },
  {
    name: "fundingRate (monthly bulk file)",
    kind: "funding",
    columns: [["calc_time", "BIGINT"], ["funding_interval_hours", "INTEGER"], ["last_funding_rate", "DOUBLE"]],
    epochColumns: ["calc_time"],
    select: (ms) => `${ms("calc_time")} AS funding_time, last_funding_rate AS funding_rate, funding_interval_hours AS interval_hours`,
  },
  {
    name: "fundingRate (REST export)",
    kind: "funding",
    // GET /fapi/v1/fundingRate saved as CSV: header `symbol,fundingTime,fundingRate,markPrice` (names
    // compare without case and underscores); markPrice is empty for old settlements
    columns: [["symbol", "VARCHAR"], ["funding_time", "BIGINT"], ["funding_rate", "DOUBLE"], ["mark_price", "DOUBLE"]],
    epochColumns: ["funding_time"],
    select: (ms) => `${ms("funding_time")} AS funding_time, funding_rate, mark_price`,
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

/** A file's layout and its columns in file order (a header may order them its own way). */
export interface ChosenLayout {
  layout: CsvLayout;
  fileColumns: [name: string, type: string][];
  /** The header lists the layout's columns in another order: they were read by name. */
  mappedByName: boolean;
}

/** Header names compare without case, quotes, spaces and underscores: `fundingTime` is `funding_time`. */
const normalized = (name: string) => name.replace(/^\uFEFF/, "").toLowerCase().replace(/[^a-z0-9]/g, "");

/**
 * The layout of a file from its first line. Without a header the column count decides. With one, its
 * names must be exactly the layout's: in another order they are read by name (each name carries its
 * type and meaning, so this is safe); an unknown, missing or repeated name refuses the file.
 */
export function chooseLayout(kind: KindName, firstLine: string[], header: boolean, shownFile: string): ChosenLayout {
  const candidates = LAYOUTS.filter((l) => l.kind === kind);
  const expected = candidates.map((l) => `${l.name}: ${l.columns.map(([n]) => n).join(",")}`).join("; ");
  if (!header) {
    const layout = candidates.find((l) => l.columns.length === firstLine.length);
    if (!layout) throw new DataError(`${shownFile}: ${firstLine.length} columns is not a known ${kind} layout; nothing from this file was imported`, { hint: `expected ${expected}` });
    return { layout, fileColumns: layout.columns, mappedByName: false };
  }
  const names = firstLine.map(normalized);
  for (const layout of candidates) {
    const byName = new Map(layout.columns.map((c) => [normalized(c[0]), c] as const));
    if (names.length !== byName.size || new Set(names).size !== names.length || !names.every((n) => byName.has(n))) continue;
    const fileColumns = names.map((n) => byName.get(n)!);
    return { layout, fileColumns, mappedByName: fileColumns.some((c, i) => c !== layout.columns[i]) };
  }
  const known = new Set(candidates.flatMap((l) => l.columns.map(([n]) => normalized(n))));
  const unknown = firstLine.filter((n) => !known.has(normalized(n)));
  const repeated = firstLine.filter((n, i) => names.indexOf(normalized(n)) !== i);
  const why = unknown.length ? `unknown column(s) ${unknown.join(", ")}` : repeated.length ? `repeated column(s) ${repeated.join(", ")}` : "a column set of no layout";
  throw new DataError(`${shownFile}: the header (${firstLine.join(",")}) is not a ${kind} layout: ${why}; nothing from this file was imported`, {
    hint: `expected the columns of ${expected} (in any order)`,
  });
}
