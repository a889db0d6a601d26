// The risk engine inside the bar simulator and the kernel's replay: the trailing take-profit from highs
// and lows, a halt flattening at the next open and recorded, the reducing state, and checkpoints.
// Frictionless fills (no fee, spread or slippage): 10,000 USDT, 0.5 as margin at 2× → 100 BTC at 100.
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT } from "../features/definitions.ts";
import { BUY } from "../kernel/actions.ts";
import { replayTargets } from "../kernel/replay.ts";
import { TradingEnv } from "../rl/env.ts";
import { RewardConfigSchema } from "../rl/reward.ts";
import { SimConfigSchema } from "../sim/config.ts";
import { FuturesSimulator, type MarketColumns } from "../sim/simulator.ts";
import { DEFAULT_RISK_CONFIG, RiskConfigSchema, RiskEngine } from "./index.ts";

const MIN = 60_000;
type Bar = [number, number, number, number];
function market(bars: Bar[]): MarketColumns {
  return {
    openTime: Float64Array.from(bars.map((_, i) => i * MIN)),
    open: Float64Array.from(bars.map((b) => b[0])),
    high: Float64Array.from(bars.map((b) => b[1])),
    low: Float64Array.from(bars.map((b) => b[2])),
    close: Float64Array.from(bars.map((b) => b[3])),
  };
}
const simCfg = (over: object = {}) => SimConfigSchema.parse({ slippageBps: 0, defaultHalfSpreadBps: 0, takerFeeRate: 0, leverage: 2, positionFraction: 0.5, ...over });
const withRisk = (bars: Bar[], risk: object, sim = simCfg()) => {
  const s = new FuturesSimulator(sim, market(bars), undefined, { risk: new RiskEngine(RiskConfigSchema.parse(risk), sim) });
  s.reset(0);
  return s;
};
const flat: Bar = [100, 100, 100, 100];

describe("the bar simulator under the risk engine", () => {
  it("the trailing take-profit is checked at its level from the bar's start, then ratchets from the bar's high", () => {
    // bar 1 fills at 100 (stop 98); its low 102.5 is above 98, then its high 105 lifts the stop to 102.9 for bar 2,
    // whose low 102 reaches it: out at 102.9, a profit locked, so a take-profit: 100 × 2.9 = 290
    const sim = withRisk([flat, [100, 105, 102.5, 104], [104, 104, 102, 103]], { trailingStopPct: 0.02 });
    const r1 = sim.step(1);
    expect(r1.closed).toEqual([]);
    expect(sim.position).toMatchObject({ qty: 100, entryPrice: 100, trailingStopPct: 0.02 });
    expect(sim.position!.stopPrice).toBeCloseTo(102.9, 10);
    const r2 = sim.step(1);
    expect(r2.closed[0]).toMatchObject({ exitReason: "take-profit" });
    expect(r2.closed[0].exitPrice).toBeCloseTo(102.9, 10);
    expect(r2.closed[0].pnlUsdt).toBeCloseTo(290, 8);
  });

  it("a trailing stop not yet past the entry is a stop-loss; a short trails from the lows", () => {
    // short 100 at 100, stop 102; bar 1's low 99 lowers it to 100.98; bar 2's high 101 reaches it: 100 × −0.98 = −98
    const sim = withRisk([flat, [100, 100.5, 99, 99.5], [99.5, 101, 99.5, 100]], { trailingStopPct: 0.02 });
    sim.step(-1);
    expect(sim.position!.stopPrice).toBeCloseTo(100.98, 10);
    const r = sim.step(-1);
    expect(r.closed[0]).toMatchObject({ exitReason: "stop-loss" });
    expect(r.closed[0].pnlUsdt).toBeCloseTo(-98, 8);
  });

  it("sizes entries by the engine: risk per trade with the stop distance", () => {
    // 1 % of 10,000 / (2 % × 100) = 50 BTC, stop at 98
    const sim = withRisk([flat, flat], { riskPerTrade: 0.01 }, simCfg({ stopLossPct: 0.02 }));
    sim.step(1);
    expect(sim.position).toMatchObject({ qty: 50, stopPrice: 98 });
    expect(sim.openRiskUsdt()).toBeCloseTo(100, 10);
  });

  it("reducing: a reversal closes (the closing leg passes) and its opening leg is denied", () => {
    const risk = new RiskEngine(RiskConfigSchema.parse({}), simCfg());
    const sim = new FuturesSimulator(simCfg(), market([flat, flat, flat]), undefined, { risk });
    sim.reset(0);
    sim.step(1);
    risk.setState("reducing", "Ctrl-C", MIN, 10_000);
    const r = sim.step(-1);
    expect(r.fills).toBe(1);
    expect(r.closed[0]).toMatchObject({ exitReason: "signal" });
    expect(r.denial).toMatchObject({ kind: "denial", reason: "reducing", target: -1 });
    expect(sim.side).toBe(0);
  });

  it("a checkpoint keeps the engine's state, and one written before the engine existed still restores", () => {
    const sim = withRisk([flat, [100, 100, 96, 96], flat, flat], { dailyLossLimit: 0.02 });
    sim.step(1);
    sim.step(1);
    sim.step(1); // halts at bar 2's close (equity 9,600) and flattens
    const snap = sim.snapshot();
    expect(snap.risk).toMatchObject({ state: "halted", haltReason: "daily-loss", day: 0, dayStartEquityUsdt: 10_000 });
    const again = withRisk([flat, [100, 100, 96, 96], flat, flat], { dailyLossLimit: 0.02 });
    again.restore(snap);
    expect(again.risk!.state).toBe("halted");
    const { risk: _, ...old } = snap;
    again.restore(old);
    expect(again.risk!.state).toBe("active");
  });
});

