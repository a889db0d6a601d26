// The local exchange's matching engine: one account in one-way mode over every listed symbol, matched
// against the replayed bars with the bar simulator's rules and booked on src/sim's Account.
// - MARKET orders fill at once at the bar in progress's open plus half the spread and slippage
//   (takerFillPrice), taker fee; a LIMIT order that is not marketable rests and fills at its price, maker
//   fee, when the bar's range reaches it.
// - Inside a bar the path is open → adverse extreme → the other extreme → close (adverse = low first for a
//   long, high first otherwise, as simulator.ts assumes); resting limits, algo triggers and liquidation fire
//   in the order that path reaches their levels, a level already passed at the open firing at the open.
// - Funding settles at the start of the bar holding its time, before anything the bar's range triggers,
//   on the stored mark price or else the bar's open (as the simulator does).
import { upperBound } from "../../core/sorted.ts";
import { BAR_MS, barCloseMs } from "../../core/time.ts";
import { Account, emptyLedger, type Ledger } from "../../sim/account.ts";
import { bracketTable } from "../../sim/brackets.ts";
import { takerFillPrice } from "../../sim/costs.ts";
import type { SimConfig } from "../../sim/config.ts";
import type { FundingColumns, KlineColumns } from "../market-data.ts";
import { QTY_EPS, applyFill, signedQty } from "./book.ts";
import { type SymbolFilters, symbolFilters } from "./filters.ts";
import type { AlgoOrder, Order, OrderSide, UserEvent, UserTrade } from "./types.ts";
import { accountUpdate, algoUpdate, orderTradeUpdate } from "./format.ts";

export interface SymbolBook {
  symbol: string;
  bars: KlineColumns;
  funding?: FundingColumns;
  filters: SymbolFilters;
  account: Account;
  /** Next bar to process: the first whose close is after the clock. */
  nextBar: number;
  fundingIdx: number;
}

export interface EngineOptions {
  sim: SimConfig;
  startMs: number;
  balanceUsdt: number;
}

type Trigger = { level: number; down: boolean; fire: (refPrice: number, atOpen: boolean) => void };

export class TradingEngine {
  readonly books = new Map<string, SymbolBook>();
  readonly orders = new Map<number, Order>();
  readonly algoOrders = new Map<number, AlgoOrder>();
  readonly trades: UserTrade[] = [];
  /** The one wallet: every symbol's Account reads and writes it (see withAccount). */
  walletUsdt: number;
  marginType: "ISOLATED" | "CROSSED" = "CROSSED";
  dualSidePosition = false;
  private nextOrderId = 1_000_001;
  private nextAlgoId = 2_000_001;
  private nextTradeId = 1;
  private readonly userListeners: ((ev: UserEvent) => void)[] = [];
  private readonly barListeners: ((symbol: string, bar: number) => void)[] = [];
  nowMs: number;

  constructor(
    readonly opts: EngineOptions,
    markets: { symbol: string; bars: KlineColumns; funding?: FundingColumns }[],
  ) {
    this.walletUsdt = opts.balanceUsdt;
    this.nowMs = opts.startMs;
    for (const m of markets) {
      const n = m.bars.close.length;
      this.books.set(m.symbol, {
        ...m,
        filters: symbolFilters(m.symbol, n ? m.bars.close[n - 1] : 60_000),
        account: new Account(
          { leverage: opts.sim.leverage, maintenanceMarginRate: opts.sim.maintenanceMarginRate, brackets: bracketTable(m.symbol, opts.sim.maintenanceMarginRate).brackets },
          opts.balanceUsdt,
        ),
        nextBar: upperBound(m.bars.openTime, opts.startMs - BAR_MS),
        fundingIdx: m.funding ? upperBound(m.funding.fundingTime, opts.startMs - 1) : 0,
      });
    }
  }

  onUserEvent(l: (ev: UserEvent) => void): void {
    this.userListeners.push(l);
  }

  onBarClose(l: (symbol: string, bar: number) => void): void {
    this.barListeners.push(l);
  }

  emit(ev: UserEvent): void {
    for (const l of this.userListeners) l(ev);
  }

