// Import of data.binance.vision CSV / zip files, the bundled sample and raw WebSocket captures into the store.
// Each file is all-or-nothing: decompressed whole (CRC-checked), parsed, its time unit decided and its
// rows checked in full before one atomic upsert; a refused file changes nothing in the store.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { DataError, UsageError } from "../../core/errors.ts";
import { sha256File, verifyChecksum } from "../checksum.ts";
import { ident, queryRows } from "../duck.ts";
import { type KindName, kindSpec } from "../kinds.ts";
import { invalidRowSql } from "../row-rules.ts";
import type { Store } from "../store.ts";
import { type ValidationReport, validateRelation } from "../validate.ts";
import { fileLines, loadRaw, plainCsv, sniffFirstLine } from "./csv.ts";
import { isFreqtradeFile } from "./freqtrade.ts";
import { chooseLayout, inferFromName } from "./layouts.ts";
import { checkRowRules } from "./row-check.ts";
import { EARLIEST_PLAUSIBLE_MS, type TimeUnit, decideUnit, describeBadTime, firstOutside, latestPlausibleMs, toMsSql } from "./timestamps.ts";

export interface ImportOptions {
  file: string;
  kind?: KindName;
  symbol?: string;
  /** Store rows that break the row rules anyway, marked `invalid` (klines only); refused otherwise. */
  allowInvalidRows?: boolean;
}

export interface ImportResult {
  file: string;
  kind: KindName;
  symbol: string;
  layout: string;
  rows: number;
  firstMs?: number;
  lastMs?: number;
  days: string[];
  /** sha256 verified against the sibling .CHECKSUM file, when there was one. */
  checksum?: string;
  validation?: ValidationReport;
  /** Captures store several kinds at once. */
  rowsByKind?: Record<string, number>;
  /** The file's epoch times were in µs (2025+ spot files) and were stored in ms. */
  timestampUnit?: TimeUnit;
  /** The header listed the layout's columns in another order; they were read by name. */
  columnsMappedByName?: boolean;
  /** Rows stored marked invalid (with allowInvalidRows). */
  invalidRows?: number;
  /** Lines to print under the file's summary (e.g. which features freqtrade data leaves masked). */
  notes?: string[];
}

export function isCaptureFile(file: string): boolean {
  return /ws-capture/.test(path.basename(file)) || /\.txt(\.gz)?$/.test(file);
}

