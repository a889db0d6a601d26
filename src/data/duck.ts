// Thin helpers over @duckdb/node-api: open, quote, and move results as typed columns (not row objects,
// which cost ~2 s per million rows).
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

export type Duck = DuckDBConnection;

export async function openDuck(file = ":memory:"): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(file);
  const conn = await instance.connect();
  return { instance, conn };
}

/** SQL string literal. */
export function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** SQL identifier. */
export function ident(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** Small results as plain objects (BIGINT becomes number when it fits). */
export async function queryRows<T = Record<string, unknown>>(conn: Duck, sql: string): Promise<T[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = typeof v === "bigint" ? Number(v) : v;
    return out as T;
  }) as T[];
}

/**
 * Run a query whose columns are all numeric and return one Float64Array per column.
 * Every column is cast to DOUBLE and NULL becomes NaN, so each chunk is copied with one typed-array set().
 */
export async function queryFloat64Columns(conn: Duck, sql: string): Promise<Record<string, Float64Array>> {
  const probe = await conn.run(`SELECT * FROM (${sql}) LIMIT 0`);
  const names = probe.columnNames();
  const casted = names.map((n) => `COALESCE(CAST(${ident(n)} AS DOUBLE), 'NaN'::DOUBLE) AS ${ident(n)}`).join(", ");
  const result = await conn.run(`SELECT ${casted} FROM (${sql})`);
  const parts: Float64Array[][] = names.map(() => []);
  let total = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (let c = 0; c < names.length; c++) {
      const vec = chunk.getColumnVector(c) as unknown as { items: Float64Array };
      parts[c].push(vec.items.slice(0, chunk.rowCount));
    }
    total += chunk.rowCount;
  }
  const out: Record<string, Float64Array> = {};
  names.forEach((n, c) => {
    const arr = new Float64Array(total);
    let off = 0;
    for (const p of parts[c]) {
      arr.set(p, off);
      off += p.length;
    }
    out[n] = arr;
  });
  return out;
}

export type TypedColumn = Float64Array | Uint8Array;

/**
 * Write typed-array columns to a Parquet file through a temp table filled by DataChunks (vector at a
 * time, not value at a time). Float64Array → DOUBLE (NaN kept), Uint8Array → UTINYINT. Written to a
 * temp name and renamed, so readers never see half a file; a failed write removes the temp file.
 */
export async function writeColumnsParquet(conn: Duck, file: string, columns: Record<string, TypedColumn>): Promise<void> {
  const { DOUBLE, UTINYINT, DuckDBDataChunk } = await import("@duckdb/node-api");
  const { renameSync, rmSync } = await import("node:fs");
  const names = Object.keys(columns);
  const n = columns[names[0]]?.length ?? 0;
  const types = names.map((c) => (columns[c] instanceof Uint8Array ? UTINYINT : DOUBLE));
  const table = `_cols_${Math.random().toString(36).slice(2, 10)}`;
  await conn.run(`CREATE TEMP TABLE ${table} (${names.map((c, i) => `${ident(c)} ${types[i] === DOUBLE ? "DOUBLE" : "UTINYINT"}`).join(", ")})`);
  try {
    const appender = await conn.createAppender(table);
    const CHUNK = 2048; // DuckDB's vector size
    for (let start = 0; start < n; start += CHUNK) {
      const rows = Math.min(CHUNK, n - start);
      const chunk = DuckDBDataChunk.create(types, rows);
      names.forEach((c, i) => chunk.setColumnValues(i, Array.from(columns[c].subarray(start, start + rows))));
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
    const tmp = `${file}.tmp`;
    try {
      await conn.run(`COPY ${table} TO ${lit(tmp)} (FORMAT parquet)`);
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true }); // a failed write (a full disk) removes its own partial file
      throw err;
    }
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${table}`);
  }
}
