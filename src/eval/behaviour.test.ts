// What a policy does, on hand-made position series and trades: the long / short / flat shares, trades
// per day, mean holding time, every degenerate reason, the baseline identity and the 95 % boundary.
import { describe, expect, it } from "vitest";
import type { Trade } from "../sim/simulator.ts";
import { BUY, HOLD, SELL } from "../kernel/actions.ts";
import { DEGENERATE_SHARE, agentBehaviour, degenerateLine, positionShares, returnVsZero, returnVsZeroLine, shareOfBars, strategyBehaviour } from "./behaviour.ts";

/** A series of n + 1 points (point 0 before any decision) from runs of [side, bars]. */
function series(...runs: [side: number, bars: number][]): Int8Array {
  return Int8Array.from([0, ...runs.flatMap(([side, bars]) => Array<number>(bars).fill(side))]);
}

function trades(...holdingBars: number[]): Trade[] {
  return holdingBars.map((h) => ({ side: 1, entryTimeMs: 0, exitTimeMs: 0, entryPrice: 1, exitPrice: 1, qty: 1, feesUsdt: 0, fundingUsdt: 0, pnlUsdt: 0, holdingBars: h, exitReason: "signal" }));
}

const BAR_DAY = 1440;

describe("position shares, trades per day, mean hold", () => {
  it("counts bars 1..n-1 (point 0 is before any decision) by side", () => {
    const p = positionShares(series([1, 5], [-1, 2], [0, 2]));
    expect(p).toEqual({ long: 5 / 9, short: 2 / 9, flat: 2 / 9, bars: 9 });
    // the starting point is never counted, whatever it holds
    expect(positionShares(Int8Array.from([1, 0, 0, -1]))).toEqual({ long: 0, short: 1 / 3, flat: 2 / 3, bars: 3 });
    expect(positionShares(Int8Array.from([0]))).toEqual({ long: 0, short: 0, flat: 0, bars: 0 });
  });

  it("divides the closed trades by the days of bars lived and averages their holding bars", () => {
    // two days of 1-minute bars, three trades of 10, 20 and 60 bars
    const b = strategyBehaviour({ position: series([1, 2 * BAR_DAY]), trades: trades(10, 20, 60) });
    expect(b.tradesPerDay).toBe(1.5);
    expect(b.meanHoldBars).toBe(30);
    const none = strategyBehaviour({ position: series([0, BAR_DAY / 2]), trades: [] });
    expect(none.tradesPerDay).toBe(0);
    expect(none.meanHoldBars).toBeNull();
    // half a day, one trade: 2 a day
    expect(strategyBehaviour({ position: series([1, BAR_DAY / 2]), trades: trades(720) }).tradesPerDay).toBe(2);
  });

  it("takes the action mix from the actions and names the largest position", () => {
    const actions = Uint8Array.from([BUY, BUY, SELL, HOLD, HOLD, HOLD, HOLD, HOLD, BUY]); // the last is never acted on
    const b = agentBehaviour({ position: series([1, 3], [-1, 5]), trades: trades(3, 5), actions }, []);
    expect(b.actions).toEqual({ buy: 2 / 8, sell: 1 / 8, hold: 5 / 8, decisions: 8 });
    expect(b.largest).toEqual({ position: "short", share: 5 / 8 });
    expect(b.verdict).toEqual({ degenerate: false, reasons: [] });
    expect(agentBehaviour({ position: series([1, 3]), trades: [] }, []).actions).toBeUndefined();
  });
});

