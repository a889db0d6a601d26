// `rlt report --session`: a paper session on the local exchange, reported against the run's backtest
// over the journaled bars. Paper equals the backtest by construction, so no difference is found; a copy of
// the journal with one decision altered is marked at that bar; a journal of another version and an
// unknown session are refused. In headless Chromium: both curves drawn on one chart, metrics, trades,
// the mark; a screenshot goes to docs/img/report-session.png.
import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { SessionMonitor } from "../src/monitor/monitor.ts";
import { SessionSocketServer } from "../src/monitor/socket-server.ts";
import { Health } from "../src/trade/health.ts";
import { Journal } from "../src/trade/journal.ts";
import { runTrade } from "../src/live/run.ts";
import type { SessionState } from "../src/trade/session.ts";
import { chromiumTool, openInChromium } from "./helpers/browser.ts";
import { ROOT, rlt, spawnRlt } from "./helpers/cli.ts";
import { trainTinyRun } from "./helpers/trade-run.ts";

const BARS = 240;
let runDir: string;
let ex: RunningExchange | undefined;
/** The bar whose decision the altered copy changes, and the session folders. */
let altered = -1;
let refilled = -1;
const sessions = () => path.join(runDir, "sessions");

beforeAll(async () => {
  let dataDir: string;
  ({ dataDir, runDir } = await trainTinyRun("rlt-report-session-", "rs", { sim: { stopLossPct: 0.004 }, risk: { riskPerTrade: 0.01 } }));
  const run = readRun(runDir);
  ex = await startExchange({ dataDir, klineReplay: { fromMs: run.info.splitMs.test.fromMs, barsPerSecond: 400 } });
  await runTrade({ runDir, model: "best", exchange: "local", endpoint: { rest: ex.restUrl, ws: ex.wsUrl, vision: ex.restUrl }, paper: true, mainnetFlag: false, allowMainnet: false, session: "paper", dataDir, onExit: "keep", maxBars: BARS, onEvent: () => {}, onInfo: () => {} });
  await ex.close();
  ex = undefined;
  // the altered copy: one decision in the middle asks for the other side
  copySession("paper", "altered");
  altered = await alterJournal(path.join(sessions(), "altered", "journal.duckdb"), async (run) => {
    const rows = await run("SELECT bar_open_ms, action FROM decisions ORDER BY bar_open_ms");
    const k = Math.floor(rows.length / 2);
    const action = Number(rows[k].action) === 0 ? 1 : 0;
    await run(`UPDATE decisions SET action = ${action}, target_side = ${action === 0 ? 1 : -1} WHERE bar_open_ms = ${Number(rows[k].bar_open_ms)}`);
    return k;
  });
  // another copy: one trade's entry filled 2.11 USDT higher than the simulator's price
  copySession("paper", "refilled");
  refilled = await alterJournal(path.join(sessions(), "refilled", "journal.duckdb"), async (run) => {
    const trades = await run("SELECT entry_time_ms FROM trades ORDER BY entry_time_ms");
    const entry = Number(trades[2].entry_time_ms);
    await run(`UPDATE trades SET entry_price = entry_price + 2.11 WHERE entry_time_ms = ${entry}`);
    const bars = await run("SELECT open_time_ms FROM bars ORDER BY open_time_ms");
    return bars.findIndex((b) => Number(b.open_time_ms) === entry);
  });
  for (const [name, version] of [["newer", "99"], ["unversioned", "0"]]) {
    copySession("paper", name);
    await alterJournal(path.join(sessions(), name, "journal.duckdb"), async (run) => {
      await run(`UPDATE meta SET value = '${version}' WHERE key = 'version'`);
      return 0;
    });
  }
}, 300_000);

afterAll(async () => {
  await ex?.close();
});

function copySession(from: string, to: string): void {
  cpSync(path.join(sessions(), from), path.join(sessions(), to), { recursive: true });
  rmSync(path.join(sessions(), to, "session.lock"), { force: true, recursive: true });
}

