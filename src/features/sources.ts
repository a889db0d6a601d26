// History driver's inputs: every stored source aggregated onto the 1-minute grid of the klines, inside
// DuckDB, and moved to JS as typed columns. A bar gets a trade/book value only when its source covers
// the whole bar; outside that it is NaN (and the feature is masked), never zero.
import { DataError } from "../core/errors.ts";
import { MINUTE_MS } from "../core/time.ts";
import { queryFloat64Columns } from "../data/duck.ts";
import { countMarkedInvalid } from "../data/row-rules.ts";
import type { Store } from "../data/store.ts";
import type { Level } from "../record/order-book.ts";
import { BAR_INPUT_FIELDS, type BarColumns } from "./bar-input.ts";
import { bookStats } from "./book-stats.ts";
import { LARGE_TRADE_NOTIONAL_USDT } from "./engine.ts";

/** A book snapshot older than this before the bar's close does not describe the close. */
export const BOOK_MAX_AGE_MS = 5_000;

export interface SourceInfo {
  kind: string;
  rows: number;
  firstMs?: number;
  lastMs?: number;
  /** Files read, for the manifest's content hashes. */
  files: string[];
  /** Rows in range stored marked invalid (rlt import --allow-invalid-rows). */
  invalidRows?: number;
}

export interface LoadedBars {
  cols: BarColumns;
  /** 1 where the bar was inserted by --fill-gaps (flat at the previous close, zero volume). */
  filled: Uint8Array;
  sources: SourceInfo[];
}

export interface LoadOptions {
  fromMs?: number;
  toMs?: number;
  /** Insert missing minutes as flat bars instead of refusing to compute over gaps. */
  fillGaps?: boolean;
}

export async function loadBars(store: Store, symbol: string, opts: LoadOptions = {}): Promise<LoadedBars> {
  const klines = store.scan("klines", symbol);
  if (!klines) throw new DataError(`no klines stored for ${symbol} in ${store.dir}`, { hint: `run: rlt fetch ${symbol} --days 30 (or rlt import --sample)` });
  const where = [opts.fromMs !== undefined ? `open_time >= ${opts.fromMs}` : "", opts.toMs !== undefined ? `open_time < ${opts.toMs}` : ""].filter(Boolean).join(" AND ");
  const k = await queryFloat64Columns(
    store.db,
    `SELECT open_time, open, high, low, close, volume, quote_volume, trades, taker_buy_volume FROM ${klines} ${where ? `WHERE ${where}` : ""} ORDER BY open_time`,
  );
  const n0 = k.open_time.length;
  if (n0 === 0) throw new DataError(`no ${symbol} klines in the requested range`);
  const { times, filled, index } = grid(k.open_time, opts.fillGaps ?? false, symbol);
  const n = times.length;
  const cols = Object.fromEntries(BAR_INPUT_FIELDS.map((f) => [f, new Float64Array(n).fill(Number.NaN)])) as unknown as BarColumns;
  cols.openTime.set(times);
  let prevClose = Number.NaN;
  for (let i = 0, j = 0; i < n; i++) {
    if (j < n0 && k.open_time[j] === times[i]) {
      cols.open[i] = k.open[j];
      cols.high[i] = k.high[j];
      cols.low[i] = k.low[j];
      cols.close[i] = k.close[j];
      cols.volume[i] = k.volume[j];
      cols.quoteVolume[i] = k.quote_volume[j];
      cols.klineTrades[i] = k.trades[j];
      cols.takerBuyVolume[i] = k.taker_buy_volume[j];
      prevClose = k.close[j];
      j++;
    } else {
      cols.open[i] = cols.high[i] = cols.low[i] = cols.close[i] = prevClose;
      cols.volume[i] = 0;
    }
  }
  const first = times[0];
  const last = times[n - 1];
  const marked = await countMarkedInvalid(store.db, "klines", klines, where || undefined);
  const sources: SourceInfo[] = [{ kind: "klines", rows: n0, firstMs: first, lastMs: last, files: store.files("klines", symbol), ...(marked.rows ? { invalidRows: marked.rows } : {}) }];
  sources.push(...(await tradeSource(store, symbol, first, last, index, cols)));
  sources.push(...(await bookSource(store, symbol, first, last, index, cols)));
  sources.push(...(await tickerSource(store, symbol, first, last, index, cols)));
  sources.push(...(await depthSource(store, symbol, first, last, index, cols)));
  return { cols, filled, sources };
}

