// What rlt needs from a futures venue, in rlt's own terms: numbers instead of strings, signed position
// quantities, client ids as the identity of every order. The Binance adapter (binance.ts) and the test
// venue (fake.ts) implement it; the order manager, reconciliation and the trading session use only this.

import type { MarginBracket } from "../sim/brackets.ts";

export type OrderSide = "BUY" | "SELL";

/** The exchangeInfo filters that an order must pass (PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, MIN_NOTIONAL, PERCENT_PRICE). */
export interface SymbolFilters {
  symbol: string;
  tickSize: number;
  minPrice: number;
  maxPrice: number;
  stepSize: number;
  minQty: number;
  maxQty: number;
  /** MARKET_LOT_SIZE: market orders use their own step and bounds. */
  marketStepSize: number;
  marketMinQty: number;
  marketMaxQty: number;
  minNotional: number;
  percentPrice: { multiplierUp: number; multiplierDown: number };
}

/** Binance order statuses (ORDER_TRADE_UPDATE `X`, GET /fapi/v1/order `status`). */
export type OrderStatus = "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "EXPIRED" | "REJECTED" | "EXPIRED_IN_MATCH";
export const FINAL_ORDER_STATUSES: ReadonlySet<string> = new Set(["FILLED", "CANCELED", "EXPIRED", "REJECTED", "EXPIRED_IN_MATCH"]);

export interface OrderRequest {
  symbol: string;
  side: OrderSide;
  type: "MARKET";
  qty: number;
  reduceOnly: boolean;
  clientId: string;
  /** About the fill price, for the minimum-notional check before sending (skipped when absent). */
  refPrice?: number;
}

export interface OrderReport {
  symbol: string;
  clientId: string;
  /** The venue's order id as a decimal string (Binance ids can pass 2^53). */
  orderId: string;
  side: OrderSide;
  type: string;
  status: OrderStatus;
  qty: number;
  executedQty: number;
  /** 0 until something filled. */
  avgPrice: number;
  reduceOnly: boolean;
  updateTimeMs: number;
}

export type AlgoType = "STOP_MARKET" | "TAKE_PROFIT_MARKET";
export type WorkingType = "MARK_PRICE" | "CONTRACT_PRICE";
/** Algo (conditional) order lifecycle: NEW → TRIGGERING → TRIGGERED → FINISHED, or CANCELED / REJECTED / EXPIRED. */
export type AlgoStatus = "NEW" | "TRIGGERING" | "TRIGGERED" | "FINISHED" | "CANCELED" | "REJECTED" | "EXPIRED";
/** Statuses after which an algo order can no longer trigger. */
export const FINAL_ALGO_STATUSES: ReadonlySet<string> = new Set(["TRIGGERED", "FINISHED", "CANCELED", "REJECTED", "EXPIRED"]);

export interface AlgoRequest {
  symbol: string;
  side: OrderSide;
  type: AlgoType;
  triggerPrice: number;
  workingType: WorkingType;
  /** Always true here: a protective order closes whatever is held and can never open a position. */
  closePosition: true;
  clientAlgoId: string;
}

export interface AlgoReport {
  symbol: string;
  clientAlgoId: string;
  algoId: string;
  side: OrderSide;
  type: string;
  status: AlgoStatus;
  triggerPrice: number;
  /** The matching-engine order created when it triggered (its fills carry this order id). */
  triggeredOrderId?: string;
  updateTimeMs: number;
}

export interface PositionReport {
  symbol: string;
  /** Signed: > 0 long, < 0 short, 0 flat. */
  qty: number;
  entryPrice: number;
  isolatedMarginUsdt: number;
  liquidationPrice: number;
  markPrice: number;
  unrealizedPnlUsdt: number;
}

export interface BalanceReport {
  walletUsdt: number;
  availableUsdt: number;
}

/** One execution: a venue record, never computed by rlt. */
export interface TradeReport {
  tradeId: string;
  orderId: string;
  /** Known from the user stream; GET userTrades does not return it (the order id maps it back). */
  clientId?: string;
  symbol: string;
  side: OrderSide;
  qty: number;
  price: number;
  commission: number;
  commissionAsset: string;
  realizedPnlUsdt: number;
  maker: boolean;
  timeMs: number;
}

/** A maintenance-margin bracket, in the shape src/sim's account computes liquidation prices with. */
export type LeverageBracket = MarginBracket;

export type QueryResult<T> = { found: true; report: T } | { found: false };

export type UserEvent =
  | { kind: "order"; eventTimeMs: number; order: OrderReport; execution: string; fill?: TradeReport }
  | {
      kind: "account";
      eventTimeMs: number;
      /** Why the account changed (`a.m`): ORDER, FUNDING_FEE, ... */
      reason: string;
      balances: { asset: string; walletBalance: number; balanceChange: number }[];
      positions: { symbol: string; qty: number; entryPrice: number; isolatedWalletUsdt: number; unrealizedPnlUsdt: number }[];
    }
  | { kind: "algo"; eventTimeMs: number; algo: AlgoReport }
  | { kind: "expired"; eventTimeMs: number };

export interface UserStreamHandlers {
  onEvent(event: UserEvent): void;
  /**
   * Events may have been missed (a reconnect, an expired listenKey, a new key): called once the
   * stream is live again, so that a REST resynchronization started now misses nothing.
   */
  onGap(reason: string): void;
  onError?(err: Error): void;
}

export interface UserStream {
  close(): Promise<void>;
}

export interface TradesQuery {
  orderId?: string;
  fromId?: string;
  startTimeMs?: number;
}

export interface Venue {
  readonly name: string;
  /** recvWindow in ms: after this long past its timestamp, a request that has not arrived never will be applied. */
  readonly recvWindowMs: number;
  exchangeInfo(symbol: string): Promise<SymbolFilters>;
  serverTimeMs(): Promise<number>;
  /** One-way position mode, isolated margin, and the leverage, verified or set. */
  setup(symbol: string, leverage: number): Promise<void>;
  leverageBrackets(symbol: string): Promise<LeverageBracket[]>;
  placeOrder(req: OrderRequest): Promise<OrderReport>;
  queryOrder(symbol: string, clientId: string): Promise<QueryResult<OrderReport>>;
  cancelOrder(symbol: string, clientId: string): Promise<QueryResult<OrderReport>>;
  openOrders(symbol: string): Promise<OrderReport[]>;
  placeAlgo(req: AlgoRequest): Promise<AlgoReport>;
  queryAlgo(symbol: string, clientAlgoId: string): Promise<QueryResult<AlgoReport>>;
  cancelAlgo(symbol: string, clientAlgoId: string): Promise<QueryResult<AlgoReport>>;
  openAlgoOrders(symbol: string): Promise<AlgoReport[]>;
  position(symbol: string): Promise<PositionReport>;
  balanceUsdt(): Promise<BalanceReport>;
  userTrades(symbol: string, query: TradesQuery): Promise<TradeReport[]>;
  userStream(handlers: UserStreamHandlers): Promise<UserStream>;
  close(): Promise<void>;
}

export function opposite(side: OrderSide): OrderSide {
  return side === "BUY" ? "SELL" : "BUY";
}

/** +1 for a buy, −1 for a sell: the sign a fill adds to the position. */
export function sideSign(side: OrderSide): 1 | -1 {
  return side === "BUY" ? 1 : -1;
}