async function alterJournal(file: string, change: (run: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<number>): Promise<number> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(file);
  const conn = await instance.connect();
  try {
    return await change(async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJS());
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe("rlt report --session", () => {
  it("finds no difference between a paper session and its backtest, and writes the page and charts", () => {
    const res = rlt(["report", "--session", "paper", "--run", runDir], { RLT_CONFIG: "" });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain(`report: ${path.join(sessions(), "paper", "report.html")}`);
    expect(res.stdout).toContain("charts: equity.svg, drawdown.svg, position.svg, position-backtest.svg");
    expect(res.stdout).toContain(`Live and backtest agree on every one of the ${BARS} bars`);
    const html = readFileSync(path.join(sessions(), "paper", "report.html"), "utf8");
    expect(html).toContain('data-first-difference=""');
    expect(html).not.toContain("data-mark=");
    // alerts and drift: drawn from the journal's tables, or a line saying the journal has none
    expect(html).toMatch(/id="chart-alerts"|no alerts table in this journal|no alerts were raised/);
    expect(html).toMatch(/id="chart-drift"|id="no-drift"/);
  }, 120_000);

  it("marks the first differing bar of a journal with one decision altered, and accepts the session's folder", () => {
    const res = rlt(["report", "--session", path.join(sessions(), "altered")], { RLT_CONFIG: "" });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`First difference at bar ${altered + 1} of ${BARS} \\(.* UTC\\), in the decision: live (buy → long|sell → short); backtest .*Why: on the same journaled features the policy decides (buy|sell|hold) where live decided (buy|sell): another model than the session's, or the decision row was altered`));
    const html = readFileSync(path.join(sessions(), "altered", "report.html"), "utf8");
    expect(html).toContain(`data-first-difference="${altered}"`);
    expect(html.match(/data-mark="first difference: bar \d+ \(decision\)"/g)?.length).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it("marks a fill whose price differs from the simulator's", () => {
    const res = rlt(["report", "--session", "refilled", "--run", runDir], { RLT_CONFIG: "" });
    expect(res.status, res.stderr).toBe(0);
    expect(refilled).toBeGreaterThan(0);
    expect(res.stdout).toMatch(new RegExp(`First difference at bar ${refilled + 1} of ${BARS} \\(.* UTC\\), in the fill: .*Why: live filled at ([\\d,.]+), the backtest at ([\\d,.]+) \\(\\d\\.\\d\\d bps\\)`));
    const [, live, backtest] = res.stdout.match(/live filled at ([\d,.]+), the backtest at ([\d,.]+)/)!;
    expect(Number(live.replaceAll(",", "")) - Number(backtest.replaceAll(",", ""))).toBeCloseTo(2.11, 2);
  }, 120_000);

  it("reads a running session from its trader's socket while the trader holds the journal", async () => {
    copySession("paper", "running");
    const journal = await Journal.open(path.join(sessions(), "running", "journal.duckdb"), { session: "paper", run: runDir, model: "best", exchange: "local", mode: "paper", symbol: "BTCUSDT", config: {} });
    const state: SessionState = { id: "paper", symbol: "BTCUSDT", mode: "paper", status: "trading", bars: BARS, account: { balanceUsdt: 10_000, equityUsdt: 10_000, position: undefined }, realizedPnlUsdt: 0, feesUsdt: 0, fundingUsdt: 0, trades: 0 };
    const monitor = new SessionMonitor({ session: { on: () => {}, state: () => state }, health: new Health(), exchange: "local", run: runDir });
    const server = new SessionSocketServer(monitor, { sessionDir: path.join(sessions(), "running"), journal, onInfo: () => {} });
    try {
      await server.ready;
      const res = await spawnRlt(["report", "--session", "running", "--run", runDir], { RLT_CONFIG: "" }).done;
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain(`Live and backtest agree on every one of the ${BARS} bars`);
      expect(readFileSync(path.join(sessions(), "running", "report.html"), "utf8")).toContain("read from its running trader&#39;s socket");
    } finally {
      await server.close();
      await journal.close();
    }
  }, 120_000);

  it("refuses an unknown session listing the run's sessions, and a journal of a newer version", () => {
    const unknown = rlt(["report", "--session", "nope", "--run", runDir], { RLT_CONFIG: "" });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no session nope in .*: its sessions are altered, newer, paper, refilled, running, unversioned/);
    const newer = rlt(["report", "--session", "newer", "--run", runDir], { RLT_CONFIG: "" });
    expect(newer.status).toBe(1);
    expect(newer.stderr).toMatch(/journal version 99 is not one this rlt reads \(1–\d\)/);
    expect(newer.stderr).toMatch(/written by a newer rlt/);
    const older = rlt(["report", "--session", "unversioned", "--run", runDir], { RLT_CONFIG: "" });
    expect(older.status).toBe(1);
    expect(older.stderr).toMatch(/journal version 0 is not one this rlt reads .*\n.*before session journals were versioned/);
  }, 60_000);
});

describe.skipIf(!chromiumTool.available)("the session report in headless Chromium", () => {
  it("draws live and backtest on one equity chart, shows metrics and trades, and the mark", async () => {
    for (const s of ["paper", "altered"]) expect(rlt(["report", "--session", s, "--run", runDir], { RLT_CONFIG: "" }).status).toBe(0);
    const opened = await openInChromium(path.join(sessions(), "altered", "report.html"));
    try {
      const { page } = opened;
      expect(opened.consoleErrors).toEqual([]);
      expect(opened.pageErrors).toEqual([]);
      expect(opened.foreignRequests).toEqual([]);
      const equity = await page.$eval("#chart-equity", (svg) => ({
        lines: [...svg.querySelectorAll("path")].filter((p) => p.querySelector("title")).map((p) => ({ name: p.querySelector("title")!.textContent, d: (p.getAttribute("d") ?? "").length, box: ((b) => ({ x: b.x, width: b.width }))((p as SVGPathElement).getBBox()) })),
        mark: svg.querySelector("[data-mark]")?.getAttribute("data-mark"),
      }));
      const live = equity.lines.find((l) => l.name === "live")!;
      const backtest = equity.lines.find((l) => l.name === "backtest")!;
      expect(live.d).toBeGreaterThan(100);
      expect(backtest.d).toBeGreaterThan(100);
      // overlaid: the same x extent on the same axes
      expect(Math.abs(live.box.x - backtest.box.x)).toBeLessThan(1);
      expect(Math.abs(live.box.width - backtest.box.width)).toBeLessThan(1);
      expect(equity.mark).toBe(`first difference: bar ${altered + 1} (decision)`);
      expect(await page.$$eval("#metrics tbody tr", (rows) => rows.map((r) => r.querySelector("td")!.textContent))).toEqual(["live", "backtest1"]); // 1: the footnote on its end-of-data close
      expect(await page.locator("#trades tbody tr").count()).toBeGreaterThan(0);
      await expect(page.locator("#comparison").textContent()).resolves.toContain(`First difference at bar ${altered + 1}`);
      // the README's picture (the explanation, the metrics, the two curves with the mark), when asked:
      // RLT_UPDATE_PICTURES=1 npx vitest run test/report-session.test.ts
      if (!process.env.RLT_UPDATE_PICTURES) return;
      mkdirSync(path.join(ROOT, "docs", "img"), { recursive: true });
      const top = (await page.locator("#comparison-section").boundingBox())!;
      const bottom = (await page.locator("#equity-section").boundingBox())!;
      await page.screenshot({ path: path.join(ROOT, "docs", "img", "report-session.png"), fullPage: true, clip: { x: top.x - 10, y: top.y - 10, width: top.width + 20, height: bottom.y + bottom.height - top.y + 20 } });
    } finally {
      await opened.browser.close();
    }
  }, 120_000);
});