/** The 1-minute grid: the stored bars, or with gaps filled when asked; otherwise gaps are refused. */
function grid(openTimes: Float64Array, fillGaps: boolean, symbol: string) {
  const first = openTimes[0];
  const last = openTimes[openTimes.length - 1];
  const full = (last - first) / MINUTE_MS + 1;
  if (full !== openTimes.length && !fillGaps) {
    let at = 0;
    for (let i = 1; i < openTimes.length; i++) if (openTimes[i] - openTimes[i - 1] !== MINUTE_MS) { at = openTimes[i - 1]; break; }
    throw new DataError(`${symbol} klines have ${full - openTimes.length} missing minute(s), the first after ${new Date(at).toISOString()}`, {
      hint: "fetch them again (rlt fetch resumes), narrow --from/--to, or pass --fill-gaps to insert flat zero-volume bars (marked in the artifact)",
    });
  }
  const times = new Float64Array(full);
  const filled = new Uint8Array(full);
  for (let i = 0, j = 0; i < full; i++) {
    times[i] = first + i * MINUTE_MS;
    if (j < openTimes.length && openTimes[j] === times[i]) j++;
    else filled[i] = 1;
  }
  const index = (t: number) => {
    const i = (t - first) / MINUTE_MS;
    return Number.isInteger(i) && i >= 0 && i < full ? i : -1;
  };
  return { times, filled, index };
}

/** A stream silent for longer than this was not being recorded: coverage ends there. */
export const MAX_SILENCE_MS = 60_000;

/**
 * The bars a source covers: its events form sessions (no silence over MAX_SILENCE_MS), and a session
 * covers the minutes wholly inside it; partial edge minutes are not covered. Returns covered bar open
 * times as sorted [from, to] pairs (inclusive).
 */
