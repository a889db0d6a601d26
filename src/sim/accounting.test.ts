// The three accounting fixes against Binance's own rules, each number worked out by hand: funding held at
// the settlement is charged even when the bar then stops the position out, on the settlement's mark
// price, and the liquidation price follows the notional's maintenance bracket and the funding-moved margin.
import { describe, expect, it } from "vitest";
import { Account, emptyLedger } from "./account.ts";
import { STORED_BRACKETS, bracketFor, bracketTable } from "./brackets.ts";
import { SimConfigSchema } from "./config.ts";
import { FuturesSimulator, type MarketColumns } from "./simulator.ts";

const MIN = 60_000;
function market(bars: [number, number, number, number][]): MarketColumns {
  return {
    openTime: Float64Array.from(bars.map((_, i) => i * MIN)),
    open: Float64Array.from(bars.map((b) => b[0])),
    high: Float64Array.from(bars.map((b) => b[1])),
    low: Float64Array.from(bars.map((b) => b[2])),
    close: Float64Array.from(bars.map((b) => b[3])),
  };
}
const cfg = (over: object = {}) => SimConfigSchema.parse({ slippageBps: 0, defaultHalfSpreadBps: 0, leverage: 2, positionFraction: 0.5, ...over });
const flatBar: [number, number, number, number] = [100, 100, 100, 100];

describe("funding", () => {
  it("is charged when a stop-loss closes the position inside the bar of the settlement", () => {
    // 100 BTC long at 100 (margin 5,000 at 2×); bar 2 opens at the settlement: −100 × 100 × 0.0001 = −1, then the 2 % stop at 98
    const funding = { timeMs: Float64Array.from([2 * MIN]), rate: Float64Array.from([0.0001]) };
    const sim = new FuturesSimulator(cfg({ stopLossPct: 0.02 }), market([flatBar, flatBar, [100, 100, 97, 98]]), funding);
    sim.reset(0);
    sim.step(1);
    const r = sim.step(1);
    expect(r.fundingUsdt).toBeCloseTo(-1, 10);
    expect(r.closed[0]).toMatchObject({ exitReason: "stop-loss", exitPrice: 98 });
    expect(r.closed[0].fundingUsdt).toBeCloseTo(-1, 10);
    // −200 price, −5 entry fee, −4.9 exit fee (100 × 98 × 0.0005), −1 funding
    expect(r.closed[0].pnlUsdt).toBeCloseTo(-200 - 5 - 4.9 - 1, 10);
    expect(sim.balanceUsdt).toBeCloseTo(10_000 - 210.9, 10);
  });

  it("is charged on the settlement's mark price where the store has one, else on the bar's open", () => {
    const m = market([flatBar, flatBar, [110, 110, 110, 110], [110, 110, 110, 110]]);
    const run = (markPrice: number) => {
      const sim = new FuturesSimulator(cfg(), m, { timeMs: Float64Array.from([2 * MIN]), rate: Float64Array.from([0.0001]), markPrice: Float64Array.from([markPrice]) });
      sim.reset(0);
      sim.step(1);
      return sim.step(1).fundingUsdt;
    };
    expect(run(105)).toBeCloseTo(-100 * 105 * 0.0001, 10); // −1.05 on the mark, not −1.1 on the open
    expect(run(Number.NaN)).toBeCloseTo(-100 * 110 * 0.0001, 10);
  });
});

describe("maintenance brackets", () => {
  it("pick the bracket by notional and give Binance's liquidation price with its cum", () => {
    const btc = STORED_BRACKETS.BTCUSDT.brackets;
    expect(bracketFor(btc, 49_999)).toMatchObject({ bracket: 1, maintMarginRatio: 0.004, cum: 0 });
    expect(bracketFor(btc, 100_000)).toMatchObject({ bracket: 2, maintMarginRatio: 0.005, cum: 50 });
    expect(bracketFor(btc, 1e12)).toMatchObject({ bracket: 10 });
    // 1 BTC long at 100,000 on 2×: margin 50,000; bracket 2: LP = (50,000 + 50 − 100,000) / (0.005 − 1) = 49,950 / 0.995
    const acct = new Account({ leverage: 2, maintenanceMarginRate: 0.004, brackets: btc }, 60_000);
    const p = acct.open({ side: 1, qty: 1, price: 100_000, feeRate: 0, timeMs: 0, bar: 0 }, emptyLedger());
    expect(p.liquidationPrice).toBeCloseTo(49_950 / 0.995, 8); // 50,201.005; the first bracket would say 50,000 / 0.996 = 50,200.803
    const short = new Account({ leverage: 2, maintenanceMarginRate: 0.004, brackets: btc }, 60_000);
    // short: LP = (50,000 + 50 + 100,000) / (0.005 + 1)
    expect(short.open({ side: -1, qty: 1, price: 100_000, feeRate: 0, timeMs: 0, bar: 0 }, emptyLedger()).liquidationPrice).toBeCloseTo(150_050 / 1.005, 8);
  });

  it("stored tables are continuous (cum = previous cum + floor × rate step) and an unknown symbol falls back to the config's rate", () => {
    for (const t of Object.values(STORED_BRACKETS)) {
      expect(t.source).toMatch(/20\d\d/);
      t.brackets.forEach((b, k) => {
        if (k === 0) return expect([b.notionalFloor, b.cum]).toEqual([0, 0]);
        const prev = t.brackets[k - 1];
        expect(b.notionalFloor).toBe(prev.notionalCap);
        expect(b.cum).toBeCloseTo(prev.cum + b.notionalFloor * (b.maintMarginRatio - prev.maintMarginRatio), 6);
      });
    }
    const unknown = bracketTable("DOGEUSDT", 0.006);
    expect(unknown.brackets).toEqual([expect.objectContaining({ maintMarginRatio: 0.006, cum: 0, notionalFloor: 0, notionalCap: Number.POSITIVE_INFINITY })]);
    expect(unknown.source).toMatch(/unknown symbol/);
    expect(bracketTable("btcusdt", 0.006)).toBe(STORED_BRACKETS.BTCUSDT);
  });

  it("the liquidation price moves with the margin funding takes, and a bar that only the new price reaches liquidates", () => {
    // 10×, margin 1,000 of 2,000 → 100 BTC at 100; LP = (1,000 − 10,000) / (0.4 − 100) = 90.3614…
    // funding −100 × 100 × 0.001 = −10 leaves margin 990: LP = (990 − 10,000) / (0.4 − 100) = 90.4618…; bar 2's low 90.4 is between
    const funding = { timeMs: Float64Array.from([2 * MIN]), rate: Float64Array.from([0.001]), markPrice: Float64Array.from([100]) };
    const sim = new FuturesSimulator(cfg({ leverage: 10, initialEquityUsdt: 2_000 }), market([flatBar, flatBar, [100, 100, 90.4, 91]]), funding, { symbol: "BTCUSDT" });
    sim.reset(0);
    sim.step(1);
    expect(sim.position!.liquidationPrice).toBeCloseTo(9_000 / 99.6, 10);
    const r = sim.step(1);
    expect(r.fundingUsdt).toBeCloseTo(-10, 10);
    expect(r.closed[0]).toMatchObject({ exitReason: "liquidation" });
    expect(r.closed[0].exitPrice).toBeCloseTo(9_010 / 99.6, 10);
    // the isolated margin is all that is lost: 2,000 − 5 fee − 10 funding − the 990 left
    expect(sim.balanceUsdt).toBeCloseTo(995, 10);
    expect(r.closed[0].pnlUsdt).toBeCloseTo(-1_000 - 5, 10);
  });
});
