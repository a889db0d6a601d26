// One isolated-margin, one-way account on one symbol: wallet balance, at most one position, and the
// fills, funding and liquidations applied to it with the arithmetic of costs.ts. The bar simulator
// (backtest and training), the paper client and the local exchange's matching all keep their books here.
import { type MarginBracket, bracketFor } from "./brackets.ts";
import { type Side, feeUsdt, fundingUsdt, initialMarginUsdt, liquidationPrice, positionPnlUsdt } from "./costs.ts";

/** Why a position closed; "risk-halt": the risk engine halted trading and flattened it. */
export type ExitReason = "signal" | "stop-loss" | "take-profit" | "liquidation" | "end-of-data" | "risk-halt";

export interface Position {
  side: 1 | -1;
  qty: number;
  entryPrice: number;
  marginUsdt: number;
  liquidationPrice: number;
  stopPrice?: number;
  takeProfitPrice?: number;
  /** Trailing stop distance, fraction of price: stopPrice ratchets from the best price since entry. */
  trailingStopPct?: number;
  entryTimeMs: number;
  /** Index of the bar the position opened in, on the caller's bar clock (holding time = bars since). */
  entryBar: number;
  feesUsdt: number;
  fundingUsdt: number;
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

/** What a sequence of account operations did: the caller's accumulator (a simulator step, a session bar). */
export interface Ledger {
  feesUsdt: number;
  fundingUsdt: number;
  realizedPnlUsdt: number;
  closed: Trade[];
}

export function emptyLedger(): Ledger {
  return { feesUsdt: 0, fundingUsdt: 0, realizedPnlUsdt: 0, closed: [] };
}

export interface AccountRules {
  leverage: number;
  /** The rate of the one bracket used when `brackets` is absent. */
  maintenanceMarginRate: number;
  /** Maintenance-margin brackets by notional (brackets.ts); absent = one bracket at maintenanceMarginRate, cum 0. */
  brackets?: readonly MarginBracket[];
}

export interface OpenFill {
  side: 1 | -1;
  qty: number;
  price: number;
  feeRate: number;
  timeMs: number;
  bar: number;
  stopPrice?: number;
  takeProfitPrice?: number;
  trailingStopPct?: number;
}

export class Account {
  /** Wallet balance: cash including margin, excluding unrealized PnL. */
  balanceUsdt: number;
  position: Position | undefined;

  constructor(
    readonly rules: AccountRules,
    balanceUsdt: number,
  ) {
    this.balanceUsdt = balanceUsdt;
  }

  get side(): Side {
    return this.position?.side ?? 0;
  }

  unrealizedPnlUsdt(markPrice: number): number {
    const p = this.position;
    return p ? positionPnlUsdt(p.side, p.qty, p.entryPrice, markPrice) : 0;
  }

  /** Wallet balance plus the open position's PnL at a mark price. */
  equityUsdt(markPrice: number): number {
    return this.balanceUsdt + this.unrealizedPnlUsdt(markPrice);
  }

  /** Open a position with a taker fill (the account must be flat). */
  open(f: OpenFill, out: Ledger): Position {
    if (this.position) throw new Error("internal: opening a position while one is open");
    const fee = feeUsdt(f.qty, f.price, f.feeRate);
    this.balanceUsdt -= fee;
    out.feesUsdt += fee;
    const marginUsdt = initialMarginUsdt(f.qty, f.price, this.rules.leverage);
    this.position = {
      side: f.side,
      qty: f.qty,
      entryPrice: f.price,
      marginUsdt,
      liquidationPrice: this.liquidationPriceOf(f.side, f.qty, f.price, marginUsdt),
      stopPrice: f.stopPrice,
      takeProfitPrice: f.takeProfitPrice,
      ...(f.trailingStopPct !== undefined ? { trailingStopPct: f.trailingStopPct } : {}),
      entryTimeMs: f.timeMs,
      entryBar: f.bar,
      feesUsdt: fee,
      fundingUsdt: 0,
    };
    return this.position;
  }

  /** Close the whole position at a fill price, paying the fee at `feeRate`. */
  close(price: number, feeRate: number, timeMs: number, bar: number, reason: ExitReason, out: Ledger): Trade {
    const p = this.requirePosition();
    return this.settle(p, price, positionPnlUsdt(p.side, p.qty, p.entryPrice, price), feeUsdt(p.qty, price, feeRate), timeMs, bar, reason, out);
  }

  /** Isolated liquidation: closed at the liquidation price, the whole margin lost (the rest goes to the insurance fund). */
  liquidate(timeMs: number, bar: number, out: Ledger): Trade {
    const p = this.requirePosition();
    return this.settle(p, p.liquidationPrice, -p.marginUsdt, 0, timeMs, bar, "liquidation", out);
  }

  /**
   * Binance's isolated liquidation price of a position, with the maintenance bracket of its notional at
   * entry (rate and cum from the symbol's table, or the one configured rate).
   */
  liquidationPriceOf(side: 1 | -1, qty: number, entryPrice: number, marginUsdt: number): number {
    const b = this.rules.brackets ? bracketFor(this.rules.brackets, qty * entryPrice) : undefined;
    return b ? liquidationPrice(side, qty, entryPrice, marginUsdt, b.maintMarginRatio, b.cum) : liquidationPrice(side, qty, entryPrice, marginUsdt, this.rules.maintenanceMarginRate);
  }

  /**
   * A funding settlement on the open position (none when flat). On isolated margin Binance pays and
   * credits funding from the position's own margin, so the margin and the liquidation price move with it.
   */
  settleFunding(markPrice: number, rate: number, out: Ledger): number {
    const p = this.position;
    if (!p) return 0;
    const amount = fundingUsdt(p.side, p.qty, markPrice, rate);
    this.balanceUsdt += amount;
    p.fundingUsdt += amount;
    p.marginUsdt += amount;
    p.liquidationPrice = this.liquidationPriceOf(p.side, p.qty, p.entryPrice, p.marginUsdt);
    out.fundingUsdt += amount;
    return amount;
  }

  private settle(p: Position, price: number, pnl: number, fee: number, timeMs: number, bar: number, reason: ExitReason, out: Ledger): Trade {
    this.balanceUsdt += pnl - fee;
    out.feesUsdt += fee;
    out.realizedPnlUsdt += pnl;
    const trade: Trade = {
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
    };
    out.closed.push(trade);
    this.position = undefined;
    return trade;
  }

  private requirePosition(): Position {
    if (!this.position) throw new Error("internal: closing a position that is not open");
    return this.position;
  }
}
