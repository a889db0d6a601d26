// Headless output of a session: one plain line per bar and per event (cron, Makefiles, logs), or one
// JSON object per line with --json. The terminal UI reads the same events.
import { isoMinute } from "../core/time.ts";
import type { Trade } from "../sim/account.ts";
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
    case "risk":
      return `${isoMinute(e.barOpenTimeMs)} risk ${e.kind} (${e.reason}): ${e.message}`;
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
  return JSON.stringify({ ...e, at: new Date().toISOString() });
}

/** A session's closed trades as a table, and its summary line. */
export function formatSessionTrades(state: import("./session.ts").SessionState, trades: Trade[], sessionDir: string): string {
  const lines = [`paper session ${state.id}: ${state.bars.toLocaleString("en-US")} bars, ${trades.length} trade${trades.length === 1 ? "" : "s"}, equity ${usdt(state.account.equityUsdt)} USDT (fees ${usdt(state.feesUsdt)}, funding ${usdt(state.fundingUsdt)}) → ${sessionDir}`];
  if (trades.length) {
    lines.push(`${"side".padEnd(5)}  ${"entry (UTC)".padEnd(16)}  ${"exit (UTC)".padEnd(16)}  ${"entry".padStart(10)}  ${"exit".padStart(10)}  ${"qty".padStart(7)}  ${"reason".padEnd(12)}  ${"PnL $".padStart(9)}  ${"fees $".padStart(7)}  ${"funding $".padStart(9)}`);
    for (const t of trades) {
      lines.push(`${sideName(t.side).padEnd(5)}  ${isoMinute(t.entryTimeMs).padEnd(16)}  ${isoMinute(t.exitTimeMs).padEnd(16)}  ${t.entryPrice.toFixed(2).padStart(10)}  ${t.exitPrice.toFixed(2).padStart(10)}  ${String(t.qty).padStart(7)}  ${t.exitReason.padEnd(12)}  ${usdt(t.pnlUsdt).padStart(9)}  ${usdt(t.feesUsdt).padStart(7)}  ${usdt(t.fundingUsdt).padStart(9)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
