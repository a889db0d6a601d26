// Test fixture: freqtrade data files made from the bundled real sample, in freqtrade's layouts
// (user_data/data/binance/futures/<PAIR>-<tf>-<candle type>.<ext>):
//   feather  Arrow IPC file, `date` timestamp[ns, tz=UTC] + float64 open, high, low, close, volume,
//            record batches LZ4-frame compressed as pyarrow writes them (see PyarrowLikeWriter)
//   json     [[date_ms, open, high, low, close, volume], ...] (pandas to_json(orient="values")), .json.gz
//   parquet  the same columns, `date` a UTC timestamp (written by DuckDB here, not by pandas)
// A funding file keeps the rate in `open` and zeros elsewhere, as freqtrade's _fetch_funding_rate_history does.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  CompressionType,
  Field,
  Float64,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  makeData,
} from "apache-arrow";
import { lit, openDuck } from "../../src/data/duck.ts";
import { lz4Encode, registerLz4Codec } from "../../src/data/import/lz4.ts";
import { SAMPLE_FUNDING, SAMPLE_KLINES } from "./sample-store.ts";

/** One freqtrade row: date in epoch ms, then open, high, low, close, volume. */
export type FreqtradeRow = [dateMs: number, open: number, high: number, low: number, close: number, volume: number];

export function sampleKlineRows(): FreqtradeRow[] {
  const lines = gunzipSync(readFileSync(SAMPLE_KLINES)).toString("utf8").trim().split("\n").slice(1);
  return lines.map((l) => {
    const [t, o, h, lo, c, v] = l.split(",").map(Number);
    return [t, o, h, lo, c, v];
  });
}

/** The sample's funding settlements as freqtrade stores them: the rate in `open`, the rest 0. */
export function sampleFundingRows(): FreqtradeRow[] {
  const lines = gunzipSync(readFileSync(SAMPLE_FUNDING)).toString("utf8").trim().split("\n").slice(1);
  return lines.map((l) => {
    const [t, , rate] = l.split(",").map(Number);
    return [t, rate, 0, 0, 0, 0];
  });
}

/**
 * apache-arrow 21's writer prefixes each compressed buffer with its compressed length and leaves a
 * buffer uncompressed when LZ4 does not shrink it. The Arrow IPC spec, and pyarrow (which freqtrade's
 * pandas calls), prefix the uncompressed length and compress every non-empty buffer: this writer does
 * the same, so the test files have pyarrow's bytes layout, not apache-arrow's.
 */
class PyarrowLikeWriter extends RecordBatchFileWriter {
  protected override _compressBodyBuffers(buffers: ArrayBufferView[]) {
    let offset = 0;
    const out: ArrayBufferView[] = [];
    const regions: { offset: number; length: number }[] = [];
    for (const buffer of buffers) {
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      if (bytes.length === 0) {
        out.push(new Uint8Array(0), new Uint8Array(0));
        regions.push({ offset, length: 0 });
        continue;
      }
      const compressed = lz4Encode(bytes);
      const prefix = new Uint8Array(8);
      new DataView(prefix.buffer).setBigInt64(0, BigInt(bytes.length), true);
      out.push(prefix, compressed);
      offset = (offset + 7) & ~7;
      regions.push({ offset, length: 8 + compressed.length });
      offset += 8 + compressed.length;
    }
    offset = (offset + 7) & ~7;
    // BufferRegion is a plain {offset, length} record in apache-arrow's metadata
    return { byteLength: offset, bufferRegions: regions as never, buffers: out };
  }
}

export interface FeatherOptions {
  /** LZ4-frame compressed record batches (freqtrade's default); false writes them plain. */
  lz4?: boolean;
  /** Rows per record batch (pyarrow's default chunk is 64 Ki rows). */
  batchRows?: number;
}

export function writeFeather(file: string, rows: FreqtradeRow[], opts: FeatherOptions = {}): void {
  registerLz4Codec();
  const fields = [
    new Field("date", new Timestamp(TimeUnit.NANOSECOND, "UTC"), true),
    ...["open", "high", "low", "close", "volume"].map((n) => new Field(n, new Float64(), true)),
  ];
  // pandas records its index and dtypes in the schema metadata; readers must not need it
  const pandasMeta = JSON.stringify({ index_columns: [], columns: fields.map((f) => ({ name: f.name, pandas_type: f.name === "date" ? "datetimetz" : "float64" })) });
  const schema = new Schema(fields, new Map([["pandas", pandasMeta]]));
  const writer = opts.lz4 === false ? new RecordBatchFileWriter() : new PyarrowLikeWriter({ compressionType: CompressionType.LZ4_FRAME });
  const batchRows = opts.batchRows ?? 65_536;
  for (let start = 0; start < rows.length || start === 0; start += batchRows) {
    const part = rows.slice(start, start + batchRows);
    const n = part.length;
    const date = BigInt64Array.from(part, (r) => BigInt(r[0]) * 1_000_000n);
    const children = [
      makeData({ type: fields[0].type as Timestamp, length: n, nullCount: 0, data: date }),
      ...[1, 2, 3, 4, 5].map((c) => makeData({ type: new Float64(), length: n, nullCount: 0, data: Float64Array.from(part, (r) => r[c]) })),
    ];
    writer.write(new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children })));
    if (n === 0) break;
  }
  writer.finish();
  writeFileSync(file, writer.toUint8Array(true));
}

/** pandas `to_json(orient="values")` of freqtrade's frame; gzip for freqtrade's jsongz format. */
export function writeJson(file: string, rows: (FreqtradeRow | unknown[])[], gzip = file.endsWith(".gz")): void {
  const text = JSON.stringify(rows);
  writeFileSync(file, gzip ? gzipSync(text) : text);
}

/** A Parquet file with freqtrade's columns; `date` as TIMESTAMPTZ (UTC) unless dateType says otherwise. */
export async function writeParquet(file: string, rows: FreqtradeRow[], dateType: "TIMESTAMPTZ" | "TIMESTAMP_NS" = "TIMESTAMPTZ"): Promise<void> {
  const { instance, conn } = await openDuck();
  try {
    const json = `${file}.rows.json`;
    writeFileSync(json, JSON.stringify(rows.map(([date, open, high, low, close, volume]) => ({ date, open, high, low, close, volume }))));
    const date = dateType === "TIMESTAMPTZ" ? "make_timestamp(date * 1000)::TIMESTAMPTZ" : "make_timestamp(date * 1000)::TIMESTAMP_NS";
    await conn.run(
      `COPY (SELECT ${date} AS date, open, high, low, close, volume FROM read_json(${lit(json)}, columns = {date: 'BIGINT', open: 'DOUBLE', high: 'DOUBLE', low: 'DOUBLE', close: 'DOUBLE', volume: 'DOUBLE'}))
       TO ${lit(file)} (FORMAT parquet)`,
    );
    rmSync(json);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
