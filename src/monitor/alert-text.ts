// An alert as text: the headless line a log or cron mail shows, the --json line, and the repeats the
// gate counted (alert-dispatch.ts), said the same way in lines and webhook messages.
import { isoMinute } from "../core/time.ts";
import type { Alert } from "./types.ts";

/** " (2 repeats suppressed)", or "" when none were. */
export function repeatsText(a: Pick<Alert, "suppressed">): string {
  return a.suppressed ? ` (${a.suppressed} repeat${a.suppressed === 1 ? "" : "s"} suppressed)` : "";
}

/** An alert as one headless line: "2026-12-03 06:10 ALERT warning risk drawdown: …". */
export function alertLine(a: Alert): string {
  const subject = a.subject ? ` ${a.subject}` : "";
  return `${isoMinute(a.atMs)} ALERT ${a.level} ${a.category} ${a.kind}${subject}: ${a.message}${repeatsText(a)}`;
}

/** An alert as one JSON line ({"type":"alert", …}). */
export function alertJson(a: Alert): string {
  return JSON.stringify({ type: "alert", ...a, at: new Date(a.atMs).toISOString() });
}
