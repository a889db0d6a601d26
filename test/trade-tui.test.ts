// `rlt trade` as a person runs it: in a real pseudo-terminal (tmux, 80×24) it shows the interactive UI,
// p pauses new entries, `rlt trade status` in a second terminal attaches read-only (its f is refused, q
// leaves), f then y flattens, q then k ends the session (journal: stop_reason quit), and the
// summary line follows the UI. Piped (not a TTY) it prints plain decision and alert lines, no escape codes.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { journalPath } from "../src/trade/journal.ts";
import { ROOT, spawnRlt } from "./helpers/cli.ts";
import { systemTool } from "./helpers/system-tools.ts";
import { trainTinyRun } from "./helpers/trade-run.ts";

const tmux = systemTool("tmux", "apt-get install tmux");
/** Our own tmux server: nothing of a developer's tmux is touched. */
const SOCKET = `rlt-tui-test-${process.pid}`;
const SESSION = "rlt";

let runDir: string;
let dataDir: string;
let ex: RunningExchange | undefined;

beforeAll(async () => {
  ({ runDir, dataDir } = await trainTinyRun("rlt-tui-", "tui", { sim: { stopLossPct: 0.004 }, risk: { riskPerTrade: 0.01 } }));
}, 240_000);

afterAll(async () => {
  if (tmux.available) {
    try {
      execFileSync(tmux.path!, ["-L", SOCKET, "kill-server"], { stdio: "ignore" });
    } catch {
      // already gone: its only session ended
    }
  }
  await ex?.close();
});

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const screen = (pane = SESSION) => execFileSync(tmux.path!, ["-L", SOCKET, "capture-pane", "-p", "-t", pane], { encoding: "utf8" });
const keys = (...k: string[]) => execFileSync(tmux.path!, ["-L", SOCKET, "send-keys", "-t", SESSION, ...k]);
/** A person's terminal: a CI runner's CI variable would turn the UI into plain lines (src/core/terminal.ts). */
const UI_ENV = "env -u CI -u CONTINUOUS_INTEGRATION RLT_CONFIG=";
/** The second terminal: `rlt trade status` attached to the running session. */
const WATCH = "watch";

