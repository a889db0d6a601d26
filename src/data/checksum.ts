// data.binance.vision publishes `<file>.CHECKSUM` beside every zip: `<sha256 hex>  <file name>`.
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import path from "node:path";
import { DataError } from "../core/errors.ts";

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Parse a CHECKSUM file's text: the first 64-hex-digit token. */
export function parseChecksum(text: string, source: string): string {
  const m = /^\s*([0-9a-fA-F]{64})\b/.exec(text);
  if (!m) throw new DataError(`${source}: not a sha256 checksum file`, { hint: "expected `<64 hex digits>  <file name>`" });
  return m[1].toLowerCase();
}

/** Throws a DataError when the file's sha256 differs from the one in checksumFile. */
export async function verifyChecksum(file: string, checksumFile: string, expectedText = readFileSync(checksumFile, "utf8")): Promise<string> {
  const expected = parseChecksum(expectedText, checksumFile);
  const actual = await sha256File(file);
  if (actual !== expected) {
    throw new DataError(`checksum mismatch for ${path.basename(file)}: expected ${expected}, got ${actual}; the file was rejected`, {
      hint: "the download is corrupt or was tampered with; delete it and fetch again",
    });
  }
  return actual;
}
