// The monitor of a running session: it follows the session's events and the connection health, keeps
// the view every front end reads (types.ts), and hosts what watches the session (alerts, drift) as
// plugins. It decides nothing about trading: the session core does, and the UI calls the core's actions.
import { DAY_MS } from "../core/time.ts";
import { positionPnlUsdt } from "../sim/costs.ts";
import type { Health, HealthEvent } from "../trade/health.ts";
import type { SessionEvent, TradeSession } from "../trade/session.ts";
import { type Alert, type DriftView, EQUITY_POINTS, type MonitorSource, type MonitorView, RECENT, RECENT_ALERTS, type TradeView } from "./types.ts";

export interface MonitorPlugin {
  onEvent?(e: SessionEvent, monitor: SessionMonitor): void;
  onHealth?(e: HealthEvent, monitor: SessionMonitor): void;
  /** About once a second while the session runs (stream silence, clocks). */
  onTick?(nowMs: number, monitor: SessionMonitor): void;
  close?(): Promise<void>;
}

/** Decides whether an alert is shown (suppression) and what else happens to it (journal, webhook). */
export type AlertGate = (alert: Alert) => boolean;

export interface MonitorOptions {
  /** The session core (only its events and state are read). */
  session: Pick<TradeSession, "on" | "state">;
  health: Health;
  exchange: string;
  run: string;
  nowMs?: () => number;
  /** Drift as it is before a drift plugin says otherwise. */
  drift?: DriftView;
}

const OFF_DRIFT: DriftView = { enabled: false, reason: "no drift monitor in this session", window: 0, filled: 0, threshold: Number.NaN, features: [] };
const TICK_MS = 1000;

