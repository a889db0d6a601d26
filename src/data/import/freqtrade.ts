// Bring your own data: freqtrade's downloaded history (user_data/data/binance/futures/*.feather|json|parquet)
// into the store, through the same validation and upsert as a data.binance.vision CSV.
// File names: <PAIR>-<timeframe>[-<candle type>].<ext>, e.g. BTC_USDT_USDT-1m-futures.feather and
// BTC_USDT_USDT-8h-funding_rate.feather (1h in newer freqtrade); see freqtrade's IDataHandler._pair_data_filename.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { DataError, UsageError } from "../../core/errors.ts";
import { HOUR_MS, MINUTE_MS } from "../../core/time.ts";
import { sha256File } from "../checksum.ts";
import { ident, queryRows } from "../duck.ts";
import { type KindName, kindSpec } from "../kinds.ts";
import { invalidRowSql } from "../row-rules.ts";
import type { Store } from "../store.ts";
import { validateRelation } from "../validate.ts";
import { type FreqtradeFormat, RAW_TABLE, readFreqtradeFile } from "./freqtrade-read.ts";
import type { ImportResult } from "./index.ts";
import { checkRowRules } from "./row-check.ts";
import { EARLIEST_PLAUSIBLE_MS, firstOutside, latestPlausibleMs } from "./timestamps.ts";

/** freqtrade's candle types as they appear in file names (CandleType.__str__: the enum name, lower case). */
type CandleType = "spot" | "futures" | "mark" | "index" | "premiumindex" | "funding_rate";

export interface FreqtradeName {
  /** freqtrade's pair as written in the file name, e.g. BTC_USDT_USDT. */
  pair: string;
  timeframe: string;
  candleType: CandleType;
  format: FreqtradeFormat;
}

const NAME_RE = /^(?<pair>[A-Za-z0-9_-]+?)-(?<tf>\d+(?:s|m|h|d|w|Mo|M|y))(?:-(?<candle>futures|mark|index|premiumindex|funding_rate|spot))?\.(?<ext>feather|json|json\.gz|parquet)$/;
const EXT_RE = /\.(feather|json|json\.gz|parquet)$/;

/** Parse a freqtrade data file name; undefined when the name is not one. */
export function parseFreqtradeName(fileName: string): FreqtradeName | undefined {
  const m = NAME_RE.exec(fileName);
  if (!m?.groups) return undefined;
  const ext = m.groups.ext;
  return {
    pair: m.groups.pair,
    timeframe: m.groups.tf,
    candleType: (m.groups.candle as CandleType | undefined) ?? "spot",
    format: ext === "json.gz" ? "jsongz" : (ext as FreqtradeFormat),
  };
}

/** Whether `rlt import` should read this path as freqtrade data (by its extension: CSVs never end so). */
export function isFreqtradeFile(file: string): boolean {
  return EXT_RE.test(path.basename(file));
}

/**
 * freqtrade's futures pair BTC_USDT_USDT (BTC/USDT:USDT) → BTCUSDT. Spot and coin-margined pairs are
 * refused, saying why; a pair that cannot be mapped takes --symbol.
 */
export function symbolOfPair(pair: string, fileName: string, symbolFlag?: string): string {
  const parts = pair.split("_");
  const plain = parts.every((p) => /^[A-Z0-9]+$/.test(p));
  if (plain && parts.length === 2) {
    throw new UsageError(`${fileName}: ${parts[0]}/${parts[1]} is a spot pair; rlt trades USD-M futures, whose prices differ from spot`, {
      hint: `download the futures data (freqtrade download-data --trading-mode futures) and import ${parts.join("_")}_${parts[1]}-1m-futures.feather`,
    });
  }
  if (plain && parts.length === 3) {
    const [base, quote, settle] = parts;
    if (settle !== quote) throw new UsageError(`${fileName}: ${base}/${quote}:${settle} is a coin-margined contract (settled in ${settle}); rlt handles USD-M futures only`);
    return symbolFlag ?? `${base}${quote}`;
  }
  if (symbolFlag) return symbolFlag;
  throw new UsageError(`${fileName}: cannot map freqtrade pair ${pair} to a USD-M perpetual symbol (expected BASE_QUOTE_SETTLE, e.g. BTC_USDT_USDT)`, {
    hint: "pass --symbol BTCUSDT if the file holds that perpetual's data",
  });
}

/** What rlt stores from a freqtrade file name, or why it does not. */
export function kindOfName(n: FreqtradeName, fileName: string): KindName {
  if (n.candleType === "funding_rate") return "funding";
  if (n.candleType === "futures" || n.candleType === "spot") {
    if (n.timeframe !== "1m") {
      throw new UsageError(`${fileName}: ${n.timeframe} candles; rlt stores 1-minute klines only (its features and simulator run on 1-minute bars)`, {
        hint: `download 1-minute candles (freqtrade download-data --timeframes 1m) and import ${n.pair}-1m-futures.<ext>`,
      });
    }
    return "klines";
  }
  throw new UsageError(`${fileName}: freqtrade ${n.candleType} candles are not imported; rlt stores last-price 1-minute klines and funding settlements`);
}

