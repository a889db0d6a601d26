// The screen's layout: header, status line, two columns of panels (position/account | risk, health,
// drift), the equity sparkline, decisions | trades, alerts, and the key bar. Every panel is a fixed
// block of lines (panel-lines.ts), so the screen is exactly as tall as the layout says: 80×24 at least,
// extra rows go to the lists and the alerts, extra columns to both halves.
import { Box, Text } from "ink";
import type { MonitorView } from "../monitor/types.ts";
import { fit, hhmm, sparkline, usdt } from "./format.ts";
import { type Line, type Tone, alertLines, block, decisionLines, driftLines, healthLines, positionLines, riskLines, tradeLines } from "./panel-lines.ts";

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;
/** The panels above the equity line, at the least: risk 3, health 4, drift 3 rows on the right. */
const TOP_ROWS = 10;
const RISK_ROWS = 3;
const HEALTH_ROWS = 4;
/** Header, status, equity and key bar lines. */
const FIXED_ROWS = 4;
const BASE_LIST_ROWS = 6;

export interface Layout {
  columns: number;
  rows: number;
  left: number;
  right: number;
  topRows: number;
  /** Rows of the risk events and the drifting features, beyond their least. */
  riskExtra: number;
  listRows: number;
  alertRows: number;
}

/** Where everything goes on `columns`×`rows` (the rows the UI may use, at least MIN_ROWS - 1). */
export function layout(columns: number, rows: number): Layout {
  const left = Math.floor((columns - 1) / 2);
  // extra rows: a third to the top panels (risk events, drifting features), the rest to the lists and the alerts
  const extra = Math.max(0, rows - FIXED_ROWS - TOP_ROWS - BASE_LIST_ROWS - 3);
  const topRows = TOP_ROWS + Math.floor(extra / 3);
  const listRows = BASE_LIST_ROWS + Math.ceil((extra - (topRows - TOP_ROWS)) / 2);
  const riskExtra = Math.floor((topRows - TOP_ROWS) / 2);
  return { columns, rows, left, right: columns - 1 - left, topRows, riskExtra, listRows, alertRows: rows - FIXED_ROWS - topRows - listRows };
}

const COLORS: Record<Exclude<Tone, undefined>, { color?: string; bold?: boolean; dimColor?: boolean }> = {
  good: { color: "green" },
  bad: { color: "red", bold: true },
  warn: { color: "yellow" },
  dim: { dimColor: true },
  title: { bold: true },
};

export function Lines({ lines, width }: { lines: Line[]; width: number }) {
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate" {...(l.tone ? COLORS[l.tone] : {})}>
          {l.text || " "}
        </Text>
      ))}
    </Box>
  );
}

export interface ScreenProps {
  view: MonitorView;
  at: Layout;
  nowMs: number;
  status: Line;
  keyBar: string;
  /** "attached: read-only" on a view of another process's session. */
  label?: string;
}

export function Screen({ view, at, nowMs, status, keyBar, label }: ScreenProps) {
  const top = (lines: Line[], width: number) => block(lines, width, at.topRows);
  const riskRows = RISK_ROWS + at.riskExtra;
  const right = [...riskLines(view, at.right, riskRows), ...healthLines(view.health, nowMs, at.right, HEALTH_ROWS), ...driftLines(view.drift, at.right, at.topRows - riskRows - HEALTH_ROWS)];
  const header = `${view.symbol} ${view.mode}@${view.exchange}${label ? ` [${label}]` : ""}  ${view.status.toUpperCase()}${view.statusMessage ? ` (${view.statusMessage})` : ""}  ${view.bars} bars, last ${hhmm(view.lastBarOpenTimeMs)} UTC  session ${view.session}`;
  const equityLabel = `EQUITY ${usdt(view.equityUsdt)} `;
  const equity = `${equityLabel}${sparkline(view.equity.map((e) => e.equityUsdt), at.columns - equityLabel.length)}`;
  return (
    <Box flexDirection="column" width={at.columns} height={at.rows}>
      <Lines width={at.columns} lines={[{ text: fit(header, at.columns), tone: view.status === "trading" ? "title" : "warn" }, { ...status, text: fit(status.text, at.columns) }]} />
      <Box flexDirection="row">
        <Lines width={at.left} lines={top(positionLines(view), at.left)} />
        <Box width={1} />
        <Lines width={at.right} lines={top(right, at.right)} />
      </Box>
      <Lines width={at.columns} lines={[{ text: fit(equity, at.columns) }]} />
      <Box flexDirection="row">
        <Lines width={at.left} lines={decisionLines(view, at.left, at.listRows)} />
        <Box width={1} />
        <Lines width={at.right} lines={tradeLines(view, at.right, at.listRows)} />
      </Box>
      <Lines width={at.columns} lines={alertLines(view.alerts, view.warnings, at.columns, at.alertRows)} />
      <Lines width={at.columns} lines={[{ text: fit(keyBar, at.columns), tone: "dim" }]} />
    </Box>
  );
}

export const HELP = [
  "p  pause new entries (exits and stops still happen)",
  "r  resume new entries",
  "f  flatten the position now (asks y/n first; pauses new entries)",
  "q  quit: k keeps the position with its exchange-side stop, f flattens, Esc cancels",
  "?  this help (any key closes it)",
  "",
  "An attached view (rlt trade status) is read-only: q leaves it, the session goes on.",
];

export function Help({ at }: { at: Layout }) {
  const lines = block([{ text: "KEYS", tone: "title" }, ...HELP.map((text) => ({ text }))], at.columns, at.rows);
  return <Lines width={at.columns} lines={lines} />;
}
