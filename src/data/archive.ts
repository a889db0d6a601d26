// Compressed inputs read only when they are whole: every zip entry's CRC-32 and size checked against
// the central directory (fflate's unzipSync checks neither), and every gzip stream read to its trailer
// (CRC-32 + ISIZE), so a download cut short, even exactly at a line end, is refused rather than imported.
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { unzipSync } from "fflate";
import { DataError } from "../core/errors.ts";

const REDOWNLOAD = "the file is damaged (a broken or cut-short download?): delete it and download it again";

/** CRC-32 (IEEE, as zip and gzip use). node:zlib has crc32 only from Node 20.15 / 22.2: a table otherwise. */
export function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  return native ? native(data) >>> 0 : crc32Table(data);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The table implementation, exported so a test can hold it equal to node:zlib's. */
export function crc32Table(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface CentralEntry {
  name: string;
  crc: number;
  /** Uncompressed size; undefined when the zip64 extra field would be needed and is absent. */
  size?: number;
}

// https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT §4.3.12 (central directory), §4.3.16 (end record)
const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const ZIP64_EXTRA_ID = 0x0001;
const U32_MAX = 0xffffffff;

/** Entries of the central directory, or a DataError when there is none (cut short, not a zip). */
function centralDirectory(buf: Buffer, shown: string): CentralEntry[] {
  let eocd = -1;
  // the end record is 22 bytes plus a comment of at most 65535
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new DataError(`${shown} is not a readable zip: no end-of-central-directory record (cut short?); nothing from it was imported`, { hint: REDOWNLOAD });
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries: CentralEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL_SIG) {
      throw new DataError(`${shown} is not a readable zip: its central directory is damaged; nothing from it was imported`, { hint: REDOWNLOAD });
    }
    const crc = buf.readUInt32LE(p + 16);
    let size: number | undefined = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const name = buf.toString("utf8", p + 46, p + 46 + nameLen);
    if (size === U32_MAX) size = zip64Size(buf.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
    entries.push({ name, crc, size });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The uncompressed size from a zip64 extended-information extra field (it comes first in it). */
function zip64Size(extra: Buffer): number | undefined {
  for (let q = 0; q + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(q);
    const len = extra.readUInt16LE(q + 2);
    if (id === ZIP64_EXTRA_ID && len >= 8) return Number(extra.readBigUInt64LE(q + 4));
    q += 4 + len;
  }
  return undefined;
}

/**
 * Every entry of a zip file, each checked against the CRC-32 and size its central directory records.
 * Any mismatch refuses the whole file.
 */
export function readZipVerified(zipFile: string): Record<string, Uint8Array> {
  const shown = path.basename(zipFile);
  const buf = readFileSync(zipFile);
  const central = centralDirectory(buf, shown);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(buf);
  } catch (err) {
    throw new DataError(`${shown} is not a readable zip: ${(err as Error).message}; nothing from it was imported`, { cause: err, hint: REDOWNLOAD });
  }
  for (const e of central) {
    const data = entries[e.name];
    if (data === undefined) throw new DataError(`${shown}: entry ${e.name} cannot be read; nothing from it was imported`, { hint: REDOWNLOAD });
    if (e.size !== undefined && data.length !== e.size) {
      throw new DataError(`${shown}: entry ${e.name} has ${data.length} bytes where the zip records ${e.size}: the file is corrupt; nothing from it was imported`, { hint: REDOWNLOAD });
    }
    const computed = crc32(data);
    if (computed !== e.crc) {
      throw new DataError(`${shown}: entry ${e.name} fails its CRC-32 check (stored ${hex8(e.crc)}, computed ${hex8(computed)}): the file is corrupt; nothing from it was imported`, {
        hint: REDOWNLOAD,
      });
    }
  }
  return entries;
}

const hex8 = (n: number) => n.toString(16).padStart(8, "0");

/** A zlib failure of a gzip stream as a DataError saying what is wrong with the file. */
export function gzipError(err: unknown, file: string): DataError {
  const e = err as { code?: string; message?: string };
  const shown = path.basename(file);
  const what =
    e.code === "Z_BUF_ERROR" || /unexpected end of file/i.test(e.message ?? "")
      ? "the gzip stream ends before its trailer: the file is cut short"
      : /incorrect data check/i.test(e.message ?? "")
        ? "the gzip CRC-32 check fails: the file is corrupt"
        : /incorrect length check/i.test(e.message ?? "")
          ? "the gzip length check fails: the file is corrupt"
          : `not a readable gzip file (${e.message ?? String(err)})`;
  return new DataError(`${shown}: ${what}; nothing from it was imported`, { cause: err, hint: REDOWNLOAD });
}

/** Decompress a whole .gz file into memory; a DataError unless the stream ends with a valid trailer. */
export function readGzipFully(file: string): Buffer {
  try {
    // gunzipSync checks the trailer's CRC-32 and ISIZE and fails on a stream without one
    return zlib.gunzipSync(readFileSync(file));
  } catch (err) {
    throw gzipError(err, file);
  }
}

/** Decompress a .gz file to `outFile` in a stream (large files), with the same trailer checks. */
export async function gunzipToFile(file: string, outFile: string): Promise<void> {
  try {
    await pipeline(createReadStream(file), zlib.createGunzip(), createWriteStream(outFile));
  } catch (err) {
    const code = (err as { code?: string }).code;
    // the output side failing (full disk, permissions) is not a fault of the file
    if (code && !code.startsWith("Z_")) throw err;
    throw gzipError(err, file);
  }
}

/**
 * The gunzipped text of a readable stream for line-by-line readers (raw captures): a stream without
 * its trailer, or with a wrong one, ends in the same DataError as above instead of a bare zlib error.
 */
export function gunzipStream(input: Readable, file: string): Readable {
  const out = new PassThrough();
  const gunzip = zlib.createGunzip();
  gunzip.on("error", (err) => out.destroy(gzipError(err, file)));
  input.on("error", (err) => out.destroy(err));
  return input.pipe(gunzip).pipe(out);
}