/**
 * Kline fields freqtrade's OHLCV files do not have, and the features that therefore have no value
 * (masked missing) unless aggTrades for the same minutes are imported too. Kept equal to the feature
 * engine's behaviour by a test that feeds it such bars (freqtrade.test.ts).
 */
export const FREQTRADE_ABSENT_FIELDS = ["quote_volume", "trades", "taker_buy_volume", "taker_buy_quote_volume"] as const;
export const FREQTRADE_MASKED_FEATURES = ["trade_imbalance", "trade_size_mean", "trade_frequency", "trade_flow_imbalance"] as const;
/** Features that fall back to their documented proxy. */
export const FREQTRADE_PROXY_FEATURES = ["vwap"] as const;

export function maskedFeaturesNote(): string {
  return (
    `freqtrade data has no taker volumes or trade counts: features ${FREQTRADE_MASKED_FEATURES.join(", ")} will be masked ` +
    `(unless aggTrades cover the same minutes), and ${FREQTRADE_PROXY_FEATURES.join(", ")} uses its (high+low+close)/3 proxy`
  );
}

/** Binance's funding intervals (hours); a spacing that is none of these is a gap, not an interval. */
const FUNDING_INTERVALS_H = [1, 2, 4, 8];

/** SELECT lists mapping the raw freqtrade rows onto a stored kind; taker volumes and trade counts stay NULL. */
function kindSelect(kind: KindName): string {
  if (kind === "klines") {
    return `SELECT row_no AS _row, date_ms AS open_time, open, high, low, close, volume, date_ms + ${MINUTE_MS - 1} AS close_time FROM ${RAW_TABLE}`;
  }
  // A funding file keeps the rate in `open`. Its timeframe (8h, or 1h in newer freqtrade) is the candle
  // grid, not the settlement interval: the interval is the spacing to the previous settlement (the next
  // one for the first row), when that is one of Binance's intervals; otherwise unknown (NULL).
  const spacing = `round(coalesce(date_ms - lag(date_ms) OVER w, lead(date_ms) OVER w - date_ms) / ${HOUR_MS})`;
  return `SELECT row_no AS _row, date_ms AS funding_time, open AS funding_rate,
            CASE WHEN ${spacing} IN (${FUNDING_INTERVALS_H.join(", ")}) THEN CAST(${spacing} AS INTEGER) END AS interval_hours
          FROM ${RAW_TABLE} WINDOW w AS (ORDER BY date_ms)`;
}

export interface FreqtradeImportOptions {
  kind?: KindName;
  symbol?: string;
  /** As for CSV imports: store impossible candles marked invalid instead of refusing the file. */
  allowInvalidRows?: boolean;
}

/** Import one freqtrade file (all-or-nothing), with the summary `rlt import` prints. */
export async function importFreqtradeFile(store: Store, file: string, opts: FreqtradeImportOptions = {}): Promise<ImportResult> {
  const fileName = path.basename(file);
  const { kind, symbol, format } = whatToStore(fileName, opts);
  try {
    const layout = await readFreqtradeFile(store.db, file, format);
    await refuseImplausibleTimes(store, fileName);
    if (kind === "klines") await refuseOffMinute(store, fileName);
    await buildImportTable(store, kind);
    // the row rules, as for CSV imports; a freqtrade file's rows are named by their number in it
    const placesOf = async (rows: number[]) => rows.map((r) => `row ${r}`);
    const invalidRows = await checkRowRules(store.db, kind, { relation: "_import", shownFile: fileName, placesOf, allowInvalid: opts.allowInvalidRows === true });
    if (invalidRows) await store.db.run(`UPDATE _import SET invalid = true WHERE ${invalidRowSql(kind)}`);
    const rel = "SELECT * EXCLUDE (_row) FROM _import";
    const validation = await validateRelation(store.db, kind, rel);
    const [range] = await queryRows<{ first: number | null; last: number | null }>(store.db, `SELECT min(date_ms) AS first, max(date_ms) AS last FROM ${RAW_TABLE}`);
    // where the rows came from, kept in the written files' records (rlt data repair names the files to import again)
    const res = await store.upsert(kind, symbol, rel, { source: { file: fileName, sha256: await sha256File(file) } });
    return {
      file,
      kind,
      symbol,
      layout,
      rows: res.rows,
      firstMs: range.first ?? undefined,
      lastMs: range.last ?? undefined,
      days: res.days,
      validation,
      ...(invalidRows ? { invalidRows } : {}),
      ...(kind === "klines" ? { notes: [maskedFeaturesNote()] } : {}),
    };
  } finally {
    await store.db.run("DROP TABLE IF EXISTS _import");
    await store.db.run(`DROP TABLE IF EXISTS ${RAW_TABLE}`);
  }
}

