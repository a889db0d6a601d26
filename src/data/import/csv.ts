// A CSV file on its way into the store: decompressed whole (zip entries CRC-checked, gzip read to its
// trailer), its first line sniffed, read by DuckDB into a temp table in file order, and rows mapped
// back to the file's own line numbers for messages.
import { closeSync, createReadStream, openSync, readSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { DataError } from "../../core/errors.ts";
import { asDiskError } from "../../core/staging.ts";
import { gunzipToFile, readZipVerified } from "../archive.ts";
import { lit } from "../duck.ts";
import type { Store } from "../store.ts";

const REDOWNLOAD = "delete the file and download it again";

/** The plain CSV of `file`: itself, its single zip entry, or its gunzipped text, written into `tmpDir`. */
export async function plainCsv(file: string, tmpDir: string): Promise<string> {
  const shown = path.basename(file);
  try {
    if (file.endsWith(".zip")) {
      // data.binance.vision zips hold exactly one CSV; every entry is CRC-checked all the same
      const entries = readZipVerified(file);
      const csvs = Object.keys(entries).filter((n) => n.toLowerCase().endsWith(".csv"));
      if (csvs.length !== 1) throw new DataError(`${shown}: expected one CSV inside, found ${csvs.length}; nothing from it was imported`, { hint: REDOWNLOAD });
      const out = path.join(tmpDir, path.basename(csvs[0]));
      writeFileSync(out, entries[csvs[0]]);
      return out;
    }
    if (file.endsWith(".gz")) {
      // DuckDB reads a gzip stream cut short (even at a line end) as if it were complete: decompress it
      // here, where a missing or wrong trailer refuses the file
      const out = path.join(tmpDir, shown.replace(/\.gz$/, ""));
      await gunzipToFile(file, out);
      return out;
    }
    return file;
  } catch (err) {
    throw asDiskError(err, `the decompressed copy of ${shown}`, tmpDir);
  }
}

export interface FirstLine {
  fields: string[];
  /** Older vision files have no header row: a first field starting with a digit is data. */
  header: boolean;
}

export function sniffFirstLine(file: string, shownFile: string): FirstLine {
  const fd = openSync(file, "r");
  const buf = Buffer.alloc(64 * 1024);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const first = buf.subarray(0, n).toString("utf8").replace(/^\uFEFF/, "").split(/\r?\n/)[0] ?? "";
  if (!first.trim()) throw new DataError(`${shownFile} is empty; nothing was imported`);
  const fields = first.split(",").map((f) => f.trim().replace(/^"(.*)"$/, "$1"));
  return { fields, header: !/^-?\d/.test(fields[0]) };
}

/** Read the whole CSV into temp table `table` (rowid = data row in file order), or fail naming the line. */
export async function loadRaw(store: Store, table: string, csvFile: string, columns: [string, string][], header: boolean, shownFile: string): Promise<void> {
  const cols = `{${columns.map(([n, t]) => `${lit(n)}: ${lit(t)}`).join(", ")}}`;
  const reader = `read_csv(${lit(csvFile)}, header = ${header}, auto_detect = false, delim = ',', quote = '"', columns = ${cols})`;
  try {
    // insertion order is preserved (DuckDB's default), so rowid is the data row's position in the file
    await store.db.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM ${reader}`);
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

/**
 * File line numbers (1-based, counting the header) of data rows given by rowid. DuckDB skips blank
 * lines, so rows are counted the same way. Only used to word refusals: a second pass over the file.
 */
export async function fileLines(csvFile: string, rows: number[], header: boolean): Promise<Map<number, number>> {
  const wanted = new Set(rows);
  const out = new Map<number, number>();
  if (wanted.size === 0) return out;
  const last = Math.max(...rows);
  const rl = createInterface({ input: createReadStream(csvFile), crlfDelay: Infinity });
  let lineNo = 0;
  let row = header ? -2 : -1;
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === "") continue;
    row++;
    if (row < 0) continue;
    if (wanted.has(row)) out.set(row, lineNo);
    if (row >= last) break;
  }
  rl.close();
  return out;
}