describe("the degenerate verdict", () => {
  const mixed = series([1, 40], [0, 20], [-1, 40]);

  it("names one position held on more than 95 % of bars", () => {
    const long = agentBehaviour({ position: series([0, 2], [1, 498]), trades: trades(498) }, []);
    expect(long.verdict).toEqual({ degenerate: true, reasons: ["long on 99.6 % of bars"] });
    expect(degenerateLine(long)).toBe("DEGENERATE: long on 99.6 % of bars — this is buy & hold with extra steps");
    const short = agentBehaviour({ position: series([0, 3], [-1, 97]), trades: trades(97) }, []);
    expect(short.verdict.reasons).toEqual(["short on 97.0 % of bars"]);
    expect(degenerateLine(short)).toBe("DEGENERATE: short on 97.0 % of bars — this is buy & hold's mirror (always short) with extra steps");
    const flat = agentBehaviour({ position: series([0, 98], [1, 2]), trades: trades(2) }, []);
    expect(flat.verdict.reasons).toEqual(["flat on 98.0 % of bars"]);
    expect(degenerateLine(flat)).toBe("DEGENERATE: flat on 98.0 % of bars — it barely trades");
  });

  it("says a policy flat on every bar never trades, once (not again as identical to flat)", () => {
    const none = series([0, 100]);
    const b = agentBehaviour({ position: none, trades: [] }, [{ name: "buy & hold", position: series([1, 100]) }, { name: "flat", position: none }]);
    expect(b.verdict).toEqual({ degenerate: true, reasons: ["flat on every bar: it never trades"], identicalTo: "flat" });
    expect(degenerateLine(b)).toBe("DEGENERATE: flat on every bar: it never trades");
  });

  it("finds a position series equal bar for bar to a baseline's", () => {
    const bh = series([1, 100]);
    const baselines = [{ name: "buy & hold", position: bh }, { name: "flat", position: series([0, 100]) }, { name: "momentum 60", position: mixed }];
    const asBh = agentBehaviour({ position: bh.slice(), trades: trades(100) }, baselines);
    expect(asBh.verdict).toEqual({ degenerate: true, reasons: ["identical to buy & hold", "long on 100 % of bars"], identicalTo: "buy & hold" });
    expect(degenerateLine(asBh)).toBe("DEGENERATE: identical to buy & hold; long on 100 % of bars — this is buy & hold with extra steps");
    // a balanced series is degenerate only because it is momentum's
    const asMomentum = agentBehaviour({ position: mixed.slice(), trades: trades(40, 40) }, baselines);
    expect(asMomentum.verdict).toEqual({ degenerate: true, reasons: ["identical to momentum 60"], identicalTo: "momentum 60" });
    expect(degenerateLine(asMomentum)).toBe("DEGENERATE: identical to momentum 60 — this is momentum 60 with extra steps");
    // one bar apart is not identical
    const almost = mixed.slice();
    almost[50] = 1;
    expect(agentBehaviour({ position: almost, trades: trades(40, 40) }, baselines).verdict).toEqual({ degenerate: false, reasons: [] });
  });

  it("draws the line above 95 %: exactly 95 % is not degenerate, one bar more is", () => {
    expect(DEGENERATE_SHARE).toBe(0.95);
    const at = agentBehaviour({ position: series([1, 19], [0, 1]), trades: trades(19) }, []);
    expect(at.positions.long).toBe(0.95);
    expect(at.verdict.degenerate).toBe(false);
    const above = agentBehaviour({ position: series([1, 191], [0, 9]), trades: trades(191) }, []);
    expect(above.positions.long).toBe(0.955);
    expect(above.verdict.reasons).toEqual(["long on 95.5 % of bars"]);
    // a share a hair above the rule is never printed as the rule itself, nor one below 1 as 100 %
    const hair = agentBehaviour({ position: series([1, 9504], [0, 496]), trades: trades(9504) }, []);
    expect(hair.verdict.reasons).toEqual(["long on 95.04 % of bars"]);
    expect(shareOfBars(0.9996)).toBe("99.96 %");
    expect(shareOfBars(0.95)).toBe("95.0 %");
    expect(shareOfBars(0.9496)).toBe("94.96 %");
  });
});

describe("the return against zero", () => {
  it("is indistinguishable while the 95 % interval holds 0, and positive or negative beyond it", () => {
    expect(returnVsZero({ low: -0.012, high: 0.008 })).toBe("indistinguishable");
    expect(returnVsZeroLine({ low: -0.012, high: 0.008 })).toBe("the return is not distinguishable from zero (95 % interval −1.2 % … +0.8 %)");
    // a flat agent: every resample returns exactly 0
    expect(returnVsZero({ low: 0, high: 0 })).toBe("indistinguishable");
    expect(returnVsZeroLine({ low: 0, high: 0 })).toBe("the return is not distinguishable from zero (95 % interval 0.0 % … 0.0 %)");
    expect(returnVsZero({ low: 0.003, high: 0.021 })).toBe("positive");
    expect(returnVsZeroLine({ low: 0.003, high: 0.021 })).toBe("the return is positive beyond noise (95 % interval +0.3 % … +2.1 %)");
    expect(returnVsZero({ low: -0.05, high: -0.0001 })).toBe("negative");
    expect(returnVsZeroLine({ low: -0.05, high: -0.0001 })).toBe("the return is negative beyond noise (95 % interval −5.0 % … 0.0 %)");
  });
});