describe("replay under the risk engine", () => {
  it("the daily loss limit halts trading within a range: flattened at the next open, later entries denied, all recorded", () => {
    // buy and hold: long 100 at bar 1's open; bar 2 closes at 97 (equity 9,700, 3 % down on the day's 10,000):
    // at that close the 2 % limit halts, the long is closed at bar 3's open 97 (−300), and the rule's
    // wish to be long is denied at bars 3, 4 and 5's opens
    const bars: Bar[] = [flat, flat, [100, 100, 97, 97], [97, 97, 97, 97], [97, 98, 97, 98], [98, 98, 98, 98]];
    const data = { features: new Float64Array(bars.length * FEATURE_COUNT), market: market(bars) };
    const run = replayTargets(data, { from: 0, to: bars.length }, simCfg(), false, () => 1, RiskConfigSchema.parse({ dailyLossLimit: 0.02 }));
    expect(run.risk!.events).toEqual([{ kind: "halt", reason: "daily-loss", timeMs: 3 * MIN, equityUsdt: 9_700, message: expect.stringMatching(/3\.00 % below the day's start 10000\.00 \(limit 2\.00 %\)/) }]);
    expect(run.trades).toHaveLength(1);
    expect(run.trades[0]).toMatchObject({ exitReason: "risk-halt", exitPrice: 97, exitTimeMs: 3 * MIN, pnlUsdt: -300 });
    expect(run.risk!.denials.map((d) => [d.reason, d.timeMs])).toEqual([["halted", 3 * MIN], ["halted", 4 * MIN], ["halted", 5 * MIN]]);
    expect(Array.from(run.position)).toEqual([0, 1, 1, 0, 0, 0]);
    expect(run.totalReturn).toBeCloseTo(-0.03, 12);
  });

  it("with the default limits a run is what the simulator alone gives", () => {
    const bars: Bar[] = [flat, [100, 101, 99, 101], [101, 102, 100, 100], [100, 100, 98, 99], flat];
    const data = { features: new Float64Array(bars.length * FEATURE_COUNT), market: market(bars) };
    const targets = [1, -1, 1, 0] as const;
    const run = replayTargets(data, { from: 0, to: bars.length }, simCfg({ takerFeeRate: 0.0005 }), false, (_o, t) => targets[t], DEFAULT_RISK_CONFIG);
    const alone = new FuturesSimulator(simCfg({ takerFeeRate: 0.0005 }), market(bars));
    alone.reset(0);
    const equity = [10_000, ...targets.map((t) => alone.step(t).equityUsdt)];
    expect(Array.from(run.equity)).toEqual(equity);
    expect(run.risk).toEqual({ denials: [], events: [] });
  });
});

describe("the training environment under the risk engine", () => {
  it("a step says when its target was denied and what the engine raised, so the agent learns under the limits", () => {
    const bars: Bar[] = [flat, flat, [100, 100, 97, 97], [97, 97, 97, 97], [97, 97, 97, 97]];
    const data = { features: new Float64Array(bars.length * FEATURE_COUNT), market: market(bars) };
    const env = new TradingEnv(data, { actions: "long-short-keep", episodeBars: 10, positionInObs: true, obsClip: null, episodeStarts: [0], rewardScale: { unit: 1e-3, exposure: 1.5 } }, simCfg(), RewardConfigSchema.parse({}), () => 0, RiskConfigSchema.parse({ dailyLossLimit: 0.02 }));
    env.reset(0);
    expect(env.step(BUY)).toMatchObject({ riskEvents: [], fills: 1 });
    expect(env.step(BUY).denial).toBeUndefined();
    const halted = env.step(BUY); // at bar 2's close, equity 9,700: halted, flattened at bar 3's open, the buy denied
    expect(halted.riskEvents).toEqual([expect.objectContaining({ kind: "halt", reason: "daily-loss" })]);
    expect(halted.closed[0]).toMatchObject({ exitReason: "risk-halt" });
    expect(halted.denial).toMatchObject({ reason: "halted", target: 1 });
    expect(env.snapshot().sim.risk).toMatchObject({ state: "halted" });
  });
});
