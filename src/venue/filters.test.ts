import { describe, expect, it } from "vitest";
import { FAKE_FILTERS } from "./fake.ts";
import { formatOnStep, marketOrderProblem, parseFilters, roundMarketQty, roundTriggerPrice, stepDecimals } from "./filters.ts";

const f = FAKE_FILTERS; // tick 0.1, step 0.001, min notional 5

describe("filters", () => {
  it("floor quantities to the market step, never up, as exact decimals", () => {
    expect(roundMarketQty(0.0129999, f)).toBe(0.012);
    expect(roundMarketQty(0.3, f)).toBe(0.3); // 0.3 / 0.001 is 299.99999999999994 in binary
    expect(formatOnStep(0.1 + 0.2, 0.001)).toBe("0.300");
    expect([stepDecimals(1), stepDecimals(0.1), stepDecimals(0.001), stepDecimals(1e-8)]).toEqual([0, 1, 3, 8]);
  });

  it("round triggers away from triggering at once", () => {
    expect(roundTriggerPrice(49_000.04, "SELL", "STOP_MARKET", f)).toBe(49_000); // a long's stop goes lower
    expect(roundTriggerPrice(51_000.01, "BUY", "STOP_MARKET", f)).toBe(51_000.1); // a short's stop goes higher
    expect(roundTriggerPrice(52_000.01, "SELL", "TAKE_PROFIT_MARKET", f)).toBe(52_000.1); // a long's take-profit higher
    expect(roundTriggerPrice(48_000.09, "BUY", "TAKE_PROFIT_MARKET", f)).toBe(48_000); // a short's lower
    expect(roundTriggerPrice(49_000.1, "SELL", "STOP_MARKET", f)).toBe(49_000.1); // on the grid stays
  });

  it("check quantity bounds and the minimum notional (reduce-only exempt) with Binance's codes", () => {
    expect(marketOrderProblem(0, 50_000, false, f)?.code).toBe(-4003);
    expect(marketOrderProblem(121, 50_000, false, f)?.code).toBe(-4005);
    expect(marketOrderProblem(0.001, 1000, false, f)).toEqual({ code: -4164, message: "notional 1.00 USDT is below the minimum 5 USDT" });
    expect(marketOrderProblem(0.001, 1000, true, f)).toBeUndefined();
    expect(marketOrderProblem(0.001, 50_000, false, f)).toBeUndefined();
  });

  it("parse exchangeInfo's filter list", () => {
    const parsed = parseFilters("BTCUSDT", [
      { filterType: "PRICE_FILTER", minPrice: "556.80", maxPrice: "4529764", tickSize: "0.10" },
      { filterType: "LOT_SIZE", stepSize: "0.001", maxQty: "1000", minQty: "0.001" },
      { filterType: "MARKET_LOT_SIZE", stepSize: "0.001", maxQty: "120", minQty: "0.001" },
      { filterType: "MIN_NOTIONAL", notional: "100" },
      { filterType: "PERCENT_PRICE", multiplierUp: "1.0500", multiplierDown: "0.9500", multiplierDecimal: "4" },
    ]);
    expect(parsed).toEqual({ symbol: "BTCUSDT", tickSize: 0.1, minPrice: 556.8, maxPrice: 4529764, stepSize: 0.001, minQty: 0.001, maxQty: 1000, marketStepSize: 0.001, marketMinQty: 0.001, marketMaxQty: 120, minNotional: 100, percentPrice: { multiplierUp: 1.05, multiplierDown: 0.95 } });
  });
});
