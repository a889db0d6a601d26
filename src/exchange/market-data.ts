// What the local exchange serves, read from the store and cached per symbol as typed columns.
import { type Duck, lit, queryFloat64Columns, queryRows } from "../data/duck.ts";
import type { KindName } from "../data/kinds.ts";
import type { Store } from "../data/store.ts";

export interface KlineColumns {
  openTime: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  closeTime: Float64Array;
  quoteVolume: Float64Array;
  trades: Float64Array;
  takerBuyVolume: Float64Array;
  takerBuyQuoteVolume: Float64Array;
}

export interface FundingColumns {
  fundingTime: Float64Array;
  fundingRate: Float64Array;
  markPrice: Float64Array;
  intervalHours: Float64Array;
}

export class MarketData {
  private klineCache = new Map<string, KlineColumns>();
  private fundingCache = new Map<string, FundingColumns>();

  constructor(readonly store: Store) {}

  get db(): Duck {
    return this.store.db;
  }

  symbols(): string[] {
    return [...new Set([...this.store.symbols("klines"), ...this.store.symbols("aggtrades"), ...this.store.symbols("funding")])].sort();
  }

  has(kind: KindName, symbol: string): boolean {
    return this.store.files(kind, symbol).length > 0;
  }

  async klines(symbol: string): Promise<KlineColumns | undefined> {
    const hit = this.klineCache.get(symbol);
    if (hit) return hit;
    const rel = this.store.scan("klines", symbol);
    if (!rel) return undefined;
    const c = await queryFloat64Columns(
      this.db,
      `SELECT open_time, open, high, low, close, volume, close_time, quote_volume, trades, taker_buy_volume, taker_buy_quote_volume
       FROM ${rel} ORDER BY open_time`,
    );
    const cols: KlineColumns = {
      openTime: c.open_time,
      open: c.open,
      high: c.high,
      low: c.low,
      close: c.close,
      volume: c.volume,
      closeTime: c.close_time,
      quoteVolume: c.quote_volume,
      trades: c.trades,
      takerBuyVolume: c.taker_buy_volume,
      takerBuyQuoteVolume: c.taker_buy_quote_volume,
    };
    this.klineCache.set(symbol, cols);
    return cols;
  }

  async funding(symbol: string): Promise<FundingColumns | undefined> {
    const hit = this.fundingCache.get(symbol);
    if (hit) return hit;
    const rel = this.store.scan("funding", symbol);
    if (!rel) return undefined;
    const c = await queryFloat64Columns(this.db, `SELECT funding_time, funding_rate, mark_price, interval_hours FROM ${rel} ORDER BY funding_time`);
    const cols = { fundingTime: c.funding_time, fundingRate: c.funding_rate, markPrice: c.mark_price, intervalHours: c.interval_hours };
    this.fundingCache.set(symbol, cols);
    return cols;
  }

  /** aggTrades are too many to cache: each request is a filtered Parquet scan. */
  async aggTrades(symbol: string, where: string, order: "ASC" | "DESC", limit: number) {
    const rel = this.store.scan("aggtrades", symbol);
    if (!rel) return [];
    const rows = await queryRows<{ a: number; p: number; q: number; f: number; l: number; T: number; m: boolean }>(
      this.db,
      `SELECT agg_trade_id AS a, price AS p, quantity AS q, first_trade_id AS f, last_trade_id AS l, transact_time AS "T", is_buyer_maker AS m
       FROM ${rel} WHERE ${where} ORDER BY agg_trade_id ${order} LIMIT ${limit}`,
    );
    return order === "DESC" ? rows.reverse() : rows;
  }

  /** Rows of a kind for one UTC day [startMs, endMs), as CSV lines in the data.binance.vision layout. */
  async csvRows(sql: string): Promise<string[]> {
    const reader = await this.db.runAndReadAll(sql);
    return reader.getRowsJS().map((r) => r.map((v) => (v === null ? "" : String(v))).join(","));
  }

  /** Latest open time of stored klines over all symbols, for the default server clock. */
  async lastKlineCloseMs(): Promise<number | undefined> {
    let last: number | undefined;
    for (const s of this.store.symbols("klines")) {
      const k = await this.klines(s);
      if (k && k.closeTime.length) last = Math.max(last ?? 0, k.closeTime[k.closeTime.length - 1]);
    }
    return last;
  }
}

export { lit };
