import { writeFileSync } from "node:fs";
import { createReadStream } from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/files.ts";
import { DataError } from "../core/errors.ts";
import { crc32, crc32Table, gunzipStream, gunzipToFile, readGzipFully, readZipVerified } from "./archive.ts";

const dir = tempDir("rlt-archive-");
const file = (name: string, data: Uint8Array) => {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
};
const TEXT = "a,b\n1,2\n3,4\n";

describe("crc32", () => {
  it("the table (Node < 20.15) equals node:zlib's and the check value of the standard", () => {
    const data = strToU8("123456789");
    expect(crc32Table(data)).toBe(0xcbf43926); // CRC-32/ISO-HDLC check value
    expect(crc32(data)).toBe(0xcbf43926);
    const random = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 2654435761) >>> 24);
    expect(crc32Table(random)).toBe(crc32(random));
  });
});

describe("readZipVerified", () => {
  const zip = () => zipSync({ "x.csv": strToU8(TEXT), "y.txt": strToU8("other") });

  it("returns every entry of a whole zip", () => {
    const entries = readZipVerified(file("ok.zip", zip()));
    expect(Object.keys(entries).sort()).toEqual(["x.csv", "y.txt"]);
    expect(new TextDecoder().decode(entries["x.csv"])).toBe(TEXT);
  });

  it("refuses an entry whose data does not match the CRC-32 in the central directory", () => {
    const z = zip();
    // the central directory's record of the second entry: its CRC field is 16 bytes in
    const buf = Buffer.from(z);
    const central = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const stored = buf.readUInt32LE(central + 16);
    buf.writeUInt32LE((stored ^ 1) >>> 0, central + 16);
    const crcZip = file("crc.zip", buf);
    expect(() => readZipVerified(crcZip)).toThrow(DataError);
    expect(() => readZipVerified(crcZip)).toThrow(
      `crc.zip: entry y.txt fails its CRC-32 check (stored ${((stored ^ 1) >>> 0).toString(16).padStart(8, "0")}, computed ${stored.toString(16).padStart(8, "0")}): the file is corrupt; nothing from it was imported`,
    );
  });

  it("refuses a zip cut short (no central directory)", () => {
    const z = zip();
    expect(() => readZipVerified(file("cut.zip", z.subarray(0, z.length - 30)))).toThrow(/cut\.zip is not a readable zip: no end-of-central-directory record \(cut short\?\)/);
  });
});

describe("gzip read to its trailer", () => {
  const gz = zlib.gzipSync(Buffer.from(TEXT));

  it("reads a whole stream", async () => {
    expect(readGzipFully(file("ok.gz", gz)).toString()).toBe(TEXT);
    await gunzipToFile(path.join(dir, "ok.gz"), path.join(dir, "ok.out"));
  });

  it("refuses a stream without its trailer or with a wrong CRC, in memory, to a file and as a stream", async () => {
    const cut = file("cut.gz", gz.subarray(0, gz.length - 8));
    const msg = "cut.gz: the gzip stream ends before its trailer: the file is cut short; nothing from it was imported";
    expect(() => readGzipFully(cut)).toThrow(msg);
    await expect(gunzipToFile(cut, path.join(dir, "cut.out"))).rejects.toThrow(msg);
    const chunks: Buffer[] = [];
    await expect(
      (async () => {
        for await (const c of gunzipStream(createReadStream(cut), cut)) chunks.push(c as Buffer);
      })(),
    ).rejects.toThrow(msg);
    expect(Buffer.concat(chunks).toString()).toBe(TEXT); // every line came out: only the trailer tells
    const bad = Buffer.from(gz);
    bad[bad.length - 8] ^= 1;
    expect(() => readGzipFully(file("crc.gz", bad))).toThrow("crc.gz: the gzip CRC-32 check fails: the file is corrupt; nothing from it was imported");
  });
});
