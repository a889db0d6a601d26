// `rlt trade status`: a paper session seen while it runs (from its trader's socket, since the trader holds
// the journal) and after it stopped (from the journal, replayed into the same view), one killed with
// SIGKILL, one whose journal a newer rlt wrote, and a session that does not exist.
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { findSocket } from "../src/monitor/socket-path.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { Journal, journalPath } from "../src/trade/journal.ts";
import { JOURNAL_VERSION } from "../src/trade/journal-schema.ts";
import { expectNoStackTrace, rlt, spawnRlt } from "./helpers/cli.ts";
import { until } from "./helpers/poll.ts";
import { trainTinyRun } from "./helpers/trade-run.ts";

let runDir: string;
let dataDir: string;
let ex: RunningExchange;

beforeAll(async () => {
  ({ dataDir, runDir } = await trainTinyRun("rlt-status-", "st", { sim: { stopLossPct: 0.004 }, risk: { riskPerTrade: 0.01 } }));
  // slow enough that a session is still running while the test looks at it
  ex = await startExchange({ dataDir, klineReplay: { fromMs: readRun(runDir).info.splitMs.test.fromMs, barsPerSecond: 8 } });
}, 240_000);

afterAll(async () => {
  await ex?.close();
});

const trade = (session: string, bars: number) => spawnRlt(["trade", "--run", runDir, "--paper", "--exchange", "local", "--rest-url", ex.restUrl, "--ws-url", ex.wsUrl, "--data-dir", dataDir, "--bars", String(bars), "--session", session, "--headless"]);
const status = (...args: string[]) => rlt(["trade", "status", ...args, "--run", runDir]);

describe("rlt trade status", () => {
  it("shows a running session from its socket and a stopped one from its journal, with the same numbers", async () => {
    const t = trade("live1", 40);
    const sessionDir = path.join(runDir, "sessions", "live1");
    await until("live1 running with 3 bars", () => {
      const r = status("--json");
      const list = JSON.parse(r.stdout || "[]") as { session: string; state: string; view?: { bars: number } }[];
      return list.some((s) => s.session === "live1" && s.state === "running" && (s.view?.bars ?? 0) >= 3);
    }, 60_000, 100);
    const running = status("live1", "--once");
    expect(running.status, running.stderr).toBe(0);
    expect(running.stdout).toMatch(/^session live1 of .*: running \(pid \d+\)$/m);
    expect(running.stdout).toMatch(/^paper on local, BTCUSDT, \d+ bars since /m);
    expect(running.stdout).toMatch(/^DECISIONS {2}p buy\/sell\/hold$/m);

    const res = await t.done;
    expect(res.code, res.stderr).toBe(0);
    const summary = /^session live1: 40 bars, (\d+) trades, equity ([\d.]+) USDT/m.exec(res.stdout);
    expect(summary, res.stdout).not.toBeNull();
    expect(existsSync(path.join(sessionDir, "monitor.sock"))).toBe(false);

    const after = status("live1", "--json");
    expect(after.status, after.stderr).toBe(0);
    const entry = JSON.parse(after.stdout) as { state: string; view: { bars: number; trades: number; equityUsdt: number; status: string; statusMessage: string; recentDecisions: unknown[] } };
    expect(entry.state).toBe("stopped");
    expect(entry.view.bars).toBe(40);
    expect(entry.view.trades).toBe(Number(summary![1]));
    expect(entry.view.equityUsdt.toFixed(2)).toBe(summary![2]);
    expect(entry.view.recentDecisions.length).toBe(10);
    expect(entry.view.statusMessage).toMatch(/^stopped \(/);

    const list = status();
    expect(list.stdout).toMatch(/^run\/session +state +mode +bars +trades +equity +PnL +position +last bar \(UTC\)$/m);
    expect(list.stdout).toMatch(new RegExp(`^st/live1 +stopped +paper local +40 +${summary![1]} +`, "m"));
  }, 180_000);

  it("says a killed trader's session ended without stopping, and refuses what it cannot read", async () => {
    const t = trade("killed", 400);
    const sessionDir = path.join(runDir, "sessions", "killed");
    await until("the trader's socket", () => findSocket(sessionDir) !== undefined, 60_000, 100);
    await until("2 bars traded", () => JSON.parse(status("killed", "--json").stdout).view?.bars >= 2, 60_000, 100);
    t.child.kill("SIGKILL");
    await t.done;
    const killed = status("killed", "--json");
    const entry = JSON.parse(killed.stdout) as { state: string; view: { bars: number; statusMessage: string } };
    expect(entry.state).toBe("ended");
    expect(entry.view.bars).toBeGreaterThanOrEqual(2);
    expect(entry.view.statusMessage).toMatch(/ended without stopping: the trader was killed or crashed/);

    // a journal a newer rlt wrote: named, not guessed at
    const j = await Journal.open(journalPath(runDir, "killed"), { session: "killed", run: runDir, model: "best", exchange: "local", mode: "paper", symbol: "BTCUSDT", config: null });
    await j.query(`UPDATE meta SET value = '${JOURNAL_VERSION + 1}' WHERE key = 'version'`);
    await j.close();
    const newer = status("killed");
    expect(newer.status).toBe(1);
    expect(newer.stderr).toMatch(new RegExp(`session killed of .* cannot be read: .*journal version ${JOURNAL_VERSION + 1} is not one this rlt reads`));
    expectNoStackTrace(newer.stderr);

    const unknown = status("nope");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no session nope under .*: the sessions are st\/killed, st\/live1/);
    expectNoStackTrace(unknown.stderr);
  }, 180_000);
});
