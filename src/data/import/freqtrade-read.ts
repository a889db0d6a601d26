// Readers of freqtrade's three OHLCV file formats into one DuckDB temp table, in file order:
//   feather  Arrow IPC (Feather V2) written by pandas/pyarrow, record batches LZ4-frame compressed
//   json     `[[date_ms, open, high, low, close, volume], ...]` (pandas `to_json(orient="values")`), or .json.gz
//   parquet  columns date, open, high, low, close, volume (pandas `to_parquet`)
// The date column is a timestamp (ns in pandas) in feather and parquet, epoch milliseconds in json.
import { readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { DataError } from "../../core/errors.ts";
import { isoMinute } from "../../core/time.ts";
import { type Duck, ident, lit, queryRows } from "../duck.ts";

export type FreqtradeFormat = "feather" | "json" | "jsongz" | "parquet";

/** freqtrade's DEFAULT_DATAFRAME_COLUMNS. */
export const FREQTRADE_COLUMNS = ["date", "open", "high", "low", "close", "volume"] as const;
const VALUE_COLUMNS = ["open", "high", "low", "close", "volume"] as const;

/** The temp table every reader fills: date_ms BIGINT, open … volume DOUBLE, row_no (1-based, file order). */
export const RAW_TABLE = "_ft_raw";

type Columns = { dateMs: Float64Array } & Record<(typeof VALUE_COLUMNS)[number], Float64Array>;

/** Read `file` into RAW_TABLE; returns a short description of what was read (for the import summary). */
export async function readFreqtradeFile(db: Duck, file: string, format: FreqtradeFormat): Promise<string> {
  const name = path.basename(file);
  let what: string;
  if (format === "parquet") {
    await loadParquet(db, file, name);
    what = "freqtrade parquet";
  } else {
    const cols = format === "feather" ? await readFeather(file, name) : readJson(file, name, format === "jsongz");
    await loadColumns(db, cols);
    what = format === "feather" ? "freqtrade feather" : `freqtrade ${format === "jsongz" ? "json.gz" : "json"}`;
  }
  const [{ n }] = await queryRows<{ n: number }>(db, `SELECT count(*)::BIGINT AS n FROM ${RAW_TABLE}`);
  if (n === 0) throw new DataError(`${name} holds no rows; nothing was imported`);
  await refuseMissingValues(db, name);
  return what;
}

async function readFeather(file: string, name: string): Promise<Columns> {
  const bytes = readFileSync(file);
  if (bytes.subarray(0, 4).toString("latin1") === "FEA1") {
    throw new DataError(`${name} is a Feather V1 file, which rlt does not read`, { hint: "re-write it as Feather V2 (freqtrade convert-data, or pandas with pyarrow ≥ 0.17)" });
  }
  if (bytes.subarray(0, 6).toString("latin1") !== "ARROW1" || bytes.subarray(bytes.length - 6).toString("latin1") !== "ARROW1") {
    throw new DataError(`${name} is not a Feather (Arrow IPC) file: it lacks the ARROW1 magic at its start or end (truncated?)`, {
      hint: "re-create it (freqtrade download-data) and import it again",
    });
  }
  const arrow = await import("apache-arrow");
  const { registerLz4Codec } = await import("./lz4.ts");
  registerLz4Codec();
  let table: import("apache-arrow").Table;
  try {
    table = arrow.tableFromIPC(bytes);
  } catch (err) {
    const msg = err instanceof DataError ? err.message : `${(err as Error).message}`;
    throw new DataError(`${name} is not a readable Feather file: ${msg}; nothing from it was imported`, { cause: err, hint: "re-create it (freqtrade download-data) and import it again" });
  }
  const names = table.schema.fields.map((f) => f.name);
  const missing = FREQTRADE_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length) throw new DataError(`${name} lacks column(s) ${missing.join(", ")} (it has ${names.join(", ")}): not freqtrade OHLCV data`);
  const n = table.numRows;
  const dateCol = table.getChild("date")!;
  const dateType = dateCol.type as import("apache-arrow").DataType;
  // ms per stored unit as [multiply, divide] in BigInt, exact: freqtrade's pandas writes ns
  let scale: [bigint, bigint];
  if (arrow.DataType.isTimestamp(dateType)) {
    scale = ([[1000n, 1n], [1n, 1n], [1n, 1000n], [1n, 1_000_000n]] as const)[dateType.unit] as [bigint, bigint];
  } else if (arrow.DataType.isInt(dateType) && dateType.bitWidth === 64) {
    scale = [1n, 1n]; // integer dates are epoch ms, as in freqtrade's json
  } else {
    throw new DataError(`${name}: column date is ${String(dateType)}, expected a timestamp`);
  }
  const dateMs = new Float64Array(n);
  let row = 0;
  for (const chunk of dateCol.data) {
    if (chunk.nullCount > 0) throw new DataError(`${name}: column date has ${chunk.nullCount} empty value(s); nothing from this file was imported`);
    const values = chunk.values as BigInt64Array;
    for (let i = 0; i < chunk.length; i++, row++) {
      const v = values[i] * scale[0];
      if (v % scale[1] !== 0n) throw new DataError(`${name} row ${row + 1}: date ${values[i]} is not a whole millisecond; nothing from this file was imported`);
      dateMs[row] = Number(v / scale[1]);
    }
  }
  const out = { dateMs } as Columns;
  for (const c of VALUE_COLUMNS) {
    const col = table.getChild(c)!;
    const type = col.type as import("apache-arrow").DataType;
    if (!arrow.DataType.isFloat(type) && !arrow.DataType.isInt(type)) throw new DataError(`${name}: column ${c} is ${String(type)}, expected numbers`);
    const values = new Float64Array(n);
    let at = 0;
    for (const chunk of col.data) {
      if (chunk.values instanceof Float64Array && chunk.nullCount === 0 && chunk.values.length >= chunk.length) {
        values.set(chunk.values.subarray(0, chunk.length), at); // freqtrade's float64 columns: one copy
      } else {
        // other numeric types, or nulls: those become NaN and are refused with their row afterwards
        const vec = arrow.makeVector(chunk);
        for (let i = 0; i < chunk.length; i++) {
          const v = vec.get(i);
          values[at + i] = v === null || v === undefined ? Number.NaN : Number(v);
        }
      }
      at += chunk.length;
    }
    out[c] = values;
  }
  return out;
}

