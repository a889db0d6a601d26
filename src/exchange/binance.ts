// binance-api-node is CommonJS with a default export; under ESM its factory sits at `.default`.
// One place resolves it, and one place maps rlt's endpoints onto its base-URL options.
import BinanceModule from "binance-api-node";
import type { Endpoint } from "../core/config.ts";

type Factory = (opts: object) => unknown;
const factory = ((BinanceModule as unknown as { default?: Factory }).default ?? BinanceModule) as unknown as Factory;

/**
 * A binance-api-node client on rlt's endpoints: REST at `rest`, WebSocket streams on the routed paths
 * (`/public` for depth and bookTicker, `/market` for trades, klines and mark price) under `ws`.
 * Leave `ws` out for a REST-only client: binance-api-node keeps its WebSocket URLs in module state,
 * so setting them would redirect every other client's streams in this process.
 */
export function binanceClient<T = any>(endpoint: { rest: string; ws?: Endpoint["ws"]; auth?: ClientAuth }): T {
  const ws = endpoint.ws
    ? { wsFuturesPublic: `${endpoint.ws}/public/ws`, wsFuturesMarket: `${endpoint.ws}/market/ws`, wsFuturesPrivate: `${endpoint.ws}/private/ws` }
    : {};
  return factory({ httpFutures: endpoint.rest, ...ws, ...(endpoint.auth ?? {}) }) as T;
}

/** Keys for signed calls; getTime stamps `timestamp` (a replayed exchange's clock is not the wall clock). */
export interface ClientAuth {
  apiKey: string;
  apiSecret: string;
  getTime?: () => number;
}
