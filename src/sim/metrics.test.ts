// Metrics on small hand-made equity curves and trade lists; every expected value is worked out by hand in the comments.
import { describe, expect, it } from "vitest";
import type { Trade } from "./account.ts";
import { Rng } from "../core/random.ts";
import { MINUTES_PER_YEAR, barReturns, computeMetrics, drawdownSeries, rollingSharpe, sharpeRatio } from "./metrics.ts";

function trade(t: Partial<Trade> & Pick<Trade, "side" | "qty" | "entryPrice" | "exitPrice" | "pnlUsdt">): Trade {
  return { entryTimeMs: 0, exitTimeMs: 60_000, feesUsdt: 0, fundingUsdt: 0, holdingBars: 1, exitReason: "signal", ...t };
}

// equity 100 -> 110 -> 99 -> 108.9 -> 119.79: returns +10%, -10%, +10%, +10%.
const EQUITY = Float64Array.from([100, 110, 99, 108.9, 119.79]);
// Three trades, pnl net of fees and funding (gross = side * qty * (exit - entry)):
//   T1 long  0.5 @ 100 -> 110:  gross  5,    fees 0.1, funding -0.05 -> pnl  4.85, 2 bars
//   T2 short 1   @ 110 -> 112:  gross -2,    fees 0.2, funding +0.03 -> pnl -2.17, 1 bar
//   T3 long  2   @ 99 -> 108.9: gross 19.8,  fees 0.3, funding  0    -> pnl 19.5,  3 bars
const TRADES: Trade[] = [
  trade({ side: 1, qty: 0.5, entryPrice: 100, exitPrice: 110, feesUsdt: 0.1, fundingUsdt: -0.05, pnlUsdt: 4.85, holdingBars: 2 }),
  trade({ side: -1, qty: 1, entryPrice: 110, exitPrice: 112, feesUsdt: 0.2, fundingUsdt: 0.03, pnlUsdt: -2.17, holdingBars: 1, exitReason: "stop-loss" }),
  trade({ side: 1, qty: 2, entryPrice: 99, exitPrice: 108.9, feesUsdt: 0.3, fundingUsdt: 0, pnlUsdt: 19.5, holdingBars: 3 }),
];

describe("computeMetrics on [100, 110, 99, 108.9, 119.79] with three trades", () => {
  // periodsPerYear = 16 so that sqrt(16) = 4 and the annualization exponent 16/(5-1) = 4 are whole numbers.
  const m = computeMetrics({ equity: EQUITY, position: Int8Array.from([0, 1, 1, 0, -1]), trades: TRADES, periodsPerYear: 16 });

  it("returns", () => {
    // 119.79 / 100 - 1 = 0.1979
    expect(m.totalReturn).toBeCloseTo(0.1979, 12);
    // 1.1979^(16/4) - 1 = 1.1979^4 - 1; 1.1979^2 = 1.43496441; 1.43496441^2 = 2.05912285797 -> 1.05912285797
    expect(m.annualizedReturn).toBeCloseTo(1.05912285797, 10);
  });

  it("Sharpe and Sortino", () => {
    // r = [0.1, -0.1, 0.1, 0.1]; mean = 0.2/4 = 0.05
    // deviations 0.05, -0.15, 0.05, 0.05; squares 0.0025 + 0.0225 + 0.0025 + 0.0025 = 0.03; sample var 0.03/3 = 0.01; sd 0.1
    // Sharpe = 0.05/0.1 * sqrt(16) = 0.5 * 4 = 2
    expect(m.sharpe).toBeCloseTo(2, 10);
    // downside: min(r,0)^2 = [0, 0.01, 0, 0]; mean over ALL 4 returns = 0.0025; downsideDev = 0.05
    // Sortino = 0.05/0.05 * 4 = 4
    expect(m.sortino).toBeCloseTo(4, 10);
  });

  it("drawdown, recovered", () => {
    // peaks 100, 110, 110, 110, 119.79; drawdowns 0, 0, 11/110 = 0.1, 1.1/110 = 0.01, 0 (new high)
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    // bars 2 and 3 are below the peak 110, bar 4 recovers: 2 bars
    expect(m.maxDrawdownDurationBars).toBe(2);
  });

  it("trade statistics", () => {
    expect(m.trades).toBe(3);
    // T1 and T3 win: 2/3
    expect(m.winRate).toBeCloseTo(2 / 3, 12);
    // (4.85 - 2.17 + 19.5) / 3 = 22.18 / 3 = 7.393333...
    expect(m.avgProfitUsdt).toBeCloseTo(7.3933333333, 9);
    // (2 + 1 + 3) / 3 = 2
    expect(m.avgHoldingBars).toBeCloseTo(2, 12);
    // wins 4.85 + 19.5 = 24.35; losses |-2.17| = 2.17; 24.35 / 2.17 = 11.2211981567
    expect(m.profitFactor).toBeCloseTo(11.2211981567, 9);
    // T1 0.5*100 + 0.5*110 = 105; T2 1*110 + 1*112 = 222; T3 2*99 + 2*108.9 = 415.8; total 742.8
    expect(m.turnoverUsdt).toBeCloseTo(742.8, 10);
    // 0.1 + 0.2 + 0.3 = 0.6
    expect(m.feesUsdt).toBeCloseTo(0.6, 12);
    // -0.05 + 0.03 + 0 = -0.02 (paid more than received)
    expect(m.fundingUsdt).toBeCloseTo(-0.02, 12);
  });

  it("exposure counts bars 1..n-1 with a position", () => {
    // position over bars 1..4 = [1, 1, 0, -1]: 3 of 4 held
    expect(m.exposure).toBeCloseTo(0.75, 12);
  });

  it("defaults to 1-minute bars for annualization", () => {
    const d = computeMetrics({ equity: EQUITY, trades: [] });
    // per-bar Sharpe 0.5 * sqrt(525600) = 0.5 * 724.98275842 = 362.49137921
    expect(d.sharpe).toBeCloseTo(362.49137921, 6);
    // per-bar Sortino 1 * sqrt(525600)
    expect(d.sortino).toBeCloseTo(724.98275842, 6);
    expect(MINUTES_PER_YEAR).toBe(525_600);
  });
});

