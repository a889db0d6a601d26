// The market-data store: Parquet files partitioned by kind / symbol / day, written atomically and
// idempotently through DuckDB, plus a DuckDB catalog file that exposes each kind as a view.
// One writer at a time per kind and symbol (a lock around each read-merge-rename); every file is
// recorded when written and checked against its record when read (file-record.ts).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { makeDirs } from "../core/dirs.ts";
import { DataError, RltError } from "../core/errors.ts";
import { withLock } from "../core/lock.ts";
import { isAlive } from "../core/process.ts";
import { asDiskError, isDiskFull } from "../core/staging.ts";
import { DAY_MS, dayOf } from "../core/time.ts";
import { type Duck, ident, lit, openDuck, queryRows } from "./duck.ts";
import { type FileCheck, type FileContent, type SourceFile, checkFile, describeFile, mergeSources, recordFileOf, writeRecord } from "./file-record.ts";
import { type ColumnType, type KindName, KINDS, KIND_NAMES, kindSpec } from "./kinds.ts";

export const CATALOG_FILE = "catalog.duckdb";
const TMP_PREFIX = ".rlt-tmp-";
/** Name of the single merged file in a day partition of a fetched kind. */
const MERGED_FILE = "data.parquet";

export type ColumnValues = ArrayLike<number | bigint | boolean | string | null>;

export interface StoreOptions {
  /** Told once per wait when another process holds a partition's lock (default: one line on stderr). */
  onWait?: (message: string) => void;
}

export interface WriteOptions {
  /** The file the rows come from (rlt import): kept in the written files' records, named by rlt data repair. */
  source?: SourceFile;
}

/**
 * Test-only, to widen the race window between reading a partition and replacing it: sleep this long,
 * or wait until the named file exists (at most TEST_PAUSE_MAX_MS). Never set outside tests.
 */
const TEST_MERGE_DELAY_ENV = "RLT_TEST_MERGE_DELAY_MS";
const TEST_MERGE_PAUSE_ENV = "RLT_TEST_MERGE_PAUSE_UNTIL_FILE";
const TEST_PAUSE_MAX_MS = 60_000;

export interface UpsertResult {
  /** Rows in the incoming relation (after de-duplication within it). */
  rows: number;
  /** Day partitions rewritten. */
  days: string[];
}

interface StagedRange {
  first: number | null;
  last: number | null;
}

export class Store {
  /** Cheap checks already made, by file, valid while the file and its record keep their stat. */
  private readonly checked = new Map<string, { stamp: string; check: FileCheck }>();

  private constructor(
    /** Absolute data directory. */
    readonly dir: string,
    private readonly instance: DuckDBInstance,
    /** The connection, with DuckDB's errors about an unreadable store file turned into a DataError naming it. */
    readonly db: Duck,
    private readonly onWait: (message: string) => void,
  ) {}

  static async open(dir: string, opts: StoreOptions = {}): Promise<Store> {
    const abs = path.resolve(dir);
    try {
      makeDirs(abs); // not mkdirSync's recursive mode: it spins forever on /proc/x
    } catch (err) {
      throw new RltError(`cannot create data directory ${abs}: ${(err as Error).message}`, { cause: err, hint: "pass a writable --data-dir or set RLT_DATA_DIR" });
    }
    const { instance, conn } = await openDuck();
    // one file per day partition in the common case: DuckDB starts extra files once more partitions than
    // this are open at the same time (a year of days in one import)
    await conn.run("SET partitioned_write_max_open_files = 4096");
    const onWait = opts.onWait ?? ((message: string) => process.stderr.write(`rlt: ${message}\n`));
    const store = new Store(abs, instance, guardReads(conn, abs), onWait);
    store.removeStaleTemp();
    return store;
  }

  close(): void {
    this.db.closeSync();
    this.instance.closeSync();
  }

  kindDir(kind: KindName, symbol?: string): string {
    return symbol ? path.join(this.dir, kind, `symbol=${symbol}`) : path.join(this.dir, kind);
  }

  dayDir(kind: KindName, symbol: string, day: string): string {
    return path.join(this.kindDir(kind, symbol), `date=${day}`);
  }

