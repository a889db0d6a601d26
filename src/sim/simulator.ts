// The bar simulator: the fill model of the backtest and of training over the account of account.ts.
// One position (flat / long / short) on isolated margin, filled at the next bar's open plus half the
// spread and slippage, charged Binance's taker fee, settled funding at funding times, stopped out /
// taken profit / liquidated inside a bar from its high and low. All arithmetic is costs.ts's.
//
// A funding time falls at the start of its bar (the 8 h grid is on bar opens), so a settlement is
// charged on what is held after the open's fill and before anything the bar's range triggers: a stop
// inside that bar still pays it, and the margin it moves moves the liquidation price checked next.
//
// Within a bar the path is unknown, so the rule is conservative: the adverse extreme is assumed to come
// first. A long is checked against the low before the high (stop-loss or liquidation, whichever price is
// reached first going down, before any take-profit); a short against the high first. A trailing stop
// (the dynamic take-profit) is checked at the level it had when the bar began and only then ratcheted
// from the bar's favourable extreme: the new level applies from the next bar.
//
// Entries go through a risk gate (src/risk's engine) when one is given: it sizes them or denies them, and
// a halt it raises at a bar's close flattens the position at the next open. Without one, entries are
// sized by the config's margin fraction alone (sizing.ts, the same function the engine calls).
import { z } from "zod";
import { lowerBound } from "../core/sorted.ts";
import { barCloseMs } from "../core/time.ts";
import { Account, type ExitReason, type Ledger, type Position, type Trade } from "./account.ts";
import { bracketTable } from "./brackets.ts";
import { type Side, halfSpreadBpsOr, takerFillPrice } from "./costs.ts";
import type { SimConfig } from "./config.ts";
import { type Approval, type Denial, type RiskEvent, type RiskGate, RiskSnapshotSchema } from "./risk-gate.ts";
import { entrySize, openRiskUsdt, protectionLevels, stopDistance, trailedStop } from "./sizing.ts";

export type { ExitReason, Position, Trade } from "./account.ts";
export { type Side, liquidationPrice } from "./costs.ts";

export interface MarketColumns {
  openTime: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  /** Spread at the bar's close in bps of mid (NaN = unknown: the config's default is used). */
  spreadBps?: Float64Array;
}

export interface FundingSchedule {
  timeMs: Float64Array;
  rate: Float64Array;
  /** Mark price at each settlement (the store's mark_price; NaN where unknown: the bar's open is used). */
  markPrice?: Float64Array;
}

export interface SimOptions {
  /** The traded symbol: picks its maintenance-margin brackets (brackets.ts); unknown = the config's one rate. */
  symbol?: string;
  /** The risk engine entries pass through (src/risk); absent = the margin fraction alone sizes them. */
  risk?: RiskGate;
}

export interface StepResult extends Ledger {
  /** Bar whose close ends this step. */
  bar: number;
  equityUsdt: number;
  /** Fills executed in this step (0, 1 or 2 on a reversal). */
  fills: number;
  /** Half-spread paid on this step's fills, bps. */
  halfSpreadBps: number;
  /** The target's opening leg, refused by the risk gate (the closing leg always passes). */
  denial?: Denial;
  /** What the risk gate raised at the decision bar's close (halts, resumes). */
  riskEvents: RiskEvent[];
}

// any double, NaN and ±Infinity included (zod's number() refuses them): a checkpoint keeps what the
// arithmetic produced rather than failing to read it back
const f64 = z.custom<number>((v) => typeof v === "number", "expected a number");

/** Everything a simulator carries from one step to the next (a training checkpoint restores it). */
export const SimStateSchema = z
  .object({
    balanceUsdt: f64,
    bar: z.number().int().min(0),
    fundingIdx: z.number().int().min(0),
    position: z
      .object({
        side: z.union([z.literal(1), z.literal(-1)]),
        qty: f64,
        entryPrice: f64,
        marginUsdt: f64,
        liquidationPrice: f64,
        stopPrice: f64.optional(),
        takeProfitPrice: f64.optional(),
        trailingStopPct: f64.optional(),
        entryTimeMs: f64,
        entryBar: z.number().int(),
        feesUsdt: f64,
        fundingUsdt: f64,
      })
      .strict()
      .optional(),
    /** The risk gate's state (absent in checkpoints written before it existed: it starts afresh). */
    risk: RiskSnapshotSchema.optional(),
  })
  .strict();
export type SimState = z.infer<typeof SimStateSchema>;

export class FuturesSimulator {
  readonly account: Account;
  readonly risk: RiskGate | undefined;
  bar = 0;
  private fundingIdx = 0;

