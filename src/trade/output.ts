// Headless output of a session: one plain line per bar and per event (cron, Makefiles, logs), or one
// JSON object per line with --json. The terminal UI reads the same events.
import { isoMinute } from "../core/time.ts";
import type { Side } from "../sim/costs.ts";
import type { SessionEvent } from "./session.ts";

const SIDE = { "1": "long", "0": "flat", "-1": "short" } as const;
const sideName = (s: Side) => SIDE[String(s) as keyof typeof SIDE];
const usdt = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function eventLine(e: SessionEvent): string | undefined {
  switch (e.type) {
    case "status":
      return `status ${e.status}${e.message ? `: ${e.message}` : ""}`;
    case "warning":
      return `warning: ${e.message}`;
    case "bar":
      return undefined; // the decision line carries the bar
    case "decision": {
      const d = e.decision;
      const p = d.probabilities ? ` (p buy ${d.probabilities[0].toFixed(2)} sell ${d.probabilities[1].toFixed(2)} hold ${d.probabilities[2].toFixed(2)})` : "";
      const move = d.target === d.current ? `stay ${sideName(d.current)}` : `${sideName(d.current)} → ${sideName(d.target)}`;
      return `${isoMinute(d.barOpenTimeMs)} decide ${d.action}${p}: ${move}${d.limitedBy ? ` [${d.limitedBy}]` : ""}`;
    }
    case "fills": {
      const r = e.report;
      const parts = [r.fills ? `${r.fills} fill${r.fills > 1 ? "s" : ""}, fees ${usdt(r.feesUsdt)}` : "", r.fundingUsdt ? `funding ${usdt(r.fundingUsdt)}` : ""].filter(Boolean);
      return `${isoMinute(e.barOpenTimeMs)} ${parts.join(", ")} USDT`;
    }
    case "trade": {
      const t = e.trade;
      return `${isoMinute(t.exitTimeMs)} trade closed: ${sideName(t.side)} ${t.qty} from ${t.entryPrice.toFixed(2)} to ${t.exitPrice.toFixed(2)} (${t.exitReason}), PnL ${usdt(t.pnlUsdt)} USDT after ${usdt(t.feesUsdt)} fees and ${usdt(t.fundingUsdt)} funding, ${t.holdingBars} bars`;
    }
    case "equity": {
      const a = e.account;
      const pos = a.position ? `${sideName(a.position.side)} ${a.position.qty} @ ${a.position.entryPrice.toFixed(2)}` : "flat";
      return `${isoMinute(e.timeMs)} equity ${usdt(a.equityUsdt)} USDT, ${pos}`;
    }
  }
}

/** The event as one JSON line (numbers as they are; NaN as null). */
export function eventJson(e: SessionEvent): string {
  return JSON.stringify({ ...e, at: new Date().toISOString() }, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
}
