// The session's alerts (§9.3): risk (drawdown, margin, limits and halts, liquidation near), performance
// (the live return outside the backtest's block-bootstrap band, a losing streak) and technical (stream
// silence, reconnect storms, REST errors, clock offset, listenKey expiry, reconciliation differences).
// A condition alerts when it starts holding and again only after it cleared; a discrete event alerts each
// time, and the gate (alert-dispatch.ts) counts its repeats. It watches and says; it never trades.
import type { AlertThresholdsSchema } from "../core/monitor-config.ts";
import type { HealthEvent } from "../trade/health.ts";
import type { SessionEvent } from "../trade/session.ts";
import type { z } from "zod";
import type { MonitorContext } from "./context.ts";
import type { MonitorPlugin, SessionMonitor } from "./monitor.ts";
import { type Band, PerformanceBand, backtestReturns } from "./performance-band.ts";
import type { Alert } from "./types.ts";

export type AlertThresholds = z.infer<typeof AlertThresholdsSchema>;
type Raise = Omit<Alert, "atMs" | "category"> & { category?: Alert["category"] };

/** The user data stream can be quiet for hours (no fills, no funding): silence there is no sign of trouble. */
const QUIET_ROUTES = new Set(["user"]);
/** Drawdown past this multiple of the threshold is critical. */
const CRITICAL_DRAWDOWN_MULTIPLE = 2;

const pct = (x: number, digits = 2) => `${(100 * x).toFixed(digits)} %`;

export class AlertWatch implements MonitorPlugin {
  private peakEquity = Number.NaN;
  private firstEquity = Number.NaN;
  private equityBars = 0;
  private lastClose = Number.NaN;
  private losses = 0;
  /** Conditions holding now (kind/subject): they alert on the way in. */
  private readonly holding = new Set<string>();
  private readonly reconnectsMs = new Map<string, number[]>();
  private readonly restErrorsMs: number[] = [];
  /** When each stream was first seen, for one that never sent an event. */
  private readonly firstSeenMs = new Map<string, number>();
  private band?: PerformanceBand;

