// The six reward components of §6 on a three-step episode worked by hand.
import { describe, expect, it } from "vitest";
import { RewardConfigSchema, RewardTracker } from "./reward.ts";

// short windows and no free drawdown, so every component moves within three steps
const cfg = RewardConfigSchema.parse({ sharpeWindow: 2, freqWindow: 2, drawdownThreshold: 0 });

describe("reward components", () => {
  const tracker = new RewardTracker(cfg);
  tracker.reset(100);
  // step 1: open a long (1 fill, half spread 0.5 bps), equity 100 → 101
  const s1 = tracker.step({ equityUsdt: 101, fills: 1, halfSpreadBps: 0.5, side: 1, positionPnlUsdt: 1, holdingBars: 1 });
  // step 2: hold, equity 101 → 100.495 (−0.5 %), position still in profit
  const s2 = tracker.step({ equityUsdt: 100.495, fills: 0, halfSpreadBps: 0, side: 1, positionPnlUsdt: 0.495, holdingBars: 2 });
  // step 3: reverse to short (2 fills at 1.5 bps each), equity → 100, the new short is under water
  const s3 = tracker.step({ equityUsdt: 100, fills: 2, halfSpreadBps: 3, side: -1, positionPnlUsdt: -0.2, holdingBars: 1 });

  it("pnl is the step's equity return", () => {
    expect(s1.components.pnl).toBeCloseTo(0.01, 12); // (101 − 100) / 100
    expect(s2.components.pnl).toBeCloseTo(-0.005, 12); // (100.495 − 101) / 101
    expect(s3.components.pnl).toBeCloseTo(-0.495 / 100.495, 12);
  });

  it("sharpe is mean / population sd of the window's returns, 0 until two returns exist", () => {
    expect(s1.components.sharpe).toBe(0);
    // returns [0.01, −0.005]: mean 0.0025, sd 0.0075
    expect(s2.components.sharpe).toBeCloseTo(0.0025 / (0.0075 + 1e-8), 6);
    // window of 2 drops 0.01: returns [−0.005, −0.0049256…]
    const r3 = -0.495 / 100.495;
    const mean = (-0.005 + r3) / 2;
    const sd = Math.abs(-0.005 - r3) / 2;
    expect(s3.components.sharpe).toBeCloseTo(mean / (sd + 1e-8), 3);
  });

  it("drawdown is the fall from the peak beyond the free threshold", () => {
    expect(s1.components.drawdown).toBe(0); // at the peak
    expect(s2.components.drawdown).toBeCloseTo(0.505 / 101, 12); // peak 101
    expect(s3.components.drawdown).toBeCloseTo(1 / 101, 12);
  });

  it("frequency counts fills in the window against maxTrades", () => {
    expect(s1.components.frequency).toBeCloseTo(1 / 10, 12); // fills [1]
    expect(s2.components.frequency).toBeCloseTo(1 / 10, 12); // fills [1, 0]
    expect(s3.components.frequency).toBeCloseTo(2 / 10, 12); // fills [0, 2]: the window of 2 forgot step 1
  });

  it("holding rewards time in a winning position and penalizes it in a losing one", () => {
    expect(s1.components.holding).toBeCloseTo(1 / 240, 12);
    expect(s2.components.holding).toBeCloseTo(2 / 240, 12);
    expect(s3.components.holding).toBeCloseTo(-1 / 240, 12);
  });

  it("spread cost is fills × this step's spread relative to the running average spread", () => {
    expect(s1.components.spreadCost).toBeCloseTo(1, 12); // 0.5 / avg 0.5
    expect(s2.components.spreadCost).toBe(0); // no fill
    expect(s3.components.spreadCost).toBeCloseTo(2 * (1.5 / 1), 12); // per fill 1.5, average of (0.5, 1.5) = 1
  });

  it("the total is the weighted sum with §6's signs and default weights", () => {
    for (const { reward, components: c } of [s1, s2, s3]) {
      expect(reward).toBeCloseTo(1.0 * c.pnl + 0.5 * c.sharpe - 1.0 * c.drawdown - 0.3 * c.frequency + 0.2 * c.holding - 0.4 * c.spreadCost, 12);
    }
    // step 1 in numbers: 0.01 + 0 − 0 − 0.3·0.1 + 0.2/240 − 0.4·1
    expect(s1.reward).toBeCloseTo(0.01 - 0.03 + 0.2 / 240 - 0.4, 12);
  });

  it("reset starts a new episode: peak, windows and spread average forgotten", () => {
    tracker.reset(50);
    const s = tracker.step({ equityUsdt: 49, fills: 1, halfSpreadBps: 2, side: 1, positionPnlUsdt: -1, holdingBars: 1 });
    expect(s.components.pnl).toBeCloseTo(-0.02, 12);
    expect(s.components.sharpe).toBe(0);
    expect(s.components.drawdown).toBeCloseTo(0.02, 12);
    expect(s.components.frequency).toBeCloseTo(0.1, 12);
    expect(s.components.spreadCost).toBeCloseTo(1, 12);
  });
});
