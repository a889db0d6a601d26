// What a policy does over an evaluation range, in figures a trader reads before its return: the
// action mix, the share of bars long / short / flat, trades per day, mean holding time, and whether
// the policy is degenerate — one position nearly all the time, or bar for bar a baseline. An agent in
// the market on 99 % of bars is buy & hold (or its mirror) with extra steps, whatever its Sharpe, and
// a 0 % chance of beating buy & hold means nothing when the two series are the same.
import { BAR_MS, DAY_MS } from "../core/time.ts";
import type { PolicyRun } from "../kernel/replay.ts";
import type { Interval } from "./bootstrap.ts";
import { type ActionShares, actionShares } from "./action-shares.ts";

/** One position held on more than this share of the bars makes a policy degenerate (exactly 95 % is not). */
export const DEGENERATE_SHARE = 0.95;

export type PositionName = "long" | "short" | "flat";

/** Shares of the bars lived (bars 1..n-1: point 0 is before any decision), summing to 1. */
export interface PositionShares {
  long: number;
  short: number;
  flat: number;
  /** Bars counted. */
  bars: number;
}

/** What any strategy does, agent or baseline (cheap: the position series and the closed trades). */
export interface StrategyBehaviour {
  positions: PositionShares;
  /** Closed trades (the one closed at the range's end included) per day of bars lived. */
  tradesPerDay: number;
  /** Mean holding time of the closed trades in bars; null without trades. */
  meanHoldBars: number | null;
}

export interface DegenerateVerdict {
  degenerate: boolean;
  /** Each reason in words ("long on 99.6 % of bars", "identical to buy & hold"); empty when not degenerate. */
  reasons: string[];
  /** The baseline whose position series the policy equals bar for bar, if any. */
  identicalTo?: string;
}

/** The agent's full picture: its actions, what it held, how often it traded, and the verdict. */
export interface Behaviour extends StrategyBehaviour {
  /** Absent for a run without actions (a rule deciding targets directly). */
  actions?: ActionShares;
  /** The position held on most bars and its share. */
  largest: { position: PositionName; share: number };
  verdict: DegenerateVerdict;
}

/** A walk-forward fold's agent in short: its position shares, trades per day and the verdict. */
export interface FoldBehaviour {
  positions: PositionShares;
  tradesPerDay: number;
  degenerate: boolean;
  reasons: string[];
}

export function foldBehaviour(b: Behaviour): FoldBehaviour {
  return { positions: b.positions, tradesPerDay: b.tradesPerDay, degenerate: b.verdict.degenerate, reasons: b.verdict.reasons };
}

/** A baseline to hold the agent's positions against, by the name every view shows. */
export interface NamedPositions {
  name: string;
  position: ArrayLike<number>;
}

/** Whether the return is told apart from zero by the bootstrap's 95 % interval. */
export type ReturnVsZero = "indistinguishable" | "positive" | "negative";

export function positionShares(position: ArrayLike<number>): PositionShares {
  const bars = Math.max(position.length - 1, 0);
  let long = 0;
  let short = 0;
  for (let i = 1; i < position.length; i++) {
    if (position[i] > 0) long++;
    else if (position[i] < 0) short++;
  }
  // an empty range has no bars: every share 0 rather than NaN, so JSON and the views stay numbers
  if (bars === 0) return { long: 0, short: 0, flat: 0, bars };
  return { long: long / bars, short: short / bars, flat: (bars - long - short) / bars, bars };
}

export function strategyBehaviour(run: Pick<PolicyRun, "position" | "trades">): StrategyBehaviour {
  const positions = positionShares(run.position);
  const days = (positions.bars * BAR_MS) / DAY_MS;
  const trades = run.trades.length;
  return {
    positions,
    tradesPerDay: days > 0 ? trades / days : 0,
    meanHoldBars: trades > 0 ? run.trades.reduce((s, t) => s + t.holdingBars, 0) / trades : null,
  };
}