  book(symbol: string): SymbolBook | undefined {
    return this.books.get(symbol);
  }

  /** The price a market order fills around at time t: the bar in progress's open (the last close past the data). */
  priceAt(b: SymbolBook, t = this.nowMs): number | undefined {
    const i = upperBound(b.bars.openTime, t) - 1;
    if (i < 0) return undefined;
    return barCloseMs(b.bars.openTime[i]) > t ? b.bars.open[i] : b.bars.close[i];
  }

  /** A market order's fill price now: the bar's open plus half the spread and slippage (the simulator's rule). */
  takerPrice(b: SymbolBook, buying: boolean): number {
    const ref = this.priceAt(b);
    if (ref === undefined) throw new Error(`internal: no price for ${b.symbol}`);
    return takerFillPrice(ref, buying, this.opts.sim.defaultHalfSpreadBps, this.opts.sim.slippageBps);
  }

  /** Run fn on a symbol's Account with the shared wallet in it. */
  withAccount<T>(b: SymbolBook, fn: (a: Account) => T): T {
    b.account.balanceUsdt = this.walletUsdt;
    try {
      return fn(b.account);
    } finally {
      this.walletUsdt = b.account.balanceUsdt;
    }
  }

  /** Isolated margin held by every open position: not available for new orders. */
  usedMarginUsdt(): number {
    let m = 0;
    for (const b of this.books.values()) m += b.account.position?.marginUsdt ?? 0;
    return m;
  }

  newOrderId(): number {
    return this.nextOrderId++;
  }

  newAlgoId(): number {
    return this.nextAlgoId++;
  }

  /** Process every bar that closed by `toMs` on every symbol, in time order. */
  advance(toMs: number): void {
    for (;;) {
      let next: SymbolBook | undefined;
      for (const b of this.books.values()) {
        if (b.nextBar >= b.bars.openTime.length || barCloseMs(b.bars.openTime[b.nextBar]) > toMs) continue;
        if (!next || b.bars.openTime[b.nextBar] < next.bars.openTime[next.nextBar]) next = b;
      }
      if (!next) break;
      const i = next.nextBar++;
      this.nowMs = next.bars.closeTime[i];
      this.settleFunding(next, i);
      this.liveThroughBar(next, i);
      this.nowMs = barCloseMs(next.bars.openTime[i]);
      for (const l of this.barListeners) l(next.symbol, i);
    }
    this.nowMs = toMs;
  }

  /**
   * Fill an order of `qty` on `side` at `price` and tell the user stream. The caller checked margin and
   * reduce-only; `ref` is the order being filled.
   */
  fill(b: SymbolBook, o: Order, qty: number, price: number, maker: boolean, reason = "ORDER"): Ledger {
    const side = o.side === "BUY" ? 1 : -1;
    const feeRate = maker ? this.opts.sim.makerFeeRate : this.opts.sim.takerFeeRate;
    const i = Math.max(0, upperBound(b.bars.openTime, this.nowMs) - 1);
    const { ledger } = this.withAccount(b, (a) => applyFill(a, side, qty, price, feeRate, this.nowMs, i));
    o.cumQuoteUsdt += qty * price;
    o.executedQty += qty;
    o.avgPriceUsdt = o.cumQuoteUsdt / o.executedQty;
    o.status = o.executedQty >= o.qty - QTY_EPS || o.qty === 0 ? "FILLED" : "PARTIALLY_FILLED";
    o.updateTimeMs = this.nowMs;
    const trade: UserTrade = {
      id: this.nextTradeId++, orderId: o.orderId, symbol: b.symbol, side: o.side, priceUsdt: price, qty, quoteQtyUsdt: qty * price,
      commissionUsdt: ledger.feesUsdt, realizedPnlUsdt: ledger.realizedPnlUsdt, maker, timeMs: this.nowMs,
    };
    this.trades.push(trade);
    this.emit(orderTradeUpdate(o, this.nowMs, { execType: "TRADE", trade }));
    this.emit(accountUpdate(this, b, this.nowMs, reason));
    if (!b.account.position) this.positionGone(b);
    return ledger;
  }

