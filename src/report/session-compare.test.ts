import { describe, expect, it } from "vitest";
import { type BarTrack, explain, firstDifference } from "./session-compare.ts";

const T0 = Date.UTC(2023, 7, 15, 10, 0);

/** Five bars: buy at bar 0's close, filled at bar 1's open; hold; sell at bar 3 closes it at bar 4's open. */
function tracks(): BarTrack[] {
  const base = (t: number, over: Partial<BarTrack> = {}): BarTrack => ({ openTimeMs: T0 + t * 60_000, fills: [], action: 2, target: t >= 1 && t < 4 ? 1 : 0, sideBefore: t >= 1 && t < 4 ? 1 : 0, equityUsdt: 10_000 + t, denials: [], masked: [], ...over });
  return [
    base(0, { action: 0, target: 1 }),
    base(1, { fills: [{ side: 1, qty: 0.05, priceUsdt: 29_420, what: "entry" }] }),
    base(2),
    base(3, { action: 1, target: -1 }),
    base(4, { fills: [{ side: -1, qty: 0.05, priceUsdt: 29_500, what: "signal" }], target: 0, sideBefore: 0 }),
  ];
}

describe("firstDifference", () => {
  it("finds none when live and backtest are the same tracks", () => {
    expect(firstDifference(tracks(), tracks(), { mode: "paper" })).toBeUndefined();
    expect(explain(undefined, 5)).toMatch(/agree on every one of the 5 bars/);
  });

  it("marks a fill price difference at its bar, with the price of each side", () => {
    const live = tracks();
    live[1].fills[0].priceUsdt = 29_422.11;
    const d = firstDifference(live, tracks(), { mode: "exchange" })!;
    expect(d.index).toBe(1);
    expect(d.kind).toBe("fill");
    expect(d.why).toBe("live filled at 29,422.11, the backtest at 29,420.00 (0.72 bps): slippage and spread on the exchange against the simulator's fill model");
  });

  it("names a decision difference and a limited one", () => {
    const live = tracks();
    live[2] = { ...live[2], action: 1, target: -1 };
    const d = firstDifference(live, tracks(), { mode: "paper" })!;
    expect([d.index, d.kind]).toEqual([2, "decision"]);
    expect(d.live).toBe("sell → short");
    expect(d.backtest).toBe("hold → long");
    expect(d.why).toMatch(/on the same journaled features the policy decides hold where live decided sell/);
    const paused = tracks();
    paused[0] = { ...paused[0], target: 0, note: "entries paused" };
    expect(firstDifference(paused, tracks(), { mode: "paper" })!.why).toBe("the live decision was limited (entries paused); the backtest trades every decision");
  });

  it("names masked features as context only, and blames a live-only risk denial", () => {
    const live = tracks();
    live[3] = { ...live[3], action: 0, target: 1, masked: ["spread_bps", "book_imbalance"] };
    expect(firstDifference(live, tracks(), { mode: "paper" })!.why).toBe(
      "on the same journaled features the policy decides sell where live decided buy: another model than the session's, or the decision row was altered (2 features were masked at this bar and entered as 0 on both sides: spread_bps, book_imbalance)",
    );
    const denied = tracks();
    denied[1] = { ...denied[1], fills: [], denials: ["max-exposure"] };
    const d = firstDifference(denied, tracks(), { mode: "exchange" })!;
    expect([d.index, d.live, d.backtest]).toEqual([1, "no fill", "buy 0.05 @ 29,420.00 (entry)"]);
    expect(d.why).toBe("risk denial only live (max-exposure): the backtest's risk engine let the entry through");
  });

  it("ignores the last bar's decision (the backtest closes at the end instead) and tells equity apart", () => {
    const live = tracks();
    live[4] = { ...live[4], action: 0, target: 1 };
    expect(firstDifference(live, tracks(), { mode: "paper" })).toBeUndefined();
    const version1 = tracks().map((t) => ({ ...t, fills: [], equityUsdt: Number.NaN }));
    expect(firstDifference(version1, tracks(), { mode: "paper", fillsAndEquity: false })).toBeUndefined();
    const funded = tracks();
    funded[2].equityUsdt -= 1.25;
    const d = firstDifference(funded, tracks(), { mode: "paper" })!;
    expect([d.index, d.kind]).toEqual([2, "equity"]);
    expect(d.why).toMatch(/equity off by -1.25 USDT: a funding settlement/);
  });
});
