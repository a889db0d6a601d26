// The LZ4 frame codec apache-arrow needs to read Feather files whose record batches are compressed
// (pandas/pyarrow `to_feather(compression="lz4")`, which is what freqtrade writes).
// Decoding is done here, with every length and offset bounds-checked and the frame's checksums verified:
// lz4js (pure JS, no native build) trusts its input and misplaces block checksums, so it is used only to
// encode (tests write Feather files with it) and for xxHash32.
// Format: https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md and lz4_Block_format.md
import { CompressionType, compressionRegistry } from "apache-arrow";
import { compress } from "lz4js";
import { hash as xxh32 } from "lz4js/xxh32.js";
import { DataError } from "../../core/errors.ts";

const FRAME_MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
/** Block maximum sizes by the BD byte's id (4 → 64 KB … 7 → 4 MB). */
const BLOCK_MAX_BYTES: Record<number, number> = { 4: 1 << 16, 5: 1 << 18, 6: 1 << 20, 7: 1 << 22 };
const BLOCK_UNCOMPRESSED_BIT = 0x80000000;
const MIN_MATCH = 4;

let registered = false;

/** Register the codec once per process; apache-arrow looks it up for every compressed batch. */
export function registerLz4Codec(): void {
  if (registered) return;
  compressionRegistry.set(CompressionType.LZ4_FRAME, { encode: lz4Encode, decode: lz4Decode });
  registered = true;
}

export function lz4Encode(data: Uint8Array): Uint8Array {
  return compress(data);
}

class Lz4Error extends DataError {
  constructor(what: string) {
    super(`a compressed buffer is not a valid LZ4 frame (${what}): the file is corrupt or truncated`, {
      hint: "re-create the file (for freqtrade: download-data again) and import it again",
    });
  }
}

/** Decode one LZ4 frame, or throw a DataError saying what is wrong with it. */
export function lz4Decode(src: Uint8Array): Uint8Array {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const u32 = (at: number): number => {
    if (at + 4 > src.length) throw new Lz4Error("it ends early");
    return view.getUint32(at, true);
  };
  if (src.length < 7 || u32(0) !== FRAME_MAGIC) throw new Lz4Error("bad magic number");
  const flg = src[4];
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw new Lz4Error(`unknown version bits ${(flg & FLG_VERSION_MASK) >> 6}`);
  if (flg & (FLG_RESERVED | FLG_DICT_ID)) throw new Lz4Error("reserved or dictionary flag set");
  const maxBlock = BLOCK_MAX_BYTES[(src[5] >> 4) & 0x7];
  if (!maxBlock || src[5] & 0x8f) throw new Lz4Error("bad block-size byte");
  let at = 6;
  let contentSize: number | undefined;
  if (flg & FLG_CONTENT_SIZE) {
    if (at + 8 > src.length) throw new Lz4Error("it ends early");
    contentSize = Number(view.getBigUint64(at, true));
    at += 8;
  }
  if (at >= src.length || src[at] !== ((xxh32(0, src, 4, at - 4) >>> 8) & 0xff)) throw new Lz4Error("header checksum mismatch");
  at++;
  const blockSum = (flg & FLG_BLOCK_CHECKSUM) !== 0;

  // First pass over the block headers: the output bound, so linked blocks can refer back into one buffer.
  const blocks: { start: number; size: number; raw: boolean }[] = [];
  let bound = 0;
  for (;;) {
    const word = u32(at);
    at += 4;
    if (word === 0) break;
    const raw = (word & BLOCK_UNCOMPRESSED_BIT) !== 0;
    const size = word & ~BLOCK_UNCOMPRESSED_BIT & 0x7fffffff;
    if (size > maxBlock || at + size + (blockSum ? 4 : 0) > src.length) throw new Lz4Error("a block runs past the end");
    if (blockSum && u32(at + size) !== xxh32(0, src, at, size)) throw new Lz4Error("block checksum mismatch");
    blocks.push({ start: at, size, raw });
    bound += raw ? size : maxBlock;
    at += size + (blockSum ? 4 : 0);
  }
  const dst = new Uint8Array(contentSize ?? bound);
  let out = 0;
  for (const b of blocks) {
    const limit = Math.min(dst.length, out + maxBlock);
    if (b.raw) {
      if (out + b.size > limit) throw new Lz4Error("more data than the frame declares");
      dst.set(src.subarray(b.start, b.start + b.size), out);
      out += b.size;
    } else {
      out = decodeBlock(src, b.start, b.start + b.size, dst, out, limit);
    }
  }
  if (contentSize !== undefined && out !== contentSize) throw new Lz4Error(`${out} bytes decoded, the frame declares ${contentSize}`);
  if (flg & FLG_CONTENT_CHECKSUM) {
    if (u32(at) !== xxh32(0, dst, 0, out)) throw new Lz4Error("content checksum mismatch");
    at += 4;
  }
  if (at !== src.length) throw new Lz4Error(`${src.length - at} stray bytes after the frame`);
  return out === dst.length ? dst : dst.slice(0, out);
}

/** One LZ4 block from src[s, end) into dst at d (matches may reach back into earlier blocks); returns the new end of dst. */
function decodeBlock(src: Uint8Array, s: number, end: number, dst: Uint8Array, d: number, limit: number): number {
  while (s < end) {
    const token = src[s++];
    let literals = token >> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (s >= end) throw new Lz4Error("a literal length runs past the block");
        b = src[s++];
        literals += b;
      } while (b === 255);
    }
    if (s + literals > end || d + literals > limit) throw new Lz4Error("literals run past the block");
    dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === end) break; // the last sequence has literals only
    if (s + 2 > end) throw new Lz4Error("a match offset runs past the block");
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Lz4Error("a match points before the start of the data");
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (s >= end) throw new Lz4Error("a match length runs past the block");
        b = src[s++];
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    if (d + length > limit) throw new Lz4Error("a match runs past the block size");
    // byte by byte: a match may overlap the bytes it produces (offset < length)
    for (let from = d - offset, stop = d + length; d < stop; ) dst[d++] = dst[from++];
  }
  return d;
}
