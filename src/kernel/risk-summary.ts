// What the risk engine did over one policy run, in counts a trader can read beside the equity curve:
// entries refused by reason, halts by reason with their first and last times, bars spent halted or
// reducing, and trades by exit reason (stop-loss, take-profit, risk-halt, liquidation among them).
// One function for `rlt eval`, walk-forward (per fold and chained) and `rlt report`.
import type { ExitReason, Trade } from "../sim/account.ts";
import type { DenialReason, HaltReason } from "../sim/risk-gate.ts";
import type { SizeLimit } from "../sim/sizing.ts";
import type { RiskRecord } from "./replay.ts";

export interface HaltCount {
  count: number;
  /** Bar close at which the first / last of them was raised, ms since the epoch. */
  firstMs: number;
  lastMs: number;
}

export interface RiskSummary {
  /** Opening legs refused in all. */
  denials: number;
  /** Only the reasons that occurred. */
  denialsByReason: Partial<Record<DenialReason, number>>;
  /** The "below-one-lot" denials by the size limit that left less than one lot (risk-per-trade, …). */
  belowOneLotByLimit: Partial<Record<SizeLimit, number>>;
  halts: number;
  haltsByReason: Partial<Record<HaltReason, HaltCount>>;
  resumes: number;
  barsHalted: number;
  barsReducing: number;
  /** Closed trades by exit reason (signal and end-of-data included), only the reasons that occurred. */
  exitsByReason: Partial<Record<ExitReason, number>>;
}

/** The exits the protection or the engine caused, in the order every view shows them. */
export const PROTECTIVE_EXITS = ["stop-loss", "take-profit", "risk-halt", "liquidation"] as const satisfies readonly ExitReason[];

/** The summary of a run's risk record and trades; a run without a record counts its trades alone. */
export function summarizeRisk(run: { risk?: RiskRecord; trades: readonly Pick<Trade, "exitReason">[] }): RiskSummary {
  const s: RiskSummary = { denials: 0, denialsByReason: {}, belowOneLotByLimit: {}, halts: 0, haltsByReason: {}, resumes: 0, barsHalted: run.risk?.barsHalted ?? 0, barsReducing: run.risk?.barsReducing ?? 0, exitsByReason: {} };
  for (const d of run.risk?.denials ?? []) {
    s.denials++;
    bump(s.denialsByReason, d.reason);
    if (d.limitedBy) bump(s.belowOneLotByLimit, d.limitedBy);
  }
  for (const e of run.risk?.events ?? []) {
    if (e.kind === "resume") s.resumes++;
    if (e.kind !== "halt") continue;
    s.halts++;
    const reason = e.reason as HaltReason; // a halt's reason is never "new-day"
    const h = s.haltsByReason[reason];
    if (h) {
      h.count++;
      h.firstMs = Math.min(h.firstMs, e.timeMs);
      h.lastMs = Math.max(h.lastMs, e.timeMs);
    } else s.haltsByReason[reason] = { count: 1, firstMs: e.timeMs, lastMs: e.timeMs };
  }
  for (const t of run.trades) bump(s.exitsByReason, t.exitReason);
  return s;
}

/** Nothing refused, no halt, nothing halted or reducing. */
export function riskQuiet(s: RiskSummary): boolean {
  return s.denials === 0 && s.halts === 0 && s.barsHalted === 0 && s.barsReducing === 0;
}

function bump<K extends string>(counts: Partial<Record<K, number>>, key: K): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
