// `rlt trade status` as plain text (off a terminal, --once, finished sessions): the list of sessions, and
// one session as the UI's panels one after another. The panels' lines are the UI's own (panel-lines.ts).
import path from "node:path";
import type { SessionStatusEntry } from "../monitor/session-status.ts";
import { isoMinute, signedUsdt, sideName, usdt } from "./format.ts";
import { alertLines, decisionLines, driftLines, healthLines, positionLines, riskLines, tradeLines } from "./panel-lines.ts";

const WIDTH = 100;

export function statusTable(entries: readonly SessionStatusEntry[]): string {
  const head = ["run/session", "state", "mode", "bars", "trades", "equity", "PnL", "position", "last bar (UTC)"];
  const rows = entries.map((e) => {
    const v = e.view;
    const state = e.state === "running" ? `running (pid ${e.pid})` : e.state;
    if (!v) return [`${path.basename(e.runDir)}/${e.session}`, state, "", "", "", "", "", "", e.error ?? ""];
    const pos = v.position ? `${sideName(v.position.side)} ${v.position.qty}` : "flat";
    return [`${path.basename(e.runDir)}/${e.session}`, state, `${v.mode} ${v.exchange}`, String(v.bars), String(v.trades), usdt(v.equityUsdt), signedUsdt(v.equityUsdt - v.startEquityUsdt), pos, isoMinute(v.lastBarOpenTimeMs)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 3 && i <= 6 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

export function sessionLines(e: SessionStatusEntry): string[] {
  const head = `session ${e.session} of ${e.runDir}: ${e.state === "running" ? `running (pid ${e.pid})` : e.state}`;
  const v = e.view;
  if (!v) return [head, e.error ?? "nothing to show"];
  const text = (lines: { text: string }[]) => lines.map((l) => l.text.trimEnd()).filter((t, i, all) => t || i < all.length - 1);
  return [
    head,
    `${v.mode} on ${v.exchange}, ${v.symbol}, ${v.bars} bars since ${isoMinute(v.startedMs)}; ${v.statusMessage ?? v.status}`,
    "",
    ...text(positionLines(v)),
    "",
    ...text(riskLines(v, WIDTH, 6)),
    "",
    ...text(healthLines(v.health, v.asOfMs)),
    "",
    ...text(driftLines(v.drift, WIDTH, 6)),
    "",
    ...text(decisionLines(v, WIDTH, 11)),
    "",
    ...text(tradeLines(v, WIDTH, 11)),
    "",
    ...text(alertLines(v.alerts, v.warnings, WIDTH, 21)),
  ].filter((l, i, all) => !(l === "" && all[i - 1] === ""));
}
