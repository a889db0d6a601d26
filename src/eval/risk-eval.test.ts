// What the risk engine did, as `rlt eval`, walk-forward and `rlt report` show it, over the hand-worked
// market of test/helpers/risk-market.ts (a daily-loss halt, 3 "halted" and 5 risk-per-trade denials).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { replayTargets } from "../kernel/replay.ts";
import { summarizeRisk } from "../kernel/risk-summary.ts";
import { riskRows } from "../report/build.ts";
import { renderReportHtml } from "../report/html.ts";
import { sampleReportData } from "../report/sample-data.ts";
import { buyAndHold, flat, momentum, randomPolicy } from "./baselines.ts";
import { formatEval } from "./format.ts";
import { riskLine } from "./format-risk.ts";
import { EVAL_FILES, type StrategyRuns, summarize, writeArtifacts } from "./run.ts";
import { chain } from "./walk-forward.ts";
import { HALT_MS, RISK_MARKET_SUMMARY, NEW_DAY_MS, riskLimits, riskMarket, riskSim } from "../../test/helpers/risk-market.ts";

const DAY_MS = 86_400_000;
const data = riskMarket(2);
const rows = { from: 0, to: 10 };
const opts = { randomRepeats: 3, momentumBars: 2, bootstrapSamples: 20, blockBars: 2, seed: 1, model: "best" as const };

function strategyRuns(r: { from: number; to: number }): StrategyRuns {
  const replay = (rule: Parameters<typeof replayTargets>[4]) => replayTargets(data, r, riskSim, false, rule, riskLimits);
  return {
    agent: replay(buyAndHold),
    bh: replay(buyAndHold),
    none: replay(flat),
    mom: replay(momentum(data.market, r, opts.momentumBars)),
    randoms: [0, 1, 2].map((k) => replay(randomPolicy(opts.seed + k))),
  };
}

describe("rlt eval's risk summary", () => {
  it("is in metrics.json per strategy and on one terminal line per strategy", async () => {
    const runs = strategyRuns(rows);
    const outDir = path.join(mkdtempSync(path.join(tmpdir(), "rlt-risk-eval-")), "eval", "test");
    const result = summarize(runs, opts, { run: "runs/x", model: "best", backend: "cpu", symbol: "BTCUSDT", label: "test", overlap: { train: false, validation: false }, warnings: [], outDir });
    await writeArtifacts(result, runs, opts);
    const written = JSON.parse(readFileSync(path.join(outDir, EVAL_FILES.metrics), "utf8"));
    const [agent, bh, none] = written.strategies;
    expect(agent.risk).toEqual(RISK_MARKET_SUMMARY);
    expect(bh.risk).toEqual(agent.risk);
    expect(none.risk).toMatchObject({ denials: 0, halts: 0, exitsByReason: {} });
    expect(agent.metrics.trades).toBe(1);

    const text = formatEval(result);
    expect(text).toContain("agent            risk: 8 entries denied (halted 3; below-one-lot 5: risk-per-trade 5) · 1 halt (daily-loss 2023-12-31 23:57) · 1 resume · 3 bars halted · exits: risk-halt 1\n");
    expect(text).toContain("flat             risk: no denials, no halts\n");
  });
});

describe("walk-forward's chained run", () => {
  it("keeps every fold's denials and events in time order, and its counts add up", () => {
    const folds = [strategyRuns({ from: 0, to: 10 }), strategyRuns({ from: 10, to: 20 })];
    const chained = chain(folds.map((f) => f.agent));
    const times = [...chained.risk!.denials.map((d) => d.timeMs)];
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(chained.risk!.denials).toHaveLength(16);
    expect(chained.risk!.events.map((e) => [e.kind, e.timeMs])).toEqual([
      ["halt", HALT_MS],
      ["resume", NEW_DAY_MS],
      ["halt", HALT_MS + DAY_MS],
      ["resume", NEW_DAY_MS + DAY_MS],
    ]);
    const s = summarizeRisk(chained);
    expect(s).toMatchObject({
      denials: 16,
      denialsByReason: { halted: 6, "below-one-lot": 10 },
      belowOneLotByLimit: { "risk-per-trade": 10 },
      halts: 2,
      haltsByReason: { "daily-loss": { count: 2, firstMs: HALT_MS, lastMs: HALT_MS + DAY_MS } },
      resumes: 2,
      barsHalted: 6,
      exitsByReason: { "risk-halt": 2 },
    });
    expect(riskLine(s)).toBe("risk: 16 entries denied (halted 6; below-one-lot 10: risk-per-trade 10) · 2 halts (daily-loss ×2, 2023-12-31 23:57 … 2024-01-01 23:57) · 2 resumes · 6 bars halted · exits: risk-halt 2");
    // a run put together without a record keeps the chain without one, rather than undercounting
    expect(chain([folds[0].agent, { ...folds[1].agent, risk: undefined }]).risk).toBeUndefined();
  });
});

describe("rlt report's risk table", () => {
  it("has a row per strategy (and per walk-forward fold) with the counts by reason", () => {
    const result = summarize(strategyRuns(rows), opts, { run: "runs/x", model: "best", backend: "cpu", symbol: "BTCUSDT", label: "test", overlap: { train: false, validation: false }, warnings: [], outDir: "/nowhere" });
    const folds = [{ fold: 1, risk: [{ name: "agent", risk: result.strategies[0].risk }] }] as unknown as Parameters<typeof riskRows>[0]["folds"];
    const risk = riskRows({ ...result, folds })!;
    expect(risk.exitColumns).toEqual(["stop-loss", "take-profit", "risk-halt", "liquidation"]);
    expect(risk.rows.map((r) => r.name)).toEqual(["agent", "buy & hold", "flat", "momentum 2", "random (median)", "agent, fold 1"]);
    expect(risk.rows[0]).toEqual({ name: "agent", denials: 8, denialDetail: "halted 3; below-one-lot 5: risk-per-trade 5", halts: 1, haltDetail: "daily-loss 2023-12-31 23:57", barsHalted: 3, barsReducing: 0, exits: { "stop-loss": 0, "take-profit": 0, "risk-halt": 1, liquidation: 0 } });

    const html = renderReportHtml({ ...sampleReportData(), risk });
    const table = /<table id="risk">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
    expect(table.match(/<tr/g)).toHaveLength(2 + 6);
    expect(table).toContain(`<th scope="col">risk-halt</th><th scope="col">liquidation</th></tr>`);
    expect(table).toMatch(/agent<\/td><td>8<\/td><td class="text detail"><div>halted 3<\/div><div>below-one-lot 5: risk-per-trade 5<\/div><\/td><td>1<\/td><td class="text detail"><div>daily-loss <span class="nw">2023-12-31 23:57<\/span><\/div><\/td><td>3<\/td><td class="zero">0<\/td><td class="zero">0<\/td><td>1<\/td><td class="zero">0<\/td>/);
    expect(html).toContain(`<a href="#risk-section">Risk engine</a>`);
    // an evaluation written before eval recorded the engine says so instead of showing zeros
    const old = riskRows({ strategies: result.strategies.map(({ risk: _, ...s }) => s) as typeof result.strategies });
    expect(old).toBeUndefined();
    expect(renderReportHtml({ ...sampleReportData(), risk: old })).toContain(`id="no-risk"`);
  });
});
