// The report's Behaviour section: the per-strategy table of long / short / flat shares and trades per
// day, the action mix, the zero verdict, and the degenerate warning — shown for a degenerate agent, not
// for one that trades; an evaluation written before behaviour was recorded still renders.
import { describe, expect, it } from "vitest";
import { BUY, HOLD, SELL } from "../kernel/actions.ts";
import { agentBehaviour, strategyBehaviour } from "../eval/behaviour.ts";
import type { Trade } from "../sim/simulator.ts";
import { reportBehaviour } from "./behaviour.ts";
import { renderReportHtml } from "./html.ts";
import { sampleReportData } from "./sample-data.ts";

const bars = 1440;
const series = (f: (t: number) => number) => Int8Array.from({ length: bars + 1 }, (_, t) => (t === 0 ? 0 : f(t)));
const trades = (n: number, holdingBars: number): Trade[] =>
  Array.from({ length: n }, () => ({ side: 1, entryTimeMs: 0, exitTimeMs: 0, entryPrice: 1, exitPrice: 1, qty: 1, feesUsdt: 0, fundingUsdt: 0, pnlUsdt: 0, holdingBars, exitReason: "signal" }));

const bh = { position: series(() => 1), trades: trades(1, bars) };
const none = { position: series(() => 0), trades: [] };
const mom = { position: series((t) => (Math.floor(t / 60) % 2 ? 1 : -1)), trades: trades(24, 60) };
const bootstrap = { sharpe: { estimate: 0, low: -1, high: 1 }, totalReturn: { estimate: -0.002, low: -0.012, high: 0.008 }, probBeatsBenchmark: 0, samples: 100, blockBars: 60 };

/** The fields of metrics.json the section reads, for an agent with these positions and actions. */
function result(agent: { position: Int8Array; trades: Trade[]; actions?: Uint8Array }) {
  const behaviour = agentBehaviour(agent, [{ name: "buy & hold", ...bh }, { name: "flat", ...none }, { name: "momentum 60", ...mom }]);
  const row = (name: string, run: { position: Int8Array; trades: Trade[] }) => ({ name, behaviour: strategyBehaviour(run) }) as unknown as Parameters<typeof reportBehaviour>[0]["strategies"][number];
  return { behaviour, bootstrap, strategies: [row("agent", agent), row("buy & hold", bh), row("flat", none), row("momentum 60", mom)] };
}

function page(r: ReturnType<typeof result> | { strategies: []; bootstrap: typeof bootstrap; behaviour?: undefined }) {
  const behaviour = reportBehaviour(r);
  const data = sampleReportData({ bars: 300, trades: 5 });
  return renderReportHtml({ ...data, behaviour, warnings: behaviour?.degenerate ? [behaviour.degenerate] : [] });
}

describe("the report's Behaviour section", () => {
  it("shows a degenerate agent's warning in the banner and above its table", () => {
    const html = page(result({ ...bh, position: bh.position.slice(), actions: new Uint8Array(bars + 1).fill(BUY) }));
    const warning = "DEGENERATE: identical to buy &amp; hold; long on 100 % of bars — this is buy &amp; hold with extra steps";
    // the banner on the first screen, before the metrics table
    expect(html.indexOf(warning)).toBeGreaterThan(0);
    expect(html.indexOf(warning)).toBeLessThan(html.indexOf(`id="metrics"`));
    expect(html).toContain(`<p class="degenerate" id="degenerate" role="alert">${warning}</p>`);
    expect(html).toContain(`<a href="#behaviour-section">Behaviour</a>`);
    const table = /<table id="behaviour">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
    expect(table.match(/<tr/g)).toHaveLength(1 + 4);
    expect(table).toMatch(/agent <span class="flag">degenerate<\/span><\/td><td>100\.0%<\/td><td class="zero">0\.0%<\/td><td class="zero">0\.0%<\/td><td>1\.00<\/td><td>1,440 bars<\/td>/);
    expect(table).toMatch(/momentum 60<\/td><td>50\.0%<\/td><td>50\.0%<\/td><td class="zero">0\.0%<\/td><td>24\.00<\/td><td>60\.0 bars<\/td>/);
    expect(html).toContain(`Actions: buy 100.0%, sell 0.0%, hold 0.0% of 1,440 decisions.`);
    expect(html).toContain(`<p class="verdict" id="return-vs-zero">Agent: the return is not distinguishable from zero (95 % interval −1.2 % … +0.8 %).</p>`);
    expect(html).not.toContain(`id="not-degenerate"`);
  });

  it("shows a trading agent's shares without any warning", () => {
    // flat a quarter of the day, then long and short in turns of two hours
    const position = series((t) => (t <= 360 ? 0 : Math.floor(t / 120) % 2 ? 1 : -1));
    const actions = Uint8Array.from({ length: bars + 1 }, (_, t) => (t < 360 ? HOLD : Math.floor((t + 1) / 120) % 2 ? BUY : SELL));
    const html = page(result({ position, trades: trades(9, 120), actions }));
    expect(html).not.toContain("DEGENERATE");
    expect(html).not.toContain(`id="warnings"`);
    expect(html).not.toContain(`class="flag"`);
    expect(html).toContain(`id="not-degenerate"`);
    const table = /<table id="behaviour">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
    expect(table).toMatch(/agent<\/td><td>[\d.]+%<\/td><td>[\d.]+%<\/td><td>25\.0%<\/td><td>9\.00<\/td><td>120 bars<\/td>/);
    expect(table).toMatch(/flat<\/td><td class="zero">0\.0%<\/td><td class="zero">0\.0%<\/td><td>100\.0%<\/td><td>0\.00<\/td><td>—<\/td>/);
  });

  it("still renders an evaluation written before behaviour was recorded, saying so", () => {
    expect(reportBehaviour({ strategies: [], bootstrap })).toBeUndefined();
    const html = page({ strategies: [], bootstrap });
    expect(html).toContain(`id="no-behaviour"`);
    expect(html).not.toContain(`<table id="behaviour">`);
    expect(html).not.toContain("DEGENERATE");
  });
});
