// `rlt data repair [SYMBOL]`: find damaged files (the full check of rlt data verify), move each aside
// into data/.quarantine/<time>/ (never deleting anything), then fetch the days they covered again with
// the same code as `rlt fetch`, or, for data only rlt record or rlt import can bring back, name the
// source files to import again (from the file's record). What a repair moved aside but could not bring
// back is kept in the quarantine folder's pending.json, so the next `rlt data repair` tries it again.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ResolvedConfig } from "../core/config.ts";
import { DataError, RltError, TemporaryError } from "../core/errors.ts";
import type { Reporter } from "../core/log.ts";
import { DAY_MS } from "../core/time.ts";
import { type SourceFile, checkFile, readRecord, recordFileOf } from "./file-record.ts";
import type { FetchKind } from "../fetch/run.ts";
import { Store } from "./store.ts";
import { type FileVerdict, verifyFile, verifyStore } from "./verify.ts";

export interface RepairedFile extends FileVerdict {
  /** Where the damaged file (and its record) now is. */
  movedTo: string;
  /** Rows its record says it held, when it had a readable record. */
  recordedRows?: number;
  /** The day fetched again (fetchable kinds only). */
  refetch?: { fromMs: number; toMs: number; rowsNow: number } | { fromMs: number; toMs: number; error: string; temporary: boolean };
  /** Files its rows were imported from, per its record; for a recorded path, whether it is still there. */
  importAgain: (SourceFile & { present?: boolean })[];
  /** Moved aside by an earlier repair whose rows were not back yet. */
  earlier?: boolean;
}

/** Beside the moved files: what a repair moved and has not brought back yet. */
const PENDING_FILE = "pending.json";

export interface RepairReport {
  dataDir: string;
  checked: number;
  quarantineDir?: string;
  repaired: RepairedFile[];
  /** Damaged files left in place because they were fine by the time the lock was held (rewritten meanwhile). */
  skipped: string[];
}

/** Kinds `rlt fetch` can bring back; the others come only from rlt record and rlt import. */
const FETCHABLE: readonly string[] = ["klines", "funding", "aggtrades", "bookdepth", "metrics"] satisfies FetchKind[];

