// exchangeInfo's symbol filters and the checks an order must pass, with Binance's error codes.
// BTCUSDT's values are mainnet's (tickSize 0.10, stepSize 0.001, market maxQty 120, notional 100);
// other symbols get a tick that follows their price magnitude and the common 5 USDT notional.
import { ApiError } from "../api-error.ts";

export interface SymbolFilters {
  tickSize: number;
  minPrice: number;
  maxPrice: number;
  stepSize: number;
  minQty: number;
  maxQty: number;
  marketMinQty: number;
  marketMaxQty: number;
  minNotionalUsdt: number;
  multiplierUp: number;
  multiplierDown: number;
  pricePrecision: number;
  quantityPrecision: number;
}

export function symbolFilters(symbol: string, lastPrice: number): SymbolFilters {
  // pricePrecision is one digit finer than the tick, as BTCUSDT's (2 with tickSize 0.10): a price of 0.05
  // is a tick error (-4014), one of 0.001 a precision error (-1111)
  const [tickSize, pricePrecision] = lastPrice >= 1000 ? [0.1, 2] : lastPrice >= 10 ? [0.01, 3] : lastPrice >= 1 ? [0.0001, 5] : [0.0000001, 8];
  return {
    tickSize,
    minPrice: tickSize,
    maxPrice: 4529764,
    stepSize: 0.001,
    minQty: 0.001,
    maxQty: 1000,
    marketMinQty: 0.001,
    marketMaxQty: 120,
    minNotionalUsdt: symbol === "BTCUSDT" ? 100 : 5,
    multiplierUp: 1.05,
    multiplierDown: 0.95,
    pricePrecision,
    quantityPrecision: 3,
  };
}

/** The filters as exchangeInfo lists them. */
export function filtersJson(f: SymbolFilters) {
  const px = (x: number) => x.toFixed(f.pricePrecision);
  const qty = (x: number) => x.toFixed(f.quantityPrecision);
  return [
    { filterType: "PRICE_FILTER", minPrice: px(f.minPrice), maxPrice: px(f.maxPrice), tickSize: px(f.tickSize) },
    { filterType: "LOT_SIZE", minQty: qty(f.minQty), maxQty: qty(f.maxQty), stepSize: qty(f.stepSize) },
    { filterType: "MARKET_LOT_SIZE", minQty: qty(f.marketMinQty), maxQty: qty(f.marketMaxQty), stepSize: qty(f.stepSize) },
    { filterType: "MAX_NUM_ORDERS", limit: 200 },
    { filterType: "MAX_NUM_ALGO_ORDERS", limit: 10 },
    { filterType: "MIN_NOTIONAL", notional: String(f.minNotionalUsdt) },
    { filterType: "PERCENT_PRICE", multiplierUp: f.multiplierUp.toFixed(4), multiplierDown: f.multiplierDown.toFixed(4), multiplierDecimal: "4" },
  ];
}

const err = (code: number, msg: string) => new ApiError(400, code, msg);

function decimals(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1 - (text.match(/0+$/)?.[0].length ?? 0);
}

/** Whether x is a whole multiple of step, up to binary noise. */
function onStep(x: number, step: number): boolean {
  const n = x / step;
  return Math.abs(n - Math.round(n)) < 1e-6;
}

/** LOT_SIZE (limit orders) or MARKET_LOT_SIZE (market orders) on a quantity as sent. */
export function checkQuantity(f: SymbolFilters, text: string, market: boolean): number {
  const qty = Number(text);
  if (!Number.isFinite(qty)) throw err(-1100, "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.");
  if (qty <= 0) throw err(-4003, "Quantity less than or equal to zero.");
  if (decimals(text) > f.quantityPrecision) throw err(-1111, "Precision is over the maximum defined for this asset.");
  if (qty < (market ? f.marketMinQty : f.minQty) - 1e-12) throw err(-4004, "Quantity less than min quantity.");
  if (qty > (market ? f.marketMaxQty : f.maxQty) + 1e-12) throw err(-4005, "Quantity greater than max quantity.");
  if (!onStep(qty, f.stepSize)) throw err(-4023, "Quantity not increased by step size.");
  return qty;
}

/** PRICE_FILTER on a price as sent (limit price or trigger price). */
export function checkPrice(f: SymbolFilters, text: string, name = "price"): number {
  const price = Number(text);
  if (!Number.isFinite(price)) throw err(-1100, `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`);
  if (price <= 0) throw err(-4001, "Price less than 0.");
  if (decimals(text) > f.pricePrecision) throw err(-1111, "Precision is over the maximum defined for this asset.");
  if (price < f.minPrice - 1e-12) throw err(-4013, "Price less than min price.");
  if (price > f.maxPrice) throw err(-4016, `Limit price can't be higher than ${f.maxPrice}.`);
  if (!onStep(price, f.tickSize)) throw err(-4014, "Price not increased by tick size.");
  return price;
}

/** PERCENT_PRICE: a limit price within multiplierDown..multiplierUp of the mark price. */
export function checkPercentPrice(f: SymbolFilters, price: number, markPrice: number): void {
  const up = markPrice * f.multiplierUp;
  const down = markPrice * f.multiplierDown;
  if (price > up) throw err(-4016, `Limit price can't be higher than ${up.toFixed(f.pricePrecision)}.`);
  if (price < down) throw err(-4024, `Limit price can't be lower than ${down.toFixed(f.pricePrecision)}.`);
}

/** MIN_NOTIONAL, which reduce-only orders are exempt from. */
export function checkNotional(f: SymbolFilters, qty: number, price: number, reduceOnly: boolean): void {
  if (!reduceOnly && qty * price < f.minNotionalUsdt) {
    throw err(-4164, `Order's notional must be no smaller than ${f.minNotionalUsdt} (unless you choose reduce only).`);
  }
}