describe("drawdowns", () => {
  it("an unrecovered drawdown counts until the last bar", () => {
    // [100, 120, 90, 96, 108]: peak 120 from bar 1; drawdowns 30/120 = 0.25, 24/120 = 0.2, 12/120 = 0.1; never recovers
    const m = computeMetrics({ equity: Float64Array.from([100, 120, 90, 96, 108]), trades: [] });
    expect(m.maxDrawdown).toBeCloseTo(0.25, 12);
    // bars 2, 3, 4 below the peak: 3
    expect(m.maxDrawdownDurationBars).toBe(3);
  });

  it("touching the old peak ends a drawdown; the longest run wins, not the deepest", () => {
    // [100, 90, 95, 100, 98, 101]: bars 1-2 under 100 (2 bars, depth 10/100 = 0.1), bar 3 equals the peak (recovered),
    // bar 4 under 100 (1 bar, depth 0.02), bar 5 a new high
    const m = computeMetrics({ equity: Float64Array.from([100, 90, 95, 100, 98, 101]), trades: [] });
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(m.maxDrawdownDurationBars).toBe(2);
  });

  it("a curve that never falls has no drawdown", () => {
    const m = computeMetrics({ equity: Float64Array.from([100, 100, 101, 102]), trades: [] });
    expect(m.maxDrawdown).toBe(0);
    expect(m.maxDrawdownDurationBars).toBe(0);
  });

  it("drawdownSeries is equity/peak - 1", () => {
    // peaks 100, 110, 110, 110, 119.79 -> 100/100-1 = 0, 0, 99/110-1 = -0.1, 108.9/110-1 = -0.01, 0
    const dd = drawdownSeries(EQUITY);
    expect(dd.length).toBe(5);
    [0, 0, -0.1, -0.01, 0].forEach((v, i) => expect(dd[i]).toBeCloseTo(v, 14));
    expect(dd[0]).toBe(0);
    expect(dd[4]).toBe(0);
  });
});

describe("Sortino and Sharpe edge cases", () => {
  it("Sortino is 0 when no return is negative", () => {
    // [100, 101, 103.02, 103.02]: r = [0.01, 0.02, 0]; no negative return -> downsideDev 0 -> Sortino 0
    const m = computeMetrics({ equity: Float64Array.from([100, 101, 103.02, 103.02]), trades: [], periodsPerYear: 9 });
    expect(m.sortino).toBe(0);
    // Sharpe still defined: mean 0.01; deviations 0, 0.01, -0.01; sample var 0.0002/2 = 0.0001; sd 0.01; 1 * sqrt(9) = 3
    expect(m.sharpe).toBeCloseTo(3, 9);
  });

  it("a flat curve has Sharpe and Sortino 0 (no risk measured), not NaN", () => {
    const m = computeMetrics({ equity: Float64Array.from([100, 100, 100, 100]), trades: [] });
    expect(m.sharpe).toBe(0);
    expect(m.sortino).toBe(0);
  });

  it("fewer than 2 returns gives Sharpe 0; a single bar has no annualized return", () => {
    expect(computeMetrics({ equity: Float64Array.from([100, 105]), trades: [] }).sharpe).toBe(0);
    const one = computeMetrics({ equity: Float64Array.from([100]), trades: [] });
    expect(one.totalReturn).toBe(0);
    expect(one.annualizedReturn).toBeNaN();
    expect(one.sharpe).toBe(0);
  });

  it("constant returns that differ only by rounding have Sharpe 0", () => {
    // All returns 0.001 exactly: the mean may round by an ulp, which must not produce a huge Sharpe.
    expect(sharpeRatio(new Float64Array(7).fill(0.001))).toBe(0);
  });
});

