// Each panel of the terminal UI as a fixed number of lines of a fixed width, from the view alone: the
// layout can then promise the whole screen fits (no line wraps, no panel grows), and the components
// only colour these lines. No ink, no React here.
import type { Alert, DriftView, HealthView, MonitorView } from "../monitor/types.ts";
import { age, fit, hhmm, percent, price, probabilities, psi, qty, sideName, signedUsdt, usdt, wrapWords } from "./format.ts";

export type Tone = "good" | "bad" | "warn" | "dim" | "title" | undefined;
export interface Line {
  text: string;
  tone?: Tone;
}

/** Exactly `height` lines of at most `width` columns: cut when longer, padded with empty lines. */
export function block(lines: Line[], width: number, height: number): Line[] {
  const out = lines.slice(0, height).map((l) => ({ ...l, text: fit(l.text, width) }));
  while (out.length < height) out.push({ text: "" });
  return out;
}

const toneOf = (x: number | null | undefined): Tone => (x === null || x === undefined || !Number.isFinite(x) || x === 0 ? undefined : x > 0 ? "good" : "bad");
/** Two fields in one line, the second starting at a column of its own when there is room. */
const pair = (a: string, b: string, col = 18) => (a.length < col ? a.padEnd(col) : `${a}  `) + b;

export function positionLines(v: MonitorView): Line[] {
  const p = v.position;
  const sessionPnl = v.equityUsdt - v.startEquityUsdt;
  const lines: Line[] = p
    ? [
        { text: `POSITION ${sideName(p.side)} ${qty(p.qty)} ${v.symbol}`, tone: "title" },
        { text: pair(`entry ${price(p.entryPrice)}`, `mark ${price(p.markPrice)}`) },
        { text: pair(`uPnL ${signedUsdt(p.unrealizedPnlUsdt)}`, `liq ${price(p.liquidationPrice)}`), tone: toneOf(p.unrealizedPnlUsdt) },
        { text: pair(`stop ${price(p.stopPrice)}`, `tp ${price(p.takeProfitPrice)}`) },
      ]
    : [{ text: `POSITION flat ${v.symbol}`, tone: "title" }, { text: `last close ${price(v.lastClose)}` }, { text: "" }, { text: "" }];
  return [
    ...lines,
    { text: `ACCOUNT balance ${usdt(v.balanceUsdt)}`, tone: "title" },
    { text: `equity ${usdt(v.equityUsdt)} (start ${usdt(v.startEquityUsdt)})` },
    { text: `today ${signedUsdt(v.todayRealizedPnlUsdt)}  session ${signedUsdt(sessionPnl)} (${percent(sessionPnl / v.startEquityUsdt)})`, tone: toneOf(sessionPnl) },
    { text: `margin ${percent(v.marginUse)}  fees ${usdt(v.feesUsdt)}  funding ${usdt(v.fundingUsdt)}` },
    { text: `realized ${signedUsdt(v.realizedPnlUsdt)} over ${v.trades} trade${v.trades === 1 ? "" : "s"}`, tone: "dim" },
  ];
}

/** Risk state and the newest risk events (denials, halts), newest first. */
export function riskLines(v: MonitorView, width: number, height: number): Line[] {
  const state = v.risk.state.toUpperCase();
  const head: Line = { text: `RISK ${state}${v.risk.reason ? ` (${v.risk.reason})` : ""}  denials ${v.risk.denials}`, tone: v.risk.state === "active" ? "title" : v.risk.state === "halted" ? "bad" : "warn" };
  const events = [...v.risk.recent].reverse().map((e): Line => ({ text: ` ${hhmm(e.barOpenTimeMs)} ${e.kind} ${e.reason}: ${e.message}`, tone: e.kind === "resume" ? "good" : e.kind === "denial" ? "warn" : "bad" }));
  return block([head, ...(events.length ? events : [{ text: " no denials or halts", tone: "dim" as Tone }])], width, height);
}

/** Items packed into lines of `width` (two spaces apart, one of indent); a line is toned by its worst item. */
function pack(items: Line[], width: number): Line[] {
  const rank = (t: Tone) => (t === "bad" ? 2 : t === "warn" ? 1 : 0);
  const out: Line[] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (last && last.text.length + 2 + item.text.length <= width) {
      last.text += `  ${item.text}`;
      if (rank(item.tone) > rank(last.tone)) last.tone = item.tone;
    } else out.push({ text: ` ${item.text}`, tone: item.tone });
  }
  return out;
}