export async function repairStore(cfg: ResolvedConfig, opts: { symbol?: string }, reporter: Reporter, signal?: AbortSignal): Promise<RepairReport> {
  const verified = await verifyStore(cfg.dataDirAbs, opts);
  const earlier = pendingRepairs(verified.dataDir, opts.symbol);
  const report: RepairReport = { dataDir: verified.dataDir, checked: verified.files, repaired: earlier, skipped: [] };
  if (verified.bad.length === 0) {
    await finish(cfg, report, reporter, signal);
    return report;
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const quarantineDir = path.join(verified.dataDir, ".quarantine", `${stamp}-${process.pid}`);
  report.quarantineDir = quarantineDir;
  const store = await Store.open(cfg.dataDirAbs);
  try {
    for (const [, group] of groupBy(verified.bad, (v) => `${v.kind}/${v.symbol}`)) {
      const { kind, symbol } = group[0];
      // as the partition's only writer: a file rewritten since the check is left alone
      await store.withPartitionLock(kind, symbol, async () => {
        for (const v of group) {
          const again = await verifyFile(store, kind, symbol, v.file);
          if (again.status !== "bad") {
            report.skipped.push(v.file);
            continue;
          }
          report.repaired.push(moveAside(again, verified.dataDir, quarantineDir));
          writePending(report.repaired);
        }
      });
    }
  } finally {
    store.close();
  }
  await finish(cfg, report, reporter, signal);
  return report;
}

/** Fetch what was moved aside, then keep in each quarantine folder's pending.json only what is not back. */
async function finish(cfg: ResolvedConfig, report: RepairReport, reporter: Reporter, signal?: AbortSignal): Promise<void> {
  // rows an earlier repair could not bring back but that were fetched or imported since: off the list
  writePending(report.repaired);
  report.repaired = report.repaired.filter((f) => !(f.earlier && isRestored(f)));
  await refetch(cfg, report.repaired, reporter, signal);
  writePending(report.repaired);
}

function pendingFileOf(movedTo: string, dataDir: string): string {
  // movedTo = <data>/.quarantine/<stamp>/<kind>/...: the pending list lives in <stamp>/
  const rel = path.relative(path.join(dataDir, ".quarantine"), movedTo).split(path.sep)[0];
  return path.join(dataDir, ".quarantine", rel, PENDING_FILE);
}

/** Rewrite the pending list of every quarantine folder these files were moved into (atomically). */
function writePending(files: RepairedFile[]): void {
  const byFolder = groupBy(files, (f) => pendingFileOf(f.movedTo, dataDirOf(f)));
  for (const [file, group] of byFolder) {
    const left = group.filter((f) => !isRestored(f)).map(({ refetch: _r, earlier: _e, ...rest }) => rest);
    if (left.length === 0) {
      rmSync(file, { force: true });
      continue;
    }
    writeFileSync(`${file}.tmp`, `${JSON.stringify(left, null, 1)}\n`);
    renameSync(`${file}.tmp`, file);
  }
}

/** The data folder of a file in it (…/<data>/<kind>/symbol=S/date=D/file). */
function dataDirOf(f: RepairedFile): string {
  return path.resolve(path.dirname(f.file), "..", "..", "..");
}

/** What earlier repairs moved aside and did not bring back, whose day still lacks its rows. */
function pendingRepairs(dataDir: string, symbol: string | undefined): RepairedFile[] {
  const root = path.join(dataDir, ".quarantine");
  const out: RepairedFile[] = [];
  for (const stamp of existsSync(root) ? readdirSync(root).sort() : []) {
    const file = path.join(root, stamp, PENDING_FILE);
    if (!existsSync(file)) continue;
    let entries: RepairedFile[];
    try {
      entries = JSON.parse(readFileSync(file, "utf8")) as RepairedFile[];
    } catch (err) {
      throw new DataError(`${file} is not readable: ${(err as Error).message}`, { hint: "it lists what an earlier rlt data repair moved aside; the moved files are beside it" });
    }
    for (const e of entries) if (!symbol || e.symbol === symbol) out.push({ ...e, earlier: true });
  }
  return out;
}

function moveAside(v: FileVerdict, dataDir: string, quarantineDir: string): RepairedFile {
  const record = readRecord(v.file);
  const movedTo = path.join(quarantineDir, path.relative(dataDir, v.file));
  mkdirSync(path.dirname(movedTo), { recursive: true });
  renameSync(v.file, movedTo);
  if (existsSync(recordFileOf(v.file))) renameSync(recordFileOf(v.file), recordFileOf(movedTo));
  removeIfEmpty(path.dirname(v.file));
  const sources = record ? [...(record.current.sources ?? []), ...(record.previous?.sources ?? [])] : [];
  const unique = [...new Map(sources.map((s) => [`${s.file}\n${s.sha256}`, s])).values()];
  return {
    ...v,
    movedTo,
    ...(record ? { recordedRows: record.current.rows } : {}),
    // import records a file's name (not where it was): presence is known only for a full path
    importAgain: unique.map((s) => (path.isAbsolute(s.file) ? { ...s, present: existsSync(s.file) } : s)),
  };
}

/** Fetch the moved days again, one contiguous range per kind and symbol at a time. */
async function refetch(cfg: ResolvedConfig, repaired: RepairedFile[], reporter: Reporter, signal?: AbortSignal): Promise<void> {
  const fetchable = repaired.filter((r) => FETCHABLE.includes(r.kind));
  if (fetchable.length === 0) return;
  const { runFetch } = await import("../fetch/run.ts");
  const { FetchState } = await import("../fetch/plan.ts");
  // once the exchange cannot be reached, the other ranges are not tried: each would wait out its retries
  let unreachable: string | undefined;
  for (const [, group] of groupBy(fetchable, (r) => `${r.kind}/${r.symbol}`)) {
    const { kind, symbol } = group[0];
    if (unreachable) {
      for (const r of group) r.refetch = { fromMs: dayStartMs(r.day), toMs: dayStartMs(r.day) + DAY_MS, error: `not tried: ${unreachable}`, temporary: true };
      continue;
    }
    // bulk days already imported are skipped by fetch: forget the moved ones (and their months)
    const days = [...new Set(group.map((r) => r.day))].sort();
    FetchState.in(cfg.dataDirAbs, cfg.endpoint.rest).forgetDays(`${kind}/${symbol}`, [...days, ...days.map((d) => d.slice(0, 7))]);
    for (const range of dayRanges(days)) {
      const inRange = group.filter((r) => dayStartMs(r.day) >= range.fromMs && dayStartMs(r.day) < range.toMs);
      try {
        await runFetch(cfg, { symbols: [symbol], kinds: [kind as FetchKind], fromMs: range.fromMs, toMs: range.toMs }, reporter, signal);
        for (const r of inRange) r.refetch = { ...range, rowsNow: rowsNow(r) };
      } catch (err) {
        if (!(err instanceof RltError)) throw err;
        for (const r of inRange) r.refetch = { ...range, error: err.message, temporary: err instanceof TemporaryError };
        if (err instanceof TemporaryError) {
          unreachable = err.message;
          break;
        }
      }
    }
    for (const r of group) {
      r.refetch ??= { fromMs: dayStartMs(r.day), toMs: dayStartMs(r.day) + DAY_MS, error: `not tried: ${unreachable}`, temporary: true };
    }
  }
}

/** Rows stored now where the damaged file was (its day's merged file). */
function rowsNow(r: RepairedFile): number {
  if (!existsSync(r.file)) return 0;
  const c = checkFile(r.file);
  return c.status === "bad" ? 0 : c.rows;
}

/** Whether a moved file's rows are back (fetched again, at least as many rows as it had). */
export function isRestored(r: RepairedFile): boolean {
  if (r.refetch !== undefined && "rowsNow" in r.refetch) return r.refetch.rowsNow >= (r.recordedRows ?? 1);
  // fetched by hand or imported again since an earlier repair
  return r.earlier === true && rowsNow(r) >= (r.recordedRows ?? 1);
}

/**
 * The error repair ends with when some moved file's rows are not back: temporary (exit 75) when only
 * a retryable fetch failure stands in the way, else a data error (exit 1): a human must import again.
 */
export function unrepairedError(r: RepairReport): RltError | undefined {
  const missing = r.repaired.filter((f) => !isRestored(f));
  if (missing.length === 0) return undefined;
  const what = `${missing.length} of ${r.repaired.length} damaged file${r.repaired.length > 1 ? "s were" : " was"} moved aside but ${missing.length > 1 ? "their" : "its"} rows are not back`;
  const allTemporary = missing.every((f) => f.refetch && "error" in f.refetch && f.refetch.temporary);
  if (allTemporary) return new TemporaryError(`${what}: the exchange could not be reached`, { hint: "run rlt data repair again later, or the rlt fetch commands printed above" });
  return new DataError(what, { hint: "import the files named above again, or fetch the days printed above; the damaged files stay in the quarantine folder" });
}

function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** Consecutive days joined into [fromMs, toMs) ranges. */
function dayRanges(days: string[]): { fromMs: number; toMs: number }[] {
  const out: { fromMs: number; toMs: number }[] = [];
  for (const d of days) {
    const from = dayStartMs(d);
    const last = out[out.length - 1];
    if (last && last.toMs === from) last.toMs = from + DAY_MS;
    else out.push({ fromMs: from, toMs: from + DAY_MS });
  }
  return out;
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // gone already, or a writer put a file there meanwhile
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    out.set(k, [...(out.get(k) ?? []), t]);
  }
  return out;
}

