// Orders, positions and user-data events in Binance's exact JSON: numbers as strings, Binance's field
// names (ORDER_TRADE_UPDATE `o.{s,c,S,o,...}`, ACCOUNT_UPDATE `a.{m,B,P}`, ALGO_UPDATE `o.{caid,aid,X,tp,ai}`).
import type { SymbolBook, TradingEngine } from "./engine.ts";
import { signedQty } from "./book.ts";
import type { AlgoOrder, Order, UserEvent, UserTrade } from "./types.ts";
import type { Account } from "../../sim/account.ts";

const s = (x: number) => String(x);

/** The largest position notional the account's leverage allows: the cap of the last bracket that offers it. */
export function maxNotionalUsdt(account: Account): number {
  let cap = 0;
  for (const b of account.rules.brackets ?? []) if (b.initialLeverage >= account.rules.leverage) cap = Math.max(cap, b.notionalCap);
  return cap;
}

export function orderJson(o: Order, full = true) {
  return {
    orderId: o.orderId,
    symbol: o.symbol,
    status: o.status,
    clientOrderId: o.clientOrderId,
    price: s(o.priceUsdt),
    avgPrice: s(o.avgPriceUsdt),
    origQty: s(o.qty),
    executedQty: s(o.executedQty),
    cumQty: s(o.executedQty),
    cumQuote: s(o.cumQuoteUsdt),
    timeInForce: o.timeInForce,
    type: o.type,
    reduceOnly: o.reduceOnly,
    closePosition: o.closePosition,
    side: o.side,
    positionSide: "BOTH",
    stopPrice: s(o.stopPriceUsdt),
    workingType: o.workingType,
    priceProtect: false,
    origType: o.origType,
    priceMatch: "NONE",
    selfTradePreventionMode: "EXPIRE_MAKER",
    goodTillDate: 0,
    ...(full ? { time: o.timeMs } : {}),
    updateTime: o.updateTimeMs,
  };
}

export function algoJson(a: AlgoOrder) {
  return {
    algoId: a.algoId,
    clientAlgoId: a.clientAlgoId,
    algoType: "CONDITIONAL",
    orderType: a.type,
    symbol: a.symbol,
    side: a.side,
    positionSide: "BOTH",
    timeInForce: "GTC",
    quantity: s(a.qty),
    algoStatus: a.status,
    actualOrderId: a.actualOrderId !== undefined ? String(a.actualOrderId) : "",
    actualPrice: a.actualPriceUsdt !== undefined ? s(a.actualPriceUsdt) : "0",
    triggerPrice: s(a.triggerPriceUsdt),
    price: "0",
    icebergQuantity: null,
    tpTriggerPrice: "0",
    tpPrice: "0",
    slTriggerPrice: "0",
    slPrice: "0",
    tpOrderType: "",
    selfTradePreventionMode: "EXPIRE_MAKER",
    workingType: a.workingType,
    priceMatch: "NONE",
    closePosition: a.closePosition,
    priceProtect: a.priceProtect,
    reduceOnly: a.reduceOnly,
    createTime: a.createTimeMs,
    updateTime: a.updateTimeMs,
    triggerTime: a.triggerTimeMs,
    goodTillDate: 0,
  };
}

export function userTradeJson(t: UserTrade) {
  return {
    buyer: t.side === "BUY",
    commission: s(t.commissionUsdt),
    commissionAsset: "USDT",
    id: t.id,
    maker: t.maker,
    orderId: t.orderId,
    price: s(t.priceUsdt),
    qty: s(t.qty),
    quoteQty: s(t.quoteQtyUsdt),
    realizedPnl: s(t.realizedPnlUsdt),
    side: t.side,
    positionSide: "BOTH",
    symbol: t.symbol,
    time: t.timeMs,
  };
}