  /** Reduce-only and close-position orders of a position that closed expire, so none fills later. */
  positionGone(b: SymbolBook): void {
    for (const a of this.algoOrders.values()) {
      if (a.symbol === b.symbol && a.status === "NEW" && (a.closePosition || a.reduceOnly)) this.endAlgo(a, "EXPIRED");
    }
    for (const o of this.orders.values()) {
      if (o.symbol === b.symbol && (o.status === "NEW" || o.status === "PARTIALLY_FILLED") && o.reduceOnly) this.expireOrder(o);
    }
  }

  expireOrder(o: Order, status: "EXPIRED" | "CANCELED" = "EXPIRED"): void {
    o.status = status;
    o.updateTimeMs = this.nowMs;
    this.emit(orderTradeUpdate(o, this.nowMs, { execType: status === "EXPIRED" ? "EXPIRED" : "CANCELED" }));
  }

  endAlgo(a: AlgoOrder, status: "CANCELED" | "EXPIRED" | "FINISHED" | "REJECTED"): void {
    a.status = status;
    a.updateTimeMs = this.nowMs;
    this.emit(algoUpdate(a, this.nowMs));
  }

  /** The quantity a reduce-only or close-position order may fill now (0 when it would not reduce). */
  reducibleQty(b: SymbolBook, side: OrderSide): number {
    const pos = signedQty(b.account);
    return (side === "SELL" && pos > 0) || (side === "BUY" && pos < 0) ? Math.abs(pos) : 0;
  }

  /** Trigger a conditional order into a market order filled at `ref` (the trigger price or a gapped open). */
  triggerAlgo(b: SymbolBook, a: AlgoOrder, ref: number): void {
    a.status = "TRIGGERED";
    a.triggerTimeMs = this.nowMs;
    const reducible = this.reducibleQty(b, a.side);
    const qty = a.closePosition ? reducible : a.reduceOnly ? Math.min(a.qty, reducible) : a.qty;
    const child: Order = {
      orderId: this.newOrderId(), symbol: a.symbol, clientOrderId: a.clientAlgoId, side: a.side, type: "MARKET", origType: a.type, timeInForce: "GTC",
      qty, priceUsdt: 0, reduceOnly: a.reduceOnly || a.closePosition, closePosition: a.closePosition, status: "NEW", executedQty: 0, avgPriceUsdt: 0,
      cumQuoteUsdt: 0, timeMs: this.nowMs, updateTimeMs: this.nowMs, stopPriceUsdt: a.triggerPriceUsdt, workingType: a.workingType,
    };
    a.actualOrderId = child.orderId;
    this.emit(algoUpdate(a, this.nowMs));
    if (qty <= QTY_EPS) {
      this.endAlgo(a, "EXPIRED");
      return;
    }
    this.orders.set(child.orderId, child);
    this.emit(orderTradeUpdate(child, this.nowMs, { execType: "NEW" }));
    const price = takerFillPrice(ref, a.side === "BUY", this.opts.sim.defaultHalfSpreadBps, this.opts.sim.slippageBps);
    a.actualPriceUsdt = price;
    this.fill(b, child, qty, price, false);
    if (a.status === "TRIGGERED") this.endAlgo(a, "FINISHED");
  }

  private triggers(b: SymbolBook): Trigger[] {
    const out: Trigger[] = [];
    for (const o of this.orders.values()) {
      if (o.symbol !== b.symbol || o.type !== "LIMIT" || (o.status !== "NEW" && o.status !== "PARTIALLY_FILLED")) continue;
      out.push({
        level: o.priceUsdt,
        down: o.side === "BUY",
        fire: () => {
          const left = o.qty - o.executedQty;
          const qty = o.reduceOnly ? Math.min(left, this.reducibleQty(b, o.side)) : left;
          if (qty > QTY_EPS) this.fill(b, o, qty, o.priceUsdt, true);
          else this.expireOrder(o); // a reduce-only order with nothing left to reduce
        },
      });
    }
    for (const a of this.algoOrders.values()) {
      if (a.symbol !== b.symbol || a.status !== "NEW") continue;
      // STOP_MARKET buys when the price rises to the trigger and sells when it falls; TAKE_PROFIT the reverse
      const down = (a.type === "STOP_MARKET") === (a.side === "SELL");
      out.push({ level: a.triggerPriceUsdt, down, fire: (ref) => this.triggerAlgo(b, a, ref) });
    }
    const p = b.account.position;
    if (p) out.push({ level: p.liquidationPrice, down: p.side === 1, fire: () => this.liquidate(b) });
    return out;
  }

