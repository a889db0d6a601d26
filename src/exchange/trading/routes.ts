// The trading half of the route table: orders, algo orders, account, position settings, listen keys.
// `signed` routes pass signing.ts's checks first; `keyed` ones need only the API key; `countsOrder`
// ones count against the ORDERS limits and answer with X-MBX-ORDER-COUNT-* (server.ts does all three).
import { ApiError, badParam, missingParam } from "../api-error.ts";
import type { Route, RouteContext } from "../routes.ts";
import type { TradingEngine } from "./engine.ts";
import { algoJson, maxNotionalUsdt, orderJson, positionJson, userTradeJson } from "./format.ts";
import { cancelAlgo, cancelAll, cancelOrder, findAlgo, findOrder, openOrders, placeAlgo, placeOrder, requireBook } from "./orders.ts";
import type { UserStreams } from "./user-stream.ts";

export interface TradingContext {
  engine: TradingEngine;
  streams: UserStreams;
}

const OK = { code: 200, msg: "success" };
const CANCEL_ALL_DONE = { code: 200, msg: "The operation of cancel all open order is done." };

function t(ctx: RouteContext): TradingContext {
  if (!ctx.trading) throw new Error("internal: a trading route without the trading context");
  return ctx.trading;
}

function limitOf(p: URLSearchParams, def: number, max: number): number {
  const v = p.get("limit");
  const n = v ? Number(v) : def;
  if (!Number.isInteger(n) || n <= 0) throw badParam("Illegal characters found in parameter 'limit'.");
  return Math.min(n, max);
}

/** startTime/endTime/limit (and an id to start from) over records sorted by time, as allOrders/userTrades page. */
function page<T>(rows: T[], p: URLSearchParams, timeOf: (r: T) => number, idOf: (r: T) => number, idParam: string): T[] {
  const from = p.get(idParam);
  const start = p.get("startTime");
  const end = p.get("endTime");
  let out = rows.filter((r) => (!from || idOf(r) >= Number(from)) && (!start || timeOf(r) >= Number(start)) && (!end || timeOf(r) <= Number(end)));
  const limit = limitOf(p, 500, 1000);
  out = from || start ? out.slice(0, limit) : out.slice(-limit);
  return out;
}

function marginSnapshot(engine: TradingEngine) {
  let unrealized = 0;
  let initial = 0;
  let maint = 0;
  const positions = [];
  for (const b of engine.books.values()) {
    const mark = engine.priceAt(b) ?? 0;
    const p = b.account.position;
    const up = b.account.unrealizedPnlUsdt(mark);
    unrealized += up;
    initial += p?.marginUsdt ?? 0;
    const mm = p ? p.qty * mark * b.account.rules.maintenanceMarginRate : 0;
    maint += mm;
    positions.push({
      symbol: b.symbol, initialMargin: String(p?.marginUsdt ?? 0), maintMargin: String(mm), unrealizedProfit: String(up), positionInitialMargin: String(p?.marginUsdt ?? 0),
      openOrderInitialMargin: "0", leverage: String(b.account.rules.leverage), isolated: engine.marginType === "ISOLATED", entryPrice: String(p?.entryPrice ?? 0),
      maxNotional: String(maxNotionalUsdt(b.account)), positionSide: "BOTH", positionAmt: String(p ? p.side * p.qty : 0), isolatedWallet: String(p?.marginUsdt ?? 0), updateTime: p ? engine.nowMs : 0,
    });
  }
  const available = engine.walletUsdt - initial + Math.min(0, unrealized);
  return { unrealized, initial, maint, positions, available };
}

function balance(ctx: RouteContext) {
  const { engine } = t(ctx);
  const m = marginSnapshot(engine);
  return [
    {
      accountAlias: "rltLocal", asset: "USDT", balance: String(engine.walletUsdt), crossWalletBalance: String(engine.walletUsdt - m.initial),
      crossUnPnl: "0", availableBalance: String(m.available), maxWithdrawAmount: String(m.available), marginAvailable: true, updateTime: engine.nowMs,
    },
  ];
}

function account(ctx: RouteContext) {
  const { engine } = t(ctx);
  const m = marginSnapshot(engine);
  const wallet = String(engine.walletUsdt);
  const marginBalance = String(engine.walletUsdt + m.unrealized);
  return {
    feeTier: 0, feeBurn: false, canTrade: true, canDeposit: true, canWithdraw: true, updateTime: 0, multiAssetsMargin: false, tradeGroupId: -1,
    totalInitialMargin: String(m.initial), totalMaintMargin: String(m.maint), totalWalletBalance: wallet, totalUnrealizedProfit: String(m.unrealized),
    totalMarginBalance: marginBalance, totalPositionInitialMargin: String(m.initial), totalOpenOrderInitialMargin: "0", totalCrossWalletBalance: wallet,
    totalCrossUnPnl: "0", availableBalance: String(m.available), maxWithdrawAmount: String(m.available),
    assets: [
      {
        asset: "USDT", walletBalance: wallet, unrealizedProfit: String(m.unrealized), marginBalance, maintMargin: String(m.maint), initialMargin: String(m.initial),
        positionInitialMargin: String(m.initial), openOrderInitialMargin: "0", crossWalletBalance: wallet, crossUnPnl: "0", availableBalance: String(m.available),
        maxWithdrawAmount: String(m.available), marginAvailable: true, updateTime: engine.nowMs,
      },
    ],
    positions: m.positions,
  };
}

