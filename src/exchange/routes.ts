// The local exchange's route table: method + path → weight, signed flag, handler. Trading endpoints
// (orders, account, listen keys) are in trading/routes.ts, on the same table.
import type { MarketData } from "./market-data.ts";
import type { TradingContext } from "./trading/routes.ts";
import type { StreamSource } from "./types.ts";

export interface RouteContext {
  params: URLSearchParams;
  nowMs: number;
  data: MarketData;
  sources: StreamSource[];
  /** REQUEST_WEIGHT per minute in force (exchangeInfo reports it). */
  weightLimitPerMinute: number;
  /** The matching engine and user streams (trading routes, and market routes that quote its prices). */
  trading?: TradingContext;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** Needs a valid HMAC signature and timestamp (trading endpoints). */
  signed?: boolean;
  /** Needs only a known X-MBX-APIKEY (listenKey endpoints). */
  keyed?: boolean;
  /** Counts against the ORDERS limits and answers with X-MBX-ORDER-COUNT-10S/-1M. */
  countsOrder?: boolean;
  weight: (params: URLSearchParams) => number;
  handle: (ctx: RouteContext) => Promise<unknown> | unknown;
}

export type RouteTable = Map<string, Route>;

export function routeKey(method: string, path: string): string {
  return `${method} ${path}`;
}

export function buildTable(...groups: Route[][]): RouteTable {
  const table: RouteTable = new Map();
  for (const r of groups.flat()) table.set(routeKey(r.method, r.path), r);
  return table;
}