  constructor(
    readonly cfg: SimConfig,
    readonly market: MarketColumns,
    readonly funding: FundingSchedule = { timeMs: new Float64Array(0), rate: new Float64Array(0) },
    opts: SimOptions = {},
  ) {
    const brackets = bracketTable(opts.symbol, cfg.maintenanceMarginRate).brackets;
    this.account = new Account({ leverage: cfg.leverage, maintenanceMarginRate: cfg.maintenanceMarginRate, brackets }, cfg.initialEquityUsdt);
    this.risk = opts.risk;
  }

  /** Wallet balance: cash including margin, excluding unrealized PnL. */
  get balanceUsdt(): number {
    return this.account.balanceUsdt;
  }

  get position(): Position | undefined {
    return this.account.position;
  }

  reset(startBar: number): void {
    this.account.balanceUsdt = this.cfg.initialEquityUsdt;
    this.account.position = undefined;
    this.bar = startBar;
    this.fundingIdx = lowerBound(this.funding.timeMs, barCloseMs(this.market.openTime[startBar]));
    this.risk?.reset(this.cfg.initialEquityUsdt);
  }

  /** A copy of the state between steps; `restore` of it continues exactly where this left off. */
  snapshot(): SimState {
    const p = this.account.position;
    return { balanceUsdt: this.account.balanceUsdt, bar: this.bar, fundingIdx: this.fundingIdx, ...(p ? { position: { ...p } } : {}), ...(this.risk ? { risk: this.risk.snapshot() } : {}) };
  }

  restore(s: SimState): void {
    if (s.bar >= this.market.open.length) throw new RangeError(`bar ${s.bar} is past the market's ${this.market.open.length} bars`);
    if (s.fundingIdx > this.funding.timeMs.length) throw new RangeError(`funding index ${s.fundingIdx} is past the ${this.funding.timeMs.length} funding times`);
    this.account.balanceUsdt = s.balanceUsdt;
    this.bar = s.bar;
    this.fundingIdx = s.fundingIdx;
    this.account.position = s.position ? { ...s.position } : undefined;
    if (this.risk) {
      if (s.risk) this.risk.restore(s.risk);
      else this.risk.reset(s.balanceUsdt);
    }
  }

  get side(): Side {
    return this.account.side;
  }

  /** Equity marked at bar i's close. */
  equityAt(i = this.bar): number {
    return this.account.equityUsdt(this.market.close[i]);
  }

  unrealizedPnlUsdt(i = this.bar): number {
    return this.account.unrealizedPnlUsdt(this.market.close[i]);
  }

  /**
   * The decision taken at the close of the current bar: hold the target side. Executes at the next
   * bar's open, then lives through that bar (stops, liquidation, funding). Returns what happened.
   */
  step(target: Side): StepResult {
    const next = this.bar + 1;
    if (next >= this.market.open.length) throw new Error("internal: stepped past the last bar");
    const res = emptyStep(next);
    if (this.risk) res.riskEvents = this.risk.onBar(this.equityAt(this.bar), barCloseMs(this.market.openTime[this.bar]));
    const halted = this.risk?.state === "halted";
    const halfSpread = this.halfSpreadBps(this.bar);
    const open = this.market.open[next];
    const t = this.market.openTime[next];
    if (this.account.position && (this.account.position.side !== target || halted)) {
      this.close(open, halfSpread, t, next, this.account.position.side !== target ? "signal" : "risk-halt", res);
    }
    if (!this.account.position && target !== 0) this.openPosition(target, open, halfSpread, t, next, res);
    this.liveThroughBar(next, res);
    this.bar = next;
    res.equityUsdt = this.equityAt(next);
    return res;
  }

  /** Close whatever is open at the current bar's close (end of an episode or of the data). */
  closeAtEnd(): Trade | undefined {
    if (!this.account.position) return undefined;
    const res = emptyStep(this.bar);
    this.close(this.market.close[this.bar], this.halfSpreadBps(this.bar), barCloseMs(this.market.openTime[this.bar]), this.bar, "end-of-data", res);
    return res.closed[0];
  }

  /** Half the book spread at bar i's close, or the configured default when unknown. */
  halfSpreadBps(i: number): number {
    return halfSpreadBpsOr(this.market.spreadBps?.[i], this.cfg.defaultHalfSpreadBps);
  }

  /** Fill price for a taker order: worse than the reference by half the spread plus slippage. */
  fillPrice(ref: number, buying: boolean, halfSpreadBps: number): number {
    return takerFillPrice(ref, buying, halfSpreadBps, this.cfg.slippageBps);
  }

  private openPosition(side: 1 | -1, ref: number, halfSpreadBps: number, timeMs: number, bar: number, res: StepResult): void {
    const price = this.fillPrice(ref, side === 1, halfSpreadBps);
    const entry = this.entryFor(side, price, timeMs);
    if (entry.kind === "denial") {
      res.denial = entry;
      return;
    }
    if (entry.qty <= 0) return; // too little equity for one lot
    this.account.open({ side, qty: entry.qty, price, feeRate: this.cfg.takerFeeRate, timeMs, bar, stopPrice: entry.stopPrice, takeProfitPrice: entry.takeProfitPrice, trailingStopPct: entry.trailingStopPct }, res);
    res.fills++;
    res.halfSpreadBps += halfSpreadBps;
  }

