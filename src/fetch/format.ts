// The human summary of a fetch.
import { isoMinute } from "../core/time.ts";
import { formatValidation } from "../data/validate.ts";
import type { FetchSummary } from "./run.ts";

export function formatFetch(s: FetchSummary): string {
  const lines = [`fetched from ${s.restUrl} (${s.exchange}); ${s.requests} requests, ${s.retries} retries, ${(s.waitedMs / 1000).toFixed(1)} s waiting`];
  for (const r of s.results) {
    lines.push(
      `${r.kind.padEnd(10)} ${r.symbol.padEnd(10)} ${isoMinute(r.fromMs)} → ${isoMinute(r.toMs)} UTC: ${r.rowsStored.toLocaleString("en-US")} rows stored in ${r.requests} requests (${(r.elapsedMs / 1000).toFixed(1)} s)`,
    );
    if (r.unavailable.length) lines.push(`  not published (${r.unavailable.length} file(s)): ${r.unavailable.slice(0, 3).join(", ")}${r.unavailable.length > 3 ? ", …" : ""}`);
    for (const rej of r.rejected ?? []) lines.push(`  rejected: ${rej}`);
    if (r.validation) lines.push(`  ${formatValidation(r.validation).replaceAll("\n", "\n  ")}`);
  }
  if (s.interrupted) lines.push("interrupted; re-run the same command to resume");
  return `${lines.join("\n")}\n`;
}
