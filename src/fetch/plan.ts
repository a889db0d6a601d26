// Which parts of a requested range still need fetching, given what is stored and what the exchange has
// already said it does not have, and how to cover them in the fewest requests. Ranges are half-open
// [fromMs, toMs).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface Range {
  fromMs: number;
  toMs: number;
}

/** One request's window and the missing ranges inside it that it is meant to fill. */
export interface Window extends Range {
  missing: Range[];
}

/**
 * Missing ranges of a fixed-cadence series: `present` holds sorted open times; every cadence slot in
 * [from, to) without a stored row and outside `absent` is missing. Adjacent missing slots merge.
 */
export function missingRanges(present: Float64Array, range: Range, cadenceMs: number, absent: Range[] = []): Range[] {
  const out: Range[] = [];
  const gaps = mergeRanges(absent);
  let i = 0;
  let g = 0;
  const start = Math.ceil(range.fromMs / cadenceMs) * cadenceMs;
  let open: number | undefined;
  for (let t = start; t < range.toMs; t += cadenceMs) {
    while (i < present.length && present[i] < t) i++;
    while (g < gaps.length && gaps[g].toMs <= t) g++;
    const have = (i < present.length && present[i] === t) || (g < gaps.length && gaps[g].fromMs <= t);
    if (!have && open === undefined) open = t;
    if (have && open !== undefined) {
      out.push({ fromMs: open, toMs: t });
      open = undefined;
    }
  }
  if (open !== undefined) out.push({ fromMs: open, toMs: Math.max(open + cadenceMs, Math.ceil(range.toMs / cadenceMs) * cadenceMs) });
  return out;
}

/**
 * The fewest windows of at most `spanMs` that cover every missing range. Greedy from the earliest
 * missing slot is optimal for covering points on a line with fixed-length intervals; a window may span
 * stored rows between two gaps (re-storing them is idempotent), which is cheaper than one request per gap.
 */
export function coverWindows(missing: Range[], spanMs: number): Window[] {
  const out: Window[] = [];
  for (const r of missing) {
    let from = r.fromMs;
    while (from < r.toMs) {
      const last = out[out.length - 1];
      if (last && from < last.fromMs + spanMs) {
        // the open window still reaches this gap: extend it as far as its span allows
        const to = Math.min(r.toMs, last.fromMs + spanMs);
        last.toMs = to;
        last.missing.push({ fromMs: from, toMs: to });
        from = to;
      } else {
        const to = Math.min(r.toMs, from + spanMs);
        out.push({ fromMs: from, toMs: to, missing: [{ fromMs: from, toMs: to }] });
        from = to;
      }
    }
  }
  return out;
}

/** Sorted, non-overlapping, with touching ranges joined. */
export function mergeRanges(ranges: Range[]): Range[] {
  const sorted = ranges.filter((r) => r.toMs > r.fromMs).sort((a, b) => a.fromMs - b.fromMs);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, r.toMs);
    else out.push({ ...r });
  }
  return out;
}

/**
 * Small persistent memory of fetch: ranges the exchange confirmed it has no data for (so a re-run does
 * not ask again forever) and bulk days already imported. Written atomically beside the data, so a kill
 * leaves either the old or the new file; losing it only costs requests, never data. Entries are scoped
 * by exchange (its REST base URL): what a local replay lacks says nothing about mainnet.
 */
export class FetchState {
  private state: { absent: Record<string, Range[]>; doneDays: Record<string, string[]> } = { absent: {}, doneDays: {} };

  constructor(
    private readonly file: string,
    private readonly scope: string,
  ) {
    try {
      this.state = { absent: {}, doneDays: {}, ...JSON.parse(readFileSync(file, "utf8")) };
    } catch {
      // no state yet (or unreadable: start over; it only saves requests)
    }
  }

  static in(dataDir: string, scope: string): FetchState {
    return new FetchState(path.join(dataDir, "fetch-state.json"), scope);
  }

  absent(key: string): Range[] {
    return this.state.absent[`${this.scope} ${key}`] ?? [];
  }

  addAbsent(key: string, ranges: Range[]): void {
    const fresh = ranges.filter((r) => r.toMs > r.fromMs);
    if (fresh.length === 0) return;
    this.state.absent[`${this.scope} ${key}`] = mergeRanges([...this.absent(key), ...fresh]);
    this.save();
  }

  isDayDone(key: string, day: string): boolean {
    return this.state.doneDays[`${this.scope} ${key}`]?.includes(day) ?? false;
  }

  markDayDone(key: string, day: string): void {
    (this.state.doneDays[`${this.scope} ${key}`] ??= []).push(day);
    this.save();
  }

  /** Forget bulk days whose stored files were moved aside (rlt data repair), so they are fetched again. */
  forgetDays(key: string, days: string[]): void {
    const done = this.state.doneDays[`${this.scope} ${key}`];
    if (!done) return;
    this.state.doneDays[`${this.scope} ${key}`] = done.filter((d) => !days.includes(d));
    this.save();
  }

  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }
}
