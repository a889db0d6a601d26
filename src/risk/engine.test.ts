// Every limit of the risk engine with sizes worked out by hand. Unless a test says otherwise: a 10,000
// USDT account, 0.5 of the balance as margin at 2× (10,000 notional), lots of 0.001, price 100.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.ts";
import { DAY_MS } from "../core/time.ts";
import { RiskConfigSchema, RiskEngine, assertTradingRisk, entrySize, openRiskUsdt, protectionLevels, trailedStop } from "./index.ts";

const SIM = { positionFraction: 0.5, leverage: 2, qtyStep: 0.001, stopLossPct: undefined, takeProfitPct: undefined };
const engine = (risk: object = {}, sim: object = {}, opts = {}) => new RiskEngine(RiskConfigSchema.parse(risk), { ...SIM, ...sim }, opts);
const FLAT = { balanceUsdt: 10_000, equityUsdt: 10_000, openRiskUsdt: 0 };
const long = (over: object = {}) => ({ target: 1 as const, current: 0 as const, refPriceUsdt: 100, timeMs: 0, ...over });

describe("sizing", () => {
  it("the margin fraction: 10,000 × 0.5 × 2 / 100 = 100", () => {
    expect(engine().check(long(), FLAT)).toEqual({ kind: "approval", qty: 100, limitedBy: "position-fraction", stopPrice: undefined, takeProfitPrice: undefined });
  });

  it("the absolute notional cap: 6,000 USDT / 100 = 60", () => {
    expect(engine({ maxNotionalUsdt: 6_000 }).check(long(), FLAT)).toMatchObject({ qty: 60, limitedBy: "notional-cap" });
  });

  it("risk per trade: the stop distance sizes the order, never above the size limits", () => {
    // 1 % of 10,000 = 100 USDT at risk / (2 % × 100 per unit) = 50; the stop at 98 (a short's at 102)
    expect(engine({ riskPerTrade: 0.01 }, { stopLossPct: 0.02 }).check(long(), FLAT)).toMatchObject({ qty: 50, limitedBy: "risk-per-trade", stopPrice: 98 });
    expect(engine({ riskPerTrade: 0.01 }, { stopLossPct: 0.02 }).check(long({ target: -1 }), FLAT)).toMatchObject({ qty: 50, stopPrice: 102 });
    // 5 % would allow 250: the margin fraction's 100 stands
    expect(engine({ riskPerTrade: 0.05 }, { stopLossPct: 0.02 }).check(long(), FLAT)).toMatchObject({ qty: 100, limitedBy: "position-fraction" });
    // without a stop the risk is the isolated margin, 100 / 2 = 50 per unit: 100 USDT / 50 = 2
    expect(engine({ riskPerTrade: 0.01 }).check(long(), FLAT)).toMatchObject({ qty: 2, limitedBy: "risk-per-trade" });
  });

  it("total risk: what the open stops already risk is taken off the allowance", () => {
    // 2 % of 10,000 = 200, 120 already at risk: 80 / 2 = 40
    expect(engine({ maxTotalRisk: 0.02 }, { stopLossPct: 0.02 }).check(long(), { ...FLAT, openRiskUsdt: 120 })).toMatchObject({ qty: 40, limitedBy: "total-risk" });
    expect(engine({ maxTotalRisk: 0.02 }, { stopLossPct: 0.02 }).check(long(), { ...FLAT, openRiskUsdt: 200 })).toMatchObject({ kind: "denial", reason: "below-one-lot" });
    // an open position's risk: 50 × (100 − 98) = 100; capped by its margin; 0 once the stop is past the entry
    expect(openRiskUsdt(1, 50, 100, 2_500, 98)).toBeCloseTo(100, 10);
    expect(openRiskUsdt(-1, 50, 100, 60, 102)).toBe(60);
    expect(openRiskUsdt(1, 50, 100, 2_500, 101)).toBe(0);
    expect(openRiskUsdt(1, 50, 100, 2_500, undefined)).toBe(2_500);
  });

  it("floors to the lot step and reproduces the simulator's sizing bit for bit", () => {
    const a = { balanceUsdt: 9_876.54321, equityUsdt: 9_876.54321, openRiskUsdt: 0 };
    const price = 29_123.45;
    expect(entrySize({ positionFraction: 0.5, leverage: 3, qtyStep: 0.001, maxNotionalUsdt: 1e6 }, a, price).qty).toBe(Math.floor(((9_876.54321 * 0.5 * 3) / price) / 0.001 + 1e-9) * 0.001);
  });
});

