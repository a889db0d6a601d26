// The local exchange's order records, as the matching engine keeps them (formatted for REST and the
// user stream in format.ts).

export type OrderSide = "BUY" | "SELL";
export type OrderStatus = "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "EXPIRED" | "REJECTED";

export interface Order {
  orderId: number;
  symbol: string;
  clientOrderId: string;
  side: OrderSide;
  type: "MARKET" | "LIMIT";
  /** LIQUIDATION for the exchange's own close-out; the type otherwise. */
  origType: string;
  timeInForce: string;
  /** 0 for a closePosition child whose size is the position's. */
  qty: number;
  priceUsdt: number;
  reduceOnly: boolean;
  closePosition: boolean;
  status: OrderStatus;
  executedQty: number;
  avgPriceUsdt: number;
  cumQuoteUsdt: number;
  timeMs: number;
  updateTimeMs: number;
  /** The trigger price of the algo order this order was triggered from (0 otherwise). */
  stopPriceUsdt: number;
  workingType: string;
}

export type AlgoStatus = "NEW" | "TRIGGERING" | "TRIGGERED" | "FINISHED" | "CANCELED" | "EXPIRED" | "REJECTED";

export interface AlgoOrder {
  algoId: number;
  clientAlgoId: string;
  symbol: string;
  side: OrderSide;
  type: "STOP_MARKET" | "TAKE_PROFIT_MARKET";
  qty: number;
  triggerPriceUsdt: number;
  workingType: "MARK_PRICE" | "CONTRACT_PRICE";
  closePosition: boolean;
  reduceOnly: boolean;
  priceProtect: boolean;
  status: AlgoStatus;
  createTimeMs: number;
  updateTimeMs: number;
  triggerTimeMs: number;
  /** The child market order's id once triggered. */
  actualOrderId?: number;
  actualPriceUsdt?: number;
}

export interface UserTrade {
  id: number;
  orderId: number;
  symbol: string;
  side: OrderSide;
  priceUsdt: number;
  qty: number;
  quoteQtyUsdt: number;
  commissionUsdt: number;
  realizedPnlUsdt: number;
  maker: boolean;
  timeMs: number;
}

/** One user-data event as Binance sends it (e, E, ... in Binance's field names). */
export type UserEvent = Record<string, unknown> & { e: string; E: number };
