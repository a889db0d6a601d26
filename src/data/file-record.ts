// What each stored Parquet file holds, recorded beside it when it is written (`data.parquet.json`):
// rows, bytes, sha256, the file's mtime, time range, and the source files its rows were imported from.
// Every read compares a file with its record (cheaply); `rlt data verify` compares it in full.
//
// The record is written (atomically) just BEFORE its data file is renamed into place, and keeps the
// record of the file it replaces as `previous`; a file matching either is intact. So a crash between
// the two renames leaves the old file with a record that still vouches for it: a crash never looks
// like corruption, and a changed file never looks healthy. A file without a record (written by an
// older rlt) is "unrecorded": it must still open and hold a readable footer, and is a warning only.
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { FooterProblem, readFooter } from "./parquet-footer.ts";

export const RECORD_SUFFIX = ".json";
const RECORD_VERSION = 1;
/** A file replaced while it was being checked is checked again, this many times at most. */
const RECHECKS = 3;
const HASH_CHUNK_BYTES = 1 << 20;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in lowercase hex");

/** A file whose rows were imported into a stored file: enough to name it and to recognize it again. */
const SourceFileSchema = z.object({ file: z.string().min(1), sha256: sha256Hex }).strict();
export type SourceFile = z.infer<typeof SourceFileSchema>;

const ContentSchema = z
  .object({
    rows: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    sha256: sha256Hex,
    /** The file's mtime when written: a file whose mtime still matches is not re-hashed on every read. */
    mtimeMs: z.number(),
    firstMs: z.number().optional(),
    lastMs: z.number().optional(),
    writtenAtMs: z.number(),
    /** Files whose rows were imported into this file (and the files it was merged from), if any. */
    sources: z.array(SourceFileSchema),
  })
  .strict();
export type FileContent = z.infer<typeof ContentSchema>;

const RecordSchema = z
  .object({
    version: z.literal(RECORD_VERSION),
    /** Name of the data file this record describes (a record copied beside another file is not its record). */
    file: z.string(),
    current: ContentSchema,
    previous: ContentSchema.optional(),
  })
  .strict();
export type FileRecord = z.infer<typeof RecordSchema>;

export type Problem = "truncated" | "garbled" | "unreadable";

export type FileCheck =
  | { status: "ok"; file: string; rows: number; content: FileContent }
  | { status: "unrecorded"; file: string; rows: number }
  | { status: "bad"; file: string; problem: Problem; detail: string; record?: FileRecord };

export function recordFileOf(dataFile: string): string {
  return `${dataFile}${RECORD_SUFFIX}`;
}

/**
 * Compare `file` with its record. Cheap by default: size, footer row count, and a sha256 only when the
 * file's mtime differs from the recorded one (it was changed in place). `hash: "always"` re-hashes
 * every file (`rlt data verify`, and before a partition is merged, so a merge never launders a damaged
 * file into a freshly recorded one).
 */
export function checkFile(file: string, opts: { hash?: "when-changed" | "always" } = {}): FileCheck {
  for (let attempt = 0; ; attempt++) {
    const { check, replaced } = checkOnce(file, opts.hash ?? "when-changed");
    // a writer replaced the file (or its record) while we looked: look again rather than cry corruption
    if (check.status !== "bad" || !replaced || attempt >= RECHECKS) return check;
  }
}