function positionRisk(ctx: RouteContext, onlyOpen: boolean) {
  const { engine } = t(ctx);
  const sym = ctx.params.get("symbol");
  const books = sym ? [requireBook(engine, ctx.params)] : [...engine.books.values()];
  // v3 lists open positions only; v2 every symbol
  return books.filter((b) => !onlyOpen || b.account.position).map((b) => positionJson(engine, b));
}

function leverage(ctx: RouteContext) {
  const { engine } = t(ctx);
  const b = requireBook(engine, ctx.params);
  const text = ctx.params.get("leverage");
  if (!text) throw missingParam("leverage");
  const lev = Number(text);
  if (!Number.isInteger(lev) || lev < 1 || lev > 125) throw new ApiError(400, -4028, `Leverage ${text} is not valid`);
  b.account.rules.leverage = lev; // applies to later fills; an open position keeps its margin
  return { leverage: lev, maxNotionalValue: String(maxNotionalUsdt(b.account)), symbol: b.symbol };
}

function marginType(ctx: RouteContext) {
  const { engine } = t(ctx);
  const b = requireBook(engine, ctx.params);
  const type = ctx.params.get("marginType");
  if (!type) throw missingParam("marginType");
  if (type !== "ISOLATED" && type !== "CROSSED") throw new ApiError(400, -4044, "The margin type is invalid.");
  if (type === engine.marginType) throw new ApiError(400, -4046, "No need to change margin type.");
  if ([...engine.orders.values()].some((o) => o.symbol === b.symbol && (o.status === "NEW" || o.status === "PARTIALLY_FILLED"))) {
    throw new ApiError(400, -4047, "Margin type cannot be changed if there exists open orders.");
  }
  if (b.account.position) throw new ApiError(400, -4048, "Margin type cannot be changed if there exists position.");
  engine.marginType = type;
  return OK;
}

function positionMode(ctx: RouteContext) {
  const { engine } = t(ctx);
  const text = ctx.params.get("dualSidePosition");
  if (!text) throw missingParam("dualSidePosition");
  const dual = text === "true";
  if (dual === engine.dualSidePosition) throw new ApiError(400, -4059, "No need to change position side.");
  throw new ApiError(400, -4068, "The local exchange trades in one-way mode only (dualSidePosition=false).");
}

function leverageBracket(ctx: RouteContext) {
  const { engine } = t(ctx);
  const books = ctx.params.get("symbol") ? [requireBook(engine, ctx.params)] : [...engine.books.values()];
  // the tables the Account computes liquidation prices with (src/sim/brackets.ts)
  return books.map((b) => ({ symbol: b.symbol, notionalCoef: 1, brackets: b.account.rules.brackets ?? [] }));
}

function newOrder(ctx: RouteContext) {
  const { order, ack } = placeOrder(t(ctx).engine, ctx.params);
  return (ctx.params.get("newOrderRespType") ?? "ACK") === "RESULT" ? orderJson(order, false) : orderJson(ack, false);
}

const w = (n: number) => () => n;