function readJson(file: string, name: string, gzipped: boolean): Columns {
  let text: string;
  try {
    const raw = readFileSync(file);
    // gunzipSync checks the gzip trailer (CRC-32 and length): a cut file is refused, not half-read
    text = (gzipped ? gunzipSync(raw) : raw).toString("utf8");
  } catch (err) {
    throw new DataError(`${name} is not a readable gzip file: ${(err as Error).message}; nothing from it was imported`, { cause: err, hint: "re-create it and import it again" });
  }
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (err) {
    throw new DataError(`${name} is not valid JSON (${(err as Error).message}); nothing from it was imported`, { cause: err, hint: "re-create it (freqtrade download-data) and import it again" });
  }
  if (!Array.isArray(rows)) throw new DataError(`${name}: expected a JSON list of [date, open, high, low, close, volume] rows`);
  const n = rows.length;
  const cols = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < n; i++) {
    const r = rows[i] as unknown;
    if (!Array.isArray(r) || r.length !== FREQTRADE_COLUMNS.length) {
      throw new DataError(`${name} row ${i + 1}: expected [date, open, high, low, close, volume], found ${JSON.stringify(r)?.slice(0, 120)}; nothing from this file was imported`);
    }
    for (let c = 0; c < cols.length; c++) {
      const v = r[c];
      // pandas writes NaN as null: kept as NaN here and refused with its row below
      if (v !== null && typeof v !== "number") throw new DataError(`${name} row ${i + 1}: ${FREQTRADE_COLUMNS[c]} is ${JSON.stringify(v)}, not a number; nothing from this file was imported`);
      cols[c][i] = v ?? Number.NaN;
    }
    if (!Number.isInteger(cols[0][i])) throw new DataError(`${name} row ${i + 1}: date ${JSON.stringify(r[0])} is not epoch milliseconds; nothing from this file was imported`);
  }
  return { dateMs: cols[0], open: cols[1], high: cols[2], low: cols[3], close: cols[4], volume: cols[5] };
}

