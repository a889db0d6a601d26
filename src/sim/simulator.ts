// The futures simulator: one position (flat / long / short) on isolated margin, filled at the next
// bar's open plus half the spread and slippage, charged Binance's taker fee, settled funding at funding
// times, stopped out / taken profit / liquidated inside a bar from its high and low. Training,
// evaluation and paper trading all use this one class, so every number is computed once.
//
// Within a bar the path is unknown, so the rule is conservative: the adverse extreme is assumed to come
// first. A long is checked against the low before the high (stop-loss or liquidation, whichever price is
// reached first going down, before any take-profit); a short against the high first.
import { z } from "zod";
import { lowerBound } from "../core/sorted.ts";
import type { SimConfig } from "./config.ts";

export type Side = -1 | 0 | 1;
export type ExitReason = "signal" | "stop-loss" | "take-profit" | "liquidation" | "end-of-data";

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
}

export interface Trade {
  side: 1 | -1;
  entryTimeMs: number;
  exitTimeMs: number;
  entryPrice: number;
  exitPrice: number;
  qty: number;
  feesUsdt: number;
  fundingUsdt: number;
  pnlUsdt: number;
  holdingBars: number;
  exitReason: ExitReason;
}

export interface StepResult {
  /** Bar whose close ends this step. */
  bar: number;
  equityUsdt: number;
  feesUsdt: number;
  fundingUsdt: number;
  realizedPnlUsdt: number;
  /** Fills executed in this step (0, 1 or 2 on a reversal). */
  fills: number;
  closed: Trade[];
  /** Half-spread paid on this step's fills, bps. */
  halfSpreadBps: number;
}

interface Position {
  side: 1 | -1;
  qty: number;
  entryPrice: number;
  marginUsdt: number;
  liquidationPrice: number;
  stopPrice?: number;
  takeProfitPrice?: number;
  entryTimeMs: number;
  entryBar: number;
  feesUsdt: number;
  fundingUsdt: number;
}

const BPS = 1e4;

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
        entryTimeMs: f64,
        entryBar: z.number().int(),
        feesUsdt: f64,
        fundingUsdt: f64,
      })
      .strict()
      .optional(),
  })
  .strict();
export type SimState = z.infer<typeof SimStateSchema>;

export class FuturesSimulator {
  /** Wallet balance: cash including margin, excluding unrealized PnL. */
  balanceUsdt = 0;
  position: Position | undefined;
  bar = 0;
  private fundingIdx = 0;

  constructor(
    readonly cfg: SimConfig,
    readonly market: MarketColumns,
    readonly funding: FundingSchedule = { timeMs: new Float64Array(0), rate: new Float64Array(0) },
  ) {}

  reset(startBar: number): void {
    this.balanceUsdt = this.cfg.initialEquityUsdt;
    this.position = undefined;
    this.bar = startBar;
    this.fundingIdx = lowerBound(this.funding.timeMs, this.market.openTime[startBar] + 60_000);
  }

  /** A copy of the state between steps; `restore` of it continues exactly where this left off. */
  snapshot(): SimState {
    const p = this.position;
    return { balanceUsdt: this.balanceUsdt, bar: this.bar, fundingIdx: this.fundingIdx, ...(p ? { position: { ...p } } : {}) };
  }

  restore(s: SimState): void {
    if (s.bar >= this.market.open.length) throw new RangeError(`bar ${s.bar} is past the market's ${this.market.open.length} bars`);
    if (s.fundingIdx > this.funding.timeMs.length) throw new RangeError(`funding index ${s.fundingIdx} is past the ${this.funding.timeMs.length} funding times`);
    this.balanceUsdt = s.balanceUsdt;
    this.bar = s.bar;
    this.fundingIdx = s.fundingIdx;
    this.position = s.position ? { ...s.position } : undefined;
  }

  get side(): Side {
    return this.position?.side ?? 0;
  }

