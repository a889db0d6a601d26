// Import of data.binance.vision CSV / zip files, the bundled sample and raw WebSocket captures into the store.
// Each file is all-or-nothing: it is parsed and validated in full before one atomic upsert.
import { existsSync, mkdtempSync, openSync, readSync, closeSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { Gunzip, unzipSync } from "fflate";
import { DataError, UsageError } from "../../core/errors.ts";
import { verifyChecksum } from "../checksum.ts";
import { lit, queryRows } from "../duck.ts";
import { type KindName, kindSpec } from "../kinds.ts";
import type { Store } from "../store.ts";
import { type ValidationReport, validateRelation } from "../validate.ts";
import { type CsvLayout, LAYOUTS, inferFromName, layoutsFor } from "./layouts.ts";

export interface ImportOptions {
  file: string;
  kind?: KindName;
  symbol?: string;
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
}

export function isCaptureFile(file: string): boolean {
  return /ws-capture/.test(path.basename(file)) || /\.txt(\.gz)?$/.test(file);
}

export async function importFile(store: Store, opts: ImportOptions): Promise<ImportResult> {
  const file = path.resolve(opts.file);
  if (!existsSync(file)) throw new UsageError(`file not found: ${opts.file}`);
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
  let checksum: string | undefined;
  let csvFile = file;
  let tmpDir: string | undefined;
  try {
    if (file.endsWith(".zip")) {
      if (existsSync(`${file}.CHECKSUM`)) checksum = await verifyChecksum(file, `${file}.CHECKSUM`);
      tmpDir = mkdtempSync(path.join(store.dir, ".rlt-tmp-import-"));
      csvFile = extractSingleCsv(file, tmpDir);
    }
    const { columnCount, header } = sniff(csvFile);
    const layouts = layoutsFor(kind, columnCount);
    if (layouts.length === 0) {
      const expected = LAYOUTS.filter((l) => l.kind === kind).map((l) => `${l.name}: ${l.columns.length} columns`);
      throw new DataError(`${path.basename(file)}: ${columnCount} columns is not a known ${kind} layout`, { hint: `expected ${expected.join("; ")}` });
    }
    const layout = layouts[0];
    await loadCsv(store, layout, csvFile, header, file);
    const validation = await validateRelation(store.db, kind, "SELECT * FROM _import");
    const [range] = await queryRows<{ first: number; last: number }>(
      store.db,
      `SELECT min(${kindSpec(kind).timeColumn})::BIGINT AS first, max(${kindSpec(kind).timeColumn})::BIGINT AS last FROM _import`,
    );
    const res = await store.upsert(kind, symbol, "SELECT * FROM _import");
    return { file, kind, symbol, layout: layout.name, rows: res.rows, firstMs: range.first ?? undefined, lastMs: range.last ?? undefined, days: res.days, checksum, validation };
  } finally {
    await store.db.run("DROP TABLE IF EXISTS _import");
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** Parse the whole CSV into the temp table `_import`, or fail naming the file and line. */
async function loadCsv(store: Store, layout: CsvLayout, csvFile: string, header: boolean, shownFile: string): Promise<void> {
  const columns = `{${layout.columns.map(([n, t]) => `${lit(n)}: ${lit(t)}`).join(", ")}}`;
  const reader = `read_csv(${lit(csvFile)}, header = ${header}, auto_detect = false, delim = ',', quote = '"', columns = ${columns})`;
  try {
    await store.db.run(`CREATE OR REPLACE TEMP TABLE _import AS SELECT ${layout.select} FROM ${reader}`);
  } catch (err) {
    throw csvError(err, shownFile);
  }
}

function csvError(err: unknown, file: string): Error {
  const msg = (err as Error).message ?? String(err);
  const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1];
  const original = /Original Line: (.*)/.exec(msg)?.[1];
  const what = /Could not convert string "([^"]*)" to '(\w+)'/.exec(msg);
  const cols = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(msg);
  const detail = what
    ? `cannot read "${what[1]}" as ${what[2]}${/column "(\w+)"/.exec(msg) ? ` in column ${/column "(\w+)"/.exec(msg)![1]}` : ""}`
    : cols
      ? `expected ${cols[1]} columns, found ${cols[2]}`
      : msg.split("\n")[0];
  return new DataError(`${path.basename(file)}${line ? ` line ${line}` : ""}: ${detail}${original ? ` (${original.slice(0, 120)})` : ""}; nothing from this file was imported`, {
    cause: err,
    hint: "fix or remove the row (or re-download the file) and import it again",
  });
}

/** data.binance.vision zips hold exactly one CSV. */
function extractSingleCsv(zipFile: string, dir: string): string {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readFileSync(zipFile));
  } catch (err) {
    throw new DataError(`${path.basename(zipFile)} is not a readable zip: ${(err as Error).message}`, { cause: err });
  }
  const csvs = Object.keys(entries).filter((n) => n.toLowerCase().endsWith(".csv"));
  if (csvs.length !== 1) throw new DataError(`${path.basename(zipFile)}: expected one CSV inside, found ${csvs.length}`);
  const out = path.join(dir, path.basename(csvs[0]));
  writeFileSync(out, entries[csvs[0]]);
  return out;
}

/** Column count and header presence from the first line (older vision files have no header). */
function sniff(file: string): { columnCount: number; header: boolean } {
  const fd = openSync(file, "r");
  const buf = Buffer.alloc(64 * 1024);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const head = file.endsWith(".gz") ? headOfGzip(file) : buf.subarray(0, n);
  const first = head.toString("utf8").split(/\r?\n/)[0] ?? "";
  if (!first.trim()) throw new DataError(`${path.basename(file)} is empty`);
  const fields = first.split(",");
  const header = !/^-?\d/.test(fields[0].trim().replace(/^"/, ""));
  return { columnCount: fields.length, header };
}

/** Decompress just enough of a gzip file to read its first line. */
function headOfGzip(file: string): Buffer {
  const fd = openSync(file, "r");
  const chunks: Uint8Array[] = [];
  let got = 0;
  const gz = new Gunzip((chunk) => {
    chunks.push(chunk);
    got += chunk.length;
  });
  const buf = Buffer.alloc(16 * 1024);
  let pos = 0;
  while (got < 4096) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    pos += n;
    try {
      gz.push(buf.subarray(0, n));
    } catch (err) {
      closeSync(fd);
      throw new DataError(`${path.basename(file)} is not a readable gzip file: ${(err as Error).message}`, { cause: err });
    }
  }
  closeSync(fd);
  return Buffer.concat(chunks);
}