  constructor(
    private readonly t: AlertThresholds,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** The backtest's per-bar returns (or why there are none: said once, and the band check is off). */
  setBacktest(monitor: SessionMonitor, source: { returns: Float64Array } | { reason: string }): void {
    if ("reason" in source) monitor.raise({ level: "info", category: "performance", kind: "performance-band-off", message: `performance band off: ${source.reason}` });
    else this.band = new PerformanceBand(source.returns, this.t.performanceTail);
  }

  onEvent(e: SessionEvent, m: SessionMonitor): void {
    switch (e.type) {
      case "bar":
        this.lastClose = e.bar.close;
        break;
      case "equity":
        this.onEquity(e, m);
        break;
      case "trade":
        this.losses = e.trade.pnlUsdt < 0 ? this.losses + 1 : 0;
        if (this.losses === this.t.losingStreak) this.raise(m, { level: "warning", category: "performance", kind: "losing-streak", message: `${this.losses} losing trades in a row (the last ${e.trade.pnlUsdt.toFixed(2)} USDT, ${e.trade.exitReason})` });
        break;
      case "risk": {
        const at = { barOpenTimeMs: e.barOpenTimeMs, category: "risk" as const };
        if (e.kind === "halt") this.raise(m, { ...at, level: "critical", kind: "trading-halted", subject: e.reason, message: `trading halted (${e.reason}): ${e.message}` });
        else if (e.kind === "reducing") this.raise(m, { ...at, level: "warning", kind: "risk-reducing", subject: e.reason, message: `risk: reducing only (${e.reason}): ${e.message}` });
        else if (e.kind === "denial") this.raise(m, { ...at, level: "info", kind: "risk-limit", subject: e.reason, message: `risk limit reached (${e.reason}): ${e.message}` });
        else this.raise(m, { ...at, level: "info", kind: "trading-resumed", message: `trading resumed: ${e.message}` });
        break;
      }
      default:
        break;
    }
  }

  onHealth(e: HealthEvent, m: SessionMonitor): void {
    const now = this.nowMs();
    const c = { category: "technical" as const };
    switch (e.kind) {
      case "stream-up": {
        if (e.connections < 2) break;
        const times = inWindow(this.reconnectsMs.get(e.route) ?? [], now, this.t.reconnectWindowSec * 1000);
        times.push(now);
        this.reconnectsMs.set(e.route, times);
        if (times.length >= this.t.reconnects) this.raise(m, { ...c, level: "warning", kind: "reconnect-storm", subject: e.route, message: `${e.route} stream reconnected ${times.length} times within ${this.t.reconnectWindowSec} s (connection ${e.connections})` });
        break;
      }
      case "rest-error": {
        const times = inWindow(this.restErrorsMs, now, this.t.restErrorWindowSec * 1000);
        times.push(now);
        this.restErrorsMs.splice(0, this.restErrorsMs.length, ...times);
        if (times.length >= this.t.restErrors) this.raise(m, { ...c, level: "warning", kind: "rest-errors", message: `${times.length} REST errors within ${this.t.restErrorWindowSec} s; the last: ${e.what}: ${e.message}` });
        break;
      }
      case "clock-offset":
        this.condition(m, "clock-offset", Math.abs(e.offsetMs) > this.t.clockOffsetMs, { ...c, level: "warning", kind: "clock-offset", message: `the exchange clock is ${Math.abs(Math.round(e.offsetMs))} ms ${e.offsetMs > 0 ? "ahead of" : "behind"} the local one (more than ${this.t.clockOffsetMs} ms): signed requests may be refused` });
        break;
      case "listen-key-expired":
        this.raise(m, { ...c, level: "warning", kind: "listen-key-expired", message: "the user stream's listenKey expired: the stream restarts with a new key and the account is read again by REST" });
        break;
      case "reconcile-difference":
        this.raise(m, { ...c, level: "critical", kind: "reconcile-difference", message: `the journal and the exchange differ (${e.trigger}): ${e.differences.join("; ")}` });
        break;
      case "stream-down":
        break;
    }
  }

  onTick(nowMs: number, m: SessionMonitor): void {
    const limitMs = this.t.streamSilentSec * 1000;
    for (const s of m.snapshot().health.streams) {
      if (QUIET_ROUTES.has(s.route)) continue;
      if (!this.firstSeenMs.has(s.route)) this.firstSeenMs.set(s.route, nowMs);
      const since = s.lastEventMs ?? this.firstSeenMs.get(s.route)!;
      const silentMs = nowMs - since;
      this.condition(m, `stream-silent/${s.route}`, silentMs > limitMs, { category: "technical", level: "warning", kind: "stream-silent", subject: s.route, message: `no ${s.route} stream event for ${Math.round(silentMs / 1000)} s (${s.up ? "connected" : `down: ${s.downReason ?? "?"}`}; more than ${this.t.streamSilentSec} s)` });
    }
  }

  private onEquity(e: Extract<SessionEvent, { type: "equity" }>, m: SessionMonitor): void {
    const a = e.account;
    const eq = a.equityUsdt;
    if (!Number.isFinite(eq)) return;
    if (Number.isNaN(this.firstEquity)) this.firstEquity = eq;
    else this.equityBars++;
    this.peakEquity = Number.isNaN(this.peakEquity) ? eq : Math.max(this.peakEquity, eq);
    const at = { barOpenTimeMs: e.timeMs, category: "risk" as const };
    const dd = this.peakEquity > 0 ? 1 - eq / this.peakEquity : 0;
    const ddMessage = `drawdown ${pct(dd)} from the session's peak equity ${this.peakEquity.toFixed(2)} USDT (equity ${eq.toFixed(2)})`;
    this.condition(m, "drawdown", dd >= this.t.drawdown, { ...at, level: "warning", kind: "drawdown", message: `${ddMessage}: past ${pct(this.t.drawdown, 1)}` });
    this.condition(m, "drawdown/critical", dd >= CRITICAL_DRAWDOWN_MULTIPLE * this.t.drawdown, { ...at, level: "critical", kind: "drawdown", subject: "critical", message: `${ddMessage}: past ${pct(CRITICAL_DRAWDOWN_MULTIPLE * this.t.drawdown, 1)}` });
    const p = a.position;
    const marginRatio = p && eq > 0 ? p.marginUsdt / eq : 0;
    this.condition(m, "margin-ratio", marginRatio > this.t.marginRatio, { ...at, level: "warning", kind: "margin-ratio", message: `margin ${pct(marginRatio)} of equity (more than ${pct(this.t.marginRatio, 0)})` });
    const mark = this.lastClose;
    const liqDistance = p && p.liquidationPrice > 0 && mark > 0 ? Math.abs(mark - p.liquidationPrice) / mark : Number.POSITIVE_INFINITY;
    this.condition(m, "liquidation-near", liqDistance < this.t.liquidationNear, { ...at, level: "critical", kind: "liquidation-near", message: `the mark ${mark} is ${pct(liqDistance)} from the ${p?.side === 1 ? "long" : "short"}'s liquidation price ${p?.liquidationPrice} (less than ${pct(this.t.liquidationNear, 1)})` });
    this.checkBand(m, at.barOpenTimeMs, eq);
  }

  private checkBand(m: SessionMonitor, barOpenTimeMs: number, eq: number): void {
    if (!this.band || this.equityBars < this.t.performanceMinBars) return;
    const ret = eq / this.firstEquity - 1;
    const b: Band = this.band.band(this.equityBars);
    const band = `the backtest's ${pct(this.t.performanceTail, 0)}–${pct(1 - this.t.performanceTail, 0)} band over ${this.equityBars} bars is ${pct(b.low)} … ${pct(b.high)}`;
    const at = { barOpenTimeMs, category: "performance" as const, kind: "performance-band" };
    this.condition(m, "performance/below", ret < b.low, { ...at, level: "warning", subject: "below", message: `the session's return ${pct(ret)} is below what the backtest makes likely: ${band}` });
    this.condition(m, "performance/above", ret > b.high, { ...at, level: "info", subject: "above", message: `the session's return ${pct(ret)} is above what the backtest makes likely: ${band}` });
  }

  /** Alert as `key` starts holding; forget it once it no longer does. */
  private condition(m: SessionMonitor, key: string, holds: boolean, alert: Raise): void {
    if (!holds) {
      this.holding.delete(key);
      return;
    }
    if (this.holding.has(key)) return;
    this.holding.add(key);
    this.raise(m, alert);
  }

  private raise(m: SessionMonitor, alert: Raise): void {
    m.raise({ category: "technical", ...alert });
  }
}

function inWindow(times: number[], now: number, windowMs: number): number[] {
  return times.filter((t) => now - t < windowMs);
}

/** The alerts of a session; the backtest's band is read in the background (never in the way of the first bar). */
export function installAlerts(monitor: SessionMonitor, ctx: MonitorContext): AlertWatch {
  const watch = new AlertWatch(ctx.config.alerts);
  monitor.use(watch);
  void backtestReturns(ctx.run, ctx.journal.session.model).then(
    (source) => watch.setBacktest(monitor, source),
    (err) => watch.setBacktest(monitor, { reason: (err as Error).message }),
  );
  return watch;
}
