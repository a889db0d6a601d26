// Placing, querying and cancelling orders and conditional (algo) orders: the checks Binance makes, in
// its order and with its error codes, then the engine's fill or the resting book.
import { ApiError, badParam, invalidSymbol, missingParam } from "../api-error.ts";
import type { SymbolBook, TradingEngine } from "./engine.ts";
import { checkNotional, checkPercentPrice, checkPrice, checkQuantity } from "./filters.ts";
import { QTY_EPS } from "./book.ts";
import { initialMarginUsdt } from "../../sim/costs.ts";
import { algoUpdate, orderTradeUpdate } from "./format.ts";
import type { AlgoOrder, Order, OrderSide } from "./types.ts";

const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
/** Binance since 2025-12-09: these types live on /fapi/v1/algoOrder. */
const ALGO_TYPES = new Set(["STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"]);

const err = (code: number, msg: string) => new ApiError(400, code, msg);

export function requireBook(engine: TradingEngine, p: URLSearchParams): SymbolBook {
  const sym = p.get("symbol");
  if (!sym) throw missingParam("symbol");
  const b = engine.book(sym.toUpperCase());
  if (!b) throw invalidSymbol();
  return b;
}

function side(p: URLSearchParams): OrderSide {
  const s = p.get("side");
  if (!s) throw missingParam("side");
  if (s !== "BUY" && s !== "SELL") throw err(-1117, "Invalid side.");
  return s;
}

function bool(p: URLSearchParams, name: string): boolean {
  const v = p.get(name);
  if (v === null || v === "" || v === "false" || v === "FALSE") return false;
  if (v === "true" || v === "TRUE") return true;
  throw badParam(`Illegal characters found in parameter '${name}'.`);
}

function checkPositionSide(engine: TradingEngine, p: URLSearchParams): void {
  const ps = p.get("positionSide") ?? "BOTH";
  if (!["BOTH", "LONG", "SHORT"].includes(ps)) throw err(-4006, "Invalid position side.");
  if (ps !== "BOTH" || engine.dualSidePosition) throw err(-4061, "Order's position side does not match user's setting.");
}

function clientId(engine: TradingEngine, given: string | null, prefix: string): string {
  if (given === null || given === "") return `${prefix}${engine.newOrderId()}`;
  if (!CLIENT_ID.test(given)) throw err(-4015, "Client order id is not valid.");
  return given;
}

function isOpen(o: Order): boolean {
  return o.status === "NEW" || o.status === "PARTIALLY_FILLED";
}

