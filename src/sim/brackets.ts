// Maintenance-margin brackets per symbol and notional, in the shape of Binance's
// GET /fapi/v1/leverageBracket: the bracket of a position's notional gives its maintenance margin rate
// and maintenance amount (cum), which the liquidation price depends on. Live trading loads the
// account's own table from that endpoint in this shape; backtests and training use the stored tables
// below, and a symbol without one falls back to the config's single rate with cum 0.

export interface MarginBracket {
  bracket: number;
  /** Highest leverage allowed in this bracket. */
  initialLeverage: number;
  notionalFloor: number;
  notionalCap: number;
  maintMarginRatio: number;
  /** Maintenance amount, USDT: makes the maintenance margin continuous across brackets. */
  cum: number;
}

export interface BracketTable {
  symbol: string;
  /** Where the table came from and when it was taken. */
  source: string;
  brackets: readonly MarginBracket[];
}

const row = (bracket: number, initialLeverage: number, notionalFloor: number, notionalCap: number, maintMarginRatio: number, cum: number): MarginBracket => ({ bracket, initialLeverage, notionalFloor, notionalCap, maintMarginRatio, cum });

/**
 * Stored tables. Binance changes them from time to time and per account (notionalCoef), so these are
 * the backtest's assumption, not the truth of a given day: a live session uses the endpoint's answer.
 */
export const STORED_BRACKETS: Readonly<Record<string, BracketTable>> = {
  BTCUSDT: {
    symbol: "BTCUSDT",
    source: "a GET /fapi/v1/leverageBracket answer for BTCUSDT as kept in public client fixtures, 2022 (day unknown); brackets 1–2 are Binance's long-published 0.4 % / 0.5 %",
    brackets: [
      row(1, 125, 0, 50_000, 0.004, 0),
      row(2, 100, 50_000, 250_000, 0.005, 50),
      row(3, 50, 250_000, 3_000_000, 0.01, 1_300),
      row(4, 20, 3_000_000, 20_000_000, 0.025, 46_300),
      row(5, 10, 20_000_000, 40_000_000, 0.05, 546_300),
      row(6, 5, 40_000_000, 100_000_000, 0.1, 2_546_300),
      row(7, 4, 100_000_000, 120_000_000, 0.125, 5_046_300),
      row(8, 3, 120_000_000, 200_000_000, 0.15, 8_046_300),
      row(9, 2, 200_000_000, 300_000_000, 0.25, 28_046_300),
      row(10, 1, 300_000_000, 500_000_000, 0.5, 103_046_300),
    ],
  },
  ETHUSDT: {
    symbol: "ETHUSDT",
    source: "Binance's published ETHUSDT leverage and margin table, 2021 (not checked against a live answer)",
    brackets: [
      row(1, 100, 0, 10_000, 0.005, 0),
      row(2, 75, 10_000, 100_000, 0.0065, 15),
      row(3, 50, 100_000, 500_000, 0.01, 365),
      row(4, 25, 500_000, 1_000_000, 0.02, 5_365),
      row(5, 10, 1_000_000, 2_000_000, 0.05, 35_365),
      row(6, 5, 2_000_000, 5_000_000, 0.1, 135_365),
      row(7, 4, 5_000_000, 10_000_000, 0.125, 260_365),
      row(8, 3, 10_000_000, 20_000_000, 0.15, 510_365),
      row(9, 2, 20_000_000, 50_000_000, 0.25, 2_510_365),
      row(10, 1, 50_000_000, 9_000_000_000_000_000, 0.5, 15_010_365),
    ],
  },
};

/** The stored table of a symbol, or one bracket at the config's rate (cum 0) when none is stored. */
export function bracketTable(symbol: string | undefined, fallbackMaintenanceMarginRate: number): BracketTable {
  const stored = symbol ? STORED_BRACKETS[symbol.toUpperCase()] : undefined;
  if (stored) return stored;
  return {
    symbol: symbol ?? "unknown",
    source: `unknown symbol: one bracket at the configured maintenanceMarginRate ${fallbackMaintenanceMarginRate}, cum 0`,
    brackets: [row(1, 125, 0, Number.POSITIVE_INFINITY, fallbackMaintenanceMarginRate, 0)],
  };
}

/** The bracket whose [floor, cap) holds the notional; above the last cap, the last bracket. */
export function bracketFor(brackets: readonly MarginBracket[], notionalUsdt: number): MarginBracket {
  for (const b of brackets) if (notionalUsdt < b.notionalCap) return b;
  return brackets[brackets.length - 1];
}
