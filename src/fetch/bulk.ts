// Bulk files from data.binance.vision (or the local exchange): download each zip to a temp file, verify
// it against its `.CHECKSUM`, import it all-or-nothing. Used for aggTrades history (monthly and daily),
// bookDepth and metrics (daily only, as Binance publishes them).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DataError } from "../core/errors.ts";
import { DAY_MS, dayOf } from "../core/time.ts";
import { verifyChecksum } from "../data/checksum.ts";
import { importFile } from "../data/import/index.ts";
import type { KindName } from "../data/kinds.ts";
import type { FetchContext, KindCounters } from "./context.ts";
import type { Range } from "./plan.ts";

/** Vision folder names of the stored kinds served as bulk files. */
export const VISION_TYPE: Partial<Record<KindName, string>> = {
  aggtrades: "aggTrades",
  bookdepth: "bookDepth",
  metrics: "metrics",
};

/** A bulk file's period: a UTC day ("2023-08-15") or a calendar month ("2023-08"). */
export interface Period extends Range {
  label: string;
  monthly: boolean;
}

export function bulkUrl(visionBase: string, kind: KindName, symbol: string, p: Period): string {
  const type = VISION_TYPE[kind];
  if (!type) throw new Error(`internal: no vision bulk files for ${kind}`);
  return `${visionBase}/data/futures/um/${p.monthly ? "monthly" : "daily"}/${type}/${symbol}/${symbol}-${type}-${p.label}.zip`;
}

export function dayPeriod(dayStartMs: number): Period {
  return { label: dayOf(dayStartMs), monthly: false, fromMs: dayStartMs, toMs: dayStartMs + DAY_MS };
}

/** Days of [fromMs, toMs) that are whole UTC days (range edges not on midnight are left out). */
export function wholeDays(r: Range): Period[] {
  const out: Period[] = [];
  for (let d = Math.ceil(r.fromMs / DAY_MS) * DAY_MS; d + DAY_MS <= r.toMs; d += DAY_MS) out.push(dayPeriod(d));
  return out;
}

/** Whole days grouped into whole calendar months where a month is entirely inside, days elsewhere. */
export function monthsAndDays(r: Range): Period[] {
  const out: Period[] = [];
  const days = wholeDays(r);
  for (let i = 0; i < days.length; ) {
    const d = new Date(days[i].fromMs);
    const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const daysInMonth = Math.round((monthEnd - days[i].fromMs) / DAY_MS);
    if (d.getUTCDate() === 1 && i + daysInMonth <= days.length) {
      out.push({ label: days[i].label.slice(0, 7), monthly: true, fromMs: days[i].fromMs, toMs: monthEnd });
      i += daysInMonth;
    } else out.push(days[i++]);
  }
  return out;
}

export type BulkOutcome = { status: "imported"; rows: number } | { status: "unavailable" } | { status: "rejected"; reason: string };

/** Download one zip and its checksum, verify, import. A bad checksum rejects the file: nothing is stored. */
export async function importBulk(ctx: FetchContext, kind: KindName, symbol: string, p: Period, out: KindCounters): Promise<BulkOutcome> {
  const url = bulkUrl(ctx.visionBase, kind, symbol, p);
  const name = path.basename(url);
  const zip = await ctx.client.download(url);
  out.requests++;
  if (!zip) return { status: "unavailable" };
  const checksum = await ctx.client.download(`${url}.CHECKSUM`);
  out.requests++;
  if (!checksum) return { status: "rejected", reason: `${name} has no .CHECKSUM file to verify it against; not imported` };
  // the process id in the name lets the next Store.open remove it only once this process is dead
  const dir = mkdtempSync(path.join(ctx.store.dir, `.rlt-tmp-${process.pid}-download-`));
  try {
    const file = path.join(dir, name);
    writeFileSync(file, zip);
    // verified here (not left to the importer) so that a mismatch is a reported rejection, not a failed run
    await verifyChecksum(file, `${url}.CHECKSUM`, new TextDecoder().decode(checksum));
    const res = await importFile(ctx.store, { file, kind, symbol });
    return { status: "imported", rows: res.rows };
  } catch (err) {
    // a checksum mismatch or a malformed row: the import is all-or-nothing, so nothing of it is stored
    if (err instanceof DataError) return { status: "rejected", reason: err.message };
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** bookDepth / metrics: the whole days of the range before the server's today, one daily file each. */
export async function fetchDailyFiles(ctx: FetchContext, kind: "bookdepth" | "metrics", symbol: string, range: Range, out: KindCounters): Promise<void> {
  const key = `${kind}/${symbol}`;
  const todayStartMs = Math.floor(ctx.client.serverNow() / DAY_MS) * DAY_MS;
  // a day partly inside the range is still fetched whole: the file is the unit Binance publishes
  const days = wholeDays({ fromMs: Math.floor(range.fromMs / DAY_MS) * DAY_MS, toMs: Math.min(Math.ceil(range.toMs / DAY_MS) * DAY_MS, todayStartMs) });
  ctx.progress(0, days.length);
  for (const [i, day] of days.entries()) {
    if (ctx.signal?.aborted) break;
    if (ctx.state.isDayDone(key, day.label)) continue;
    const res = await importBulk(ctx, kind, symbol, day, out);
    if (res.status === "imported") {
      out.rowsFetched += res.rows;
      out.rowsStored += res.rows;
      ctx.state.markDayDone(key, day.label);
    } else if (res.status === "unavailable") out.unavailable.push(path.basename(bulkUrl(ctx.visionBase, kind, symbol, day)));
    else out.rejected.push(res.reason);
    ctx.progress(i + 1, days.length);
  }
}