export function formatRepair(r: RepairReport): string {
  if (r.repaired.length === 0 && r.skipped.length === 0) return `checked ${r.checked} file${r.checked === 1 ? "" : "s"} in ${r.dataDir}: nothing to repair\n`;
  const now = r.repaired.filter((f) => !f.earlier);
  const earlier = r.repaired.length - now.length;
  const lines = [
    now.length
      ? `checked ${r.checked} files in ${r.dataDir}: ${now.length} damaged, moved aside to ${r.quarantineDir}`
      : `checked ${r.checked} files in ${r.dataDir}: none damaged`,
    ...(earlier ? [`${earlier} file${earlier > 1 ? "s" : ""} moved aside by an earlier repair ${earlier > 1 ? "are" : "is"} not back yet: trying again`] : []),
  ];
  for (const f of r.repaired) {
    lines.push(`  ${f.kind} ${f.symbol} ${f.day} ${path.basename(f.file)}: ${f.problem}: ${f.detail}${f.earlier ? " (earlier repair)" : ""}`);
    lines.push(`    moved to ${f.movedTo}`);
    if (f.refetch && "error" in f.refetch) {
      lines.push(`    fetching it again failed: ${f.refetch.error}`);
      lines.push(`    when the exchange is reachable: rlt fetch ${f.symbol} --kinds ${f.kind} --from ${f.day} --to ${nextDay(f.day)}`);
    } else if (f.refetch) {
      const of = f.recordedRows !== undefined ? ` (the damaged file held ${f.recordedRows.toLocaleString("en-US")})` : "";
      lines.push(`    fetched again: ${f.refetch.rowsNow.toLocaleString("en-US")} rows${of}`);
    } else if (f.importAgain.length === 0) {
      lines.push(`    ${f.kind} comes from rlt record or rlt import, and its record names no source file: these rows cannot be brought back by rlt`);
    }
    for (const s of f.importAgain) {
      const where = s.present === false ? ", not found there any more" : "";
      lines.push(`    ${f.refetch ? "also imported from" : "import again"}: rlt import ${s.file}   (sha256 ${s.sha256.slice(0, 12)}…${where})`);
    }
  }
  for (const s of r.skipped) lines.push(`  ${s}: rewritten meanwhile and intact now, left in place`);
  return `${lines.join("\n")}\n`;
}

function nextDay(day: string): string {
  return new Date(dayStartMs(day) + DAY_MS).toISOString().slice(0, 10);
}