/** The agent's behaviour, held against the baselines' position series (buy & hold, flat, momentum). */
export function agentBehaviour(run: Pick<PolicyRun, "position" | "trades" | "actions">, baselines: NamedPositions[]): Behaviour {
  const base = strategyBehaviour(run);
  const largest = largestPosition(base.positions);
  return {
    ...base,
    ...(run.actions ? { actions: actionShares(run.actions) } : {}),
    largest,
    verdict: degenerateVerdict(run.position, base.positions, baselines),
  };
}

function largestPosition(p: PositionShares): Behaviour["largest"] {
  const order: PositionName[] = ["long", "short", "flat"];
  const position = order.reduce((best, k) => (p[k] > p[best] ? k : best), order[0]);
  return { position, share: p[position] };
}

export function degenerateVerdict(position: ArrayLike<number>, shares: PositionShares, baselines: NamedPositions[]): DegenerateVerdict {
  const reasons: string[] = [];
  const identical = baselines.find((b) => sameSeries(position, b.position));
  const flatEverywhere = shares.bars > 0 && shares.flat === 1;
  if (flatEverywhere) reasons.push("flat on every bar: it never trades");
  // "identical to flat" says nothing the flat reason does not
  if (identical && !(flatEverywhere && identical.name === "flat")) reasons.push(`identical to ${identical.name}`);
  if (!flatEverywhere) {
    for (const k of ["long", "short", "flat"] as const) {
      if (shares[k] > DEGENERATE_SHARE) reasons.push(`${k} on ${shareOfBars(shares[k])} of bars`);
    }
  }
  return { degenerate: reasons.length > 0, reasons, ...(identical ? { identicalTo: identical.name } : {}) };
}

function sameSeries(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length || a.length < 2) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A share as "99.6 %", "every bar" aside: never rounded onto 100 % or onto the 95 % rule when it is
 * not there ("99.96 %" is not "100.0 %", "95.04 %" is not "95.0 %").
 */
export function shareOfBars(share: number): string {
  if (share === 1) return "100 %";
  for (let digits = 1; digits <= 4; digits++) {
    const text = (100 * share).toFixed(digits);
    const shown = Number(text) / 100;
    if (shown < 1 && (shown !== DEGENERATE_SHARE || share === DEGENERATE_SHARE)) return `${text} %`;
  }
  return `${(100 * share).toFixed(5)} %`;
}

/** The warning line: the reasons and what the policy amounts to. */
export function degenerateLine(b: Pick<Behaviour, "verdict" | "largest">): string | undefined {
  if (!b.verdict.degenerate) return undefined;
  const amounts = b.verdict.identicalTo
    ? b.verdict.identicalTo === "flat"
      ? "it is the flat baseline"
      : `this is ${b.verdict.identicalTo} with extra steps`
    : b.largest.position === "long"
      ? "this is buy & hold with extra steps"
      : b.largest.position === "short"
        ? "this is buy & hold's mirror (always short) with extra steps"
        : "it barely trades";
  const flatAll = b.verdict.reasons[0]?.startsWith("flat on every bar");
  return `DEGENERATE: ${b.verdict.reasons.join("; ")}${flatAll ? "" : ` — ${amounts}`}`;
}

/** The bootstrap's 95 % interval of the total return against zero. */
export function returnVsZero(interval: Pick<Interval, "low" | "high">): ReturnVsZero {
  if (interval.low > 0) return "positive";
  if (interval.high < 0) return "negative";
  return "indistinguishable";
}

/** The verdict in words, with the interval: "the return is not distinguishable from zero (95 % interval −1.2 % … +0.8 %)". */
export function returnVsZeroLine(interval: Pick<Interval, "low" | "high">): string {
  const range = `95 % interval ${signedPct(interval.low)} … ${signedPct(interval.high)}`;
  switch (returnVsZero(interval)) {
    case "positive":
      return `the return is positive beyond noise (${range})`;
    case "negative":
      return `the return is negative beyond noise (${range})`;
    case "indistinguishable":
      return `the return is not distinguishable from zero (${range})`;
  }
}

function signedPct(x: number): string {
  if (!Number.isFinite(x)) return "—";
  const text = (100 * Math.abs(x)).toFixed(1);
  // a true minus sign, and no "−0.0 %" or "+0.0 %" for a value that rounds to zero
  return Number(text) === 0 ? "0.0 %" : `${x < 0 ? "−" : "+"}${text} %`;
}