  private liveThroughBar(b: SymbolBook, i: number): void {
    const { open, high, low, close } = b.bars;
    const longFirst = (b.account.position?.side ?? 0) === 1;
    const path = longFirst ? [low[i], high[i], close[i]] : [high[i], low[i], close[i]];
    let cur = open[i];
    // levels the open has already passed fire at the open (a gap), nearest first
    this.walk(b, cur, cur, true);
    for (const to of path) {
      this.walk(b, cur, to, false);
      cur = to;
    }
  }

  /** Fire, one at a time and nearest first, every trigger the move from `from` to `to` reaches. */
  private walk(b: SymbolBook, from: number, to: number, atOpen: boolean): void {
    let cur = from;
    for (let guard = 0; guard < 10_000; guard++) {
      const down = to < cur;
      let best: Trigger | undefined;
      for (const t of this.triggers(b)) {
        const reached = atOpen ? (t.down ? from <= t.level : from >= t.level) : t.down === down && (down ? t.level <= cur && t.level >= to : t.level >= cur && t.level <= to);
        if (!reached) continue;
        if (!best || Math.abs(t.level - cur) < Math.abs(best.level - cur)) best = t;
      }
      if (!best) return;
      if (!atOpen) cur = best.level;
      best.fire(atOpen ? from : best.level, atOpen);
    }
    throw new Error("internal: the matching loop did not settle");
  }

  private liquidate(b: SymbolBook): void {
    const p = b.account.position!;
    const side: OrderSide = p.side === 1 ? "SELL" : "BUY";
    const o: Order = {
      orderId: this.newOrderId(), symbol: b.symbol, clientOrderId: `autoclose-${this.nowMs}`, side, type: "LIMIT", origType: "LIQUIDATION", timeInForce: "IOC",
      qty: p.qty, priceUsdt: p.liquidationPrice, reduceOnly: true, closePosition: false, status: "FILLED", executedQty: p.qty, avgPriceUsdt: p.liquidationPrice,
      cumQuoteUsdt: p.qty * p.liquidationPrice, timeMs: this.nowMs, updateTimeMs: this.nowMs, stopPriceUsdt: 0, workingType: "CONTRACT_PRICE",
    };
    const ledger = emptyLedger();
    const i = upperBound(b.bars.openTime, this.nowMs) - 1;
    this.withAccount(b, (a) => a.liquidate(this.nowMs, i, ledger));
    this.orders.set(o.orderId, o);
    const trade: UserTrade = {
      id: this.nextTradeId++, orderId: o.orderId, symbol: b.symbol, side, priceUsdt: o.priceUsdt, qty: o.qty, quoteQtyUsdt: o.cumQuoteUsdt,
      commissionUsdt: 0, realizedPnlUsdt: ledger.realizedPnlUsdt, maker: false, timeMs: this.nowMs,
    };
    this.trades.push(trade);
    this.emit(orderTradeUpdate(o, this.nowMs, { execType: "CALCULATED", trade }));
    this.emit(accountUpdate(this, b, this.nowMs, "ORDER"));
    this.positionGone(b);
  }

  private settleFunding(b: SymbolBook, i: number): void {
    const f = b.funding;
    if (!f) return;
    const closeMs = barCloseMs(b.bars.openTime[i]);
    while (b.fundingIdx < f.fundingTime.length && f.fundingTime[b.fundingIdx] < closeMs) {
      const mark = f.markPrice[b.fundingIdx];
      const rate = f.fundingRate[b.fundingIdx++];
      const amount = this.withAccount(b, (a) => a.settleFunding(Number.isFinite(mark) ? mark : b.bars.open[i], rate, emptyLedger()));
      if (amount !== 0) this.emit(accountUpdate(this, b, this.nowMs, "FUNDING_FEE", amount));
    }
  }
}