describe("trade statistics edge cases", () => {
  it("no trades: per-trade fields are NaN, sums are 0; no position gives NaN exposure", () => {
    const m = computeMetrics({ equity: EQUITY, trades: [] });
    expect(m.trades).toBe(0);
    expect(m.winRate).toBeNaN();
    expect(m.avgProfitUsdt).toBeNaN();
    expect(m.avgHoldingBars).toBeNaN();
    expect(m.profitFactor).toBeNaN();
    expect(m.turnoverUsdt).toBe(0);
    expect(m.feesUsdt).toBe(0);
    expect(m.fundingUsdt).toBe(0);
    expect(m.exposure).toBeNaN();
  });

  it("profit factor is Infinity with only winners and 0 with only losers", () => {
    const winner = trade({ side: 1, qty: 1, entryPrice: 100, exitPrice: 101, pnlUsdt: 1 });
    const loser = trade({ side: 1, qty: 1, entryPrice: 100, exitPrice: 99, pnlUsdt: -1 });
    expect(computeMetrics({ equity: EQUITY, trades: [winner] }).profitFactor).toBe(Infinity);
    // 0 / |-1| = 0; win rate 0/1
    const losers = computeMetrics({ equity: EQUITY, trades: [loser] });
    expect(losers.profitFactor).toBe(0);
    expect(losers.winRate).toBe(0);
  });

  it("a position array of the wrong length is an error", () => {
    expect(() => computeMetrics({ equity: EQUITY, position: new Int8Array(3), trades: [] })).toThrow(/position/);
  });
});

describe("barReturns and rollingSharpe", () => {
  it("barReturns has n-1 simple returns", () => {
    const r = barReturns(EQUITY);
    expect(r.length).toBe(4);
    [0.1, -0.1, 0.1, 0.1].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 14));
  });

  it("matches a hand-computed window", () => {
    // window 3, periodsPerYear 12. Index t uses the 3 returns ending at equity[t]; t = 0..2 have fewer than 3 -> NaN.
    // t = 3: r = [0.1, -0.1, 0.1]; mean = 0.1/3 = 0.0333...; deviations 0.0667, -0.1333, 0.0667
    //   squares 0.004444 + 0.017778 + 0.004444 = 0.026667; sample var /2 = 0.013333 = 1/75; sd = 1/sqrt(75) = 0.11547
    //   per-bar Sharpe = (1/30) * sqrt(75) = sqrt(75)/30 = 0.288675 = 1/(2*sqrt(3)); * sqrt(12) = 2*sqrt(3)/(2*sqrt(3)) = 1
    // t = 4: r = [-0.1, 0.1, 0.1]: the same values in another order -> 1
    const rs = rollingSharpe(EQUITY, 3, 12);
    expect(rs.length).toBe(5);
    expect(rs[0]).toBeNaN();
    expect(rs[1]).toBeNaN();
    expect(rs[2]).toBeNaN();
    expect(rs[3]).toBeCloseTo(1, 10);
    expect(rs[4]).toBeCloseTo(1, 10);
  });

  it("the sliding update agrees with a direct computation on every window of a long random walk", () => {
    const rng = new Rng(7);
    const equity = new Float64Array(3000);
    equity[0] = 1000;
    for (let i = 1; i < equity.length; i++) equity[i] = equity[i - 1] * (1 + (rng.next() - 0.5) * 0.004);
    const window = 50;
    const rs = rollingSharpe(equity, window);
    const r = barReturns(equity);
    for (let t = window; t < equity.length; t++) {
      const direct = sharpeRatio(r, MINUTES_PER_YEAR, t - window, t);
      expect(Math.abs(rs[t] - direct)).toBeLessThan(1e-8 * Math.max(1, Math.abs(direct)));
    }
  });

  it("a window inside a flat stretch is exactly 0 even after volatile bars", () => {
    // Volatile first, then flat: the sliding sums carry rounding residue that must not become a Sharpe.
    const equity = Float64Array.from([100, 103.7, 98.1, 101.3, 97.9, 97.9, 97.9, 97.9, 97.9]);
    const rs = rollingSharpe(equity, 3);
    // t = 7: returns ending at bars 5, 6, 7 are all 0
    expect(rs[7]).toBe(0);
    expect(rs[8]).toBe(0);
  });

  it("rejects a window below 2", () => {
    expect(() => rollingSharpe(EQUITY, 1)).toThrow(/window/);
  });
});