  /** Equity marked at bar i's close. */
  equityAt(i = this.bar): number {
    const p = this.position;
    return this.balanceUsdt + (p ? p.side * p.qty * (this.market.close[i] - p.entryPrice) : 0);
  }

  unrealizedPnlUsdt(i = this.bar): number {
    const p = this.position;
    return p ? p.side * p.qty * (this.market.close[i] - p.entryPrice) : 0;
  }

  /**
   * The decision taken at the close of the current bar: hold the target side. Executes at the next
   * bar's open, then lives through that bar (stops, liquidation, funding). Returns what happened.
   */
  step(target: Side): StepResult {
    const next = this.bar + 1;
    if (next >= this.market.open.length) throw new Error("internal: stepped past the last bar");
    const res: StepResult = { bar: next, equityUsdt: 0, feesUsdt: 0, fundingUsdt: 0, realizedPnlUsdt: 0, fills: 0, closed: [], halfSpreadBps: 0 };
    const halfSpread = this.halfSpreadBps(this.bar);
    const open = this.market.open[next];
    const t = this.market.openTime[next];
    if (this.position && this.position.side !== target) {
      this.close(open, halfSpread, t, next, "signal", res);
    }
    if (!this.position && target !== 0) this.openPosition(target, open, halfSpread, t, next, res);
    this.liveThroughBar(next, res);
    this.bar = next;
    res.equityUsdt = this.equityAt(next);
    return res;
  }

  /** Close whatever is open at the current bar's close (end of an episode or of the data). */
  closeAtEnd(): Trade | undefined {
    if (!this.position) return undefined;
    const res: StepResult = { bar: this.bar, equityUsdt: 0, feesUsdt: 0, fundingUsdt: 0, realizedPnlUsdt: 0, fills: 0, closed: [], halfSpreadBps: 0 };
    this.close(this.market.close[this.bar], this.halfSpreadBps(this.bar), this.market.openTime[this.bar] + 60_000, this.bar, "end-of-data", res);
    return res.closed[0];
  }

  /** Half the book spread at bar i's close, or the configured default when unknown. */
  halfSpreadBps(i: number): number {
    const s = this.market.spreadBps?.[i];
    return s !== undefined && Number.isFinite(s) ? s / 2 : this.cfg.defaultHalfSpreadBps;
  }

  /** Fill price for a taker order: worse than the reference by half the spread plus slippage. */
  fillPrice(ref: number, buying: boolean, halfSpreadBps: number): number {
    const adverse = (halfSpreadBps + this.cfg.slippageBps) / BPS;
    return buying ? ref * (1 + adverse) : ref * (1 - adverse);
  }

  private openPosition(side: 1 | -1, ref: number, halfSpreadBps: number, timeMs: number, bar: number, res: StepResult): void {
    const price = this.fillPrice(ref, side === 1, halfSpreadBps);
    const marginUsdt = this.balanceUsdt * this.cfg.positionFraction;
    const qty = Math.floor((marginUsdt * this.cfg.leverage) / price / this.cfg.qtyStep + 1e-9) * this.cfg.qtyStep;
    if (qty <= 0) return; // too little equity for one lot
    const fee = qty * price * this.cfg.takerFeeRate;
    this.balanceUsdt -= fee;
    res.feesUsdt += fee;
    res.fills++;
    res.halfSpreadBps += halfSpreadBps;
    const actualMargin = (qty * price) / this.cfg.leverage;
    this.position = {
      side,
      qty,
      entryPrice: price,
      marginUsdt: actualMargin,
      liquidationPrice: liquidationPrice(side, qty, price, actualMargin, this.cfg.maintenanceMarginRate),
      stopPrice: this.cfg.stopLossPct ? price * (1 - side * this.cfg.stopLossPct) : undefined,
      takeProfitPrice: this.cfg.takeProfitPct ? price * (1 + side * this.cfg.takeProfitPct) : undefined,
      entryTimeMs: timeMs,
      entryBar: bar,
      feesUsdt: fee,
      fundingUsdt: 0,
    };
  }

