// data.binance.vision-style bulk files generated from the store: daily and monthly zips holding one CSV
// with the vision header, each with a `.CHECKSUM` (`<sha256>  <name>`). Only complete periods are served.
// https://github.com/binance/binance-public-data
import { createHash } from "node:crypto";
import { zipSync, strToU8 } from "fflate";
import { DAY_MS } from "../core/time.ts";
import type { KindName } from "../data/kinds.ts";
import type { MarketData } from "./market-data.ts";

interface VisionType {
  kind: KindName;
  header: string;
  /** SELECT list producing the CSV columns in vision order. */
  select: string;
  timeColumn: string;
  orderBy: string;
}

const TYPES: Record<string, VisionType> = {
  klines: {
    kind: "klines",
    header: "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore",
    select: "open_time, open, high, low, close, volume, close_time, quote_volume, trades, taker_buy_volume, taker_buy_quote_volume, 0",
    timeColumn: "open_time",
    orderBy: "open_time",
  },
  aggTrades: {
    kind: "aggtrades",
    header: "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker",
    select: "agg_trade_id, price, quantity, first_trade_id, last_trade_id, transact_time, CASE WHEN is_buyer_maker THEN 'true' ELSE 'false' END",
    timeColumn: "transact_time",
    orderBy: "agg_trade_id",
  },
  fundingRate: {
    kind: "funding",
    header: "calc_time,funding_interval_hours,last_funding_rate",
    select: "funding_time, COALESCE(interval_hours, 8), printf('%.8f', funding_rate)",
    timeColumn: "funding_time",
    orderBy: "funding_time",
  },
  bookDepth: {
    kind: "bookdepth",
    header: "timestamp,percentage,depth,notional",
    select: `strftime(epoch_ms("timestamp"), '%Y-%m-%d %H:%M:%S'), percentage, depth, notional`,
    timeColumn: "timestamp",
    orderBy: `"timestamp", percentage`,
  },
  metrics: {
    kind: "metrics",
    header: "create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio",
    select: "strftime(epoch_ms(create_time), '%Y-%m-%d %H:%M:%S'), $SYMBOL, sum_open_interest, sum_open_interest_value, count_toptrader_long_short_ratio, sum_toptrader_long_short_ratio, count_long_short_ratio, sum_taker_long_short_vol_ratio",
    timeColumn: "create_time",
    orderBy: "create_time",
  },
};

// /data/futures/um/{daily|monthly}/{type}/{SYMBOL}/[1m/]{SYMBOL}-{1m|type}-{YYYY-MM-DD|YYYY-MM}.zip[.CHECKSUM]
const PATH_RE = /^\/data\/futures\/um\/(daily|monthly)\/(\w+)\/([A-Z0-9]+)\/(?:1m\/)?([A-Z0-9]+)-(1m|\w+)-(\d{4}-\d{2}(?:-\d{2})?)\.zip(\.CHECKSUM)?$/;

export interface VisionFile {
  body: Uint8Array;
  contentType: string;
}

export class VisionFiles {
  private cache = new Map<string, { zip: Uint8Array; checksum: string }>();

  constructor(private readonly data: MarketData) {}

  static matches(path: string): boolean {
    return path.startsWith("/data/futures/um/");
  }

  /** The file at a vision path, or undefined (404) when the period is incomplete or has no data. */
  async get(path: string, nowMs: number): Promise<VisionFile | undefined> {
    const m = PATH_RE.exec(path);
    if (!m) return undefined;
    const [, period, typeName, symbol, fileSymbol, intervalOrType, date, isChecksum] = m;
    const type = TYPES[typeName];
    if (!type || symbol !== fileSymbol) return undefined;
    if (typeName === "klines" ? intervalOrType !== "1m" : intervalOrType !== typeName) return undefined;
    if (period === "daily" ? date.length !== 10 : date.length !== 7) return undefined;
    if (typeName === "fundingRate" && period !== "monthly") return undefined;
    const startMs = Date.parse(period === "daily" ? `${date}T00:00:00Z` : `${date}-01T00:00:00Z`);
    if (Number.isNaN(startMs)) return undefined;
    const endMs = period === "daily" ? startMs + DAY_MS : Date.UTC(new Date(startMs).getUTCFullYear(), new Date(startMs).getUTCMonth() + 1, 1);
    if (endMs > nowMs) return undefined; // published only once the period is over
    const name = `${symbol}-${intervalOrType}-${date}`;
    let entry = this.cache.get(name);
    if (!entry) {
      const built = await this.build(type, symbol, name, startMs, endMs);
      if (!built) return undefined;
      entry = built;
      this.cache.set(name, entry);
    }
    return isChecksum
      ? { body: strToU8(`${entry.checksum}  ${name}.zip\n`), contentType: "text/plain" }
      : { body: entry.zip, contentType: "application/zip" };
  }

  private async build(type: VisionType, symbol: string, name: string, startMs: number, endMs: number) {
    const rel = this.data.store.scan(type.kind, symbol);
    if (!rel) return undefined;
    const select = type.select.replace("$SYMBOL", `'${symbol}'`);
    const rows = await this.data.csvRows(
      `SELECT ${select} FROM ${rel} WHERE ${type.timeColumn} >= ${startMs} AND ${type.timeColumn} < ${endMs} ORDER BY ${type.orderBy}`,
    );
    if (rows.length === 0) return undefined;
    const csv = `${type.header}\n${rows.join("\n")}\n`;
    // fixed mtime so the same data always zips to the same bytes (and checksum)
    const zip = zipSync({ [`${name}.csv`]: [strToU8(csv), { mtime: new Date("2020-01-01T00:00:00Z") }] }, { level: 6 });
    return { zip, checksum: createHash("sha256").update(zip).digest("hex") };
  }
}
