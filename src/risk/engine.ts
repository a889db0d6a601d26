// The risk engine (§8.3), in nautilus_trader's manner: every intent to open passes through `check`,
// which sizes it under the limits or returns a Denial with its reason (a value, recorded by the caller,
// never an exception); `onBar` reads an equity snapshot at each bar's close and halts on the daily loss
// limit or the maximum drawdown. States: active (intents sized and passed), reducing (only what
// reduces exposure passes), halted (no entries; the caller flattens what is open).
import { DAY_MS } from "../core/time.ts";
import type { AccountView, Approval, Denial, DenialReason, HaltReason, OrderIntent, RiskEvent, RiskGate, RiskSnapshot, RiskState } from "../sim/risk-gate.ts";
import { type ProtectionRule, type SizingLimits, entrySize, protectionLevels, stopDistance } from "../sim/sizing.ts";
import type { RiskConfig, SimSizing } from "./config.ts";

export interface RiskEngineOptions {
  /** Deny any entry without a stop-loss (trading; see assertTradingRisk). */
  requireStopLoss?: boolean;
}

export class RiskEngine implements RiskGate {
  private s: RiskSnapshot = { state: "active", dayStartEquityUsdt: Number.NaN, peakEquityUsdt: Number.NaN };
  private readonly limits: SizingLimits;
  private readonly protection: ProtectionRule;

  constructor(
    readonly cfg: RiskConfig,
    sim: SimSizing,
    private readonly opts: RiskEngineOptions = {},
  ) {
    this.protection = { stopLossPct: sim.stopLossPct, takeProfitPct: sim.takeProfitPct, trailingStopPct: cfg.trailingStopPct ?? undefined };
    this.limits = {
      positionFraction: sim.positionFraction,
      leverage: sim.leverage,
      qtyStep: sim.qtyStep,
      maxNotionalUsdt: cfg.maxNotionalUsdt,
      riskPerTrade: cfg.riskPerTrade ?? undefined,
      maxTotalRisk: cfg.maxTotalRisk ?? undefined,
      stopDistance: stopDistance(this.protection),
    };
  }

  get state(): RiskState {
    return this.s.state;
  }

  /** Why the engine is halted (undefined unless halted). */
  get haltReason(): HaltReason | undefined {
    return this.s.haltReason;
  }

  /** A halted engine wants what is open closed (the bar simulator does it at the next open). */
  get flattenRequired(): boolean {
    return this.s.state === "halted";
  }

  reset(equityUsdt: number): void {
    this.s = { state: "active", dayStartEquityUsdt: equityUsdt, peakEquityUsdt: equityUsdt };
  }

  snapshot(): RiskSnapshot {
    return { ...this.s };
  }

  restore(s: RiskSnapshot): void {
    this.s = { ...s };
  }

  /**
   * Size the opening leg of an intent at its reference price, or deny it. An intent that only closes or
   * keeps what is held opens nothing and always passes (qty 0).
   */
  check(intent: OrderIntent, view: AccountView): Approval | Denial {
    if (intent.target === 0 || intent.target === intent.current) return { kind: "approval", qty: 0 };
    if (this.s.state === "halted") return this.deny(intent, "halted", `trading is halted (${this.s.haltReason}): no new positions`);
    if (this.s.state === "reducing") return this.deny(intent, "reducing", "reducing only: a new position would add exposure");
    if (this.opts.requireStopLoss && this.limits.stopDistance === undefined) return this.deny(intent, "no-stop-loss", "every position needs a stop-loss (sim.stopLossPct or risk.trailingStopPct)");
    const side = intent.target;
    const size = entrySize(this.limits, view, intent.refPriceUsdt);
    if (size.qty <= 0) return { ...this.deny(intent, "below-one-lot", `the ${size.limitedBy} limit leaves less than one lot at ${intent.refPriceUsdt}`), limitedBy: size.limitedBy };
    return { kind: "approval", qty: size.qty, limitedBy: size.limitedBy, ...protectionLevels(side, intent.refPriceUsdt, this.protection) };
  }

  /**
   * An equity snapshot at a bar's close (`timeMs` = the close): a new UTC day takes its starting equity
   * (and lifts a daily-loss halt), the peak follows, and the limits may halt.
   */
  onBar(equityUsdt: number, timeMs: number): RiskEvent[] {
    const events: RiskEvent[] = [];
    const day = Math.floor(timeMs / DAY_MS);
    if (this.s.day !== day) {
      this.s.day = day;
      this.s.dayStartEquityUsdt = equityUsdt;
      if (this.s.state === "halted" && this.s.haltReason === "daily-loss") {
        this.s = withState(this.s, "active");
        events.push({ kind: "resume", reason: "new-day", message: "a new UTC day: the daily loss limit starts again", timeMs, equityUsdt });
      }
    }
    if (!(equityUsdt <= this.s.peakEquityUsdt)) this.s.peakEquityUsdt = equityUsdt;
    if (this.s.state === "halted") return events;
    const { dailyLossLimit, maxDrawdown } = this.cfg;
    if (dailyLossLimit !== null && equityUsdt <= this.s.dayStartEquityUsdt * (1 - dailyLossLimit)) {
      events.push(this.halt("daily-loss", `equity ${equityUsdt.toFixed(2)} is ${pct(1 - equityUsdt / this.s.dayStartEquityUsdt)} below the day's start ${this.s.dayStartEquityUsdt.toFixed(2)} (limit ${pct(dailyLossLimit)})`, timeMs, equityUsdt));
    } else if (maxDrawdown !== null && equityUsdt <= this.s.peakEquityUsdt * (1 - maxDrawdown)) {
      events.push(this.halt("max-drawdown", `equity ${equityUsdt.toFixed(2)} is ${pct(1 - equityUsdt / this.s.peakEquityUsdt)} below its peak ${this.s.peakEquityUsdt.toFixed(2)} (limit ${pct(maxDrawdown)})`, timeMs, equityUsdt));
    }
    return events;
  }

  /**
   * Set the state from outside (an operator, Ctrl-C in a live session: reducing). A manual halt stays
   * until set active again; `active` also lifts a limit's halt.
   */
  setState(state: RiskState, message: string, timeMs: number, equityUsdt: number): RiskEvent {
    if (state === "halted") return this.halt("manual", message, timeMs, equityUsdt);
    this.s = withState(this.s, state);
    return { kind: state === "reducing" ? "reducing" : "resume", reason: "manual", message, timeMs, equityUsdt };
  }

  private halt(reason: HaltReason, message: string, timeMs: number, equityUsdt: number): RiskEvent {
    this.s = { ...this.s, state: "halted", haltReason: reason };
    return { kind: "halt", reason, message, timeMs, equityUsdt };
  }

  private deny(intent: OrderIntent, reason: DenialReason, message: string): Denial {
    return { kind: "denial", reason, message, timeMs: intent.timeMs, target: intent.target, current: intent.current };
  }
}

/** The snapshot in another state, without a halt reason. */
function withState(s: RiskSnapshot, state: RiskState): RiskSnapshot {
  const { haltReason: _, ...rest } = s;
  return { ...rest, state };
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