function checkOnce(file: string, hash: "when-changed" | "always"): { check: FileCheck; replaced: boolean } {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    return { check: { status: "bad", file, problem: "unreadable", detail: `it cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }, replaced: true };
  }
  try {
    // the open file pins one version; its record is read after, so it vouches for this version or a newer one
    const stat = fstatSync(fd);
    const recordText = readText(recordFileOf(file));
    const check = compare(file, fd, stat.size, stat.mtimeMs, recordText, hash);
    return { check, replaced: check.status === "bad" && (changedSince(file, stat) || readText(recordFileOf(file)) !== recordText) };
  } finally {
    closeSync(fd);
  }
}

function compare(file: string, fd: number, bytes: number, mtimeMs: number, recordText: string | undefined, hash: "when-changed" | "always"): FileCheck {
  let record: FileRecord | undefined;
  if (recordText !== undefined) {
    const parsed = safeJson(recordText);
    const res = RecordSchema.safeParse(parsed);
    if (!res.success || res.data.file !== path.basename(file)) {
      return { status: "bad", file, problem: "garbled", detail: `its record ${path.basename(recordFileOf(file))} is not a valid record of it` };
    }
    record = res.data;
  }
  const current = record?.current;
  let rows: number;
  try {
    rows = readFooter(fd).rows;
  } catch (err) {
    if (!(err instanceof FooterProblem)) throw err;
    const problem = current && bytes < current.bytes ? "truncated" : err.problem;
    const size = current && bytes !== current.bytes ? `; it holds ${fmt(bytes)} of the ${fmt(current.bytes)} bytes recorded` : "";
    return { status: "bad", file, problem, detail: `${err.message}${size}`, record };
  }
  if (!record || !current) return { status: "unrecorded", file, rows };
  let actualSha: string | undefined;
  const sha = () => (actualSha ??= sha256Fd(fd));
  for (const content of [record.current, record.previous]) {
    if (!content || content.bytes !== bytes || content.rows !== rows) continue;
    if (hash === "when-changed" && content.mtimeMs === mtimeMs) return { status: "ok", file, rows, content };
    if (sha() === content.sha256) return { status: "ok", file, rows, content };
  }
  // explain against what was last written
  if (bytes < current.bytes) return { status: "bad", file, problem: "truncated", detail: `it holds ${fmt(bytes)} of the ${fmt(current.bytes)} bytes recorded`, record };
  if (bytes !== current.bytes) return { status: "bad", file, problem: "garbled", detail: `it holds ${fmt(bytes)} bytes, ${fmt(current.bytes)} recorded`, record };
  if (rows !== current.rows) return { status: "bad", file, problem: "garbled", detail: `its footer says ${fmt(rows)} rows, ${fmt(current.rows)} recorded`, record };
  return { status: "bad", file, problem: "garbled", detail: `its bytes changed after it was written (sha256 ${sha().slice(0, 12)}…, recorded ${current.sha256.slice(0, 12)}…)`, record };
}

/** What a complete file holds, for its record (`sources` and the time range are the writer's to add). */
export function describeFile(file: string): Omit<FileContent, "sources" | "writtenAtMs" | "firstMs" | "lastMs"> {
  const fd = openSync(file, "r");
  try {
    const stat = fstatSync(fd);
    return { rows: readFooter(fd).rows, bytes: stat.size, sha256: sha256Fd(fd), mtimeMs: stat.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/**
 * Put `record` in place as the record of `dataFile`, atomically (through `scratchDir`, on the same
 * filesystem). Call it right before renaming the data file into place.
 */
export function writeRecord(dataFile: string, current: FileContent, previous: FileContent | undefined, scratchDir: string): void {
  const record: FileRecord = { version: RECORD_VERSION, file: path.basename(dataFile), current, ...(previous ? { previous } : {}) };
  const tmp = path.join(scratchDir, `record-${Math.random().toString(36).slice(2, 10)}${RECORD_SUFFIX}`);
  writeFileSync(tmp, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(tmp, recordFileOf(dataFile));
}

export function readRecord(dataFile: string): FileRecord | undefined {
  const text = readText(recordFileOf(dataFile));
  if (text === undefined) return undefined;
  const res = RecordSchema.safeParse(safeJson(text));
  return res.success ? res.data : undefined;
}

/** Sources of a merged file: those of the file it replaces and the new one, each once. */
export function mergeSources(...lists: (SourceFile[] | undefined)[]): SourceFile[] {
  const out = new Map<string, SourceFile>();
  for (const list of lists) for (const s of list ?? []) out.set(`${s.file}\n${s.sha256}`, s);
  return [...out.values()];
}

function sha256Fd(fd: number): string {
  const hash = createHash("sha256");
  const buf = Buffer.alloc(HASH_CHUNK_BYTES);
  for (let pos = 0; ; ) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    hash.update(buf.subarray(0, n));
    pos += n;
  }
  return hash.digest("hex");
}

function changedSince(file: string, seen: { ino: number; mtimeMs: number; size: number }): boolean {
  try {
    const now = statSync(file);
    return now.ino !== seen.ino || now.mtimeMs !== seen.mtimeMs || now.size !== seen.size;
  } catch {
    return true;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}