async function coveredBars(store: Store, rel: string, timeColumn: string, first: number, last: number): Promise<[number, number][]> {
  const r = await queryFloat64Columns(
    store.db,
    `WITH e AS (SELECT ${timeColumn} AS t FROM (${rel})),
          s AS (SELECT t, CASE WHEN t - lag(t) OVER (ORDER BY t) <= ${MAX_SILENCE_MS} THEN 0 ELSE 1 END AS start FROM e),
          g AS (SELECT t, sum(start) OVER (ORDER BY t ROWS UNBOUNDED PRECEDING) AS session FROM s)
     SELECT min(t) AS a, max(t) AS b FROM g GROUP BY session HAVING max(t) >= ${first} AND min(t) < ${last + MINUTE_MS} ORDER BY a`,
  );
  const out: [number, number][] = [];
  for (let j = 0; j < r.a.length; j++) {
    const from = Math.ceil(r.a[j] / MINUTE_MS) * MINUTE_MS;
    const to = Math.floor((r.b[j] + 1) / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
    if (to >= from) out.push([from, to]);
  }
  return out;
}

function isCovered(segments: [number, number][], t: number): boolean {
  return segments.some(([a, b]) => t >= a && t <= b);
}

/** Covered bars start at zero (a real zero: nothing happened); uncovered bars stay NaN. */
function fillCovered(cols: BarColumns, fields: (keyof BarColumns)[], index: (t: number) => number, segments: [number, number][]): void {
  for (const [from, to] of segments) {
    for (let t = from; t <= to; t += MINUTE_MS) {
      const i = index(t);
      if (i >= 0) for (const f of fields) cols[f][i] = 0;
    }
  }
}

async function tradeSource(store: Store, symbol: string, first: number, last: number, index: (t: number) => number, cols: BarColumns): Promise<SourceInfo[]> {
  // aggTrades are the primary source; raw trades (recordings, captures) are grouped into taker orders
  // by (time, side, price), which is how Binance aggregates them
  const agg = store.scan("aggtrades", symbol);
  const raw = store.scan("trades", symbol);
  const rel = agg
    ? `SELECT transact_time AS t, price, quantity, last_trade_id - first_trade_id + 1 AS fills, is_buyer_maker FROM ${agg}`
    : raw
      ? `SELECT trade_time AS t, price, sum(quantity) AS quantity, count(*) AS fills, is_buyer_maker FROM ${raw} GROUP BY trade_time, is_buyer_maker, price`
      : undefined;
  if (!rel) return [];
  const hi = last + MINUTE_MS;
  const r = await queryFloat64Columns(store.db, tradeAggregationSql(rel, first, hi));
  const bounds = await queryFloat64Columns(store.db, `SELECT min(t) AS a, max(t) AS b, count(*) AS n FROM (${rel})`);
  const segments = await coveredBars(store, rel, "t", first, last);
  const fields: (keyof BarColumns)[] = ["aggCount", "fills", "buyVolume", "sellVolume", "largeVolume"];
  fillCovered(cols, fields, index, segments);
  for (let j = 0; j < r.t.length; j++) {
    const i = index(r.t[j]);
    if (i < 0 || !isCovered(segments, r.t[j])) continue;
    cols.aggCount[i] = r.agg_count[j];
    cols.fills[i] = r.fills[j];
    cols.buyVolume[i] = r.buy[j];
    cols.sellVolume[i] = r.sell[j];
    cols.largeVolume[i] = r.large[j];
  }
  return [{ kind: agg ? "aggtrades" : "trades", rows: bounds.n[0], firstMs: bounds.a[0], lastMs: bounds.b[0], files: store.files(agg ? "aggtrades" : "trades", symbol) }];
}

/** Per-minute taker-order aggregation, the SQL twin of LiveBarBuilder's trade accumulation. */
export function tradeAggregationSql(rel: string, fromMs: number, toMs: number): string {
  return `SELECT t // ${MINUTE_MS} * ${MINUTE_MS} AS t, count(*) AS agg_count, sum(fills) AS fills,
            COALESCE(sum(quantity) FILTER (WHERE NOT is_buyer_maker), 0) AS buy,
            COALESCE(sum(quantity) FILTER (WHERE is_buyer_maker), 0) AS sell,
            COALESCE(sum(quantity) FILTER (WHERE price * quantity >= ${LARGE_TRADE_NOTIONAL_USDT}), 0) AS large
          FROM (${rel}) WHERE t >= ${fromMs} AND t < ${toMs} GROUP BY 1 ORDER BY 1`;
}

async function bookSource(store: Store, symbol: string, first: number, last: number, index: (t: number) => number, cols: BarColumns): Promise<SourceInfo[]> {
  const rel = store.scan("book_snapshots", symbol);
  if (!rel) return [];
  // the last snapshot of each bar, if it is recent enough to stand for the bar's close
  const r = await queryFloat64Columns(
    store.db,
    `WITH last AS (
       SELECT time // ${MINUTE_MS} * ${MINUTE_MS} AS bar, max(time) AS snap FROM (SELECT DISTINCT time FROM ${rel})
       WHERE time >= ${first} AND time < ${last + MINUTE_MS} GROUP BY 1)
     SELECT l.bar, s.is_bid::DOUBLE AS is_bid, s.level, s.price, s.quantity
     FROM last l JOIN ${rel} s ON s.time = l.snap
     WHERE l.snap >= l.bar + ${MINUTE_MS - BOOK_MAX_AGE_MS}
     ORDER BY l.bar, s.is_bid DESC, s.level`,
  );
  for (let j = 0; j < r.bar.length; ) {
    const bar = r.bar[j];
    const bids: Level[] = [];
    const asks: Level[] = [];
    for (; j < r.bar.length && r.bar[j] === bar; j++) (r.is_bid[j] ? bids : asks).push([r.price[j], r.quantity[j]]);
    const i = index(bar);
    if (i < 0 || bids.length === 0 || asks.length === 0) continue;
    const s = bookStats(bids, asks);
    cols.spreadBps[i] = s.spreadBps;
    cols.bookImbalance[i] = s.bookImbalance;
    cols.bookDepth[i] = s.bookDepth;
    cols.priceImpactBps[i] = s.priceImpactBps;
    cols.bookPressure[i] = s.bookPressure;
    cols.liquidityNearShare[i] = s.liquidityNearShare;
    cols.bookSlope[i] = s.bookSlope;
    cols.micropriceDevBps[i] = s.micropriceDevBps;
  }
  const b = await queryFloat64Columns(store.db, `SELECT min(time) AS a, max(time) AS b, count(*) AS n FROM ${rel}`);
  return [{ kind: "book_snapshots", rows: b.n[0], firstMs: b.a[0], lastMs: b.b[0], files: store.files("book_snapshots", symbol) }];
}

async function tickerSource(store: Store, symbol: string, first: number, last: number, index: (t: number) => number, cols: BarColumns): Promise<SourceInfo[]> {
  const rel = store.scan("book_ticker", symbol);
  if (!rel) return [];
  // order-flow imbalance of consecutive best-level updates (ofiStep in book-stats.ts, in SQL)
  const r = await queryFloat64Columns(
    store.db,
    `SELECT transact_time // ${MINUTE_MS} * ${MINUTE_MS} AS t, sum(e) AS ofi FROM (
       SELECT transact_time,
              CASE WHEN bid_price >= pb THEN bid_qty ELSE 0 END - CASE WHEN bid_price <= pb THEN pbq ELSE 0 END
            - CASE WHEN ask_price <= pa THEN ask_qty ELSE 0 END + CASE WHEN ask_price >= pa THEN paq ELSE 0 END AS e
       FROM (SELECT *, lag(bid_price) OVER w AS pb, lag(bid_qty) OVER w AS pbq, lag(ask_price) OVER w AS pa, lag(ask_qty) OVER w AS paq
             FROM (SELECT DISTINCT ON (update_id) * FROM ${rel}) WINDOW w AS (ORDER BY update_id))
       WHERE pb IS NOT NULL)
     WHERE transact_time >= ${first} AND transact_time < ${last + MINUTE_MS} GROUP BY 1 ORDER BY 1`,
  );
  const b = await queryFloat64Columns(store.db, `SELECT min(transact_time) AS a, max(transact_time) AS b, count(*) AS n FROM ${rel}`);
  const segments = await coveredBars(store, `SELECT * FROM ${rel}`, "transact_time", first, last);
  fillCovered(cols, ["ofi"], index, segments);
  for (let j = 0; j < r.t.length; j++) {
    const i = index(r.t[j]);
    if (i >= 0 && isCovered(segments, r.t[j])) cols.ofi[i] = r.ofi[j];
  }
  return [{ kind: "book_ticker", rows: b.n[0], firstMs: b.a[0], lastMs: b.b[0], files: store.files("book_ticker", symbol) }];
}

async function depthSource(store: Store, symbol: string, first: number, last: number, index: (t: number) => number, cols: BarColumns): Promise<SourceInfo[]> {
  const rel = store.scan("depth_updates", symbol);
  if (!rel) return [];
  // a level's change is an increase (limit arrival) or a decrease (cancel or fill) against its previous
  // quantity in the diff stream; a level's first appearance has no known previous quantity and is skipped
  const r = await queryFloat64Columns(
    store.db,
    `SELECT transact_time // ${MINUTE_MS} * ${MINUTE_MS} AS t, count(*) FILTER (WHERE quantity > prev) AS inc, count(*) FILTER (WHERE quantity < prev) AS dec
     FROM (SELECT transact_time, quantity, lag(quantity) OVER (PARTITION BY is_bid, price ORDER BY final_update_id) AS prev
           FROM (SELECT DISTINCT ON (final_update_id, is_bid, price) * FROM ${rel}))
     WHERE transact_time >= ${first} AND transact_time < ${last + MINUTE_MS} GROUP BY 1 ORDER BY 1`,
  );
  const b = await queryFloat64Columns(store.db, `SELECT min(transact_time) AS a, max(transact_time) AS b, count(*) AS n FROM ${rel}`);
  const segments = await coveredBars(store, `SELECT * FROM ${rel}`, "transact_time", first, last);
  fillCovered(cols, ["levelIncreases", "levelDecreases"], index, segments);
  for (let j = 0; j < r.t.length; j++) {
    const i = index(r.t[j]);
    if (i >= 0 && isCovered(segments, r.t[j])) {
      cols.levelIncreases[i] = r.inc[j];
      cols.levelDecreases[i] = r.dec[j];
    }
  }
  return [{ kind: "depth_updates", rows: b.n[0], firstMs: b.a[0], lastMs: b.b[0], files: store.files("depth_updates", symbol) }];
}
