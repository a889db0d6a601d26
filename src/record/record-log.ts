// The recorder's durable log: every buffered row is appended to one file per part and fsync'ed every
// flush interval, so a killed recorder loses at most that interval instead of its whole part. At each
// roll (and a clean stop) the part is written as Parquet from memory and its log is deleted; a log left
// by a recorder that died is turned into Parquet by the next `rlt record` of that symbol. Readers
// (`data status`, `features`) see Parquet only: rows in a log become visible at the next roll or start.
//
// Why a log and not small Parquet parts compacted at the roll: an fsync'ed append costs one write per
// interval and leaves exactly one Parquet file per kind and roll (96 a day at 15 minutes), and because
// parts are never read back and replaced, recording needs no lock that a fetch or import could wait on.
//
// File: `<data>/.record-log/symbol=S/<part>.ndjson`. Line 1 is a header (symbol, part, pid, columns per
// kind); every further line is one row, `["<kind>", v1, v2, …]` in the header's column order.
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { DataError, RltError } from "../core/errors.ts";
import { isDiskFull } from "../core/staging.ts";
import { type RecordedKind, RECORDED_KINDS, type RowValue, isRecordedKind, recordedColumns } from "./buffers.ts";

export const LOG_DIR = ".record-log";
const LOG_SUFFIX = ".ndjson";

export interface LogHeader {
  rltRecordLog: 1;
  symbol: string;
  part: string;
  pid: number;
  startedMs: number;
  columns: Record<string, string[]>;
}

export function logDir(dataDir: string, symbol: string): string {
  return path.join(dataDir, LOG_DIR, `symbol=${symbol}`);
}

/** The log files of a symbol's recordings, oldest part first. */
export function logFiles(dataDir: string, symbol: string): string[] {
  const dir = logDir(dataDir, symbol);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith(LOG_SUFFIX)).sort().map((n) => path.join(dir, n));
}

export class RecordLog {
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Rows fsync'ed to the file so far. */
  rowsDurable = 0;

  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
  ) {}

  /** Create the log of a new part: its header is on disk (fsync'ed, with its directory entry) on return. */
  static async create(dataDir: string, symbol: string, part: string): Promise<RecordLog> {
    const dir = logDir(dataDir, symbol);
    const file = path.join(dir, `${part}${LOG_SUFFIX}`);
    const header: LogHeader = {
      rltRecordLog: 1,
      symbol,
      part,
      pid: process.pid,
      startedMs: Date.now(),
      columns: Object.fromEntries(RECORDED_KINDS.map((k) => [k, recordedColumns(k)])),
    };
    let fh: FileHandle | undefined;
    try {
      await mkdir(dir, { recursive: true });
      fh = await open(file, "a");
      await fh.write(`${JSON.stringify(header)}\n`);
      await fh.sync();
      fsyncDir(dir);
    } catch (err) {
      await fh?.close().catch(() => {});
      throw writeError(err, file);
    }
    return new RecordLog(file, fh);
  }

  append(kind: RecordedKind, values: RowValue[]): void {
    if (!this.closed) this.pending.push(JSON.stringify([kind, ...values]));
  }

  get pendingRows(): number {
    return this.pending.length;
  }

  /** Append and fsync every row given so far. Flushes never overlap; each covers what was appended before it began. */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.pending.length === 0) return;
      const lines = this.pending;
      this.pending = [];
      try {
        await this.fh.write(`${lines.join("\n")}\n`);
        await this.fh.datasync();
      } catch (err) {
        throw writeError(err, this.file);
      }
      this.rowsDurable += lines.length;
    });
    return this.writing;
  }

  /** Flush what is left and close the file (kept until its part is in Parquet). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.fh.close();
  }

  /** The part is in Parquet: the log is no longer needed. */
  remove(): void {
    rmSync(this.file, { force: true });
  }
}

export interface ReadLog {
  header: LogHeader;
  /** Rows by kind, values in this build's column order. */
  rows: { kind: RecordedKind; values: RowValue[] }[];
  /** A last line cut short by the kill (no newline, or not JSON): dropped. */
  tornLastLine: boolean;
}

/**
 * Read a log. Only its last line can be torn (the process died mid-append); it is dropped. Any other
 * unreadable line means the file was damaged after it was written: refused, and the file left alone.
 */
export function readLog(file: string): ReadLog {
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  const endsClean = text.endsWith("\n");
  if (endsClean) lines.pop();
  const damaged = (lineNo: number, why: string) =>
    new DataError(`${file} line ${lineNo}: ${why}; the recorder's log is damaged, so it was not converted`, {
      hint: `move the file out of ${path.dirname(file)} to record again (its rows are then not stored), or repair that line`,
    });
  let header: LogHeader;
  try {
    header = JSON.parse(lines[0] ?? "") as LogHeader;
  } catch {
    if (lines.length <= 1 && !endsClean) return { header: emptyHeader(file), rows: [], tornLastLine: true }; // killed while creating it
    throw damaged(1, "not a log header");
  }
  if (header.rltRecordLog !== 1 || typeof header.part !== "string" || typeof header.columns !== "object") throw damaged(1, "not a log header");
  const order = new Map<string, number[]>();
  for (const [kind, names] of Object.entries(header.columns)) {
    if (!isRecordedKind(kind)) continue;
    order.set(kind, recordedColumns(kind).map((c) => names.indexOf(c)));
  }
  const rows: ReadLog["rows"] = [];
  let tornLastLine = false;
  for (let i = 1; i < lines.length; i++) {
    const last = i === lines.length - 1;
    let row: unknown;
    try {
      row = JSON.parse(lines[i]);
    } catch {
      if (last && !endsClean) {
        tornLastLine = true;
        break;
      }
      throw damaged(i + 1, "not a JSON row");
    }
    if (last && !endsClean) {
      tornLastLine = true; // parsed, but its newline never made it: the write was cut, keep nothing uncertain
      break;
    }
    if (!Array.isArray(row) || typeof row[0] !== "string") throw damaged(i + 1, "not a row");
    const idx = order.get(row[0]);
    if (!idx) throw damaged(i + 1, `unknown kind "${String(row[0])}"`);
    rows.push({ kind: row[0] as RecordedKind, values: idx.map((j) => (j < 0 ? null : ((row as RowValue[])[j + 1] ?? null))) });
  }
  return { header, rows, tornLastLine };
}

function emptyHeader(file: string): LogHeader {
  return { rltRecordLog: 1, symbol: "", part: path.basename(file, LOG_SUFFIX), pid: 0, startedMs: 0, columns: {} };
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * fsync files that were just renamed into place, and their folders, before the log that holds their
 * rows is deleted. Asynchronous: an fsync can take long on a busy disk, and the streams must keep flowing.
 */
export async function fsyncFiles(files: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const f of files) {
    if (!existsSync(f)) continue;
    const fh = await open(f, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    dirs.add(path.dirname(f));
  }
  for (const d of dirs) {
    const fh = await open(d, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

function writeError(err: unknown, file: string): RltError {
  if (err instanceof RltError) return err;
  const what = isDiskFull(err) ? "no space left on the device for" : `cannot write (${(err as Error).message})`;
  return new RltError(`${what} the recorder's log ${file}: recording stopped; the rows already in the log are kept and stored as Parquet by the next rlt record of this symbol`, {
    cause: err,
    hint: `free space on the filesystem of ${path.dirname(file)} (or fix its permissions) and start rlt record again`,
  });
}