export class SessionMonitor implements MonitorSource {
  private readonly nowMs: () => number;
  private readonly startedMs: number;
  private readonly equity: MonitorView["equity"] = [];
  private readonly trades: TradeView[] = [];
  private readonly todayTrades: TradeView[] = [];
  private readonly decisions: MonitorView["recentDecisions"] = [];
  private readonly alerts: Alert[] = [];
  private readonly warnings: string[] = [];
  private risk: MonitorView["risk"] = { state: "active", recent: [], denials: 0 };
  private statusMessage?: string;
  private startEquity = Number.NaN;
  private drift: DriftView;
  private readonly plugins: MonitorPlugin[] = [];
  private readonly listeners: ((v: MonitorView) => void)[] = [];
  private readonly alertListeners: ((a: Alert) => void)[] = [];
  private gate?: AlertGate;
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: MonitorOptions) {
    this.nowMs = o.nowMs ?? Date.now;
    this.startedMs = this.nowMs();
    this.drift = o.drift ?? OFF_DRIFT;
    o.session.on((e) => this.onSessionEvent(e));
    o.health.on((e) => {
      for (const p of this.plugins) p.onHealth?.(e, this);
      this.changed();
    });
  }

  use(plugin: MonitorPlugin): void {
    this.plugins.push(plugin);
  }

  /** The alerts module's gate: suppression, journal, webhook. Without one every alert is shown. */
  setAlertGate(gate: AlertGate): void {
    this.gate = gate;
  }

  /** Start the once-a-second tick (unref'd: it never keeps the process alive). */
  start(): void {
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  tick(nowMs = this.nowMs()): void {
    for (const p of this.plugins) p.onTick?.(nowMs, this);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const p of this.plugins) await p.close?.();
  }

  raise(alert: Omit<Alert, "atMs"> & { atMs?: number }): void {
    const a: Alert = { ...alert, atMs: alert.atMs ?? this.nowMs() };
    if (this.gate && !this.gate(a)) return;
    this.alerts.push(a);
    if (this.alerts.length > RECENT_ALERTS) this.alerts.shift();
    for (const l of [...this.alertListeners]) l(a);
    this.changed();
  }

  setDrift(drift: DriftView): void {
    this.drift = drift;
    this.changed();
  }

  subscribe(listener: (view: MonitorView) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  onAlert(listener: (alert: Alert) => void): () => void {
    this.alertListeners.push(listener);
    return () => this.alertListeners.splice(this.alertListeners.indexOf(listener), 1);
  }

  snapshot(): MonitorView {
    const s = this.o.session.state();
    const now = this.nowMs();
    const a = s.account;
    const mark = s.lastBar?.close ?? Number.NaN;
    const p = a.position;
    const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
    return {
      session: s.id,
      symbol: s.symbol,
      mode: s.mode,
      exchange: this.o.exchange,
      run: this.o.run,
      status: s.status,
      statusMessage: this.statusMessage,
      asOfMs: now,
      startedMs: this.startedMs,
      bars: s.bars,
      lastBarOpenTimeMs: s.lastBar?.openTime,
      lastClose: s.lastBar?.close,
      position: p && {
        side: p.side,
        qty: p.qty,
        entryPrice: p.entryPrice,
        markPrice: mark,
        unrealizedPnlUsdt: positionPnlUsdt(p.side, p.qty, p.entryPrice, mark),
        liquidationPrice: p.liquidationPrice,
        marginUsdt: p.marginUsdt,
        stopPrice: p.stopPrice,
        takeProfitPrice: p.takeProfitPrice,
      },
      balanceUsdt: a.balanceUsdt,
      equityUsdt: a.equityUsdt,
      startEquityUsdt: Number.isNaN(this.startEquity) ? a.equityUsdt : this.startEquity,
      marginUse: p && a.equityUsdt > 0 ? p.marginUsdt / a.equityUsdt : 0,
      realizedPnlUsdt: s.realizedPnlUsdt,
      todayRealizedPnlUsdt: this.todayTrades.filter((t) => t.exitTimeMs >= dayStart).reduce((sum, t) => sum + t.pnlUsdt, 0),
      feesUsdt: s.feesUsdt,
      fundingUsdt: s.fundingUsdt,
      trades: s.trades,
      equity: this.equity.map((e) => ({ ...e })),
      recentTrades: this.trades.map((t) => ({ ...t })),
      recentDecisions: this.decisions.map((d) => ({ ...d })),
      risk: { ...this.risk, recent: this.risk.recent.map((r) => ({ ...r })) },
      health: this.o.health.view(),
      drift: { ...this.drift, features: this.drift.features.map((f) => ({ ...f })) },
      alerts: this.alerts.map((x) => ({ ...x })),
      warnings: [...this.warnings],
    };
  }

  private onSessionEvent(e: SessionEvent): void {
    switch (e.type) {
      case "status":
        this.statusMessage = e.message;
        break;
      case "warning":
        push(this.warnings, e.message, RECENT);
        break;
      case "decision": {
        const d = e.decision;
        push(this.decisions, { barOpenTimeMs: d.barOpenTimeMs, close: this.o.session.state().lastBar?.close ?? Number.NaN, action: d.action, probabilities: d.probabilities, current: d.current, target: d.target, limitedBy: d.limitedBy }, RECENT);
        break;
      }
      case "trade": {
        const t = e.trade;
        const view: TradeView = { side: t.side, qty: t.qty, entryTimeMs: t.entryTimeMs, exitTimeMs: t.exitTimeMs, entryPrice: t.entryPrice, exitPrice: t.exitPrice, pnlUsdt: t.pnlUsdt, feesUsdt: t.feesUsdt, fundingUsdt: t.fundingUsdt, exitReason: t.exitReason };
        push(this.trades, view, RECENT);
        // today's PnL needs every trade of the day, not the last few
        const dayStart = Math.floor(this.nowMs() / DAY_MS) * DAY_MS;
        while (this.todayTrades.length && this.todayTrades[0].exitTimeMs < dayStart) this.todayTrades.shift();
        this.todayTrades.push(view);
        break;
      }
      case "equity":
        if (Number.isNaN(this.startEquity)) this.startEquity = e.account.equityUsdt;
        push(this.equity, { timeMs: e.timeMs, equityUsdt: e.account.equityUsdt }, EQUITY_POINTS);
        break;
      case "risk": {
        const r = { atMs: this.nowMs(), barOpenTimeMs: e.barOpenTimeMs, kind: e.kind, reason: e.reason, message: e.message };
        const state = e.kind === "halt" ? "halted" : e.kind === "reducing" ? "reducing" : e.kind === "resume" ? "active" : this.risk.state;
        this.risk = { state, reason: e.kind === "resume" ? undefined : e.kind === "denial" ? this.risk.reason : e.reason, recent: [...this.risk.recent, r].slice(-RECENT), denials: this.risk.denials + (e.kind === "denial" ? 1 : 0) };
        break;
      }
      case "bar":
      case "fills":
        break;
    }
    for (const p of this.plugins) p.onEvent?.(e, this);
    this.changed();
  }

  private changed(): void {
    if (!this.listeners.length) return;
    const v = this.snapshot();
    for (const l of [...this.listeners]) l(v);
  }
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.shift();
}