/** Market and user streams (up/down, reconnects, last event), REST latency and errors, the clock offset. */
export function healthLines(h: HealthView, nowMs: number, width = Number.MAX_SAFE_INTEGER, height?: number): Line[] {
  const clock = h.clockOffsetMs === undefined ? "–" : `${h.clockOffsetMs >= 0 ? "+" : ""}${Math.round(h.clockOffsetMs)}ms`;
  const head: Line = { text: `HEALTH clock ${clock}  listenKey ${h.listenKeyExpiries}  recon ${h.reconcileDifferences}`, tone: h.reconcileDifferences ? "warn" : "title" };
  const streams: Line[] = h.streams.map((s) => ({
    text: `${s.route.replace(/^\//, "")} ${s.up ? "up" : "DOWN"}${s.connections > 1 ? ` ${s.connections}×` : ""} ${s.up ? age(s.lastEventMs, nowMs) : (s.downReason ?? "")}`.trimEnd(),
    tone: s.up ? undefined : "bad",
  }));
  if (!streams.length) streams.push({ text: "no streams reported", tone: "dim" });
  const latency = h.rest.lastLatencyMs === undefined ? "–" : `${Math.round(h.rest.lastLatencyMs)}ms`;
  const mean = h.rest.meanLatencyMs === undefined ? "" : ` (mean ${Math.round(h.rest.meanLatencyMs)}ms)`;
  const rest: Line = { text: `REST ${h.rest.requests} req ${h.rest.errors} err ${latency}${mean}`, tone: h.rest.errors ? "warn" : undefined };
  const lines = [head, ...pack([...streams, rest], width)];
  return height === undefined ? lines : block(lines, width, height);
}

/** The features drifting most (by PSI), the action mix's PSI, or why drift is off. */
export function driftLines(d: DriftView, width: number, height: number): Line[] {
  if (!d.enabled) return block(wrapWords(`DRIFT off: ${d.reason ?? "no reason given"}`, width, height).map((text) => ({ text, tone: "dim" })), width, height);
  const head: Line = { text: `DRIFT ${d.filled}/${d.window} bars, alert at ${d.threshold}`, tone: "title" };
  const measured = d.features.filter((f) => f.psi !== null && Number.isFinite(f.psi)).sort((a, b) => b.psi - a.psi);
  const action: Line = d.actionPsi !== undefined && d.actionPsi !== null && Number.isFinite(d.actionPsi) ? { text: ` actions PSI ${psi(d.actionPsi)}`, tone: d.actionPsi > d.threshold ? "bad" : undefined } : { text: ` actions: ${d.actionReason ?? "not known"}`, tone: "dim" };
  const rows = Math.max(0, height - 2);
  const featureLines: Line[] = [];
  if (!measured.length) featureLines.push({ text: ` features: window filling (${d.filled}/${d.window})`, tone: "dim" });
  let line = "";
  let hot = false;
  for (const f of measured) {
    const over = f.psi > (f.threshold ?? d.threshold);
    const item = `${f.name} ${psi(f.psi)}${over ? "!" : ""}`;
    if (line && line.length + 2 + item.length > width - 1) {
      featureLines.push({ text: ` ${line}`, tone: hot ? "bad" : undefined });
      line = "";
      hot = false;
    }
    line = line ? `${line}  ${item}` : item;
    hot ||= over;
  }
  if (line) featureLines.push({ text: ` ${line}`, tone: hot ? "bad" : undefined });
  return block([head, ...block(featureLines, width, rows), action], width, height);
}

export function decisionLines(v: MonitorView, width: number, height: number): Line[] {
  const rows = [...v.recentDecisions].reverse().map((d): Line => {
    const move = d.target === d.current ? `stay ${sideName(d.current)}` : `${sideName(d.current)}→${sideName(d.target)}`;
    return { text: `${hhmm(d.barOpenTimeMs)} ${d.action.padEnd(4)} ${probabilities(d.probabilities)} ${move}${d.limitedBy ? ` [${d.limitedBy}]` : ""}`, tone: d.target !== d.current ? "title" : undefined };
  });
  return block([{ text: "DECISIONS  p buy/sell/hold", tone: "title" }, ...(rows.length ? rows : [{ text: "none yet", tone: "dim" as Tone }])], width, height);
}

export function tradeLines(v: MonitorView, width: number, height: number): Line[] {
  const rows = [...v.recentTrades].reverse().map((t): Line => ({ text: `${hhmm(t.exitTimeMs)} ${sideName(t.side).padEnd(5)} ${qty(t.qty)} ${signedUsdt(t.pnlUsdt)} ${t.exitReason} ${price(t.entryPrice)}→${price(t.exitPrice)}`, tone: toneOf(t.pnlUsdt) }));
  return block([{ text: `TRADES ${v.trades} closed`, tone: "title" }, ...(rows.length ? rows : [{ text: "none yet", tone: "dim" as Tone }])], width, height);
}

export function alertLines(alerts: readonly Alert[], warnings: readonly string[], width: number, height: number): Line[] {
  const rows: Line[] = [...alerts].reverse().map((a) => ({
    text: `${hhmm(a.atMs)} ${a.level.toUpperCase()} ${a.category} ${a.kind}: ${a.message}${a.suppressed ? ` (+${a.suppressed} suppressed)` : ""}`,
    tone: a.level === "critical" ? "bad" : a.level === "warning" ? "warn" : undefined,
  }));
  for (const w of [...warnings].reverse()) rows.push({ text: `warning: ${w}`, tone: "warn" });
  return block([{ text: `ALERTS ${alerts.length}`, tone: "title" }, ...(rows.length ? rows : [{ text: "no alerts", tone: "dim" as Tone }])], width, height);
}