/** POST /fapi/v1/order: MARKET and LIMIT, one-way mode. Returns the order as the chosen response type shows it. */
export function placeOrder(engine: TradingEngine, p: URLSearchParams): { order: Order; ack: ReturnType<typeof snapshot> } {
  const b = requireBook(engine, p);
  const s = side(p);
  const type = p.get("type");
  if (!type) throw missingParam("type");
  if (ALGO_TYPES.has(type)) throw err(-4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.");
  if (type !== "MARKET" && type !== "LIMIT") throw err(-1116, "Invalid orderType.");
  checkPositionSide(engine, p);
  const reduceOnly = bool(p, "reduceOnly");
  if (bool(p, "closePosition")) throw err(-1106, "Parameter 'closePosition' sent when not required.");
  const cid = clientId(engine, p.get("newClientOrderId"), "rlt-");
  for (const o of engine.orders.values()) if (o.clientOrderId === cid && isOpen(o)) throw err(-4116, "ClientOrderId is duplicated.");
  const qtyText = p.get("quantity");
  if (!qtyText) throw missingParam("quantity");
  const qty = checkQuantity(b.filters, qtyText, type === "MARKET");
  const market = engine.priceAt(b);
  if (market === undefined) throw err(-1000, `The local exchange has no bar of ${b.symbol} at ${new Date(engine.nowMs).toISOString()}.`);
  let limitPrice = 0;
  let tif = "GTC";
  if (type === "LIMIT") {
    tif = p.get("timeInForce") ?? "";
    if (!tif) throw missingParam("timeInForce");
    if (!["GTC", "IOC", "FOK", "GTX"].includes(tif)) throw err(-1115, "Invalid timeInForce.");
    const priceText = p.get("price");
    if (!priceText) throw missingParam("price");
    limitPrice = checkPrice(b.filters, priceText);
    checkPercentPrice(b.filters, limitPrice, market);
  }
  checkNotional(b.filters, qty, type === "LIMIT" ? limitPrice : market, reduceOnly);
  const reducible = engine.reducibleQty(b, s);
  if (reduceOnly && reducible <= QTY_EPS) throw err(-2022, "ReduceOnly Order is rejected.");
  const fillQty = reduceOnly ? Math.min(qty, reducible) : qty;
  const opening = Math.max(0, fillQty - reducible);
  const refPrice = type === "LIMIT" ? limitPrice : market;
  if (opening > 0 && initialMarginUsdt(opening, refPrice, b.account.rules.leverage) > engine.walletUsdt - engine.usedMarginUsdt()) {
    throw err(-2019, "Margin is insufficient.");
  }
  const o: Order = {
    orderId: engine.newOrderId(), symbol: b.symbol, clientOrderId: cid, side: s, type, origType: type, timeInForce: tif, qty,
    priceUsdt: limitPrice, reduceOnly, closePosition: false, status: "NEW", executedQty: 0, avgPriceUsdt: 0, cumQuoteUsdt: 0,
    timeMs: engine.nowMs, updateTimeMs: engine.nowMs, stopPriceUsdt: 0, workingType: "CONTRACT_PRICE",
  };
  const ack = snapshot(o);
  const buying = s === "BUY";
  const takerPrice = engine.takerPrice(b, buying);
  const marketable = type === "MARKET" || (buying ? takerPrice <= limitPrice : takerPrice >= limitPrice);
  if (type === "LIMIT" && tif === "GTX" && marketable) {
    o.status = "EXPIRED"; // post-only that would take: Binance expires it (-5022 only for batch orders)
    engine.orders.set(o.orderId, o);
    engine.emit(orderTradeUpdate(o, engine.nowMs, { execType: "EXPIRED" }));
    return { order: o, ack };
  }
  engine.orders.set(o.orderId, o);
  engine.emit(orderTradeUpdate(o, engine.nowMs, { execType: "NEW" }));
  if (marketable) engine.fill(b, o, fillQty, takerPrice, false);
  else if (tif === "IOC" || tif === "FOK") engine.expireOrder(o);
  if (isOpen(o) && type === "MARKET") engine.expireOrder(o); // reduce-only remainder of a market order
  return { order: o, ack };
}

function snapshot(o: Order): Order {
  return { ...o };
}

/** An order by orderId or origClientOrderId (-2013 when unknown, as GET answers; DELETE maps it to -2011). */
export function findOrder(engine: TradingEngine, p: URLSearchParams): Order {
  const b = requireBook(engine, p);
  const id = p.get("orderId");
  const cid = p.get("origClientOrderId");
  if (!id && !cid) throw err(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
  let found: Order | undefined;
  if (id) found = engine.orders.get(Number(id));
  else {
    // a client id may be reused once its order closed: the newest one answers
    for (const o of engine.orders.values()) if (o.clientOrderId === cid) found = o;
  }
  if (!found || found.symbol !== b.symbol) throw err(-2013, "Order does not exist.");
  return found;
}

export function cancelOrder(engine: TradingEngine, p: URLSearchParams): Order {
  let o: Order;
  try {
    o = findOrder(engine, p);
  } catch (e) {
    if (e instanceof ApiError && e.code === -2013) throw err(-2011, "Unknown order sent.");
    throw e;
  }
  if (!isOpen(o)) throw err(-2011, "Unknown order sent.");
  engine.expireOrder(o, "CANCELED");
  return o;
}

export function cancelAll(engine: TradingEngine, p: URLSearchParams): void {
  const b = requireBook(engine, p);
  for (const o of engine.orders.values()) if (o.symbol === b.symbol && isOpen(o)) engine.expireOrder(o, "CANCELED");
}

export function openOrders(engine: TradingEngine, p: URLSearchParams): Order[] {
  const sym = p.get("symbol")?.toUpperCase();
  return [...engine.orders.values()].filter((o) => isOpen(o) && (!sym || o.symbol === sym));
}

/** POST /fapi/v1/algoOrder: CONDITIONAL STOP_MARKET / TAKE_PROFIT_MARKET. */
export function placeAlgo(engine: TradingEngine, p: URLSearchParams): AlgoOrder {
  const b = requireBook(engine, p);
  if ((p.get("algoType") ?? "") !== "CONDITIONAL") throw err(-1116, "Invalid algoType.");
  const s = side(p);
  const type = p.get("type");
  if (!type) throw missingParam("type");
  if (type !== "STOP_MARKET" && type !== "TAKE_PROFIT_MARKET") {
    throw err(-1116, `Invalid orderType: the local exchange supports STOP_MARKET and TAKE_PROFIT_MARKET algo orders, not ${type}.`);
  }
  checkPositionSide(engine, p);
  const closePosition = bool(p, "closePosition");
  const reduceOnly = bool(p, "reduceOnly");
  if (closePosition && reduceOnly) throw err(-1106, "Parameter 'reduceOnly' sent when not required.");
  const workingType = (p.get("workingType") ?? "CONTRACT_PRICE") as AlgoOrder["workingType"];
  if (workingType !== "MARK_PRICE" && workingType !== "CONTRACT_PRICE") throw err(-1100, "Invalid workingType.");
  const tpText = p.get("triggerPrice");
  if (!tpText) throw missingParam("triggerPrice");
  const triggerPrice = checkPrice(b.filters, tpText, "triggerPrice");
  let qty = 0;
  if (!closePosition) {
    const qtyText = p.get("quantity");
    if (!qtyText) throw missingParam("quantity");
    qty = checkQuantity(b.filters, qtyText, true);
    checkNotional(b.filters, qty, triggerPrice, reduceOnly);
  }
  if ((closePosition || reduceOnly) && engine.reducibleQty(b, s) <= QTY_EPS) throw err(-2022, "ReduceOnly Order is rejected.");
  const cid = p.get("clientAlgoId") || `rlt-algo-${engine.nowMs}-${engine.algoOrders.size}`;
  if (!CLIENT_ID.test(cid)) throw err(-4015, "Client order id is not valid.");
  for (const a of engine.algoOrders.values()) if (a.clientAlgoId === cid && a.status === "NEW") throw err(-4116, "ClientOrderId is duplicated.");
  const price = engine.priceAt(b)!;
  // a stop buys above the market and sells below it; a take-profit the reverse: otherwise it triggers at once
  const triggersNow = (type === "STOP_MARKET") === (s === "BUY") ? price >= triggerPrice : price <= triggerPrice;
  if (triggersNow) throw err(-2021, "Order would immediately trigger.");
  const a: AlgoOrder = {
    algoId: engine.newAlgoId(), clientAlgoId: cid, symbol: b.symbol, side: s, type, qty, triggerPriceUsdt: triggerPrice, workingType,
    closePosition, reduceOnly, priceProtect: bool(p, "priceProtect"), status: "NEW", createTimeMs: engine.nowMs, updateTimeMs: engine.nowMs, triggerTimeMs: 0,
  };
  engine.algoOrders.set(a.algoId, a);
  engine.emit(algoUpdate(a, engine.nowMs));
  return a;
}

export function findAlgo(engine: TradingEngine, p: URLSearchParams): AlgoOrder {
  const id = p.get("algoId");
  const cid = p.get("clientAlgoId");
  if (!id && !cid) throw err(-1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!");
  let found: AlgoOrder | undefined;
  if (id) found = engine.algoOrders.get(Number(id));
  else for (const a of engine.algoOrders.values()) if (a.clientAlgoId === cid) found = a;
  if (!found) throw err(-2013, "Order does not exist.");
  return found;
}

export function cancelAlgo(engine: TradingEngine, p: URLSearchParams): AlgoOrder {
  let a: AlgoOrder;
  try {
    a = findAlgo(engine, p);
  } catch (e) {
    if (e instanceof ApiError && e.code === -2013) throw err(-2011, "Unknown order sent.");
    throw e;
  }
  if (a.status !== "NEW") throw err(-2011, "Unknown order sent.");
  engine.endAlgo(a, "CANCELED");
  return a;
}
