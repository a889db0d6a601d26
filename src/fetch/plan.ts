// Which parts of a requested range still need fetching, given what is stored and what the exchange has
// already said it does not have. Ranges are half-open [fromMs, toMs).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface Range {
  fromMs: number;
  toMs: number;
}

/**
 * Missing ranges of a fixed-cadence series: `present` holds sorted open times; every cadence slot in
 * [from, to) without a stored row and outside `absent` is missing. Adjacent missing slots merge.
 */
export function missingRanges(present: Float64Array, range: Range, cadenceMs: number, absent: Range[] = []): Range[] {
  const out: Range[] = [];
  let i = 0;
  const start = Math.ceil(range.fromMs / cadenceMs) * cadenceMs;
  let open: number | undefined;
  for (let t = start; t < range.toMs; t += cadenceMs) {
    while (i < present.length && present[i] < t) i++;
    const have = (i < present.length && present[i] === t) || absent.some((a) => t >= a.fromMs && t < a.toMs);
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
 * Small persistent memory of fetch: ranges the exchange confirmed it has no data for (so a re-run does
 * not ask again forever) and bulk days already imported. Written atomically beside the data.
 */
export class FetchState {
  private state: { absent: Record<string, Range[]>; doneDays: Record<string, string[]> } = { absent: {}, doneDays: {} };

  constructor(private readonly file: string) {
    try {
      this.state = { absent: {}, doneDays: {}, ...JSON.parse(readFileSync(file, "utf8")) };
    } catch {
      // no state yet (or unreadable: start over; it only saves requests)
    }
  }

  static in(dataDir: string): FetchState {
    return new FetchState(path.join(dataDir, "fetch-state.json"));
  }

  absent(key: string): Range[] {
    return this.state.absent[key] ?? [];
  }

  addAbsent(key: string, r: Range): void {
    if (r.toMs <= r.fromMs) return;
    (this.state.absent[key] ??= []).push(r);
    this.save();
  }

  isDayDone(key: string, day: string): boolean {
    return this.state.doneDays[key]?.includes(day) ?? false;
  }

  markDayDone(key: string, day: string): void {
    (this.state.doneDays[key] ??= []).push(day);
    this.save();
  }

  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }
}