export const TRADING_ROUTES: Route[] = [
  { method: "POST", path: "/fapi/v1/order", signed: true, countsOrder: true, weight: w(0), handle: newOrder },
  { method: "GET", path: "/fapi/v1/order", signed: true, weight: w(1), handle: (ctx) => orderJson(findOrder(t(ctx).engine, ctx.params)) },
  { method: "DELETE", path: "/fapi/v1/order", signed: true, weight: w(1), handle: (ctx) => orderJson(cancelOrder(t(ctx).engine, ctx.params), false) },
  { method: "GET", path: "/fapi/v1/openOrders", signed: true, weight: (p) => (p.get("symbol") ? 1 : 40), handle: (ctx) => openOrders(t(ctx).engine, ctx.params).map((o) => orderJson(o)) },
  { method: "DELETE", path: "/fapi/v1/allOpenOrders", signed: true, weight: w(1), handle: (ctx) => (cancelAll(t(ctx).engine, ctx.params), CANCEL_ALL_DONE) },
  {
    method: "GET", path: "/fapi/v1/allOrders", signed: true, weight: w(5),
    handle: (ctx) => {
      const b = requireBook(t(ctx).engine, ctx.params);
      const rows = [...t(ctx).engine.orders.values()].filter((o) => o.symbol === b.symbol);
      return page(rows, ctx.params, (o) => o.timeMs, (o) => o.orderId, "orderId").map((o) => orderJson(o));
    },
  },
  {
    method: "GET", path: "/fapi/v1/userTrades", signed: true, weight: w(5),
    handle: (ctx) => {
      const b = requireBook(t(ctx).engine, ctx.params);
      const rows = t(ctx).engine.trades.filter((x) => x.symbol === b.symbol);
      return page(rows, ctx.params, (x) => x.timeMs, (x) => x.id, "fromId").map(userTradeJson);
    },
  },
  { method: "POST", path: "/fapi/v1/algoOrder", signed: true, countsOrder: true, weight: w(0), handle: (ctx) => algoJson(placeAlgo(t(ctx).engine, ctx.params)) },
  { method: "GET", path: "/fapi/v1/algoOrder", signed: true, weight: w(1), handle: (ctx) => algoJson(findAlgo(t(ctx).engine, ctx.params)) },
  {
    method: "DELETE", path: "/fapi/v1/algoOrder", signed: true, weight: w(1),
    handle: (ctx) => {
      const a = cancelAlgo(t(ctx).engine, ctx.params);
      return { algoId: a.algoId, clientAlgoId: a.clientAlgoId, code: "200", msg: "success" };
    },
  },
  {
    method: "GET", path: "/fapi/v1/openAlgoOrders", signed: true, weight: (p) => (p.get("symbol") ? 1 : 40),
    handle: (ctx) => {
      const sym = ctx.params.get("symbol")?.toUpperCase();
      return [...t(ctx).engine.algoOrders.values()].filter((a) => a.status === "NEW" && (!sym || a.symbol === sym)).map(algoJson);
    },
  },
  {
    method: "GET", path: "/fapi/v1/allAlgoOrders", signed: true, weight: w(5),
    handle: (ctx) => {
      const b = requireBook(t(ctx).engine, ctx.params);
      const rows = [...t(ctx).engine.algoOrders.values()].filter((a) => a.symbol === b.symbol);
      return page(rows, ctx.params, (a) => a.createTimeMs, (a) => a.algoId, "algoId").map(algoJson);
    },
  },
  {
    method: "DELETE", path: "/fapi/v1/algoOpenOrders", signed: true, weight: w(1),
    handle: (ctx) => {
      const { engine } = t(ctx);
      const b = requireBook(engine, ctx.params);
      for (const a of engine.algoOrders.values()) if (a.symbol === b.symbol && a.status === "NEW") engine.endAlgo(a, "CANCELED");
      return CANCEL_ALL_DONE;
    },
  },
  { method: "GET", path: "/fapi/v2/positionRisk", signed: true, weight: w(5), handle: (ctx) => positionRisk(ctx, false) },
  { method: "GET", path: "/fapi/v3/positionRisk", signed: true, weight: w(5), handle: (ctx) => positionRisk(ctx, true) },
  { method: "GET", path: "/fapi/v2/balance", signed: true, weight: w(5), handle: balance },
  { method: "GET", path: "/fapi/v3/balance", signed: true, weight: w(5), handle: balance },
  { method: "GET", path: "/fapi/v2/account", signed: true, weight: w(5), handle: account },
  { method: "GET", path: "/fapi/v3/account", signed: true, weight: w(5), handle: account },
  { method: "POST", path: "/fapi/v1/leverage", signed: true, weight: w(1), handle: leverage },
  { method: "POST", path: "/fapi/v1/marginType", signed: true, weight: w(1), handle: marginType },
  { method: "GET", path: "/fapi/v1/positionSide/dual", signed: true, weight: w(30), handle: (ctx) => ({ dualSidePosition: t(ctx).engine.dualSidePosition }) },
  { method: "POST", path: "/fapi/v1/positionSide/dual", signed: true, weight: w(1), handle: positionMode },
  { method: "GET", path: "/fapi/v1/leverageBracket", signed: true, weight: w(1), handle: leverageBracket },
  { method: "POST", path: "/fapi/v1/listenKey", keyed: true, weight: w(1), handle: (ctx) => ({ listenKey: t(ctx).streams.create(ctx.nowMs) }) },
  { method: "PUT", path: "/fapi/v1/listenKey", keyed: true, weight: w(1), handle: (ctx) => ({ listenKey: t(ctx).streams.keepAlive(ctx.params.get("listenKey"), ctx.nowMs) }) },
  { method: "DELETE", path: "/fapi/v1/listenKey", keyed: true, weight: w(1), handle: (ctx) => (t(ctx).streams.close(ctx.params.get("listenKey")), {}) },
];
