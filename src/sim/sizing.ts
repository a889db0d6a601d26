// How big a new position may be and where its protective levels sit: pure functions of the limits and
// the account, called by the bar simulator when it opens a position and by the risk engine
// (src/risk/) for any caller, the live trader included. The size is the smallest of what each limit
// allows, floored to the LOT_SIZE step.
import { floorToStep, initialMarginUsdt } from "./costs.ts";

export interface SizingLimits {
  /** Isolated margin per position as a fraction of the wallet balance (sim.positionFraction). */
  positionFraction: number;
  leverage: number;
  qtyStep: number;
  /** Largest notional of a position, USDT. */
  maxNotionalUsdt?: number;
  /** Largest loss to the stop of one new position, as a fraction of equity. */
  riskPerTrade?: number;
  /** Largest loss to the stops of all open positions together, as a fraction of equity. */
  maxTotalRisk?: number;
  /** Stop distance from entry as a fraction of price (the tighter of the fixed and trailing stops). */
  stopDistance?: number;
}

export interface SizingAccount {
  balanceUsdt: number;
  equityUsdt: number;
  /** What the positions already open would lose at their stops (their margin where they have none). */
  openRiskUsdt: number;
}

export type SizeLimit = "position-fraction" | "notional-cap" | "risk-per-trade" | "total-risk";

export interface Sizing {
  qty: number;
  /** The limit that set the size. */
  limitedBy: SizeLimit;
}

/**
 * Loss at the stop per unit of quantity at `priceUsdt`: the stop distance, or without a stop the
 * isolated margin (all that an isolated position can lose).
 */
export function riskPerUnitUsdt(priceUsdt: number, leverage: number, stopDistance: number | undefined): number {
  return stopDistance !== undefined ? stopDistance * priceUsdt : initialMarginUsdt(1, priceUsdt, leverage);
}

/**
 * What an open position would lose at its stop, no more than its isolated margin (all of it when it
 * has no stop); 0 once a trailing stop has passed the entry.
 */
export function openRiskUsdt(side: 1 | -1, qty: number, entryPrice: number, marginUsdt: number, stopPrice: number | undefined): number {
  return stopPrice !== undefined ? Math.min(qty * Math.max(0, side * (entryPrice - stopPrice)), marginUsdt) : marginUsdt;
}

/** The quantity of a new position at `priceUsdt` under every limit. */
export function entrySize(l: SizingLimits, a: SizingAccount, priceUsdt: number): Sizing {
  // the margin fraction, written as before the risk limits existed so default sizes stay bit-identical
  const marginUsdt = a.balanceUsdt * l.positionFraction;
  let qty = (marginUsdt * l.leverage) / priceUsdt;
  let limitedBy: SizeLimit = "position-fraction";
  const cap = (q: number, by: SizeLimit) => {
    if (q < qty) [qty, limitedBy] = [Math.max(q, 0), by];
  };
  if (l.maxNotionalUsdt !== undefined) cap(l.maxNotionalUsdt / priceUsdt, "notional-cap");
  const unitRisk = riskPerUnitUsdt(priceUsdt, l.leverage, l.stopDistance);
  if (l.riskPerTrade !== undefined) cap((l.riskPerTrade * a.equityUsdt) / unitRisk, "risk-per-trade");
  if (l.maxTotalRisk !== undefined) cap((l.maxTotalRisk * a.equityUsdt - a.openRiskUsdt) / unitRisk, "total-risk");
  return { qty: floorToStep(qty, l.qtyStep), limitedBy };
}

export interface ProtectionRule {
  stopLossPct?: number;
  takeProfitPct?: number;
  trailingStopPct?: number;
}

export interface Protection {
  stopPrice?: number;
  takeProfitPrice?: number;
  trailingStopPct?: number;
}

/**
 * Stop and take-profit levels of a position entered at `priceUsdt`. A trailing stop starts at its
 * distance from the entry (the best price so far) and the tighter of it and a fixed stop applies.
 */
export function protectionLevels(side: 1 | -1, priceUsdt: number, r: ProtectionRule): Protection {
  const fixed = r.stopLossPct ? priceUsdt * (1 - side * r.stopLossPct) : undefined;
  const trail = r.trailingStopPct ? priceUsdt * (1 - side * r.trailingStopPct) : undefined;
  const stopPrice = fixed === undefined ? trail : trail === undefined ? fixed : side === 1 ? Math.max(fixed, trail) : Math.min(fixed, trail);
  return {
    stopPrice,
    takeProfitPrice: r.takeProfitPct ? priceUsdt * (1 + side * r.takeProfitPct) : undefined,
    ...(r.trailingStopPct ? { trailingStopPct: r.trailingStopPct } : {}),
  };
}

/** The stop distance that sizes an order under a protection rule (the tighter stop), as a fraction. */
export function stopDistance(r: ProtectionRule): number | undefined {
  const d = [r.stopLossPct, r.trailingStopPct].filter((x): x is number => x !== undefined && x > 0);
  return d.length ? Math.min(...d) : undefined;
}

/**
 * The trailing stop after a bar whose favourable extreme was `bestPriceUsdt`: it only ever moves in
 * the position's favour.
 */
export function trailedStop(side: 1 | -1, stopPrice: number | undefined, bestPriceUsdt: number, trailingStopPct: number): number {
  const level = bestPriceUsdt * (1 - side * trailingStopPct);
  if (stopPrice === undefined) return level;
  return side === 1 ? Math.max(stopPrice, level) : Math.min(stopPrice, level);
}
