// Order-book features of one book state (the book at a bar's close). Used on stored snapshots for
// history and on the recorder's live book, so both get the same numbers.
import type { Level } from "../record/order-book.ts";

/** Size of the hypothetical market order for the price-impact feature (BTC-sized; base asset units). */
export const IMPACT_QTY = 10;
const BPS = 1e4;

export interface BookStats {
  spreadBps: number;
  bookImbalance: number;
  bookDepth: number;
  priceImpactBps: number;
  bookPressure: number;
  liquidityNearShare: number;
  bookSlope: number;
  micropriceDevBps: number;
}

const sumQty = (levels: Level[], n: number) => levels.slice(0, n).reduce((a, [, q]) => a + q, 0);

/** bids best-first (descending price), asks best-first (ascending), as many levels as known (≥ 1 each). */
export function bookStats(bids: Level[], asks: Level[]): BookStats {
  const [bid, bidQty] = bids[0];
  const [ask, askQty] = asks[0];
  const mid = (bid + ask) / 2;
  const b5 = sumQty(bids, 5);
  const a5 = sumQty(asks, 5);
  let wDiff = 0;
  let wSum = 0;
  for (let i = 0; i < 10; i++) {
    const w = 1 / (1 + i);
    const bq = bids[i]?.[1] ?? 0;
    const aq = asks[i]?.[1] ?? 0;
    wDiff += w * (bq - aq);
    wSum += w * (bq + aq);
  }
  const near = b5 + a5;
  const far = sumQty(bids, 20) + sumQty(asks, 20);
  const microprice = (bid * askQty + ask * bidQty) / (bidQty + askQty);
  return {
    spreadBps: ((ask - bid) / mid) * BPS,
    bookImbalance: (b5 - a5) / (b5 + a5),
    bookDepth: sumQty(bids, 10) + sumQty(asks, 10),
    priceImpactBps: (impactBps(asks, mid, IMPACT_QTY) + impactBps(bids, mid, IMPACT_QTY)) / 2,
    bookPressure: wDiff / wSum,
    liquidityNearShare: near / far,
    bookSlope: (sideSlope(bids, mid) + sideSlope(asks, mid)) / 2,
    micropriceDevBps: ((microprice - mid) / mid) * BPS,
  };
}

/**
 * Average execution price of a market order of `qty` walking the levels, as bps away from mid. When the
 * known levels hold less than `qty`, the rest is priced at the last known level (a lower bound).
 */
export function impactBps(levels: Level[], mid: number, qty: number): number {
  let left = qty;
  let cost = 0;
  let last = levels[0][0];
  for (const [p, q] of levels) {
    const take = Math.min(left, q);
    cost += take * p;
    left -= take;
    last = p;
    if (left <= 0) break;
  }
  if (left > 0) cost += left * last;
  return (Math.abs(cost / qty - mid) / mid) * BPS;
}

/** Least-squares slope of cumulative quantity against distance from mid (bps), top 10 levels. */
export function sideSlope(levels: Level[], mid: number): number {
  const n = Math.min(10, levels.length);
  if (n < 2) return Number.NaN;
  const xs: number[] = [];
  const ys: number[] = [];
  let cum = 0;
  for (let i = 0; i < n; i++) {
    cum += levels[i][1];
    xs.push((Math.abs(levels[i][0] - mid) / mid) * BPS);
    ys.push(cum);
  }
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

/**
 * Cont, Kukanov & Stoikov (2014) order-flow imbalance contribution of one best-level change
 * (https://arxiv.org/abs/1011.6402): bid-side inflow minus ask-side inflow.
 */
export function ofiStep(prevBid: number, prevBidQty: number, prevAsk: number, prevAskQty: number, bid: number, bidQty: number, ask: number, askQty: number): number {
  let e = 0;
  if (bid >= prevBid) e += bidQty;
  if (bid <= prevBid) e -= prevBidQty;
  if (ask <= prevAsk) e -= askQty;
  if (ask >= prevAsk) e += prevAskQty;
  return e;
}
