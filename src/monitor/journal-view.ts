// The view of a session that is not running, from its journal: the journal's rows are replayed as the
// session's events into a SessionMonitor, so a finished session shows exactly what the running one did
// (the same position arithmetic, today's PnL, risk state machine and equity window) with no second copy.
import { barCloseMs } from "../core/time.ts";
import type { Position, Trade } from "../sim/account.ts";
import type { Side } from "../sim/costs.ts";
import type { ClosedBar } from "../trade/paper.ts";
import { FillTrades } from "../trade/fill-trades.ts";
import { Health } from "../trade/health.ts";
import { toFill } from "../trade/journal.ts";
import type { SessionEvent } from "../trade/session.ts";
import { SessionMonitor } from "./monitor.ts";
import { ScriptedSession } from "./scripted-session.ts";
import type { JournalDump } from "./socket-protocol.ts";
import type { Alert, DriftView, MonitorView } from "./types.ts";

type Row = Record<string, unknown>;
const num = (x: unknown): number => (x === null || x === undefined ? Number.NaN : Number(x));
const opt = (x: unknown): number | undefined => (x === null || x === undefined ? undefined : Number(x));
const ACTIONS = ["buy", "sell", "hold"] as const;

/** What happened, in the order it happened; ties in the order a bar emits them. */
interface Step {
  atMs: number;
  order: number;
  apply: () => void;
}

export function journalView(dump: JournalDump): MonitorView {
  const t = dump.tables;
  const info = t.session?.[0] ?? {};
  const stoppedMs = opt(info.stopped_ms);
  let clock = num(info.started_ms);
  const session = new ScriptedSession({ id: String(info.session), symbol: String(info.symbol), mode: info.mode === "exchange" ? "exchange" : "paper", account: { balanceUsdt: Number.NaN, equityUsdt: Number.NaN, position: undefined } });
  const st = session.st;
  const emit = (e: SessionEvent) => session.emit(e);
  const monitor = new SessionMonitor({ session, health: new Health(() => clock), exchange: String(info.exchange), run: String(info.run), nowMs: () => clock });

  const bars = new Map<number, ClosedBar>();
  for (const b of t.bars ?? []) bars.set(num(b.open_time_ms), { openTime: num(b.open_time_ms), open: num(b.open), high: num(b.high), low: num(b.low), close: num(b.close), spreadBps: Number.NaN });
  const steps: Step[] = [];
  const at = (atMs: number, order: number, apply: () => void) => steps.push({ atMs, order, apply });

  for (const b of bars.values()) {
    at(barCloseMs(b.openTime), 0, () => {
      st.lastBar = b;
      st.bars++;
    });
  }
  for (const tr of tradesOf(dump)) at(tr.exitTimeMs, 1, () => emit({ type: "trade", trade: tr }));
  for (const r of t.risk_events ?? []) {
    const kind = String(r.kind) as "denial" | "halt" | "resume" | "reducing";
    const barOpen = num(r.bar_open_ms);
    at(Number.isFinite(barOpen) ? barCloseMs(barOpen) : num(r.ts_ms), 2, () => emit({ type: "risk", barOpenTimeMs: barOpen, kind, reason: String(r.reason), message: detailText(r.detail) }));
  }
  let current: Side = 0;
  for (const d of t.decisions ?? []) {
    const barOpen = num(d.bar_open_ms);
    at(barCloseMs(barOpen), 3, () => {
      const probs = (d.probs as number[] | null) ?? [];
      const target = num(d.target_side) as Side;
      emit({ type: "decision", decision: { barOpenTimeMs: barOpen, action: ACTIONS[num(d.action)] ?? "hold", probabilities: probs.length === 3 ? [probs[0], probs[1], probs[2]] : undefined, current, target, limitedBy: (d.note as string | null) ?? undefined } });
      current = target;
    });
  }
  for (const e of t.equity ?? []) {
    at(barCloseMs(num(e.bar_open_ms)), 4, () => {
      st.account = { balanceUsdt: num(e.balance_usdt), equityUsdt: num(e.equity_usdt), position: positionOf(e) };
      Object.assign(st, { realizedPnlUsdt: num(e.realized_pnl_usdt), feesUsdt: num(e.fees_usdt), fundingUsdt: num(e.funding_usdt), trades: num(e.trades) });
      emit({ type: "equity", timeMs: barCloseMs(num(e.bar_open_ms)), account: st.account });
    });
  }
  for (const a of t.alerts ?? []) at(num(a.ts_ms), 5, () => monitor.raise(alertOf(a)));

  steps.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  for (const s of steps) {
    if (Number.isFinite(s.atMs)) clock = Math.max(clock, s.atMs);
    s.apply();
  }
  if (!t.equity) {
    // a journal from before equity rows: the totals its trades show, the account unknown
    const trades = tradesOf(dump);
    Object.assign(st, { trades: trades.length, realizedPnlUsdt: trades.reduce((s, x) => s + x.pnlUsdt, 0), feesUsdt: trades.reduce((s, x) => s + x.feesUsdt, 0), fundingUsdt: trades.reduce((s, x) => s + x.fundingUsdt, 0) });
  }
  if (stoppedMs !== undefined) clock = Math.max(clock, stoppedMs);
  st.status = "stopped";
  monitor.setDrift(driftOf(t.drift));
  emit({ type: "status", status: "stopped", message: stoppedMs !== undefined ? `stopped (${String(info.stop_reason ?? "")})` : "ended without stopping: the trader was killed or crashed (rlt trade --session continues it)" });
  const view = monitor.snapshot();
  view.startedMs = num(info.started_ms);
  view.warnings = [...view.warnings, "read from the journal of a session that is not running: connection health is not known"];
  return view;
}

