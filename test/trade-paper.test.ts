// `rlt trade --paper` against the local exchange replaying the bundled sample's test range: the session
// decides bar for bar what the backtest (rlt eval's replay of the same run on the same bars) decided,
// and its fills, fees, funding and equity equal the backtest's to 1e-9, because paper fills are the bar
// simulator's. Also the command's refusals: mainnet without the opt-in, and a run without a model.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { expectationFrom } from "../src/features/artifact.ts";
import { replayPolicy } from "../src/kernel/replay.ts";
import { loadTrainingData } from "../src/rl/data.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { loadRunPolicy } from "../src/rl/run-policy.ts";
import { rowsOf } from "../src/eval/run.ts";
import { Journal, journalPath } from "../src/trade/journal.ts";
import { runTrade } from "../src/live/run.ts";
import type { Decision, SessionEvent } from "../src/trade/session.ts";
import type { Trade } from "../src/sim/account.ts";
import { chromiumTool, openInChromium } from "./helpers/browser.ts";
import { rlt, spawnRlt } from "./helpers/cli.ts";
import { tempDir } from "./helpers/sample-store.ts";
import { trainTinyRun } from "./helpers/trade-run.ts";

let work: string;
let runDir: string;
let dataDir: string;
let ex: RunningExchange | undefined;

beforeAll(async () => {
  // a stop-loss, risk-per-trade sizing and a trailing take-profit; the 1.5 % daily loss limit halts the
  // losing agent for the rest of its days
  ({ work, dataDir, runDir } = await trainTinyRun("rlt-trade-", "tr", { sim: { stopLossPct: 0.004 }, risk: { riskPerTrade: 0.01, trailingStopPct: 0.003, dailyLossLimit: 0.015 } }));
}, 240_000);

afterAll(async () => {
  await ex?.close();
});