  /** Every Parquet file of a kind (optionally one symbol), sorted by day. */
  files(kind: KindName, symbol?: string): string[] {
    const out: string[] = [];
    const symbols = symbol ? [`symbol=${symbol}`] : listDir(this.kindDir(kind)).filter((d) => d.startsWith("symbol="));
    for (const s of symbols) {
      const sdir = path.join(this.kindDir(kind), s);
      for (const d of listDir(sdir).filter((x) => x.startsWith("date=")).sort()) {
        for (const f of listDir(path.join(sdir, d)).filter((x) => x.endsWith(".parquet")).sort()) out.push(path.join(sdir, d, f));
      }
    }
    return out;
  }

  symbols(kind: KindName): string[] {
    return listDir(this.kindDir(kind))
      .filter((d) => d.startsWith("symbol="))
      .map((d) => d.slice("symbol=".length))
      .sort();
  }

  /**
   * SQL relation over the stored rows of a kind, or undefined when nothing is stored. Every file is
   * first checked against its record (cheaply); a damaged one ends the read with a DataError naming it.
   */
  scan(kind: KindName, symbol: string): string | undefined {
    const files = this.checkedFiles(kind, symbol);
    if (files.length === 0) return undefined;
    return `read_parquet([${files.map(lit).join(", ")}], union_by_name = true)`;
  }

  /** The files of a kind and symbol, each checked cheaply against its record; throws naming damaged ones. */
  checkedFiles(kind: KindName, symbol: string): string[] {
    const checks = this.checkFiles(kind, symbol);
    const bad = checks.filter((c) => c.status === "bad");
    if (bad.length) throw damagedFilesError(bad, symbol);
    return checks.map((c) => c.file);
  }

  /** The cheap check of every file of a kind (optionally one symbol), without throwing. */
  checkFiles(kind: KindName, symbol?: string): FileCheck[] {
    return this.files(kind, symbol).map((file) => {
      const stamp = statStamp(file);
      const seen = stamp && this.checked.get(file);
      if (seen && seen.stamp === stamp) return seen.check;
      const check = checkFile(file);
      if (stamp && check.status !== "bad") this.checked.set(file, { stamp, check });
      return check;
    });
  }

  /** The lock file a writer of a kind and symbol holds around each read-merge-rename. */
  lockFile(kind: KindName, symbol: string): string {
    return path.join(this.dir, ".locks", `${kind}-${symbol}.lock`);
  }

  /** Run `fn` as the only writer of a kind and symbol's partitions (waits for another writer, up to RLT_LOCK_TIMEOUT_MS). */
  withPartitionLock<T>(kind: KindName, symbol: string, fn: () => Promise<T>): Promise<T> {
    return withLock(this.lockFile(kind, symbol), { purpose: `${kind} ${symbol} partitions`, onWait: this.onWait }, fn);
  }

  /**
   * Merge the rows of a SQL relation into the kind's day partitions. Incoming rows replace stored rows
   * with the same key; each affected day file is rewritten to a temp file and renamed into place, so a
   * reader (or a crash) never sees a half-written partition. The read of the stored days, the merge and
   * the renames hold the kind and symbol's lock, so a concurrent writer cannot lose rows.
   */
  async upsert(kind: KindName, symbol: string, relationSql: string, opts: WriteOptions = {}): Promise<UpsertResult> {
    try {
      return await this.mergeIntoPartitions(kind, symbol, relationSql, opts);
    } catch (err) {
      throw wrapWriteError(err, kind, symbol, this.kindDir(kind, symbol));
    } finally {
      await this.db.run("DROP VIEW IF EXISTS _incoming");
    }
  }

  private async mergeIntoPartitions(kind: KindName, symbol: string, relationSql: string, opts: WriteOptions): Promise<UpsertResult> {
    const spec = kindSpec(kind);
    if (spec.recorded) throw new RltError(`internal: ${kind} is written as part files, not merged`);
    const present = new Set((await this.db.run(`SELECT * FROM (${relationSql}) LIMIT 0`)).columnNames());
    const missing = spec.columns.filter((c) => !present.has(c.name) && !c.nullable).map((c) => c.name);
    if (missing.length) throw new DataError(`${kind} rows lack required column(s): ${missing.join(", ")}`);
    // Columns a source does not have (taker volumes in old kline files) are stored as NULL, never invented.
    const incomingCols = spec.columns
      .map((c) => `${present.has(c.name) ? `CAST(${ident(c.name)} AS ${c.type})` : `NULL::${c.type}`} AS ${ident(c.name)}`)
      .join(", ");
    const keyList = spec.key.map(ident).join(", ");
    const keyTuple = spec.key.length === 1 ? keyList : `(${keyList})`;
    // a view, not a copy: callers pass temp tables, which are cheap to scan twice
    await this.db.run(`CREATE OR REPLACE TEMP VIEW _incoming AS SELECT ${incomingCols} FROM (${relationSql})`);
    const dayRows = await queryRows<{ d: number; n: number; k: number }>(
      this.db,
      `SELECT ${epochDay(spec.timeColumn)} AS d, count(*)::BIGINT AS n, count(DISTINCT ${keyTuple})::BIGINT AS k FROM _incoming GROUP BY d ORDER BY d`,
    );
    const rows = dayRows.reduce((a, r) => a + r.k, 0);
    if (rows === 0) return { rows: 0, days: [] };
    const days = dayRows.map((r) => dayOf(r.d * DAY_MS));
    return this.withPartitionLock(kind, symbol, async () => {
      await this.mergeLocked(kind, symbol, dayRows, opts);
      return { rows, days };
    });
  }

