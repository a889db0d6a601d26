// `rlt data verify [SYMBOL]`: every stored file against its record, in full: its sha256, its footer's
// row count, and a read of every column of every row. Finds unreadable, truncated and garbled files
// (garbled: bytes changed in the middle, which DuckDB may still read without complaint).
import path from "node:path";
import { DataError } from "../core/errors.ts";
import { ident, lit, queryRows } from "./duck.ts";
import { type Problem, checkFile } from "./file-record.ts";
import { type KindName, KIND_NAMES, kindSpec } from "./kinds.ts";
import { Store, repairHint } from "./store.ts";

export interface FileVerdict {
  kind: KindName;
  symbol: string;
  /** UTC day of the partition (YYYY-MM-DD). */
  day: string;
  file: string;
  status: "ok" | "unrecorded" | "bad";
  problem?: Problem;
  detail?: string;
  rows?: number;
}

export interface VerifyReport {
  dataDir: string;
  files: number;
  ok: number;
  /** Files written before rlt kept records: readable, but nothing to compare them with. */
  unrecorded: FileVerdict[];
  bad: FileVerdict[];
}

/** How many unrecorded files the terminal output names before summarizing. */
const MAX_UNRECORDED_SHOWN = 10;

export async function verifyStore(dataDir: string, opts: { symbol?: string } = {}): Promise<VerifyReport> {
  const store = await Store.open(dataDir);
  try {
    const report: VerifyReport = { dataDir: store.dir, files: 0, ok: 0, unrecorded: [], bad: [] };
    for (const kind of KIND_NAMES) {
      for (const symbol of store.symbols(kind).filter((s) => !opts.symbol || s === opts.symbol)) {
        for (const file of store.files(kind, symbol)) {
          const v = await verifyFile(store, kind, symbol, file);
          report.files++;
          if (v.status === "ok") report.ok++;
          else if (v.status === "unrecorded") report.unrecorded.push(v);
          else report.bad.push(v);
        }
      }
    }
    return report;
  } finally {
    store.close();
  }
}

export async function verifyFile(store: Store, kind: KindName, symbol: string, file: string): Promise<FileVerdict> {
  const base = { kind, symbol, day: dayOfPartition(file), file };
  const check = checkFile(file, { hash: "always" });
  if (check.status === "bad") return { ...base, status: "bad", problem: check.problem, detail: check.detail };
  // every column of every row, decompressed: a page can be damaged while the footer and size are intact
  const cols = kindSpec(kind).columns.map((c) => c.name);
  let n: number;
  try {
    const present = new Set((await store.db.run(`SELECT * FROM read_parquet(${lit(file)}) LIMIT 0`)).columnNames());
    const digests = cols.filter((c) => present.has(c)).map((c) => `bit_xor(hash(${ident(c)}))`);
    const [row] = await queryRows<{ n: number }>(store.db, `SELECT count(*)::BIGINT AS n${digests.map((d) => `, ${d}`).join("")} FROM read_parquet(${lit(file)})`);
    n = row.n;
  } catch (err) {
    // the store's connection names an unreadable store file as a DataError; anything else is a bug
    if (!(err instanceof DataError)) throw err;
    return { ...base, status: "bad", problem: "unreadable", detail: `DuckDB cannot read it (${firstReason(err)})` };
  }
  if (n !== check.rows) return { ...base, status: "bad", problem: "garbled", detail: `it reads as ${n} rows, its footer says ${check.rows}` };
  return { ...base, status: check.status, rows: n };
}

/** The day of a `date=YYYY-MM-DD` partition folder. */
export function dayOfPartition(file: string): string {
  return path.basename(path.dirname(file)).replace(/^date=/, "");
}

function firstReason(err: DataError): string {
  return /cannot be read \((.*)\)$/.exec(err.message)?.[1] ?? err.message;
}

export function formatVerify(r: VerifyReport): string {
  const lines = [`verified ${r.files} file${r.files === 1 ? "" : "s"} in ${r.dataDir}: ${r.ok} ok, ${r.unrecorded.length} unrecorded, ${r.bad.length} damaged`];
  for (const b of r.bad) lines.push(`  damaged     ${b.file}: ${b.problem}: ${b.detail}`);
  for (const u of r.unrecorded.slice(0, MAX_UNRECORDED_SHOWN)) lines.push(`  unrecorded  ${u.file}`);
  if (r.unrecorded.length > MAX_UNRECORDED_SHOWN) lines.push(`  … ${r.unrecorded.length - MAX_UNRECORDED_SHOWN} more unrecorded (use --json for all)`);
  if (r.unrecorded.length) {
    lines.push("  unrecorded files were written before rlt kept records (older rlt): they read in full, but there is no hash to compare them with");
  }
  return `${lines.join("\n")}\n`;
}

/** The error `rlt data verify` ends with when anything is damaged (after printing the report). */
export function damagedError(r: VerifyReport, symbol?: string): DataError | undefined {
  if (r.bad.length === 0) return undefined;
  return new DataError(`${r.bad.length} damaged file${r.bad.length > 1 ? "s" : ""} in ${r.dataDir}`, { hint: repairHint(symbol, r.bad.length > 1) });
}