export async function importFile(store: Store, opts: ImportOptions): Promise<ImportResult> {
  const file = path.resolve(opts.file);
  if (!existsSync(file)) throw new UsageError(`file not found: ${opts.file}`);
  if (isFreqtradeFile(file)) {
    // freqtrade's downloaded history (.feather / .json / .json.gz / .parquet): src/data/import/freqtrade.ts
    const { importFreqtradeFile } = await import("./freqtrade.ts");
    return importFreqtradeFile(store, file, opts);
  }
  const inferred = inferFromName(path.basename(file));
  const symbol = (opts.symbol ?? inferred.symbol)?.toUpperCase();
  if (isCaptureFile(file)) {
    const { importCapture } = await import("../../record/capture-import.ts");
    const res = await importCapture(store, file, { symbol: symbol ?? "BTCUSDT" });
    return { file, kind: "depth_updates", symbol: res.symbol, layout: "WebSocket capture", rows: res.rows, days: res.days, firstMs: res.firstMs, lastMs: res.lastMs, rowsByKind: res.rowsByKind };
  }
  const kind = opts.kind ?? inferred.kind;
  if (!kind) throw new UsageError(`cannot tell what kind of data ${path.basename(file)} holds`, { hint: "pass --kind klines|funding|aggtrades|trades|book_ticker|bookdepth|metrics" });
  if (!symbol) throw new UsageError(`cannot tell the symbol of ${path.basename(file)}`, { hint: "pass --symbol BTCUSDT" });
  const shown = path.basename(file);
  let checksum: string | undefined;
  // named after this process so that Store.open in another process leaves it alone while it lives
  const tmpDir = mkdtempSync(path.join(store.dir, `.rlt-tmp-${process.pid}-import-`));
  try {
    if (file.endsWith(".zip") && existsSync(`${file}.CHECKSUM`)) checksum = await verifyChecksum(file, `${file}.CHECKSUM`);
    const csvFile = await plainCsv(file, tmpDir);
    const first = sniffFirstLine(csvFile, shown);
    const { layout, fileColumns, mappedByName } = chooseLayout(kind, first.fields, first.header, shown);
    await loadRaw(store, "_raw", csvFile, fileColumns, first.header, shown);
    const lineOf = async (rows: number[]) => fileLines(csvFile, rows, first.header);
    const unit = await decideTimeUnit(store, layout.epochColumns, shown, lineOf);
    const select = layout.select((c) => toMsSql(c, unit));
    await defineRows(store, kind, select, shown, false);
    await refuseImplausibleTimes(store, kind, shown, lineOf);
    const placesOf = async (rows: number[]) => {
      const lines = await lineOf(rows);
      return rows.map((r) => `line ${lines.get(r)}`);
    };
    const invalidRows = await checkRowRules(store.db, kind, { relation: ROWS, shownFile: shown, placesOf, allowInvalid: opts.allowInvalidRows === true });
    if (invalidRows) await defineRows(store, kind, select, shown, true);
    const rel = `SELECT * EXCLUDE (_row) FROM ${ROWS}`;
    const validation = await validateRelation(store.db, kind, rel);
    const t = kindSpec(kind).timeColumn;
    const [range] = await queryRows<{ first: number; last: number }>(store.db, `SELECT min(${t})::BIGINT AS first, max(${t})::BIGINT AS last FROM ${ROWS}`);
    // where the rows came from, kept in the written files' records (rlt data repair names the files to import again)
    const source = { file: shown, sha256: checksum ?? (await sha256File(file)) };
    const res = await store.upsert(kind, symbol, rel, { source });
    const notes = [
      ...(unit === "us" ? ["times were in microseconds (the whole file): stored in milliseconds"] : []),
      ...(mappedByName ? ["the header orders the columns its own way: they were read by name"] : []),
    ];
    return {
      file, kind, symbol, layout: layout.name, rows: res.rows, firstMs: range.first ?? undefined, lastMs: range.last ?? undefined, days: res.days, checksum, validation,
      ...(unit !== "ms" ? { timestampUnit: unit } : {}),
      ...(mappedByName ? { columnsMappedByName: true } : {}),
      ...(invalidRows ? { invalidRows } : {}),
      ...(notes.length ? { notes } : {}),
    };
  } finally {
    await store.db.run(`DROP VIEW IF EXISTS ${ROWS}`);
    await store.db.run("DROP TABLE IF EXISTS _raw");
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

type LineOf = (rows: number[]) => Promise<Map<number, number>>;

/** One unit for the file's epoch columns, from all their values; a file that fits none is refused. */
async function decideTimeUnit(store: Store, epochColumns: string[], shown: string, lineOf: LineOf): Promise<TimeUnit> {
  const d = await decideUnit(store.db, "_raw", epochColumns);
  if (d.bad) {
    const line = (await lineOf([d.bad.row])).get(d.bad.row);
    throw new DataError(`${shown} line ${line}: ${describeBadTime(d.bad, d.unit, d.mixed === true)}; nothing from this file was imported`, {
      hint: "rlt reads epoch times in ms (Binance futures files) or µs (2025+ spot files), one unit for a whole file; fix the row or re-download the file",
    });
  }
  return d.unit;
}

/** The view of the file's rows as the kind's columns, checked, counted and stored from. */
const ROWS = "_import_rows";

/**
 * ROWS: the kind's columns (NULL for what the layout lacks) in file order, plus `_row` = rowid of
 * `_raw`; with markInvalid, `invalid` is true where the row rules fail. A view, not a copy: the
 * projection is cheap to repeat, a second million-row table is not.
 */
async function defineRows(store: Store, kind: KindName, select: string, shownFile: string, markInvalid: boolean): Promise<void> {
  const spec = kindSpec(kind);
  const mapped = `SELECT rowid AS _row, ${select} FROM _raw`;
  try {
    const present = new Set((await store.db.run(`SELECT * FROM (${mapped}) LIMIT 0`)).columnNames());
    const cols = spec.columns.map((c) =>
      c.name === "invalid" && markInvalid
        ? "NULL::BOOLEAN AS invalid"
        : present.has(c.name) ? `CAST(${ident(c.name)} AS ${c.type}) AS ${ident(c.name)}` : `NULL::${c.type} AS ${ident(c.name)}`,
    );
    const typed = `SELECT _row, ${cols.join(", ")} FROM (${mapped})`;
    const view = markInvalid ? `SELECT * REPLACE (CASE WHEN ${invalidRowSql(kind)} THEN true END AS invalid) FROM (${typed})` : typed;
    await store.db.run(`CREATE OR REPLACE TEMP VIEW ${ROWS} AS ${view}`);
    // a date column (bookDepth, metrics) that does not parse fails here, not later inside the store
    await store.db.run(`SELECT count(${ident(spec.timeColumn)}) FROM ${ROWS}`);
  } catch (err) {
    // e.g. a bookDepth / metrics date that does not parse
    throw new DataError(`${shownFile}: ${(err as Error).message.split("\n")[0]}; nothing from this file was imported`, { cause: err, hint: "fix the row or re-download the file" });
  }
}

/** The partitioning time of every row between 2017 and tomorrow (date-string layouts included). */
async function refuseImplausibleTimes(store: Store, kind: KindName, shownFile: string, lineOf: LineOf): Promise<void> {
  const bad = await firstOutside(store.db, ROWS, [kindSpec(kind).timeColumn], "ms", Date.now(), "_row");
  if (!bad) return;
  const line = (await lineOf([bad.row])).get(bad.row);
  // epoch columns were checked with their unit already: what is left here are date strings (bookDepth, metrics)
  const when = Number.isFinite(Number(bad.value)) ? new Date(Number(bad.value)).toISOString().replace("T", " ").slice(0, 19) : bad.value;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  throw new DataError(`${shownFile} line ${line}: ${bad.column} ${when} is not between ${day(EARLIEST_PLAUSIBLE_MS)} and ${day(latestPlausibleMs())}; nothing from this file was imported`, {
    hint: "fix the row or re-download the file",
  });
}