  /** The part of a merge that reads stored days and replaces them: run only while holding the lock. */
  private async mergeLocked(kind: KindName, symbol: string, dayRows: { d: number; n: number; k: number }[], opts: WriteOptions): Promise<void> {
    const spec = kindSpec(kind);
    const keyList = spec.key.map(ident).join(", ");
    const duplicated = dayRows.some((r) => r.n !== r.k);
    const targets = dayRows.map((r) => path.join(this.dayDir(kind, symbol, dayOf(r.d * DAY_MS)), MERGED_FILE));
    const existing = targets.filter((f) => existsSync(f));
    // what each stored day holds now, re-hashed: merging a damaged file would record its damage as healthy
    const previous = this.contentsBeforeReplace(existing, symbol);
    const names = spec.columns.map((c) => ident(c.name)).join(", ");
    // files written before a nullable column was added to the kind (klines' `invalid`) lack it: NULL
    const stored = existing.length
      ? new Set((await this.db.run(`SELECT * FROM read_parquet([${existing.map(lit).join(", ")}], union_by_name = true) LIMIT 0`)).columnNames())
      : new Set<string>();
    const cols = spec.columns.map((c) => `${stored.has(c.name) ? `CAST(${ident(c.name)} AS ${c.type})` : `NULL::${c.type}`} AS ${ident(c.name)}`).join(", ");
    // Fast path (a fresh import): nothing to merge or de-duplicate. Otherwise incoming rows win over
    // stored rows with the same key.
    const source =
      existing.length === 0 && !duplicated
        ? `SELECT ${names}, ${epochDay(spec.timeColumn)} AS _d FROM _incoming`
        : `SELECT ${names}, ${epochDay(spec.timeColumn)} AS _d FROM (
             SELECT *, 0 AS _src FROM _incoming
             ${existing.length ? `UNION ALL BY NAME SELECT ${cols}, 1 AS _src FROM read_parquet([${existing.map(lit).join(", ")}], union_by_name = true)` : ""}
           ) QUALIFY row_number() OVER (PARTITION BY ${keyList} ORDER BY _src) = 1 ORDER BY ${keyList}`;
    const staging = this.tempDir();
    const written: string[] = [];
    try {
      await this.db.run(`COPY (${source}) TO ${lit(staging)} (FORMAT parquet, PARTITION_BY (_d), FILENAME_PATTERN 'part_{i}')`);
      for (const r of dayRows) await this.compact(path.join(staging, `_d=${r.d}`), keyList);
      const ranges = await this.stagedRanges(staging, kind);
      await testOnlyDelay();
      for (const [i, r] of dayRows.entries()) {
        const prev = previous.get(targets[i]);
        const sources = mergeSources(prev?.sources, opts.source ? [opts.source] : []);
        await this.promote(path.join(staging, `_d=${r.d}`), targets[i], { previous: prev, sources, range: ranges.get(`_d=${r.d}`) });
        written.push(targets[i]);
      }
    } catch (err) {
      // the days already replaced are complete and recorded; say so rather than "nothing was changed"
      if (written.length && isDiskFull(err)) {
        throw new RltError(`no space left on the device while writing ${kind} ${symbol}: ${written.length} of ${dayRows.length} day files were replaced, the others left as they were`, {
          cause: err,
          hint: `free space on the filesystem of ${this.dir} and run the command again`,
        });
      }
      throw err;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  /**
   * The record of each stored file a write is about to replace, checked in full (sha256). A damaged file
   * stops the write; an unrecorded one (older rlt) is described now, so its record vouches for it until
   * the new file has replaced it.
   */
  private contentsBeforeReplace(existing: string[], symbol: string): Map<string, FileContent> {
    const out = new Map<string, FileContent>();
    const bad: Extract<FileCheck, { status: "bad" }>[] = [];
    for (const file of existing) {
      const check = checkFile(file, { hash: "always" });
      if (check.status === "bad") bad.push(check);
      else if (check.status === "ok") out.set(file, check.content);
      else out.set(file, { ...describeFile(file), writtenAtMs: statSync(file).mtimeMs, sources: [] });
    }
    if (bad.length) throw damagedFilesError(bad, symbol);
    return out;
  }

  /** Upsert rows given as columns (REST pages, parsed events): appended to a temp table, then merged. */
  async upsertColumns(kind: KindName, symbol: string, columns: Record<string, ColumnValues>, opts: WriteOptions = {}): Promise<UpsertResult> {
    await this.loadTempTable("_cols", kind, columns);
    try {
      return await this.upsert(kind, symbol, "SELECT * FROM _cols", opts);
    } finally {
      await this.db.run("DROP TABLE IF EXISTS _cols");
    }
  }

  /**
   * Write one immutable part file (the recorder's rolling output) into the partition of its first row's
   * day, atomically. Parts of a recorded kind are never rewritten; readers de-duplicate by key.
   */
  async writePart(kind: KindName, symbol: string, partName: string, columns: Record<string, ColumnValues>, opts: WriteOptions = {}): Promise<string | undefined> {
    const spec = kindSpec(kind);
    const n = columnLength(columns);
    if (n === 0) return undefined;
    await this.loadTempTable("_part", kind, columns);
    const staging = this.tempDir();
    try {
      const names = spec.columns.map((c) => ident(c.name)).join(", ");
      await this.db.run(
        `COPY (SELECT ${names}, ${epochDay(spec.timeColumn)} AS _d FROM _part) TO ${lit(staging)} ` +
          `(FORMAT parquet, PARTITION_BY (_d), FILENAME_PATTERN 'part_{i}')`,
      );
      const parts = listDir(staging).filter((x) => x.startsWith("_d="));
      for (const d of parts) await this.compact(path.join(staging, d), spec.key.map(ident).join(", "));
      const ranges = await this.stagedRanges(staging, kind);
      // parts are never merged, only added: the lock is held just for the renames, so that rlt data
      // repair never moves a partition aside while a part is being put into it
      return await this.withPartitionLock(kind, symbol, async () => {
        let written: string | undefined;
        for (const d of parts) {
          const day = dayOf(Number(d.slice("_d=".length)) * DAY_MS);
          const target = path.join(this.dayDir(kind, symbol, day), `${partName}.parquet`);
          const previous = existsSync(target) ? this.contentsBeforeReplace([target], symbol).get(target) : undefined;
          await this.promote(path.join(staging, d), target, { previous, sources: opts.source ? [opts.source] : [], range: ranges.get(d) });
          written = target;
        }
        return written;
      });
    } catch (err) {
      throw wrapWriteError(err, kind, symbol, this.kindDir(kind, symbol));
    } finally {
      rmSync(staging, { recursive: true, force: true });
      await this.db.run("DROP TABLE IF EXISTS _part");
    }
  }

  /** (Re)create the catalog file's views, one per kind that has data. Best effort: a locked catalog is skipped. */
  async refreshCatalog(): Promise<{ file: string; views: string[] } | undefined> {
    const file = path.join(this.dir, CATALOG_FILE);
    let handle: Awaited<ReturnType<typeof openDuck>> | undefined;
    try {
      handle = await openDuck(file);
      const views: string[] = [];
      for (const kind of KIND_NAMES) {
        if (this.files(kind).length === 0) {
          await handle.conn.run(`DROP VIEW IF EXISTS ${ident(kind)}`);
          continue;
        }
        const glob = path.join(this.kindDir(kind), "symbol=*", "date=*", "*.parquet");
        await handle.conn.run(
          `CREATE OR REPLACE VIEW ${ident(kind)} AS SELECT * FROM read_parquet(${lit(glob)}, hive_partitioning = true, union_by_name = true)`,
        );
        views.push(kind);
      }
      return { file, views };
    } catch {
      return undefined; // another rlt process holds the catalog; it will refresh it
    } finally {
      handle?.conn.closeSync();
      handle?.instance.closeSync();
    }
  }

  private async loadTempTable(table: string, kind: KindName, columns: Record<string, ColumnValues>): Promise<void> {
    const spec = kindSpec(kind);
    for (const c of spec.columns) {
      if (!(c.name in columns) && !c.nullable) throw new RltError(`internal: ${kind} rows lack column ${c.name}`);
    }
    await this.db.run(`CREATE OR REPLACE TEMP TABLE ${table} (${spec.columns.map((c) => `${ident(c.name)} ${c.type}`).join(", ")})`);
    const appender = await this.db.createAppender(table);
    const n = columnLength(columns);
    const arrays = spec.columns.map((c) => [c.type, columns[c.name]] as const);
    for (let i = 0; i < n; i++) {
      for (const [type, values] of arrays) appendValue(appender, type, values?.[i] ?? null);
      appender.endRow();
    }
    appender.closeSync();
  }

  /** Large partitions (millions of aggTrades a day) come out of DuckDB as several files: merge them into one. */
  private async compact(stagingPart: string, keyList: string): Promise<void> {
    const files = listDir(stagingPart).filter((f) => f.endsWith(".parquet"));
    if (files.length <= 1) return;
    const merged = path.join(stagingPart, "merged.parquet.tmp");
    await this.db.run(
      `COPY (SELECT * FROM read_parquet([${files.map((f) => lit(path.join(stagingPart, f))).join(", ")}]) ORDER BY ${keyList}) TO ${lit(merged)} (FORMAT parquet)`,
    );
    for (const f of files) rmSync(path.join(stagingPart, f));
    renameSync(merged, path.join(stagingPart, "part_0.parquet"));
  }

  /**
   * Move the single file DuckDB wrote into a staging partition to `target`: first its record (naming
   * the file it replaces as `previous`), then the file, each by an atomic rename on one filesystem.
   */
  private async promote(stagingPart: string, target: string, meta: { previous?: FileContent; sources: SourceFile[]; range?: StagedRange }): Promise<void> {
    const written = listDir(stagingPart).filter((f) => f.endsWith(".parquet"));
    if (written.length !== 1) throw new RltError(`internal: expected one file in ${stagingPart}, found ${written.length}`);
    const file = path.join(stagingPart, written[0]);
    const range = meta.range;
    const content: FileContent = {
      ...describeFile(file),
      ...(range?.first != null ? { firstMs: range.first } : {}),
      ...(range?.last != null ? { lastMs: range.last } : {}),
      writtenAtMs: Date.now(),
      sources: meta.sources,
    };
    mkdirSync(path.dirname(target), { recursive: true });
    writeRecord(target, content, meta.previous, stagingPart);
    renameSync(file, target);
  }

  /**
   * The time range of every staged day file, keyed by its partition folder (`_d=…`), in one scan:
   * a query per file costs more than the write itself when an import spans years of days.
   */
  private async stagedRanges(staging: string, kind: KindName): Promise<Map<string, StagedRange>> {
    const t = ident(kindSpec(kind).timeColumn);
    const rows = await queryRows<{ f: string; first: number | null; last: number | null }>(
      this.db,
      `SELECT filename AS f, min(${t})::BIGINT AS first, max(${t})::BIGINT AS last
       FROM read_parquet(${lit(path.join(staging, "*", "*.parquet"))}, filename = true, hive_partitioning = false) GROUP BY filename`,
    );
    return new Map(rows.map((r) => [path.basename(path.dirname(r.f)), { first: r.first, last: r.last }]));
  }

  private tempDir(): string {
    return path.join(this.dir, `${TMP_PREFIX}${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  }

  /** Staging folders left by a process that was killed mid-write. */
  private removeStaleTemp(): void {
    for (const name of listDir(this.dir)) {
      if (!name.startsWith(TMP_PREFIX)) continue;
      const pid = Number(name.slice(TMP_PREFIX.length).split("-")[0]);
      // a folder whose name carries no process id has an owner we cannot check: leave it
      if (!Number.isInteger(pid)) continue;
      if (pid !== process.pid && !isAlive(pid)) rmSync(path.join(this.dir, name), { recursive: true, force: true });
    }
  }
}

/** What `rlt data repair` does, for every message about a damaged file. */
export function repairHint(symbol: string | undefined, many: boolean): string {
  const them = many ? "them" : "it";
  return (
    `rlt data repair${symbol ? ` ${symbol}` : ""} moves ${them} aside (into .quarantine/) and fetches ${many ? "their" : "its"} rows again, or names the files to import again; ` +
    `or delete ${them} and fetch or import ${many ? "those days" : "that day"} again`
  );
}

function damagedFilesError(bad: Extract<FileCheck, { status: "bad" }>[], symbol: string): DataError {
  const list = bad.map((b) => `${b.file} is ${b.problem}: ${b.detail}`);
  return new DataError(`damaged file${bad.length > 1 ? "s" : ""} in the store: ${list.join("; ")}`, { hint: repairHint(symbol, bad.length > 1) });
}

/**
 * The store's connection, with DuckDB's errors about a store file it cannot read (a garbled page, a
 * cut file) turned into a DataError naming the file. Only errors of that shape are changed: a real
 * bug (a binder error, a wrong query) still surfaces as itself.
 */
function guardReads(conn: Duck, dir: string): Duck {
  return new Proxy(conn, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const out = value.apply(target, args);
        return out instanceof Promise
          ? out.catch((err: unknown) => {
              throw unreadableStoreFile(err, dir) ?? err;
            })
          : out;
      };
    },
  });
}

function unreadableStoreFile(err: unknown, dir: string): DataError | undefined {
  const first = String((err as Error)?.message ?? "").split("\n")[0];
  if (!/^(Invalid Input|IO) Error:/.test(first)) return undefined;
  const m = /["']([^"']+\.parquet)["']/.exec(first);
  if (!m) return undefined;
  const rel = path.relative(dir, path.resolve(m[1]));
  if (rel.startsWith("..") || path.isAbsolute(rel) || rel.startsWith(TMP_PREFIX)) return undefined;
  const symbol = /(?:^|\/)symbol=([^/]+)\//.exec(rel)?.[1];
  const reason = first.replace(/^(Invalid Input|IO) Error:\s*/, "");
  return new DataError(`damaged file in the store: ${path.resolve(m[1])} cannot be read (${reason})`, { cause: err, hint: repairHint(symbol, false) });
}

/** Identity of a file and its record: a cached check holds while neither changed. */
function statStamp(file: string): string | undefined {
  try {
    const s = statSync(file);
    let r = "none";
    try {
      const rs = statSync(recordFileOf(file));
      r = `${rs.ino}:${rs.size}:${rs.mtimeMs}`;
    } catch {
      // no record: an unrecorded file
    }
    return `${s.ino}:${s.size}:${s.mtimeMs}:${r}`;
  } catch {
    return undefined;
  }
}

async function testOnlyDelay(): Promise<void> {
  const ms = Number(process.env[TEST_MERGE_DELAY_ENV] ?? 0);
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  const until = process.env[TEST_MERGE_PAUSE_ENV];
  for (const t0 = Date.now(); until && !existsSync(until) && Date.now() - t0 < TEST_PAUSE_MAX_MS; ) await new Promise((r) => setTimeout(r, 20));
}

/** UTC day number of a millisecond time column: partitioning on an integer is faster than on a formatted date. */
function epochDay(timeColumn: string): string {
  return `(CAST(${ident(timeColumn)} AS BIGINT) // ${DAY_MS})`;
}

function appendValue(
  appender: Awaited<ReturnType<Duck["createAppender"]>>,
  type: ColumnType,
  v: number | bigint | boolean | string | null,
): void {
  if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return appender.appendNull();
  switch (type) {
    case "BIGINT":
      return appender.appendBigInt(typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v))));
    case "INTEGER":
      return appender.appendInteger(Number(v));
    case "DOUBLE":
      return appender.appendDouble(Number(v));
    case "BOOLEAN":
      return appender.appendBoolean(v === true || v === "true" || v === 1);
    case "VARCHAR":
      return appender.appendVarchar(String(v));
  }
}

function columnLength(columns: Record<string, ColumnValues>): number {
  const lengths = new Set(Object.values(columns).map((c) => c.length));
  if (lengths.size > 1) throw new RltError(`internal: columns of unequal length ${[...lengths].join(", ")}`);
  return lengths.size ? [...lengths][0] : 0;
}

function wrapWriteError(err: unknown, kind: string, symbol: string, target: string): Error {
  if (err instanceof RltError) return err;
  if (isDiskFull(err)) return asDiskError(err, `${kind} ${symbol}`, target) as Error;
  const msg = (err as Error).message ?? String(err);
  if (/Conversion Error|Could not convert|Invalid Input/i.test(msg)) {
    return new DataError(`cannot store ${kind} ${symbol}: ${msg}`, { cause: err });
  }
  return new RltError(`writing ${kind} ${symbol} failed; nothing was changed: ${msg}`, {
    cause: err,
    hint: "check free disk space and permissions of the data directory",
  });
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export { KINDS };
