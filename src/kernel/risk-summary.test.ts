// The risk summary of a replay where the daily loss limit halts once and risk per trade denies five
// entries (test/helpers/risk-market.ts has the bars and the hand computation).
import { describe, expect, it } from "vitest";
import { buyAndHold, flat } from "../eval/baselines.ts";
import { replayTargets } from "./replay.ts";
import { riskQuiet, summarizeRisk } from "./risk-summary.ts";
import { HALT_MS, RISK_MARKET_SUMMARY, NEW_DAY_MS, riskLimits, riskMarket, riskSim } from "../../test/helpers/risk-market.ts";

describe("summarizeRisk", () => {
  const run = replayTargets(riskMarket(), { from: 0, to: 10 }, riskSim, false, buyAndHold, riskLimits);

  it("the replay records what the engine did, bar by bar", () => {
    expect(run.risk!.denials.map((d) => [d.reason, d.timeMs])).toEqual([
      // a denial carries the time of the fill it refused: the next bar's open
      ["halted", HALT_MS],
      ["halted", HALT_MS + 60_000],
      ["halted", HALT_MS + 120_000],
      ...[0, 1, 2, 3, 4].map((k) => ["below-one-lot", NEW_DAY_MS + k * 60_000]),
    ]);
    expect(run.risk!.denials[3].message).toMatch(/the risk-per-trade limit leaves less than one lot at 1000/);
    expect(run.risk!.events.map((e) => [e.kind, e.reason, e.timeMs, e.equityUsdt])).toEqual([
      ["halt", "daily-loss", HALT_MS, 9925],
      ["resume", "new-day", NEW_DAY_MS, 9925],
    ]);
    expect(run.trades.map((t) => [t.exitReason, t.qty, t.entryPrice, t.exitPrice, t.pnlUsdt])).toEqual([["risk-halt", 50, 100, 98.5, -75]]);
    expect(run.equity[9]).toBe(9925);
  });

  it("counts denials, halts, bars halted and exits exactly", () => {
    const s = summarizeRisk(run);
    expect(s).toEqual(RISK_MARKET_SUMMARY);
    expect(riskQuiet(s)).toBe(false);
  });

  it("a run the engine never touched is quiet; one without a record counts its trades alone", () => {
    const none = summarizeRisk(replayTargets(riskMarket(), { from: 0, to: 10 }, riskSim, false, flat, riskLimits));
    expect(none).toMatchObject({ denials: 0, halts: 0, barsHalted: 0, exitsByReason: {} });
    expect(riskQuiet(none)).toBe(true);
    const old = summarizeRisk({ trades: run.trades });
    expect(old).toMatchObject({ denials: 0, halts: 0, exitsByReason: { "risk-halt": 1 } });
  });
});
