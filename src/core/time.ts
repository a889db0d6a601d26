// Time helpers. All timestamps in rlt are integer milliseconds since the Unix epoch, UTC.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** rlt trades 1-minute bars: the length of every bar in the store, the features and the simulator. */
export const BAR_MS = MINUTE_MS;

/** A bar's close time (the exclusive end of [open, open + BAR_MS)), when its decision is taken. */
export function barCloseMs(openTimeMs: number): number {
  return openTimeMs + BAR_MS;
}

/** YYYY-MM-DD of a UTC timestamp. */
export function dayOf(tsMs: number): string {
  return new Date(tsMs).toISOString().slice(0, 10);
}

/** Start of the UTC day containing tsMs. */
export function floorDay(tsMs: number): number {
  return Math.floor(tsMs / DAY_MS) * DAY_MS;
}

export function floorMinute(tsMs: number): number {
  return Math.floor(tsMs / MINUTE_MS) * MINUTE_MS;
}

export function isoMinute(tsMs: number): string {
  return new Date(tsMs).toISOString().slice(0, 16).replace("T", " ");
}

/**
 * Parse a user-supplied date or timestamp: "2023-07-18", "2023-07-18T11:13", "2023-07-18 11:13:00Z"
 * or epoch milliseconds. Dates without a zone are UTC.
 */
export function parseTime(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{12,14}$/.test(t)) return Number(t);
  let iso = t.replace(" ", "T");
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += "T00:00:00Z";
  else if (!/(Z|[+-]\d{2}:?\d{2})$/.test(iso)) iso += "Z";
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
