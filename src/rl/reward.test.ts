// The six reward components of §6 on a four-step episode worked by hand, in the reward unit u, and the
// differential Sharpe ratio against the episode Sharpe it stands for.
import { describe, expect, it } from "vitest";
import { Rng, gaussian } from "../core/random.ts";
import { RewardConfigSchema, RewardTracker, rewardScale } from "./reward.ts";

// u = 10 bp of equity; short windows, no free drawdown and maxTrades 1, so every component moves
const cfg = RewardConfigSchema.parse({ sharpeWindow: 2, freqWindow: 2, maxTrades: 1, drawdownThreshold: 0, maxHoldingBars: 4 });
const scale = { unit: 0.001, exposure: 1.5 };

describe("reward components, in u", () => {
  const tracker = new RewardTracker(cfg, scale);
  tracker.reset(100);
  // step 1: open a long (1 fill, half spread 0.5 bp), equity +1 u
  const s1 = tracker.step({ equityUsdt: 100.1, fills: 1, halfSpreadBps: 0.5, closed: [] });
  // step 2: hold through a fall of 2 u
  const e2 = 100.1 * (1 - 0.002);
  const s2 = tracker.step({ equityUsdt: e2, fills: 0, halfSpreadBps: 0, closed: [] });
  // step 3: close the long at a loss after 2 bars, part of the fall recovered
  const s3 = tracker.step({ equityUsdt: 99.95, fills: 1, halfSpreadBps: 0.5, closed: [{ holdingBars: 2, pnlUsdt: -0.3 }] });
  // step 4: a reversal (2 fills, 3 bp of half spread in all) closing a winner held 6 bars, equity unchanged
  const s4 = tracker.step({ equityUsdt: 99.95, fills: 2, halfSpreadBps: 3, closed: [{ holdingBars: 6, pnlUsdt: 1 }] });

  it("pnl is the step's equity return in u", () => {
    expect(s1.components.pnl).toBeCloseTo(1, 9);
    expect(s2.components.pnl).toBeCloseTo(-2, 9);
    expect(s3.components.pnl).toBeCloseTo((99.95 - e2) / e2 / 0.001, 9);
    expect(s4.components.pnl).toBe(0);
  });

  it("sharpe is the differential Sharpe ratio from A = 0, B = 1 u², η = 1 / sharpeWindow", () => {
    // A = 0, B = 1: ΔA = 1, ΔB = 0 → D = 1; then A = 0.5, B = 1
    expect(s1.components.sharpe).toBeCloseTo(1, 12);
    // ΔA = −2.5, ΔB = 3, variance 1 − 0.25 → D = (−2.5 − ½·0.5·3) / 0.75^1.5; then A = −0.75, B = 2.5
    expect(s2.components.sharpe).toBeCloseTo((-2.5 - 0.75) / 0.75 ** 1.5, 9);
    const r3 = s3.components.pnl;
    const dA = r3 + 0.75;
    const dB = r3 * r3 - 2.5;
    expect(s3.components.sharpe).toBeCloseTo((2.5 * dA + 0.5 * 0.75 * dB) / (2.5 - 0.5625) ** 1.5, 9);
  });

  it("drawdown charges the drawdown beyond the threshold as it deepens, never as it recovers", () => {
    expect(s1.components.drawdown).toBe(0); // at the peak
    expect(s2.components.drawdown).toBeCloseTo(2, 9); // 0.2 % below the peak = 2 u
    expect(s3.components.drawdown).toBe(0); // shallower than before
    expect(s4.components.drawdown).toBe(0);
  });

  it("frequency is charged on the step of the fill: 1 u per fill, × trades in the window / maxTrades past it", () => {
    expect(s1.components.frequency).toBe(1); // window [1]
    expect(s2.components.frequency).toBe(0); // no fill, nothing charged
    expect(s3.components.frequency).toBe(1); // window [0, 1]
    expect(s4.components.frequency).toBe(2 * 3); // window [1, 2]: three fills against maxTrades 1
  });

  it("holding is paid once per position as it closes: time held / max holding × sign of its PnL", () => {
    expect(s1.components.holding).toBe(0);
    expect(s3.components.holding).toBe(-0.5); // 2 of 4 bars, a loser
    expect(s4.components.holding).toBe(1); // capped at maxHoldingBars, a winner
  });

  it("spread cost is the half-spread paid on the position's notional, in u", () => {
    expect(s1.components.spreadCost).toBeCloseTo((0.5e-4 * 1.5) / 0.001, 12); // 0.075 u
    expect(s2.components.spreadCost).toBe(0);
    expect(s4.components.spreadCost).toBeCloseTo((3e-4 * 1.5) / 0.001, 12);
  });

  it("the total is the weighted sum with §6's signs and default weights", () => {
    for (const { reward, components: c } of [s1, s2, s3, s4]) {
      expect(reward).toBeCloseTo(1.0 * c.pnl + 0.5 * c.sharpe - 1.0 * c.drawdown - 0.3 * c.frequency + 0.2 * c.holding - 0.4 * c.spreadCost, 12);
    }
    // step 1 in numbers: 1 + 0.5·1 − 0 − 0.3·1 + 0 − 0.4·0.075
    expect(s1.reward).toBeCloseTo(1 + 0.5 - 0.3 - 0.03, 9);
  });

  it("a snapshot restores the tracker exactly; reset forgets the episode", () => {
    const copy = new RewardTracker(cfg, scale);
    copy.restore(tracker.snapshot());
    const next = { equityUsdt: 99.9, fills: 1, halfSpreadBps: 1, closed: [] };
    expect(copy.step(next)).toEqual(tracker.step(next));
    tracker.reset(50);
    const s = tracker.step({ equityUsdt: 50.05, fills: 0, halfSpreadBps: 0, closed: [] });
    expect(s.components.sharpe).toBeCloseTo(1, 9); // A and B back at 0 and 1
    expect(s.components.drawdown).toBe(0);
  });
});