/** Poll the screen until `ok` (a session warming up on the 2-core CI machine takes seconds). */
async function waitForScreen(ok: (s: string) => boolean, what: string, timeoutMs = 90_000, pane = SESSION): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const s = screen(pane);
    if (ok(s)) return s;
    if (s.includes("rlt exited") && what !== "rlt to exit") throw new Error(`rlt exited while waiting for ${what}; the screen:\n${s}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function tradeArgs(session: string, restUrl: string, wsUrl: string, bars: number): string[] {
  return ["trade", "--run", runDir, "--paper", "--exchange", "local", "--rest-url", restUrl, "--ws-url", wsUrl, "--data-dir", dataDir, "--bars", String(bars), "--session", session];
}

describe("rlt trade on a terminal", () => {
  it.skipIf(!tmux.available)("shows the UI at 80x24, pauses on p, is attached read-only from a second terminal, flattens on f y, and ends on q k", async () => {
    const test = readRun(runDir).info.splitMs.test;
    // slow enough that the session is still trading when the keys arrive
    ex = await startExchange({ dataDir, klineReplay: { fromMs: test.fromMs, barsPerSecond: 4 } });
    const cmd = [process.execPath, "bin/rlt.js", ...tradeArgs("tui", ex.restUrl, ex.wsUrl, 100_000)].map(sh).join(" ");
    const t0 = Date.now();
    execFileSync(tmux.path!, ["-L", SOCKET, "new-session", "-d", "-s", SESSION, "-x", "80", "-y", "24", "-c", ROOT, `${UI_ENV} ${cmd}; echo "rlt exited $?"; sleep 120`]);
    const trading = await waitForScreen((s) => /TRADING/.test(s) && /DECISIONS/.test(s) && /\d\d:\d\d (buy|sell|hold) /.test(s), "the UI trading");
    const shownMs = Date.now() - t0;
    expect(trading).toContain("POSITION");
    expect(trading).toContain("RISK ACTIVE");
    expect(trading).toContain("p pause  r resume  f flatten  q quit  ? help");
    expect(Math.max(...trading.split("\n").map((l) => [...l].length))).toBeLessThanOrEqual(80);
    keys("p");
    await waitForScreen((s) => s.includes("PAUSED (new entries paused)"), "entries paused");
    // from another terminal: the same UI, attached over the session's socket, read-only
    const watch = [process.execPath, "bin/rlt.js", "trade", "status", "tui", "--run", runDir].map(sh).join(" ");
    execFileSync(tmux.path!, ["-L", SOCKET, "new-session", "-d", "-s", WATCH, "-x", "80", "-y", "24", "-c", ROOT, `${UI_ENV} ${watch}; echo "status exited $?"; sleep 120`]);
    const attached = await waitForScreen((s) => s.includes("PAUSED") && /attached to pid \d+: read-only/.test(s), "the attached view", 60_000, WATCH);
    expect(attached).toContain("read-only view: q leave  ? help");
    execFileSync(tmux.path!, ["-L", SOCKET, "send-keys", "-t", WATCH, "f"]);
    await waitForScreen((s) => s.includes("read-only (attached): f acts only in the trader's own terminal"), "the attached view refusing f", 30_000, WATCH);
    execFileSync(tmux.path!, ["-L", SOCKET, "send-keys", "-t", WATCH, "q"]);
    await waitForScreen((s) => s.includes("status exited 0"), "the attached view to leave", 30_000, WATCH);
    expect(screen()).toContain("POSITION"); // the trader did not notice
    keys("f");
    await waitForScreen((s) => s.includes("flatten the position now? y / n"), "the flatten question");
    keys("y");
    const flat = await waitForScreen((s) => s.includes("flattened: position closed"), "the flatten");
    expect(flat).toContain("POSITION flat BTCUSDT");
    keys("q");
    await waitForScreen((s) => s.includes("quit? k keep the position"), "the quit question");
    keys("k");
    const after = await waitForScreen((s) => s.includes("rlt exited"), "rlt to exit");
    console.log(`tmux 80x24: UI trading after ${shownMs} ms; after q k:\n${after.trimEnd()}`);
    expect(after).toContain("rlt exited 0");
    expect(after).toMatch(/session tui: \d+ bars, \d+ trades, equity [\d.]+ USDT/);
    await ex.close();
    ex = undefined;
    // read-only: opening it as a Journal would count a new start and clear the stop
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(journalPath(runDir, "tui"), { access_mode: "READ_ONLY" });
    try {
      const rows = (await (await db.connect()).runAndReadAll("SELECT stop_reason FROM session")).getRowObjects();
      expect(rows).toEqual([{ stop_reason: "quit" }]);
    } finally {
      db.closeSync();
    }
  }, 180_000);

  it("piped, prints plain decision and alert lines without escape codes (and JSON lines with --json)", async () => {
    const test = readRun(runDir).info.splitMs.test;
    const exchange = await startExchange({ dataDir, klineReplay: { fromMs: test.fromMs, barsPerSecond: 400 } });
    try {
      const res = await spawnRlt(tradeArgs("piped", exchange.restUrl, exchange.wsUrl, 5), { RLT_CONFIG: "" }).done;
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).not.toContain("\x1b");
      expect(res.stdout.match(/^\d{4}-\d\d-\d\d \d\d:\d\d decide (buy|sell|hold) \(p buy/gm)?.length).toBe(5);
      expect(res.stdout).toMatch(/session piped: 5 bars/);
      // the tiny run has no evaluation: the monitor says its performance band is off, as a headless alert line
      expect(res.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d ALERT info performance performance-band-off: /m);
      const json = await spawnRlt([...tradeArgs("json", exchange.restUrl, exchange.wsUrl, 2), "--json"], { RLT_CONFIG: "" }).done;
      expect(json.code, json.stderr).toBe(0);
      const objects = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; kind?: string; level?: string });
      expect(objects.filter((o) => o.type === "decision").length).toBe(2);
      expect(objects.find((o) => o.type === "alert")).toMatchObject({ type: "alert", level: "info", kind: "performance-band-off" });
    } finally {
      await exchange.close();
    }
  });
});
