// The trading session's core: per closed bar, features → observation → policy → target position →
// execution, the same kernel functions a replay runs (kernel/observation.ts, kernel/actions.ts,
// kernel/policy.ts). All trading state lives here, readable by a front end (headless lines today, the
// terminal UI next), which calls the actions below and owns no logic.
import { killPoint } from "../core/kill-point.ts";
import { barCloseMs } from "../core/time.ts";
import type { BarInput } from "../features/bar-input.ts";
import { ACTIONS, type ActionScheme, targetPosition } from "../kernel/actions.ts";
import { observationSize, writeObservation } from "../kernel/observation.ts";
import { type Policy, decide } from "../kernel/policy.ts";
import type { Trade } from "../sim/account.ts";
import type { Side } from "../sim/costs.ts";
import type { AccountState, Execution, ExecutionReport } from "./execution.ts";
import type { SessionFeatures } from "./features.ts";
import type { ClosedBar, FundingRate } from "./paper.ts";

export type SessionStatus = "warming-up" | "trading" | "paused" | "stopping" | "stopped";

export interface Decision {
  barOpenTimeMs: number;
  action: (typeof ACTIONS)[number];
  /** Buy, sell, hold probabilities (absent when the policy gives none). */
  probabilities?: [number, number, number];
  current: Side;
  target: Side;
  /** Why the target differs from what the action asked (entries paused, stopping). */
  limitedBy?: string;
}

export type SessionEvent =
  | { type: "status"; status: SessionStatus; message?: string }
  | { type: "bar"; bar: ClosedBar; index: number }
  | { type: "fills"; barOpenTimeMs: number; report: ExecutionReport }
  | { type: "trade"; trade: Trade }
  | { type: "decision"; decision: Decision }
  | { type: "equity"; timeMs: number; account: AccountState }
  | { type: "warning"; message: string }
  | { type: "risk"; barOpenTimeMs: number; kind: "denial" | "halt" | "resume" | "reducing"; reason: string; message: string };

export interface SessionOptions {
  id: string;
  symbol: string;
  policy: Policy;
  actions: ActionScheme;
  positionInObs: boolean;
  features: SessionFeatures;
  execution: Execution;
}

export interface SessionState {
  id: string;
  symbol: string;
  mode: Execution["mode"];
  status: SessionStatus;
  bars: number;
  lastBar?: ClosedBar;
  lastDecision?: Decision;
  account: AccountState;
  realizedPnlUsdt: number;
  feesUsdt: number;
  fundingUsdt: number;
  trades: number;
}

export class TradeSession {
  private status: SessionStatus = "warming-up";
  private bars = 0;
  private lastBar?: ClosedBar;
  private lastDecision?: Decision;
  private readonly totals = { realizedPnlUsdt: 0, feesUsdt: 0, fundingUsdt: 0, trades: 0 };
  private readonly listeners: ((e: SessionEvent) => void)[] = [];
  private readonly obs: Float32Array;
  /** Bars and the UI's actions take turns: a flatten never runs inside a bar's decision. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: SessionOptions) {
    this.obs = new Float32Array(observationSize(opts.positionInObs));
    if (opts.policy.obsSize !== this.obs.length) throw new Error(`internal: the policy takes ${opts.policy.obsSize} inputs, the session builds ${this.obs.length}`);
  }

  on(listener: (e: SessionEvent) => void): void {
    this.listeners.push(listener);
  }

  state(): SessionState {
    return {
      id: this.opts.id,
      symbol: this.opts.symbol,
      mode: this.opts.execution.mode,
      status: this.status,
      bars: this.bars,
      lastBar: this.lastBar,
      lastDecision: this.lastDecision,
      account: this.opts.execution.account(),
      ...this.totals,
    };
  }

  /** History is in: decisions start with the next closed bar. */
  startTrading(message?: string): void {
    this.setStatus("trading", message);
  }

  /** New entries stop; exits still happen (the position can only shrink). */
  pauseEntries(): void {
    if (this.status === "trading") this.setStatus("paused", "new entries paused");
  }

  resume(): void {
    if (this.status === "paused") this.setStatus("trading", "entries resumed");
  }

  emitWarning(message: string): void {
    this.emit({ type: "warning", message });
  }

