// The arithmetic of Binance USD-M costs as plain functions of numbers: fill price, fee, PnL, funding,
// liquidation price and quantity rounding. The account, the bar simulator, the paper client and the
// local exchange's matching all call these; none of them writes a formula of its own.

export const BPS = 1e4;

export type Side = -1 | 0 | 1;

/** A taker fill: worse than the reference price by half the spread plus slippage. */
export function takerFillPrice(refPrice: number, buying: boolean, halfSpreadBps: number, slippageBps: number): number {
  const adverse = (halfSpreadBps + slippageBps) / BPS;
  return buying ? refPrice * (1 + adverse) : refPrice * (1 - adverse);
}

/** Half the book spread in bps, or the configured default when the spread is unknown (NaN or absent). */
export function halfSpreadBpsOr(spreadBps: number | undefined, defaultHalfSpreadBps: number): number {
  return spreadBps !== undefined && Number.isFinite(spreadBps) ? spreadBps / 2 : defaultHalfSpreadBps;
}

/** Commission of one fill, USDT: notional × rate. */
export function feeUsdt(qty: number, price: number, feeRate: number): number {
  return qty * price * feeRate;
}

/** PnL of a position of `qty` at `entryPrice` marked or closed at `price`. */
export function positionPnlUsdt(side: 1 | -1, qty: number, entryPrice: number, price: number): number {
  return side * qty * (price - entryPrice);
}

/** Funding paid (negative) or received at a settlement: longs pay a positive rate, on the mark price. */
export function fundingUsdt(side: 1 | -1, qty: number, markPrice: number, rate: number): number {
  return -side * qty * markPrice * rate;
}

/** Floor a quantity to the LOT_SIZE step (the 1e-9 absorbs binary noise in qty / step). */
export function floorToStep(qty: number, step: number): number {
  return Math.floor(qty / step + 1e-9) * step;
}

/** Isolated initial margin of a position at a leverage. */
export function initialMarginUsdt(qty: number, price: number, leverage: number): number {
  return (qty * price) / leverage;
}

/**
 * Binance isolated-margin liquidation price for one position in one-way mode:
 * LP = (WB + cum − side·Q·EP) / (Q·MMR − side·Q), WB = the isolated margin, cum = the bracket's
 * maintenance amount (0 in the first bracket).
 * https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price-of-usd%E2%93%A2-m-futures-contracts-b3c689c1f50a44cabb3a84e663b81d93
 */
export function liquidationPrice(side: 1 | -1, qty: number, entry: number, marginUsdt: number, mmr: number, maintenanceAmountUsdt = 0): number {
  return (marginUsdt + maintenanceAmountUsdt - side * qty * entry) / (qty * mmr - side * qty);
}
