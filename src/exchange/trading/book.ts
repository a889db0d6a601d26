// Fills of any size on the sim's Account. The Account opens a position when flat and closes a whole one;
// an exchange also adds to positions, reduces part of one and reverses. These wrappers express those as
// the Account's own operations (a partial close is a close of a split-off slice) and compute margin with
// costs.ts and the liquidation price with the Account's own bracket rule, so no fee or PnL formula is written here.
import { Account, type Ledger, emptyLedger } from "../../sim/account.ts";
import { feeUsdt, initialMarginUsdt } from "../../sim/costs.ts";

export interface FillResult {
  /** Signed position quantity after the fill (+ long, − short). */
  positionQty: number;
  ledger: Ledger;
}

/** Apply a fill of `qty` (> 0) on `side` to the account: open, add, reduce, close or reverse. */
export function applyFill(acct: Account, side: 1 | -1, qty: number, price: number, feeRate: number, timeMs: number, bar: number): FillResult {
  const out = emptyLedger();
  const p = acct.position;
  if (!p) {
    acct.open({ side, qty, price, feeRate, timeMs, bar }, out);
  } else if (p.side === side) {
    addTo(acct, qty, price, feeRate, out);
  } else if (qty < p.qty - QTY_EPS) {
    reduce(acct, qty, price, feeRate, timeMs, bar, out);
  } else {
    const rest = qty - p.qty;
    // the whole position closes; the fee of the closing part only (the Account charges the closed qty)
    acct.close(price, feeRate, timeMs, bar, "signal", out);
    if (rest > QTY_EPS) acct.open({ side, qty: rest, price, feeRate, timeMs, bar }, out);
  }
  return { positionQty: signedQty(acct), ledger: out };
}

/** Quantities are multiples of 0.001 held as doubles: anything below this is zero. */
export const QTY_EPS = 1e-9;

export function signedQty(acct: Account): number {
  const p = acct.position;
  return p ? p.side * p.qty : 0;
}

function addTo(acct: Account, qty: number, price: number, feeRate: number, out: Ledger): void {
  const p = acct.position!;
  const fee = feeUsdt(qty, price, feeRate);
  acct.balanceUsdt -= fee;
  out.feesUsdt += fee;
  const total = p.qty + qty;
  // the entry price of a grown position is the quantity-weighted mean of its fills (as Binance reports it)
  p.entryPrice = (p.entryPrice * p.qty + price * qty) / total;
  p.qty = total;
  p.marginUsdt += initialMarginUsdt(qty, price, acct.rules.leverage);
  p.feesUsdt += fee;
  p.liquidationPrice = acct.liquidationPriceOf(p.side, p.qty, p.entryPrice, p.marginUsdt);
}

function reduce(acct: Account, qty: number, price: number, feeRate: number, timeMs: number, bar: number, out: Ledger): void {
  const p = acct.position!;
  const share = qty / p.qty;
  const rest = { ...p, qty: p.qty - qty, marginUsdt: p.marginUsdt * (1 - share), feesUsdt: p.feesUsdt * (1 - share), fundingUsdt: p.fundingUsdt * (1 - share) };
  // close a slice holding its share of margin, fees and funding; the rest stays open at the same entry
  acct.position = { ...p, qty, marginUsdt: p.marginUsdt * share, feesUsdt: p.feesUsdt * share, fundingUsdt: p.fundingUsdt * share };
  acct.close(price, feeRate, timeMs, bar, "signal", out);
  rest.liquidationPrice = acct.liquidationPriceOf(rest.side, rest.qty, rest.entryPrice, rest.marginUsdt);
  acct.position = rest;
}