/** The journal's trades table as trades; undefined for a journal from before it (version 1). */
export function tradesTable(dump: JournalDump): Trade[] | undefined {
  return dump.tables.trades?.map((r) => ({
    side: num(r.side) > 0 ? 1 : -1,
    qty: num(r.qty),
    entryTimeMs: num(r.entry_time_ms),
    exitTimeMs: num(r.exit_time_ms),
    entryPrice: num(r.entry_price),
    exitPrice: num(r.exit_price),
    pnlUsdt: num(r.pnl_usdt),
    feesUsdt: num(r.fees_usdt),
    fundingUsdt: num(r.funding_usdt),
    holdingBars: num(r.holding_bars),
    exitReason: String(r.exit_reason) as Trade["exitReason"],
  }));
}

/** The session's closed trades: its trades table, or for a journal from before it, its fills folded into round trips. */
export function tradesOf(dump: JournalDump): Trade[] {
  const table = tradesTable(dump);
  if (table) return table;
  const fold = new FillTrades();
  const out: Trade[] = [];
  for (const f of dump.tables.fills ?? []) {
    const closed = fold.fill(toFill(f), 0);
    if (closed) out.push({ ...closed, holdingBars: Math.round((closed.exitTimeMs - closed.entryTimeMs) / 60_000) });
  }
  return out;
}

function positionOf(e: Row): Position | undefined {
  const side = num(e.position_side);
  if (side !== 1 && side !== -1) return undefined;
  return { side, qty: num(e.position_qty), entryPrice: num(e.entry_price), liquidationPrice: num(e.liquidation_price), marginUsdt: num(e.margin_usdt), stopPrice: opt(e.stop_price), takeProfitPrice: opt(e.tp_price), entryTimeMs: Number.NaN, entryBar: 0, feesUsdt: 0, fundingUsdt: 0 };
}

function alertOf(a: Row): Alert {
  return { atMs: num(a.ts_ms), barOpenTimeMs: opt(a.bar_open_ms), level: String(a.level) as Alert["level"], category: String(a.category) as Alert["category"], kind: String(a.kind), subject: (a.subject as string | null) ?? undefined, message: String(a.message), suppressed: opt(a.suppressed) };
}

function driftOf(rows: Row[] | undefined): DriftView {
  const last = rows?.[rows.length - 1];
  if (!last) return { enabled: false, reason: rows ? "no drift measured in this session" : "this journal has no drift table (written by an rlt before drift monitoring)", window: 0, filled: 0, threshold: Number.NaN, features: [] };
  const names = (last.features as string[] | null) ?? [];
  const psi = (last.psi as (number | null)[] | null) ?? [];
  return { enabled: true, window: num(last.window_bars), filled: num(last.filled), threshold: num(last.threshold), features: names.map((name, i) => ({ name, psi: num(psi[i]) })), actionPsi: opt(last.action_psi) };
}

function detailText(detail: unknown): string {
  if (typeof detail !== "string") return String(detail ?? "");
  try {
    const v = JSON.parse(detail) as unknown;
    return typeof v === "string" ? v : detail;
  } catch {
    return detail;
  }
}