  addFunding(rows: FundingRate[]): void {
    this.opts.execution.addFunding(rows);
  }

  /** The kernel's step for one closed bar (features must not have seen it yet). */
  onBar(input: BarInput): Promise<Decision | undefined> {
    return this.inTurn(() => this.step(input));
  }

  /** Close the position now and pause new entries (the next bar would otherwise open it again). */
  flattenNow(): Promise<void> {
    return this.inTurn(async () => {
      this.pauseEntries();
      if (this.status === "stopped" || !this.opts.execution.positionView().side) return;
      const report = await this.opts.execution.flattenNow();
      if (report) this.account(this.lastBar?.openTime ?? 0, report);
      this.emit({ type: "equity", timeMs: Date.now(), account: this.opts.execution.account() });
    });
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async step(input: BarInput): Promise<Decision | undefined> {
    const { features, execution } = this.opts;
    features.push(input);
    const bar: ClosedBar = { openTime: input.openTime, open: input.open, high: input.high, low: input.low, close: input.close, spreadBps: features.spreadBps };
    this.lastBar = bar;
    this.emit({ type: "bar", bar, index: this.bars++ });
    const report = await execution.barClosed(bar);
    if (report) this.account(bar.openTime, report);
    if (this.status === "stopped" || this.status === "warming-up") return undefined;
    const current = execution.positionView().side;
    writeObservation(this.obs, features.normalized, 0, this.opts.positionInObs ? execution.positionView() : undefined);
    const action = decide(this.opts.policy, this.obs);
    const p = this.opts.policy.probabilities?.(this.obs, 1);
    const wanted = targetPosition(this.opts.actions, action, current);
    const limitedBy = this.status === "trading" ? undefined : this.status === "paused" ? "entries paused" : "stopping";
    const target = limitedBy ? reduceOnly(wanted, current) : wanted;
    const decision: Decision = { barOpenTimeMs: bar.openTime, action: ACTIONS[action], probabilities: p ? [p[0], p[1], p[2]] : undefined, current, target, ...(limitedBy && target !== wanted ? { limitedBy } : {}) };
    this.lastDecision = decision;
    killPoint("decision-before-journal");
    this.emit({ type: "decision", decision });
    await execution.moveTo(target);
    this.emit({ type: "equity", timeMs: barCloseMs(bar.openTime), account: execution.account() });
    return decision;
  }

  /** Stop deciding; keep the position (its exchange-side stop stays) or flatten it now. */
  stop(onExit: "keep" | "flatten"): Promise<void> {
    return this.inTurn(() => this.stopNow(onExit));
  }

  private async stopNow(onExit: "keep" | "flatten"): Promise<void> {
    if (this.status === "stopped") return;
    this.setStatus("stopping");
    if (onExit === "flatten") {
      const report = await this.opts.execution.flattenNow();
      if (report) this.account(this.lastBar?.openTime ?? 0, report);
    }
    this.setStatus("stopped", onExit === "flatten" ? "stopped flat" : "stopped; the position is kept");
  }

  private account(barOpenTimeMs: number, report: ExecutionReport): void {
    if (report.denial) this.emit({ type: "risk", barOpenTimeMs, kind: "denial", reason: report.denial.reason, message: report.denial.message });
    for (const e of report.riskEvents ?? []) this.emit({ type: "risk", barOpenTimeMs, kind: e.kind, reason: e.reason, message: e.message });
    this.totals.feesUsdt += report.feesUsdt;
    this.totals.fundingUsdt += report.fundingUsdt;
    if (report.fills || report.fundingUsdt) this.emit({ type: "fills", barOpenTimeMs, report });
    for (const t of report.closed) {
      this.totals.trades++;
      this.totals.realizedPnlUsdt += t.pnlUsdt;
      this.emit({ type: "trade", trade: t });
    }
  }

  private setStatus(status: SessionStatus, message?: string): void {
    this.status = status;
    this.emit({ type: "status", status, message });
  }

  private emit(e: SessionEvent): void {
    for (const l of this.listeners) l(e);
  }
}

/** The part of a target that only reduces exposure: flat, or the side held now. */
export function reduceOnly(target: Side, current: Side): Side {
  return target === 0 || target === current ? target : 0;
}