describe("stops and the dynamic take-profit", () => {
  it("a stop-loss on every position when trading: the config is refused, the engine denies", () => {
    expect(() => assertTradingRisk(RiskConfigSchema.parse({}), SIM)).toThrow(ConfigError);
    expect(() => assertTradingRisk(RiskConfigSchema.parse({ trailingStopPct: 0.01 }), SIM)).not.toThrow();
    expect(() => assertTradingRisk(RiskConfigSchema.parse({}), { ...SIM, stopLossPct: 0.01 })).not.toThrow();
    expect(engine({}, {}, { requireStopLoss: true }).check(long(), FLAT)).toMatchObject({ kind: "denial", reason: "no-stop-loss", message: expect.stringMatching(/stop-loss/) });
    expect(engine({}, { stopLossPct: 0.01 }, { requireStopLoss: true }).check(long(), FLAT)).toMatchObject({ kind: "approval", qty: 100, stopPrice: 99 });
  });

  it("the trailing stop starts its distance from the entry, the tighter of it and a fixed stop, and only ratchets forward", () => {
    expect(protectionLevels(1, 100, { stopLossPct: 0.03, trailingStopPct: 0.02 })).toEqual({ stopPrice: 98, takeProfitPrice: undefined, trailingStopPct: 0.02 });
    expect(protectionLevels(-1, 100, { stopLossPct: 0.01, trailingStopPct: 0.02, takeProfitPct: 0.05 })).toEqual({ stopPrice: 101, takeProfitPrice: 95, trailingStopPct: 0.02 });
    expect(trailedStop(1, 98, 105, 0.02)).toBeCloseTo(102.9, 10);
    expect(trailedStop(1, 102.9, 101, 0.02)).toBe(102.9); // a lower high never lowers it
    expect(trailedStop(-1, 102, 95, 0.02)).toBeCloseTo(96.9, 10);
    // the trailing distance sizes the order like a stop: 100 / (2 % × 100) = 50
    expect(engine({ riskPerTrade: 0.01, trailingStopPct: 0.02 }).check(long(), FLAT)).toMatchObject({ qty: 50, stopPrice: 98, trailingStopPct: 0.02 });
  });
});

describe("states and halts", () => {
  it("the daily loss limit halts, denies entries with the reason, and lifts on the next UTC day", () => {
    const e = engine({ dailyLossLimit: 0.05 });
    e.reset(10_000);
    expect(e.onBar(10_000, 60_000)).toEqual([]);
    expect(e.onBar(9_501, 120_000)).toEqual([]); // 4.99 % down
    const [halt] = e.onBar(9_500, 180_000); // 5 % below the day's start
    expect(halt).toMatchObject({ kind: "halt", reason: "daily-loss", timeMs: 180_000, equityUsdt: 9_500, message: expect.stringMatching(/5\.00 % below the day's start 10000\.00/) });
    expect([e.state, e.haltReason, e.flattenRequired]).toEqual(["halted", "daily-loss", true]);
    expect(e.check(long({ timeMs: 240_000 }), FLAT)).toEqual({ kind: "denial", reason: "halted", message: "trading is halted (daily-loss): no new positions", timeMs: 240_000, target: 1, current: 0 });
    expect(e.check(long({ target: 0, current: 1 }), FLAT)).toEqual({ kind: "approval", qty: 0 }); // closing always passes
    expect(e.onBar(9_400, DAY_MS)).toEqual([expect.objectContaining({ kind: "resume", reason: "new-day" })]);
    expect(e.state).toBe("active");
    expect(e.snapshot()).toEqual({ state: "active", day: 1, dayStartEquityUsdt: 9_400, peakEquityUsdt: 10_000 });
  });

  it("the maximum drawdown from peak equity halts for good", () => {
    const e = engine({ maxDrawdown: 0.1 });
    e.reset(10_000);
    e.onBar(11_000, 60_000);
    expect(e.onBar(9_901, 120_000)).toEqual([]); // 9.99 % below the 11,000 peak
    expect(e.onBar(9_900, 180_000)).toEqual([expect.objectContaining({ kind: "halt", reason: "max-drawdown", message: expect.stringMatching(/10\.00 % below its peak 11000\.00/) })]);
    expect(e.onBar(9_900, 2 * DAY_MS)).toEqual([]);
    expect(e.state).toBe("halted");
    expect(e.check(long(), FLAT)).toMatchObject({ kind: "denial", reason: "halted", message: expect.stringMatching(/max-drawdown/) });
  });

  it("reducing lets only what reduces exposure pass; a snapshot restores the state", () => {
    const e = engine();
    e.reset(10_000);
    expect(e.setState("reducing", "Ctrl-C", 5, 10_000)).toEqual({ kind: "reducing", reason: "manual", message: "Ctrl-C", timeMs: 5, equityUsdt: 10_000 });
    expect(e.check(long(), FLAT)).toMatchObject({ kind: "denial", reason: "reducing" });
    expect(e.check(long({ target: -1, current: 1 }), FLAT)).toMatchObject({ kind: "denial", reason: "reducing", target: -1, current: 1 });
    expect(e.check(long({ target: 0, current: -1 }), FLAT)).toEqual({ kind: "approval", qty: 0 });
    expect(e.check(long({ target: 1, current: 1 }), FLAT)).toEqual({ kind: "approval", qty: 0 });
    const other = engine();
    other.restore(e.snapshot());
    expect(other.state).toBe("reducing");
    e.setState("active", "resumed", 6, 10_000);
    expect(e.check(long(), FLAT)).toMatchObject({ kind: "approval", qty: 100 });
  });
});
