// The simulator's arithmetic on small hand-made markets, each number worked out by hand in the comments.
import { describe, expect, it } from "vitest";
import { SimConfigSchema } from "./config.ts";
import { FuturesSimulator, type MarketColumns, liquidationPrice } from "./simulator.ts";

const MIN = 60_000;
/** Bars given as [open, high, low, close]. */
function market(bars: [number, number, number, number][], spreadBps?: number[]): MarketColumns {
  return {
    openTime: Float64Array.from(bars.map((_, i) => i * MIN)),
    open: Float64Array.from(bars.map((b) => b[0])),
    high: Float64Array.from(bars.map((b) => b[1])),
    low: Float64Array.from(bars.map((b) => b[2])),
    close: Float64Array.from(bars.map((b) => b[3])),
    spreadBps: spreadBps ? Float64Array.from(spreadBps) : undefined,
  };
}
// frictionless fills unless a test says otherwise: costs are then exactly the fees
const cfg = (over: object = {}) => SimConfigSchema.parse({ slippageBps: 0, defaultHalfSpreadBps: 0, leverage: 2, positionFraction: 0.5, ...over });

describe("FuturesSimulator", () => {
  it("fills at the next open and charges the 0.05 % taker fee on entry and exit", () => {
    const sim = new FuturesSimulator(cfg(), market([[100, 100, 100, 100], [100, 101, 99, 101], [102, 103, 101, 102]]));
    sim.reset(0);
    // margin 0.5 × 10,000 = 5,000 at 2× → 10,000 notional at 100 → 100 BTC; fee 100 × 100 × 0.0005 = 5
    const r1 = sim.step(1);
    expect(sim.position).toMatchObject({ side: 1, qty: 100, entryPrice: 100 });
    expect(r1.feesUsdt).toBeCloseTo(5, 10);
    expect(r1.equityUsdt).toBeCloseTo(10_000 - 5 + 100 * (101 - 100), 10); // marked at the close: 10,095
    // flat at the next open (102): PnL 200, fee 100 × 102 × 0.0005 = 5.1
    const r2 = sim.step(0);
    expect(r2.realizedPnlUsdt).toBeCloseTo(200, 10);
    expect(r2.feesUsdt).toBeCloseTo(5.1, 10);
    expect(sim.balanceUsdt).toBeCloseTo(10_189.9, 10);
    expect(r2.closed[0]).toMatchObject({ side: 1, entryPrice: 100, exitPrice: 102, qty: 100, exitReason: "signal", holdingBars: 1 });
    expect(r2.closed[0].pnlUsdt).toBeCloseTo(189.9, 10);
  });

  it("pays half the spread and the slippage on each fill, and reverses with two fills", () => {
    const sim = new FuturesSimulator(cfg({ slippageBps: 1 }), market([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100]], [4, 4, 4]));
    sim.reset(0);
    const r1 = sim.step(1);
    expect(sim.position!.entryPrice).toBeCloseTo(100 * (1 + 3e-4), 10); // half of 4 bps + 1 bps slippage
    expect(r1.halfSpreadBps).toBe(2);
    const r2 = sim.step(-1);
    expect(r2.fills).toBe(2);
    expect(r2.closed[0].exitPrice).toBeCloseTo(100 * (1 - 3e-4), 10);
    expect(sim.position!.side).toBe(-1);
    expect(sim.position!.entryPrice).toBeCloseTo(100 * (1 - 3e-4), 10);
  });

  it("settles funding at funding times: longs pay a positive rate, shorts receive it", () => {
    const m = market([[100, 100, 100, 100], [100, 100, 100, 100], [110, 110, 110, 110], [110, 110, 110, 110]]);
    const funding = { timeMs: Float64Array.from([2 * MIN + 5]), rate: Float64Array.from([0.0001]) };
    for (const side of [1, -1] as const) {
      const sim = new FuturesSimulator(cfg(), m, funding);
      sim.reset(0);
      sim.step(side);
      const r = sim.step(side); // bar 2 holds the settlement at 2 min + 5 ms
      // 100 BTC × 110 (mark ≈ the bar's open) × 0.0001 = 1.1 USDT
      expect(r.fundingUsdt).toBeCloseTo(-side * 1.1, 10);
    }
  });

  it("liquidates an isolated long at Binance's liquidation price and loses exactly its margin", () => {
    // 10×, margin 1,000 of 2,000 equity → 100 BTC at 100; LP = (1,000 − 100·100) / (100·0.004 − 100) = 90.3614…
    const sim = new FuturesSimulator(cfg({ leverage: 10, initialEquityUsdt: 2_000 }), market([[100, 100, 100, 100], [100, 100, 95, 96], [96, 97, 90, 91]]));
    sim.reset(0);
    sim.step(1);
    expect(sim.position!.liquidationPrice).toBeCloseTo(9000 / 99.6, 10);
    const r = sim.step(1);
    expect(r.closed[0]).toMatchObject({ exitReason: "liquidation" });
    expect(r.closed[0].exitPrice).toBeCloseTo(9000 / 99.6, 10);
    expect(sim.balanceUsdt).toBeCloseTo(2_000 - 5 - 1_000, 10);
    expect(liquidationPrice(-1, 100, 100, 1_000, 0.004)).toBeCloseTo(11_000 / 100.4, 10); // short: (M + Q·EP) / (Q·(1 + MMR))
  });

  it("assumes the stop-loss came first when a bar touches both stop-loss and take-profit", () => {
    const sim = new FuturesSimulator(cfg({ stopLossPct: 0.02, takeProfitPct: 0.02 }), market([[100, 100, 100, 100], [100, 100.5, 99.5, 100], [100, 103, 97, 101]]));
    sim.reset(0);
    sim.step(1);
    const r = sim.step(1);
    expect(r.closed[0]).toMatchObject({ exitReason: "stop-loss", exitPrice: 98 });
    // −2 × 100 BTC, minus 5 entry fee and 100 × 98 × 0.0005 = 4.9 exit fee
    expect(r.closed[0].pnlUsdt).toBeCloseTo(-200 - 5 - 4.9, 10);
  });

  it("takes profit at the level, or at the open when the bar gaps through it", () => {
    const sim = new FuturesSimulator(cfg({ takeProfitPct: 0.02 }), market([[100, 100, 100, 100], [100, 101, 99.5, 100], [104, 105, 103, 104]]));
    sim.reset(0);
    sim.step(1);
    const r = sim.step(1);
    expect(r.closed[0]).toMatchObject({ exitReason: "take-profit", exitPrice: 104 });
  });
});