async function loadParquet(db: Duck, file: string, name: string): Promise<void> {
  let types: { column_name: string; column_type: string }[];
  try {
    types = await queryRows(db, `DESCRIBE SELECT * FROM read_parquet(${lit(file)})`);
  } catch (err) {
    throw new DataError(`${name} is not a readable Parquet file: ${(err as Error).message.split("\n")[0]}; nothing from it was imported`, { cause: err, hint: "re-create it (freqtrade download-data) and import it again" });
  }
  const have = new Map(types.map((t) => [t.column_name, t.column_type]));
  const missing = FREQTRADE_COLUMNS.filter((c) => !have.has(c));
  if (missing.length) throw new DataError(`${name} lacks column(s) ${missing.join(", ")} (it has ${[...have.keys()].join(", ")}): not freqtrade OHLCV data`);
  const dateType = have.get("date")!;
  const dateMs = /^TIMESTAMP/.test(dateType) ? "epoch_ms(date)" : /^(BIGINT|HUGEINT|UBIGINT)$/.test(dateType) ? "date" : undefined;
  if (!dateMs) throw new DataError(`${name}: column date is ${dateType}, expected a timestamp`);
  try {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE ${RAW_TABLE} AS SELECT CAST(${dateMs} AS BIGINT) AS date_ms, ${VALUE_COLUMNS.map((c) => `CAST(${ident(c)} AS DOUBLE) AS ${ident(c)}`).join(", ")},
         row_number() OVER () AS row_no FROM read_parquet(${lit(file)})`,
    );
  } catch (err) {
    throw new DataError(`${name}: cannot read its rows: ${(err as Error).message.split("\n")[0]}; nothing from it was imported`, { cause: err, hint: "re-create it and import it again" });
  }
}

/** Columns into RAW_TABLE a DuckDB vector (2048 rows) at a time. */
async function loadColumns(db: Duck, cols: Columns): Promise<void> {
  const { DOUBLE, DuckDBDataChunk } = await import("@duckdb/node-api");
  const order = [cols.dateMs, cols.open, cols.high, cols.low, cols.close, cols.volume];
  const staging = `${RAW_TABLE}_in`;
  await db.run(`CREATE OR REPLACE TEMP TABLE ${staging} (date_ms DOUBLE, ${VALUE_COLUMNS.map((c) => `${ident(c)} DOUBLE`).join(", ")})`);
  try {
    const appender = await db.createAppender(staging);
    const types = order.map(() => DOUBLE);
    const CHUNK = 2048;
    const n = cols.dateMs.length;
    for (let start = 0; start < n; start += CHUNK) {
      const rows = Math.min(CHUNK, n - start);
      const chunk = DuckDBDataChunk.create(types, rows);
      order.forEach((c, i) => chunk.setColumnValues(i, Array.from(c.subarray(start, start + rows))));
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
    // dates are whole milliseconds (checked while reading), so the cast is exact
    await db.run(
      `CREATE OR REPLACE TEMP TABLE ${RAW_TABLE} AS SELECT CAST(date_ms AS BIGINT) AS date_ms, ${VALUE_COLUMNS.map(ident).join(", ")}, row_number() OVER () AS row_no FROM ${staging}`,
    );
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${staging}`);
  }
}

/** An empty or NaN price or volume is refused with its row: the store never holds invented values. */
async function refuseMissingValues(db: Duck, name: string): Promise<void> {
  const bad = VALUE_COLUMNS.map((c) => `${ident(c)} IS NULL OR isnan(${ident(c)}) OR isinf(${ident(c)})`).join(" OR ");
  const [r] = await queryRows<{ row_no: number; date_ms: number; cols: string }>(
    db,
    `SELECT row_no, date_ms, concat_ws(', ', ${VALUE_COLUMNS.map((c) => `CASE WHEN ${ident(c)} IS NULL OR NOT isfinite(${ident(c)}) THEN ${lit(c)} END`).join(", ")}) AS cols
     FROM ${RAW_TABLE} WHERE date_ms IS NULL OR ${bad} ORDER BY row_no LIMIT 1`,
  );
  if (r) {
    const at = r.date_ms === null ? "" : ` (${isoMinute(r.date_ms)})`;
    throw new DataError(`${name} row ${r.row_no}${at}: ${r.cols || "date"} empty or not a number; nothing from this file was imported`, {
      hint: "rlt stores no invented values: fix or drop those rows (or re-download) and import again",
    });
  }
}
