// The row count of a Parquet file from its footer, read synchronously without DuckDB: the cheap check
// every read of the store makes (the file opens, ends in a Parquet footer, and holds the recorded rows)
// runs inside the synchronous Store.scan(), so every reader gets it without changing its code.
// Layout (https://parquet.apache.org/docs/file-format/): "PAR1" … FileMetaData (Thrift compact) ·
// 4-byte little-endian footer length · "PAR1". FileMetaData field 3 is num_rows (i64).
import { fstatSync, readSync } from "node:fs";

const MAGIC = "PAR1";
/** Head magic + footer length + tail magic: anything shorter cannot be a Parquet file. */
const MIN_PARQUET_BYTES = 12;
const NUM_ROWS_FIELD = 3;

/** Why a file is not a readable Parquet file. */
export class FooterProblem extends Error {
  constructor(
    readonly problem: "truncated" | "garbled",
    message: string,
  ) {
    super(message);
  }
}

export interface Footer {
  rows: number;
  bytes: number;
}

/** Read the footer of the open file `fd`; throws FooterProblem when there is no readable footer. */
export function readFooter(fd: number): Footer {
  const bytes = fstatSync(fd).size;
  if (bytes < MIN_PARQUET_BYTES) throw new FooterProblem("truncated", `${bytes} bytes is too short for a Parquet file`);
  const head = readAt(fd, 0, 4);
  const tail = readAt(fd, bytes - 8, 8);
  if (tail.toString("latin1", 4, 8) !== MAGIC) throw new FooterProblem("truncated", "it has no Parquet footer at its end (cut short or overwritten)");
  if (head.toString("latin1") !== MAGIC) throw new FooterProblem("garbled", "its first bytes are not the Parquet magic number");
  const footerBytes = tail.readUInt32LE(0);
  if (footerBytes === 0 || footerBytes > bytes - MIN_PARQUET_BYTES) throw new FooterProblem("garbled", `its footer length (${footerBytes} bytes) does not fit the file`);
  const footer = readAt(fd, bytes - 8 - footerBytes, footerBytes);
  let rows: number | undefined;
  try {
    rows = numRows(footer);
  } catch (err) {
    throw new FooterProblem("garbled", `its footer cannot be decoded (${(err as Error).message})`);
  }
  if (rows === undefined || rows < 0) throw new FooterProblem("garbled", "its footer holds no row count");
  return { rows, bytes };
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) throw new FooterProblem("truncated", "it ended while its footer was read");
    got += n;
  }
  return buf;
}

/** FileMetaData.num_rows: walk the top-level struct, skipping fields before it. */
function numRows(buf: Buffer): number | undefined {
  const r = new CompactReader(buf);
  let fieldId = 0;
  for (;;) {
    const header = r.byte();
    const type = header & 0x0f;
    if (type === T.STOP) return undefined;
    const delta = header >> 4;
    fieldId = delta === 0 ? r.zigzag32() : fieldId + delta;
    if (fieldId === NUM_ROWS_FIELD && type === T.I64) return Number(r.zigzag64());
    r.skip(type);
  }
}

/** Thrift compact protocol type ids. */
const T = { STOP: 0, TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;
/** Deeper than any Parquet footer nests: a garbled footer must not recurse without end. */
const MAX_DEPTH = 64;

class CompactReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new Error("footer ends early");
    return this.buf[this.pos++];
  }

  varint(): bigint {
    let out = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      out |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return out;
    }
    throw new Error("varint too long");
  }

  zigzag64(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  zigzag32(): number {
    return Number(this.zigzag64());
  }

  private advance(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new Error("footer ends early");
    this.pos += n;
  }

  skip(type: number, depth = 0): void {
    if (depth > MAX_DEPTH) throw new Error("nested too deeply");
    switch (type) {
      case T.TRUE:
      case T.FALSE:
        return; // a boolean field's value is its type
      case T.BYTE:
        return this.advance(1);
      case T.I16:
      case T.I32:
      case T.I64:
        this.varint();
        return;
      case T.DOUBLE:
        return this.advance(8);
      case T.BINARY:
        return this.advance(Number(this.varint()));
      case T.LIST:
      case T.SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? Number(this.varint()) : header >> 4;
        const elem = header & 0x0f;
        // booleans inside a list take one byte each
        for (let i = 0; i < size; i++) elem === T.TRUE || elem === T.FALSE ? this.advance(1) : this.skip(elem, depth + 1);
        return;
      }
      case T.MAP: {
        const size = Number(this.varint());
        if (size === 0) return;
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(kv >> 4, depth + 1);
          this.skip(kv & 0x0f, depth + 1);
        }
        return;
      }
      case T.STRUCT:
        for (;;) {
          const header = this.byte();
          const t = header & 0x0f;
          if (t === T.STOP) return;
          if (header >> 4 === 0) this.zigzag32();
          this.skip(t, depth + 1);
        }
      default:
        throw new Error(`unknown field type ${type}`);
    }
  }
}