  /** Close at a reference price as a taker (signal, stop, take-profit, end of data). */
  private close(ref: number, halfSpreadBps: number, timeMs: number, bar: number, reason: ExitReason, res: StepResult, exact = false): void {
    const p = this.position!;
    const price = exact ? ref : this.fillPrice(ref, p.side === -1, halfSpreadBps);
    const pnl = p.side * p.qty * (price - p.entryPrice);
    const fee = p.qty * price * this.cfg.takerFeeRate;
    this.settle(p, price, pnl, fee, timeMs, bar, reason, res);
    if (!exact) {
      res.fills++;
      res.halfSpreadBps += halfSpreadBps;
    }
  }

  private settle(p: Position, price: number, pnl: number, fee: number, timeMs: number, bar: number, reason: ExitReason, res: StepResult): void {
    this.balanceUsdt += pnl - fee;
    res.feesUsdt += fee;
    res.realizedPnlUsdt += pnl;
    res.closed.push({
      side: p.side,
      entryTimeMs: p.entryTimeMs,
      exitTimeMs: timeMs,
      entryPrice: p.entryPrice,
      exitPrice: price,
      qty: p.qty,
      feesUsdt: p.feesUsdt + fee,
      fundingUsdt: p.fundingUsdt,
      pnlUsdt: pnl - p.feesUsdt - fee + p.fundingUsdt,
      holdingBars: bar - p.entryBar,
      exitReason: reason,
    });
    this.position = undefined;
  }

  /** Inside bar i: liquidation, stop-loss and take-profit from its range (adverse side first), then funding. */
  private liveThroughBar(i: number, res: StepResult): void {
    const p = this.position;
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
          this.close(ref, this.cfg.defaultHalfSpreadBps, t, i, "stop-loss", res);
        } else this.liquidate(p, t, i, res);
      } else if (touched(p.takeProfitPrice, favourable, !down)) {
        const ref = down ? Math.max(p.takeProfitPrice!, this.market.open[i]) : Math.min(p.takeProfitPrice!, this.market.open[i]);
        this.close(ref, this.cfg.defaultHalfSpreadBps, t, i, "take-profit", res);
      }
    }
    this.settleFunding(i, res);
  }

  /** Isolated liquidation: the position is closed at the liquidation price and its whole margin is lost. */
  private liquidate(p: Position, timeMs: number, bar: number, res: StepResult): void {
    const lossToMargin = -p.marginUsdt; // the remaining maintenance margin goes to the insurance fund
    this.settle(p, p.liquidationPrice, lossToMargin, 0, timeMs, bar, "liquidation", res);
  }

  /** Funding settlements at or before bar i's close while a position is open: longs pay positive rates. */
  private settleFunding(i: number, res: StepResult): void {
    const closeMs = this.market.openTime[i] + 60_000;
    while (this.fundingIdx < this.funding.timeMs.length && this.funding.timeMs[this.fundingIdx] < closeMs) {
      const p = this.position;
      if (p) {
        // mark price ≈ the bar's open (the settlement instant is the bar's start on the 8 h grid)
        const amount = -p.side * p.qty * this.market.open[i] * this.funding.rate[this.fundingIdx];
        this.balanceUsdt += amount;
        p.fundingUsdt += amount;
        res.fundingUsdt += amount;
      }
      this.fundingIdx++;
    }
  }
}

/**
 * Binance isolated-margin liquidation price for one position in one-way mode, first bracket
 * (maintenance amount 0): LP = (WB − side·Q·EP) / (Q·MMR − side·Q), WB = the isolated margin.
 * https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price-of-usd%E2%93%A2-m-futures-contracts-b3c689c1f50a44cabb3a84e663b81d93
 */
export function liquidationPrice(side: 1 | -1, qty: number, entry: number, marginUsdt: number, mmr: number): number {
  return (marginUsdt - side * qty * entry) / (qty * mmr - side * qty);
}