  /** The size and levels of a new position filled at `price`: the risk gate's answer, or the margin fraction's. */
  private entryFor(side: 1 | -1, price: number, timeMs: number): Approval | Denial {
    const view = { balanceUsdt: this.account.balanceUsdt, equityUsdt: this.account.balanceUsdt, openRiskUsdt: this.openRiskUsdt() };
    if (this.risk) return this.risk.check({ target: side, current: this.account.side, refPriceUsdt: price, timeMs }, view);
    const rule = { stopLossPct: this.cfg.stopLossPct, takeProfitPct: this.cfg.takeProfitPct };
    const limits = { positionFraction: this.cfg.positionFraction, leverage: this.cfg.leverage, qtyStep: this.cfg.qtyStep, stopDistance: stopDistance(rule) };
    return { kind: "approval", qty: entrySize(limits, view, price).qty, ...protectionLevels(side, price, rule) };
  }

  /** What the open position would lose at its stop (0 when flat). */
  openRiskUsdt(): number {
    const p = this.account.position;
    return p ? openRiskUsdt(p.side, p.qty, p.entryPrice, p.marginUsdt, p.stopPrice) : 0;
  }

  /** Close at a reference price as a taker (signal, stop, take-profit, end of data). */
  private close(ref: number, halfSpreadBps: number, timeMs: number, bar: number, reason: ExitReason, res: StepResult): void {
    const p = this.account.position!;
    this.account.close(this.fillPrice(ref, p.side === -1, halfSpreadBps), this.cfg.takerFeeRate, timeMs, bar, reason, res);
    res.fills++;
    res.halfSpreadBps += halfSpreadBps;
  }

  /** Inside bar i: funding at its start, then liquidation, stop-loss and take-profit from its range (adverse side first). */
  private liveThroughBar(i: number, res: StepResult): void {
    this.settleFunding(i, res);
    const p = this.account.position;
    if (p) {
      const adverse = p.side === 1 ? this.market.low[i] : this.market.high[i];
      const favourable = p.side === 1 ? this.market.high[i] : this.market.low[i];
      const touched = (level: number | undefined, extreme: number, down: boolean) => level !== undefined && (down ? extreme <= level : extreme >= level);
      const down = p.side === 1;
      const liq = touched(p.liquidationPrice, adverse, down);
      const stop = touched(p.stopPrice, adverse, down);
      const t = this.market.openTime[i];
      if (liq || stop) {
        // going the adverse way, the level nearer the open is reached first
        const stopFirst = stop && (!liq || (down ? p.stopPrice! >= p.liquidationPrice : p.stopPrice! <= p.liquidationPrice));
        if (stopFirst) {
          // a stop market order at the stop price, or at the open if the bar gapped through it
          const ref = down ? Math.min(p.stopPrice!, this.market.open[i]) : Math.max(p.stopPrice!, this.market.open[i]);
          // a stop that trailing has carried past the entry locks a profit: the dynamic take-profit
          this.close(ref, this.cfg.defaultHalfSpreadBps, t, i, p.side * (p.stopPrice! - p.entryPrice) > 0 ? "take-profit" : "stop-loss", res);
        } else this.account.liquidate(t, i, res);
      } else if (touched(p.takeProfitPrice, favourable, !down)) {
        const ref = down ? Math.max(p.takeProfitPrice!, this.market.open[i]) : Math.min(p.takeProfitPrice!, this.market.open[i]);
        this.close(ref, this.cfg.defaultHalfSpreadBps, t, i, "take-profit", res);
      } else if (p.trailingStopPct !== undefined) {
        p.stopPrice = trailedStop(p.side, p.stopPrice, favourable, p.trailingStopPct);
      }
    }
  }

  /** Funding settlements before bar i's close while a position is open: longs pay positive rates. */
  private settleFunding(i: number, res: StepResult): void {
    const closeMs = barCloseMs(this.market.openTime[i]);
    while (this.fundingIdx < this.funding.timeMs.length && this.funding.timeMs[this.fundingIdx] < closeMs) {
      // the settlement's mark price where the store has it, else the bar's open (the settlement instant)
      const mark = this.funding.markPrice?.[this.fundingIdx];
      this.account.settleFunding(mark !== undefined && Number.isFinite(mark) ? mark : this.market.open[i], this.funding.rate[this.fundingIdx], res);
      this.fundingIdx++;
    }
  }
}

function emptyStep(bar: number): StepResult {
  return { bar, equityUsdt: 0, feesUsdt: 0, fundingUsdt: 0, realizedPnlUsdt: 0, fills: 0, closed: [], halfSpreadBps: 0, riskEvents: [] };
}
