// Rounding to a symbol's exchangeInfo filters before anything is sent, so the exchange never answers
// -1111 / -4014 / -4023, and the minimum-notional check (-4164) done here with a message rlt can explain.
import { floorToStep } from "../sim/costs.ts";
import { OrderRejected } from "./errors.ts";
import type { OrderSide, SymbolFilters } from "./types.ts";

/** Decimals of a step such as 0.001 (3) or 1 (0), from its shortest decimal form. */
export function stepDecimals(step: number): number {
  const s = step.toString();
  if (s.includes("e-")) return Number(s.split("e-")[1]);
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** A value on a step grid as the exact decimal string Binance expects ("0.012", not "0.012000000000000002"). */
export function formatOnStep(value: number, step: number): string {
  return value.toFixed(stepDecimals(step));
}

/** A market order's quantity floored to MARKET_LOT_SIZE (never rounded up: never more than asked). */
export function roundMarketQty(qty: number, f: SymbolFilters): number {
  return Number(formatOnStep(floorToStep(qty, f.marketStepSize), f.marketStepSize));
}

/**
 * A stop or take-profit trigger on the tick grid, rounded away from triggering at once: a sell stop
 * (below a long) rounds down, a buy stop (above a short) up; a sell take-profit (above a long) up, a
 * buy take-profit (below a short) down.
 */
export function roundTriggerPrice(price: number, side: OrderSide, type: "STOP_MARKET" | "TAKE_PROFIT_MARKET", f: SymbolFilters): number {
  const ticks = price / f.tickSize;
  const up = (type === "STOP_MARKET") === (side === "BUY");
  const n = up ? Math.ceil(ticks - 1e-9) : Math.floor(ticks + 1e-9);
  return Number(formatOnStep(n * f.tickSize, f.tickSize));
}

/**
 * Why a market order of `qty` at about `refPrice` would be refused by the filters, or undefined.
 * Reduce-only orders are exempt from MIN_NOTIONAL, as on Binance.
 */
export function marketOrderProblem(qty: number, refPrice: number, reduceOnly: boolean, f: SymbolFilters): { code: number; message: string } | undefined {
  if (!(qty > 0)) return { code: -4003, message: `quantity ${qty} is not above 0 after rounding to the step ${f.marketStepSize}` };
  if (qty < f.marketMinQty) return { code: -4004, message: `quantity ${qty} is below the minimum ${f.marketMinQty}` };
  if (qty > f.marketMaxQty) return { code: -4005, message: `quantity ${qty} is above the market maximum ${f.marketMaxQty}` };
  if (!reduceOnly && Number.isFinite(refPrice) && qty * refPrice < f.minNotional) {
    return { code: -4164, message: `notional ${(qty * refPrice).toFixed(2)} USDT is below the minimum ${f.minNotional} USDT` };
  }
  return undefined;
}

/** Throw the refusal marketOrderProblem finds, as the exchange would (without sending anything). */
export function assertMarketOrder(qty: number, refPrice: number, reduceOnly: boolean, f: SymbolFilters): void {
  const p = marketOrderProblem(qty, refPrice, reduceOnly, f);
  if (p) throw new OrderRejected(`order not sent: ${p.message} (${f.symbol})`, { code: p.code });
}

/** exchangeInfo's filter list for one symbol, parsed. */
export function parseFilters(symbol: string, filters: { filterType: string; [k: string]: unknown }[]): SymbolFilters {
  const by = (t: string) => filters.find((x) => x.filterType === t) as Record<string, string> | undefined;
  const price = by("PRICE_FILTER");
  const lot = by("LOT_SIZE");
  const market = by("MARKET_LOT_SIZE") ?? lot;
  const notional = by("MIN_NOTIONAL");
  const pct = by("PERCENT_PRICE");
  if (!price || !lot) throw new OrderRejected(`exchangeInfo for ${symbol} has no PRICE_FILTER or LOT_SIZE`);
  return {
    symbol,
    tickSize: Number(price.tickSize),
    minPrice: Number(price.minPrice),
    maxPrice: Number(price.maxPrice),
    stepSize: Number(lot.stepSize),
    minQty: Number(lot.minQty),
    maxQty: Number(lot.maxQty),
    marketStepSize: Number(market!.stepSize),
    marketMinQty: Number(market!.minQty),
    marketMaxQty: Number(market!.maxQty),
    minNotional: Number(notional?.notional ?? 0),
    percentPrice: { multiplierUp: Number(pct?.multiplierUp ?? Infinity), multiplierDown: Number(pct?.multiplierDown ?? 0) },
  };
}
