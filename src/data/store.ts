// The market-data store: Parquet files partitioned by kind / symbol / day, written atomically and
// idempotently through DuckDB, plus a DuckDB catalog file that exposes each kind as a view.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { DataError, RltError } from "../core/errors.ts";
import { isAlive } from "../core/process.ts";
import { DAY_MS, dayOf } from "../core/time.ts";
import { type Duck, ident, lit, openDuck, queryRows } from "./duck.ts";
import { type ColumnType, type KindName, KINDS, KIND_NAMES, kindSpec } from "./kinds.ts";

export const CATALOG_FILE = "catalog.duckdb";
const TMP_PREFIX = ".rlt-tmp-";
/** Name of the single merged file in a day partition of a fetched kind. */
const MERGED_FILE = "data.parquet";

export type ColumnValues = ArrayLike<number | bigint | boolean | string | null>;

export interface UpsertResult {
  /** Rows in the incoming relation (after de-duplication within it). */
  rows: number;
  /** Day partitions rewritten. */
  days: string[];
}

export class Store {
  private constructor(
    /** Absolute data directory. */
    readonly dir: string,
    private readonly instance: DuckDBInstance,
    readonly db: Duck,
  ) {}

  static async open(dir: string): Promise<Store> {
    const abs = path.resolve(dir);
    try {
      mkdirSync(abs, { recursive: true });
    } catch (err) {
      throw new RltError(`cannot create data directory ${abs}: ${(err as Error).message}`, { cause: err, hint: "pass a writable --data-dir or set RLT_DATA_DIR" });
    }
    const { instance, conn } = await openDuck();
    // one file per day partition in the common case: DuckDB starts extra files once more partitions than
    // this are open at the same time (a year of days in one import)
    await conn.run("SET partitioned_write_max_open_files = 4096");
    const store = new Store(abs, instance, conn);
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

  /** SQL relation over the stored rows of a kind, or undefined when nothing is stored. */
  scan(kind: KindName, symbol: string): string | undefined {
    const files = this.files(kind, symbol);
    if (files.length === 0) return undefined;
    return `read_parquet([${files.map(lit).join(", ")}], union_by_name = true)`;
  }

  /**
   * Merge the rows of a SQL relation into the kind's day partitions. Incoming rows replace stored rows
   * with the same key; each affected day file is rewritten to a temp file and renamed into place, so a
   * reader (or a crash) never sees a half-written partition.
   */
  async upsert(kind: KindName, symbol: string, relationSql: string): Promise<UpsertResult> {
    try {
      return await this.mergeIntoPartitions(kind, symbol, relationSql);
    } catch (err) {
      throw wrapWriteError(err, kind, symbol);
    } finally {
      await this.db.run("DROP VIEW IF EXISTS _incoming");
    }
  }

  private async mergeIntoPartitions(kind: KindName, symbol: string, relationSql: string): Promise<UpsertResult> {
    const spec = kindSpec(kind);
    if (spec.recorded) throw new RltError(`internal: ${kind} is written as part files, not merged`);
    const present = new Set((await this.db.run(`SELECT * FROM (${relationSql}) LIMIT 0`)).columnNames());
    const missing = spec.columns.filter((c) => !present.has(c.name) && !c.nullable).map((c) => c.name);
    if (missing.length) throw new DataError(`${kind} rows lack required column(s): ${missing.join(", ")}`);
    // Columns a source does not have (taker volumes in old kline files) are stored as NULL, never invented.
    const incomingCols = spec.columns
      .map((c) => `${present.has(c.name) ? `CAST(${ident(c.name)} AS ${c.type})` : `NULL::${c.type}`} AS ${ident(c.name)}`)
      .join(", ");
    const cols = spec.columns.map((c) => `CAST(${ident(c.name)} AS ${c.type}) AS ${ident(c.name)}`).join(", ");
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
    const duplicated = dayRows.some((r) => r.n !== r.k);
    const days = dayRows.map((r) => dayOf(r.d * DAY_MS));
    const existing = days.map((d) => path.join(this.dayDir(kind, symbol, d), MERGED_FILE)).filter((f) => existsSync(f));
    const names = spec.columns.map((c) => ident(c.name)).join(", ");
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
    try {
      await this.db.run(`COPY (${source}) TO ${lit(staging)} (FORMAT parquet, PARTITION_BY (_d), FILENAME_PATTERN 'part_{i}')`);
      for (const r of dayRows) {
        const part = path.join(staging, `_d=${r.d}`);
        await this.compact(part, keyList);
        this.promote(part, this.dayDir(kind, symbol, dayOf(r.d * DAY_MS)), MERGED_FILE);
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    return { rows, days };
  }

  /** Upsert rows given as columns (REST pages, parsed events): appended to a temp table, then merged. */
  async upsertColumns(kind: KindName, symbol: string, columns: Record<string, ColumnValues>): Promise<UpsertResult> {
    await this.loadTempTable("_cols", kind, columns);
    try {
      return await this.upsert(kind, symbol, "SELECT * FROM _cols");
    } finally {
      await this.db.run("DROP TABLE IF EXISTS _cols");
    }
  }

  /**
   * Write one immutable part file (the recorder's rolling output) into the partition of its first row's
   * day, atomically. Parts of a recorded kind are never rewritten; readers de-duplicate by key.
   */
  async writePart(kind: KindName, symbol: string, partName: string, columns: Record<string, ColumnValues>): Promise<string | undefined> {
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
      let written: string | undefined;
      for (const d of listDir(staging).filter((x) => x.startsWith("_d="))) {
        const day = dayOf(Number(d.slice("_d=".length)) * DAY_MS);
        await this.compact(path.join(staging, d), spec.key.map(ident).join(", "));
        written = this.promote(path.join(staging, d), this.dayDir(kind, symbol, day), `${partName}.parquet`);
      }
      return written;
    } catch (err) {
      throw wrapWriteError(err, kind, symbol);
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

  /** Move the single file DuckDB wrote into a staging partition to its final name. */
  private promote(stagingPart: string, targetDir: string, fileName: string): string {
    const written = listDir(stagingPart).filter((f) => f.endsWith(".parquet"));
    if (written.length !== 1) throw new RltError(`internal: expected one file in ${stagingPart}, found ${written.length}`);
    mkdirSync(targetDir, { recursive: true });
    const target = path.join(targetDir, fileName);
    renameSync(path.join(stagingPart, written[0]), target); // atomic on one filesystem
    return target;
  }

  private tempDir(): string {
    return path.join(this.dir, `${TMP_PREFIX}${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  }

  /** Staging folders left by a process that was killed mid-write. */
  private removeStaleTemp(): void {
    for (const name of listDir(this.dir)) {
      if (!name.startsWith(TMP_PREFIX)) continue;
      const pid = Number(name.slice(TMP_PREFIX.length).split("-")[0]);
      if (pid !== process.pid && !isAlive(pid)) rmSync(path.join(this.dir, name), { recursive: true, force: true });
    }
  }
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

function wrapWriteError(err: unknown, kind: string, symbol: string): Error {
  if (err instanceof RltError) return err;
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