describe("the differential Sharpe ratio over an episode", () => {
  it("its sum tracks the episode's Sharpe ratio across episodes of different drift", () => {
    const rng = new Rng(5);
    const sums: number[] = [];
    const sharpes: number[] = [];
    for (let k = 0; k < 40; k++) {
      const drift = -0.2 + (0.4 * k) / 39;
      const t = new RewardTracker(RewardConfigSchema.parse({}), scale);
      let equity = 10_000;
      t.reset(equity);
      const returns: number[] = [];
      let sum = 0;
      for (let i = 0; i < 1440; i++) {
        const r = (drift + gaussian(rng.next)) * scale.unit;
        equity *= 1 + r;
        returns.push(r);
        sum += t.step({ equityUsdt: equity, fills: 0, halfSpreadBps: 0, closed: [] }).components.sharpe;
      }
      const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
      const sd = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
      sums.push(sum);
      sharpes.push(mean / sd);
    }
    expect(correlation(sums, sharpes)).toBeGreaterThan(0.9);
    // and it is on the PnL's scale: about one u of Sharpe per u of mean return per step, not 1,000×
    const slope = (sums[39] - sums[0]) / 1440 / (sharpes[39] - sharpes[0]);
    expect(slope).toBeGreaterThan(0.3);
    expect(slope).toBeLessThan(3);
  });
});

describe("the reward unit", () => {
  it("is the training range's per-bar log-return standard deviation times the position's notional per equity", () => {
    const close = Float64Array.from([100, 101, 100, 101, 100]);
    const r = Math.log(1.01);
    // returns +r, −r, +r, −r: mean 0, sd r
    const s = rewardScale(close, { from: 0, to: 5 }, { leverage: 3, positionFraction: 0.5 });
    expect(s.exposure).toBe(1.5);
    expect(s.unit).toBeCloseTo(r * 1.5, 12);
    // only the rows given: a constant stretch has no typical move and falls back to 1 bp
    expect(rewardScale(Float64Array.from([5, 5, 5]), { from: 0, to: 3 }, { leverage: 1, positionFraction: 1 }).unit).toBe(1e-4);
  });
});

function correlation(a: number[], b: number[]): number {
  const ma = a.reduce((x, y) => x + y, 0) / a.length;
  const mb = b.reduce((x, y) => x + y, 0) / b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
