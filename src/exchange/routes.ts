// The local exchange's route table: method + path → weight, signed flag, handler. Trading endpoints
// (orders, account, listen keys) are added to the same table by a later module.
import type { MarketData } from "./market-data.ts";
import type { StreamSource } from "./types.ts";

export interface RouteContext {
  params: URLSearchParams;
  nowMs: number;
  data: MarketData;
  sources: StreamSource[];
  /** REQUEST_WEIGHT per minute in force (exchangeInfo reports it). */
  weightLimitPerMinute: number;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** Needs a valid HMAC signature and timestamp (trading endpoints). */
  signed?: boolean;
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