describe("rlt trade --paper on the local exchange", () => {
  it("decides bar for bar as the backtest and fills, charges and marks to 1e-9 of it", async () => {
    const run = readRun(runDir);
    const test = run.info.splitMs.test;
    ex = await startExchange({ dataDir, klineReplay: { fromMs: test.fromMs, barsPerSecond: 400 } });
    const decisions: Decision[] = [];
    const equity: number[] = [];
    const trades: Trade[] = [];
    const risk: Extract<SessionEvent, { type: "risk" }>[] = [];
    const onEvent = (e: SessionEvent) => {
      if (e.type === "risk") risk.push(e);
      if (e.type === "decision") decisions.push(e.decision);
      else if (e.type === "equity") equity.push(e.account.equityUsdt);
      else if (e.type === "trade") trades.push(e.trade);
    };
    const data = await loadTrainingData(run.info.features, dataDir, expectationFrom(run.manifest));
    const rows = rowsOf(data.openTime, test);
    const bars = rows.to - rows.from;
    const result = await runTrade({ runDir, model: "best", exchange: "local", endpoint: { rest: ex.restUrl, ws: ex.wsUrl, vision: ex.restUrl }, paper: true, mainnetFlag: false, allowMainnet: false, session: "parity", dataDir, onExit: "keep", maxBars: bars, onEvent, onInfo: () => {} });
    await ex.close();
    ex = undefined;

    const { policy } = await loadRunPolicy(run, "best");
    const backtest = replayPolicy(policy, run.cfg.env.actions, data, rows, run.cfg.sim, run.cfg.env.positionInObs, run.cfg.risk);
    expect(result.state.bars).toBe(bars);
    expect(decisions.length).toBe(bars);
    // the last point's decision is unused by the backtest, which closes at the range's end instead
    const mismatched = decisions.slice(0, bars - 1).findIndex((d, t) => d.target !== backtest.target[t]);
    expect(mismatched, `first differing decision at bar ${mismatched}`).toBe(-1);
    let worst = 0;
    for (let t = 0; t < bars - 1; t++) worst = Math.max(worst, Math.abs(equity[t] - backtest.equity[t]) / backtest.equity[t]);
    const closedInBoth = backtest.trades.filter((t) => t.exitReason !== "end-of-data");
    console.log(`paper vs backtest over ${bars} bars: ${closedInBoth.length} closed trades, ${decisions.filter((d) => d.target !== d.current).length} decisions asking for another position (denied while halted), largest equity difference ${worst.toExponential(2)} (relative)`);
    expect(closedInBoth.length).toBeGreaterThan(3);
    expect(worst).toBeLessThan(1e-9);
    expect(trades.length).toBe(closedInBoth.length);
    for (const [i, t] of trades.entries()) {
      const b = closedInBoth[i];
      expect({ ...t, pnlUsdt: 0, feesUsdt: 0, fundingUsdt: 0 }).toEqual({ ...b, pnlUsdt: 0, feesUsdt: 0, fundingUsdt: 0 });
      for (const k of ["pnlUsdt", "feesUsdt", "fundingUsdt"] as const) expect(Math.abs(t[k] - b[k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(b[k])));
    }
    expect(trades.some((t) => t.fundingUsdt !== 0)).toBe(true);
    // the halts: the same as the backtest's, and journaled
    const halts = risk.filter((r) => r.kind === "halt");
    const backtestHalts = backtest.risk!.events.filter((e) => e.kind === "halt");
    expect(halts.length).toBeGreaterThan(0);
    expect(halts.map((h) => h.reason)).toEqual(backtestHalts.map((h) => h.reason));
    const journal = await Journal.open(journalPath(runDir, "parity"), { session: "parity", run: runDir, model: "best", exchange: "local", mode: "paper", symbol: "BTCUSDT", config: {} });
    try {
      const rows = await journal.query("SELECT kind, reason FROM risk_events WHERE kind = 'halt' ORDER BY bar_open_ms");
      expect(rows.map((r) => r.reason)).toEqual(halts.map((h) => h.reason));
      expect(await journal.count("decisions")).toBe(bars);
    } finally {
      await journal.close();
    }
    const reasons = new Set(trades.map((t) => t.exitReason));
    console.log(`exit reasons: ${[...reasons].join(", ")}`);
    expect(reasons.has("signal")).toBe(true);
    expect(reasons.has("stop-loss") || reasons.has("take-profit")).toBe(true);
  }, 180_000);

  it.skipIf(!chromiumTool.available)("reports the parity session with live and backtest overlaid and agreeing on every bar, in headless Chromium", async () => {
    const res = rlt(["report", "--session", "parity", "--run", runDir], { RLT_CONFIG: "" });
    expect(res.status, res.stderr).toBe(0);
    const bars = await (async () => {
      const j = await Journal.open(journalPath(runDir, "parity"), { session: "parity", run: runDir, model: "best", exchange: "local", mode: "paper", symbol: "BTCUSDT", config: {} });
      try {
        return await j.count("bars");
      } finally {
        await j.close();
      }
    })();
    expect(res.stdout).toContain(`Live and backtest agree on every one of the ${bars} bars`);
    const opened = await openInChromium(path.join(runDir, "sessions", "parity", "report.html"));
    try {
      expect(opened.pageErrors).toEqual([]);
      const lines = await opened.page.$eval("#chart-equity", (svg) =>
        [...svg.querySelectorAll("path")].filter((p) => p.querySelector("title")).map((p) => ({ name: p.querySelector("title")!.textContent, d: p.getAttribute("d") ?? "" })),
      );
      const live = lines.find((l) => l.name === "live")!;
      const backtest = lines.find((l) => l.name === "backtest")!;
      // on top of each other: the same points but for the backtest's own close of what is open at the end
      const points = (d: string) => d.split(/[ML]/).filter(Boolean);
      const [a, b] = [points(live.d), points(backtest.d)];
      expect(a.length).toBeGreaterThan(1000);
      expect(Math.abs(a.length - b.length)).toBeLessThanOrEqual(1);
      const n = Math.min(a.length, b.length) - 1;
      expect(a.slice(0, n)).toEqual(b.slice(0, n));
      expect(await opened.page.locator("[data-mark]").count()).toBe(0);
    } finally {
      await opened.browser.close();
    }
  }, 120_000);

  it("prints one line per decision and a summary, exits 0 after --bars, and never touches the keys", async () => {
    const run = readRun(runDir);
    ex = await startExchange({ dataDir, klineReplay: { fromMs: run.info.splitMs.test.fromMs, barsPerSecond: 50 } });
    const secret = "s3cr3t-never-printed-0123456789abcdef";
    const child = spawnRlt(["trade", "--run", runDir, "--paper", "--exchange", "local", "--rest-url", ex.restUrl, "--ws-url", ex.wsUrl, "--data-dir", dataDir, "--bars", "5", "--session", "cli"], { RLT_CONFIG: "", RLT_API_KEY: "k3y-never-printed", RLT_API_SECRET: secret });
    const res = await child.done;
    await ex.close();
    ex = undefined;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.match(/^2023-08-1\d \d\d:\d\d decide (buy|sell|hold) \(p buy [\d.]+ sell [\d.]+ hold [\d.]+\): /gm)?.length).toBe(5);
    expect(res.stdout).toMatch(/^session cli: 5 bars, \d+ trades, equity [\d.]+ USDT/m);
    expect(res.stderr).toMatch(/warm-up: 39,598 bars before 2023-08-14 23:11 .* live features equal to batch within/);
    expect(`${res.stdout}${res.stderr}`).not.toMatch(/s3cr3t|k3y-never/);
  }, 120_000);
});

describe("rlt trade refuses", () => {
  it("real orders on mainnet without both --mainnet and trade.allowMainnet, exit 2, no order sent", () => {
    for (const extra of [[], ["--mainnet"]]) {
      const res = rlt(["trade", "--run", runDir, ...extra], { RLT_CONFIG: "" });
      expect(res.status).toBe(2);
      expect(res.stderr).toMatch(/refusing to send real orders to Binance mainnet without .*trade\.allowMainnet: true/);
    }
  });

  it("a symbol the exchange does not list, exit 1 before anything is traded", async () => {
    const empty = await startExchange({ dataDir: tempDir("rlt-trade-empty-") });
    try {
      const res = await spawnRlt(["trade", "--run", runDir, "--paper", "--exchange", "local", "--rest-url", empty.restUrl, "--ws-url", empty.wsUrl, "--bars", "1", "--session", "nosymbol"], { RLT_CONFIG: "" }).done;
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toMatch(/does not list BTCUSDT as trading: nothing to trade/);
    } finally {
      await empty.close();
    }
  });

  it("a run folder without a model, exit 1 naming the missing file", () => {
    const res = rlt(["trade", "--run", path.join(work, "nowhere"), "--paper"], { RLT_CONFIG: "" });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/no run at .*nowhere/);
  });
});
