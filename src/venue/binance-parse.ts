// Binance's JSON (REST answers and raw user-stream events) into the venue's types. Numbers arrive as
// strings, ids may be json-bigint BigNumbers (ids above 2^53): ids are kept as decimal strings.
import type { AlgoReport, AlgoStatus, OrderReport, OrderSide, OrderStatus, PositionReport, TradeReport, UserEvent } from "./types.ts";

type J = Record<string, any>;
const num = (v: unknown): number => (v === undefined || v === null || v === "" ? 0 : Number(v));
const id = (v: unknown): string => (v === undefined || v === null ? "" : String(v));

export function parseOrder(o: J): OrderReport {
  return {
    symbol: o.symbol,
    clientId: o.clientOrderId,
    orderId: id(o.orderId),
    side: o.side as OrderSide,
    type: o.type ?? o.origType,
    status: o.status as OrderStatus,
    qty: num(o.origQty),
    executedQty: num(o.executedQty),
    avgPrice: num(o.avgPrice),
    reduceOnly: o.reduceOnly === true || o.reduceOnly === "true",
    updateTimeMs: num(o.updateTime ?? o.time),
  };
}

export function parseAlgo(a: J): AlgoReport {
  const actual = id(a.actualOrderId);
  return {
    symbol: a.symbol,
    clientAlgoId: a.clientAlgoId,
    algoId: id(a.algoId),
    side: a.side as OrderSide,
    type: a.orderType ?? a.type,
    status: a.algoStatus as AlgoStatus,
    triggerPrice: num(a.triggerPrice),
    triggeredOrderId: actual && actual !== "0" ? actual : undefined,
    updateTimeMs: num(a.updateTime ?? a.createTime),
  };
}

export function parsePosition(symbol: string, rows: J[]): PositionReport {
  const p = rows.find((r) => r.symbol === symbol && (r.positionSide ?? "BOTH") === "BOTH");
  if (!p) return { symbol, qty: 0, entryPrice: 0, isolatedMarginUsdt: 0, liquidationPrice: 0, markPrice: 0, unrealizedPnlUsdt: 0 };
  return {
    symbol,
    qty: num(p.positionAmt),
    entryPrice: num(p.entryPrice),
    isolatedMarginUsdt: num(p.isolatedMargin ?? p.isolatedWallet),
    liquidationPrice: num(p.liquidationPrice),
    markPrice: num(p.markPrice),
    unrealizedPnlUsdt: num(p.unRealizedProfit ?? p.unrealizedProfit),
  };
}

export function parseUserTrade(t: J): TradeReport {
  return {
    tradeId: id(t.id),
    orderId: id(t.orderId),
    symbol: t.symbol,
    side: t.side as OrderSide,
    qty: num(t.qty),
    price: num(t.price),
    commission: num(t.commission),
    commissionAsset: t.commissionAsset,
    realizedPnlUsdt: num(t.realizedPnl),
    maker: Boolean(t.maker),
    timeMs: num(t.time),
  };
}

/** A raw user-data event (binance-api-node with transform off: `{ type: e, ...rest }`); undefined for kinds rlt ignores. */
export function parseUserEvent(m: J): UserEvent | undefined {
  const type = m.type ?? m.e;
  const E = num(m.E);
  if (type === "ORDER_TRADE_UPDATE") {
    const o = m.o;
    const order: OrderReport = {
      symbol: o.s, clientId: o.c, orderId: id(o.i), side: o.S, type: o.o, status: o.X, qty: num(o.q), executedQty: num(o.z), avgPrice: num(o.ap),
      reduceOnly: o.R === true || o.R === "true", updateTimeMs: num(o.T),
    };
    const fill: TradeReport | undefined =
      o.x === "TRADE" && num(o.l) > 0
        ? { tradeId: id(o.t), orderId: order.orderId, clientId: o.c, symbol: o.s, side: o.S, qty: num(o.l), price: num(o.L), commission: num(o.n), commissionAsset: o.N ?? "USDT", realizedPnlUsdt: num(o.rp), maker: Boolean(o.m), timeMs: num(o.T) }
        : undefined;
    return { kind: "order", eventTimeMs: E, order, execution: o.x, fill };
  }
  if (type === "ACCOUNT_UPDATE") {
    const a = m.a;
    return {
      kind: "account",
      eventTimeMs: E,
      reason: a.m,
      balances: (a.B ?? []).map((b: J) => ({ asset: b.a, walletBalance: num(b.wb), balanceChange: num(b.bc) })),
      positions: (a.P ?? [])
        .filter((p: J) => (p.ps ?? "BOTH") === "BOTH")
        .map((p: J) => ({ symbol: p.s, qty: num(p.pa), entryPrice: num(p.ep), isolatedWalletUsdt: num(p.iw), unrealizedPnlUsdt: num(p.up) })),
    };
  }
  if (type === "ALGO_UPDATE") {
    const o = m.o ?? m;
    const ai = id(o.ai);
    return {
      kind: "algo",
      eventTimeMs: E,
      algo: { symbol: o.s, clientAlgoId: o.caid, algoId: id(o.aid), side: o.S, type: o.o, status: o.X, triggerPrice: num(o.tp), triggeredOrderId: ai && ai !== "0" ? ai : undefined, updateTimeMs: num(m.T ?? E) },
    };
  }
  if (type === "listenKeyExpired") return { kind: "expired", eventTimeMs: E };
  return undefined;
}