/** Kind, symbol and format from the freqtrade file name; a file named otherwise needs --kind and --symbol. */
function whatToStore(fileName: string, opts: FreqtradeImportOptions): { kind: KindName; symbol: string; format: FreqtradeFormat } {
  const name = parseFreqtradeName(fileName);
  if (!name) {
    if (/-trades\.[a-z.]+$/.test(fileName)) {
      throw new UsageError(`${fileName}: freqtrade trades files are not imported`, { hint: "import Binance aggTrades files (data.binance.vision) for trade-level data" });
    }
    const ext = EXT_RE.exec(fileName)?.[1];
    if (ext && opts.symbol && (opts.kind === "klines" || opts.kind === "funding")) {
      return { kind: opts.kind, symbol: opts.symbol, format: ext === "json.gz" ? "jsongz" : (ext as FreqtradeFormat) };
    }
    throw new UsageError(
      `${fileName}: not a freqtrade data file name (expected <PAIR>-1m-futures.<ext> or <PAIR>-<timeframe>-funding_rate.<ext>, e.g. BTC_USDT_USDT-1m-futures.feather)`,
      { hint: "rename it, or pass --kind klines|funding and --symbol BTCUSDT for a file with freqtrade's columns (date, open, high, low, close, volume)" },
    );
  }
  const symbol = symbolOfPair(name.pair, fileName, opts.symbol);
  const kind = kindOfName(name, fileName);
  if (opts.kind && opts.kind !== kind) throw new UsageError(`${fileName} holds ${kind} by its freqtrade name, not ${opts.kind}`, { hint: "drop --kind for freqtrade files" });
  return { kind, symbol, format: name.format };
}

/** `_import`: every column of the kind (NULL for what freqtrade lacks) in file order, plus `_row`, the file's row number. */
async function buildImportTable(store: Store, kind: KindName): Promise<void> {
  const mapped = kindSelect(kind);
  const present = new Set((await store.db.run(`SELECT * FROM (${mapped}) LIMIT 0`)).columnNames());
  const cols = kindSpec(kind).columns.map((c) => (present.has(c.name) ? `CAST(${ident(c.name)} AS ${c.type}) AS ${ident(c.name)}` : `NULL::${c.type} AS ${ident(c.name)}`));
  await store.db.run(`CREATE OR REPLACE TEMP TABLE _import AS SELECT _row, ${cols.join(", ")} FROM (${mapped}) ORDER BY _row`);
}

/** Dates between 2017 and tomorrow, as for CSV imports: a wrong unit must not land thousands of years away. */
async function refuseImplausibleTimes(store: Store, fileName: string): Promise<void> {
  const bad = await firstOutside(store.db, RAW_TABLE, ["date_ms"], "ms", Date.now(), "row_no");
  if (!bad) return;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const v = Number(bad.value);
  const asDate = Number.isFinite(v) && Math.abs(v) < 8.64e15 ? ` (${new Date(v).toISOString()})` : "";
  throw new DataError(
    `${fileName} row ${bad.row}: date ${bad.value} ms${asDate} is not a plausible time (${day(EARLIEST_PLAUSIBLE_MS)} … ${day(latestPlausibleMs())}); nothing from this file was imported`,
    { hint: "re-create the file (freqtrade download-data) and import it again" },
  );
}

/** freqtrade's dates are candle open times: a 1m candle not on a minute means the file is not what its name says. */
async function refuseOffMinute(store: Store, fileName: string): Promise<void> {
  const [r] = await queryRows<{ row_no: number; date_ms: number }>(store.db, `SELECT row_no, date_ms FROM ${RAW_TABLE} WHERE date_ms % ${MINUTE_MS} <> 0 ORDER BY row_no LIMIT 1`);
  if (r) {
    throw new DataError(`${fileName} row ${r.row_no}: date ${new Date(r.date_ms).toISOString()} is not on a whole minute, so it is not a 1-minute candle; nothing from this file was imported`);
  }
}

export interface ExpandedPaths {
  files: string[];
  /** Files in named folders that are not imported, with the reason (named files are refused instead). */
  skipped: { file: string; reason: string }[];
}

/**
 * Expand folders among the paths `rlt import` was given into the freqtrade files they hold (recursively,
 * sorted). Files a folder holds that rlt does not store (5m candles, mark or index prices, spot pairs)
 * are skipped with their reason, so a whole user_data/data/binance folder imports what it can.
 */
export function expandImportPaths(paths: string[]): ExpandedPaths {
  const out: ExpandedPaths = { files: [], skipped: [] };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      // a missing path is reported by the import itself, with the usual message
    }
    if (!isDir) {
      out.files.push(p);
      continue;
    }
    const found = walk(p).filter(isFreqtradeFile);
    if (found.length === 0) {
      throw new UsageError(`${p} holds no freqtrade data files (*.feather, *.json, *.json.gz, *.parquet)`, { hint: "name the folder freqtrade downloaded into, e.g. user_data/data/binance/futures" });
    }
    for (const f of found) {
      const reason = skipReason(f);
      if (reason) out.skipped.push({ file: f, reason });
      else out.files.push(f);
    }
  }
  return out;
}

function skipReason(file: string): string | undefined {
  const fileName = path.basename(file);
  const name = parseFreqtradeName(fileName);
  if (!name) return "not a freqtrade data file name";
  try {
    symbolOfPair(name.pair, fileName);
    kindOfName(name, fileName);
    return undefined;
  } catch (err) {
    return (err as Error).message.slice(fileName.length + 2);
  }
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
