// The risk summary in words, one phrase per part, for the terminal line of `rlt eval` and the cells of
// the report's risk table: both say the same thing the same way. Only non-zero counts are named.
import { isoMinute } from "../core/time.ts";
import { PROTECTIVE_EXITS, type RiskSummary, riskQuiet } from "../kernel/risk-summary.ts";

const n = (x: number) => x.toLocaleString("en-US");
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

/** "below-one-lot 5: risk-per-trade 5; halted 3", or "" when nothing was denied. */
export function denialDetail(s: RiskSummary): string {
  return Object.entries(s.denialsByReason)
    .map(([reason, count]) => {
      const limits = reason === "below-one-lot" ? Object.entries(s.belowOneLotByLimit).map(([limit, c]) => `${limit} ${n(c)}`) : [];
      return `${reason} ${n(count)}${limits.length ? `: ${limits.join(", ")}` : ""}`;
    })
    .join("; ");
}

/** "daily-loss 2023-08-15T10:00" for one, "daily-loss ×3, 2023-08-15T10:00 … 2023-08-16T12:00" for more; "" without halts. */
export function haltDetail(s: RiskSummary): string {
  return Object.entries(s.haltsByReason)
    .map(([reason, h]) => (h.count === 1 ? `${reason} ${isoMinute(h.firstMs)}` : `${reason} ×${n(h.count)}, ${isoMinute(h.firstMs)} … ${isoMinute(h.lastMs)}`))
    .join("; ");
}

/** "stop-loss 40, take-profit 12": the protective exits that occurred, "" when none did. */
export function protectiveExitDetail(s: RiskSummary): string {
  return PROTECTIVE_EXITS.filter((r) => s.exitsByReason[r])
    .map((r) => `${r} ${n(s.exitsByReason[r]!)}`)
    .join(", ");
}

/** One terminal line: "risk: no denials, no halts" when the engine never acted, else its non-zero counts. */
export function riskLine(s: RiskSummary): string {
  const parts: string[] = [];
  if (riskQuiet(s)) parts.push("no denials, no halts");
  else {
    if (s.denials) parts.push(`${plural(s.denials, "entry", "entries")} denied (${denialDetail(s)})`);
    if (s.halts) parts.push(`${plural(s.halts, "halt")} (${haltDetail(s)})`);
    if (s.resumes) parts.push(plural(s.resumes, "resume"));
    if (s.barsHalted) parts.push(`${plural(s.barsHalted, "bar")} halted`);
    if (s.barsReducing) parts.push(`${plural(s.barsReducing, "bar")} reducing`);
  }
  const exits = protectiveExitDetail(s);
  if (exits) parts.push(`exits: ${exits}`);
  return `risk: ${parts.join(" · ")}`;
}