export function orderTradeUpdate(o: Order, nowMs: number, what: { execType: string; trade?: UserTrade }): UserEvent {
  const t = what.trade;
  return {
    e: "ORDER_TRADE_UPDATE",
    E: nowMs,
    T: nowMs,
    o: {
      s: o.symbol, c: o.clientOrderId, S: o.side, o: o.type, f: o.timeInForce, q: s(o.qty), p: s(o.priceUsdt), ap: s(o.avgPriceUsdt),
      sp: s(o.stopPriceUsdt), x: what.execType, X: o.status, i: o.orderId, l: s(t?.qty ?? 0), z: s(o.executedQty), L: s(t?.priceUsdt ?? 0),
      N: "USDT", n: s(t?.commissionUsdt ?? 0), T: nowMs, t: t?.id ?? 0, b: "0", a: "0", m: t?.maker ?? false, R: o.reduceOnly,
      wt: o.workingType, ot: o.origType, ps: "BOTH", cp: o.closePosition, rp: s(t?.realizedPnlUsdt ?? 0), pP: false, si: 0, ss: 0,
      V: "EXPIRE_MAKER", pm: "NONE", gtd: 0,
    },
  };
}

export function algoUpdate(a: AlgoOrder, nowMs: number): UserEvent {
  return {
    e: "ALGO_UPDATE",
    T: nowMs,
    E: nowMs,
    o: {
      caid: a.clientAlgoId, aid: a.algoId, at: "CONDITIONAL", o: a.type, s: a.symbol, S: a.side, ps: "BOTH", f: "GTC", q: s(a.qty), X: a.status,
      ai: a.actualOrderId !== undefined ? String(a.actualOrderId) : "", ap: s(a.actualPriceUsdt ?? 0), aq: s(a.actualOrderId !== undefined ? a.qty : 0),
      act: "0", tp: s(a.triggerPriceUsdt), p: "0", V: "EXPIRE_MAKER", wt: a.workingType, pm: "NONE", cp: a.closePosition, pP: a.priceProtect,
      R: a.reduceOnly, tt: a.triggerTimeMs, gtd: 0,
    },
  };
}

export function accountUpdate(engine: TradingEngine, b: SymbolBook, nowMs: number, reason: string, balanceChangeUsdt = 0): UserEvent {
  const p = b.account.position;
  const mark = engine.priceAt(b) ?? 0;
  return {
    e: "ACCOUNT_UPDATE",
    E: nowMs,
    T: nowMs,
    a: {
      m: reason,
      B: [{ a: "USDT", wb: s(engine.walletUsdt), cw: s(engine.walletUsdt - engine.usedMarginUsdt()), bc: s(balanceChangeUsdt) }],
      P: [
        {
          s: b.symbol, pa: s(signedQty(b.account)), ep: s(p?.entryPrice ?? 0), bep: s(p?.entryPrice ?? 0), cr: "0",
          up: s(b.account.unrealizedPnlUsdt(mark)), mt: engine.marginType === "ISOLATED" ? "isolated" : "cross", iw: s(p?.marginUsdt ?? 0), ps: "BOTH",
        },
      ],
    },
  };
}

export function positionJson(engine: TradingEngine, b: SymbolBook) {
  const p = b.account.position;
  const mark = engine.priceAt(b) ?? 0;
  const qty = signedQty(b.account);
  return {
    symbol: b.symbol,
    positionAmt: s(qty),
    entryPrice: s(p?.entryPrice ?? 0),
    breakEvenPrice: s(p?.entryPrice ?? 0),
    markPrice: s(mark),
    unRealizedProfit: s(b.account.unrealizedPnlUsdt(mark)),
    liquidationPrice: s(p?.liquidationPrice ?? 0),
    leverage: s(b.account.rules.leverage),
    maxNotionalValue: s(maxNotionalUsdt(b.account)),
    marginType: engine.marginType === "ISOLATED" ? "isolated" : "cross",
    isolatedMargin: s(p?.marginUsdt ?? 0),
    isAutoAddMargin: "false",
    positionSide: "BOTH",
    notional: s(qty * mark),
    isolatedWallet: s(p?.marginUsdt ?? 0),
    updateTime: p ? engine.nowMs : 0,
  };
}
