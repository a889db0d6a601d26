// `rlt trade` with real orders on the local exchange (signed REST, algo stops, the user stream) over
// the bundled sample's test range, the exchange's clock stepped one bar at a time once the trader has
// acted on the last one: the session decides bar for bar as the backtest of the same run, every fill is
// within 1 bp of the backtest's, the final equity within 0.1 %, and the journal's position equals the
// exchange's after every bar. The test prints the largest differences and where they come from.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { expectationFrom } from "../src/features/artifact.ts";
import { replayPolicy } from "../src/kernel/replay.ts";
import { loadTrainingData } from "../src/rl/data.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { loadRunPolicy } from "../src/rl/run-policy.ts";
import { rowsOf } from "../src/eval/run.ts";
import { runTrade } from "../src/live/run.ts";
import type { Decision, SessionEvent } from "../src/trade/session.ts";
import type { Trade } from "../src/sim/account.ts";
import { rlt, spawnRlt } from "./helpers/cli.ts";
import { EXCHANGE_RISK, trainTinyRun, writeKeyFile } from "./helpers/trade-run.ts";

const KEY = { apiKey: "rltTradeTestKey0001", apiSecret: "rltTradeTestSecretABCDEFGH0123" };
/** The whole test range of the sample (about a minute here); RLT_PARITY_BARS trades fewer while developing. */
const BARS = Number(process.env.RLT_PARITY_BARS ?? 3601);

let work: string;
let runDir: string;
let dataDir: string;
let keyFile: string;
let ex: RunningExchange | undefined;

beforeAll(async () => {
  ({ work, dataDir, runDir } = await trainTinyRun("rlt-trade-ex-", "trx", EXCHANGE_RISK));
  keyFile = writeKeyFile(work, KEY);
}, 240_000);

afterAll(async () => {
  await ex?.close();
});

describe("rlt trade on the local exchange, real orders", () => {
  it("decides as the backtest, fills within 1 bp, ends within 0.1 % of its equity, journal = exchange every bar", async () => {
    const run = readRun(runDir);
    const test = run.info.splitMs.test;
    const exchange = await startExchange({ dataDir, replay: { fromMs: test.fromMs, barsPerSecond: 1, manual: true }, trading: { keys: [KEY] } });
    ex = exchange;
    const decisions: Decision[] = [];
    const equity: number[] = [];
    const trades: Trade[] = [];
    const warnings: string[] = [];
    let positionMismatches = 0;
    const onEvent = (e: SessionEvent) => {
      if (e.type === "decision") decisions.push(e.decision);
      else if (e.type === "trade") trades.push(e.trade);
      else if (e.type === "warning") {
        warnings.push(e.message);
        if (/^position differs/.test(e.message)) positionMismatches++;
      }
      else if (e.type === "equity") {
        equity.push(e.account.equityUsdt);
        // the trader has acted on this bar: let the market move on
        setImmediate(() => exchange.step(1));
      }
    };
    const started = Date.now();
    const trading = runTrade({ runDir, model: "best", exchange: "local", endpoint: { rest: exchange.restUrl, ws: exchange.wsUrl, vision: exchange.restUrl }, paper: false, mainnetFlag: false, allowMainnet: false, session: "parity-ex", dataDir, keyFile, onExit: "flatten", maxBars: BARS, onEvent, onInfo: () => {} });
    // the first bar closes once both streams (market and user) are connected
    let failed = false;
    trading.catch(() => (failed = true));
    while (exchange.stats().wsConnections < 2 && !failed) await new Promise((r) => setTimeout(r, 20));
    exchange.step(1);
    const result = await trading;
    const seconds = (Date.now() - started) / 1000;
    await exchange.close();
    ex = undefined;

    const data = await loadTrainingData(run.info.features, dataDir, expectationFrom(run.manifest));
    const rows = rowsOf(data.openTime, test);
    const { policy } = await loadRunPolicy(run, "best");
    const backtest = replayPolicy(policy, run.cfg.env.actions, data, { from: rows.from, to: rows.from + BARS }, run.cfg.sim, run.cfg.env.positionInObs, run.cfg.risk);
    expect(result.state.bars).toBe(BARS);
    const firstDiff = decisions.slice(0, BARS - 1).findIndex((d, t) => d.target !== backtest.target[t]);
    const closed = backtest.trades.filter((t) => t.exitReason !== "end-of-data");
    let worstFillBps = 0;
    let worstFill = "";
    for (const [i, t] of trades.slice(0, closed.length).entries()) {
      for (const k of ["entryPrice", "exitPrice"] as const) {
        const bps = (Math.abs(t[k] - closed[i][k]) / closed[i][k]) * 1e4;
        if (bps > worstFillBps) [worstFillBps, worstFill] = [bps, `trade ${i + 1} ${k}: exchange ${t[k]}, backtest ${closed[i][k]}`];
      }
    }
    const finalLive = equity[BARS - 2];
    const finalBacktest = backtest.equity[BARS - 2];
    const equityDiff = Math.abs(finalLive / finalBacktest - 1);
    console.log(`exchange vs backtest over ${BARS} bars in ${seconds.toFixed(1)} s: ${trades.length} trades live, ${closed.length} in the backtest (reasons ${[...new Set(trades.map((t) => t.exitReason))].join(", ")}); first differing decision ${firstDiff}; largest fill difference ${worstFillBps.toFixed(3)} bp (${worstFill}); final equity ${finalLive.toFixed(4)} vs ${finalBacktest.toFixed(4)} (${(equityDiff * 100).toFixed(4)} %): live sizes at the fill expected from the close (the next open is not known yet), the backtest at the fill; ${warnings.length} warnings${warnings.length ? `: ${warnings.slice(0, 3).join(" | ")}` : ""}`);
    expect(firstDiff).toBe(-1);
    expect(trades.length).toBeGreaterThanOrEqual(closed.length);
    expect(closed.length).toBeGreaterThan(3);
    expect(worstFillBps).toBeLessThan(1);
    expect(equityDiff).toBeLessThan(0.001);
    expect(positionMismatches).toBe(0);
  }, 600_000);
});

describe("rlt trade on an exchange refuses, sending no order", () => {
  const args = (exchange: RunningExchange, session: string, extra: string[] = []) => ["trade", "--run", runDir, "--exchange", "local", "--rest-url", exchange.restUrl, "--ws-url", exchange.wsUrl, "--data-dir", dataDir, "--session", session, "--bars", "1", ...extra];
  const orders = (exchange: RunningExchange) => exchange.stats().byPath["/fapi/v1/order"] ?? 0;

  it("missing keys (exit 2), keys the exchange rejects (exit 2, never printed), a run without a stop-loss (exit 2)", async () => {
    const run = readRun(runDir);
    const exchange = await startExchange({ dataDir, replay: { fromMs: run.info.splitMs.test.fromMs, barsPerSecond: 1, manual: true }, trading: { keys: [KEY] } });
    ex = exchange;
    const noKeys = await spawnRlt(args(exchange, "nokeys"), { RLT_CONFIG: "" }).done;
    expect(noKeys.code, noKeys.stderr).toBe(2);
    expect(noKeys.stderr).toMatch(/orders on local need API keys: set RLT_API_KEY and RLT_API_SECRET, or pass --key-file/);
    const wrong = await spawnRlt(args(exchange, "wrongkeys"), { RLT_CONFIG: "", RLT_API_KEY: "rltWrongKey00000001", RLT_API_SECRET: "rltWrongSecret0000000000000001" }).done;
    expect(wrong.code, wrong.stderr).toBe(2);
    expect(wrong.stderr).toMatch(/RLT_API_KEY/);
    expect(`${wrong.stdout}${wrong.stderr}`).not.toMatch(/rltWrongSecret0000000000000001/);
    // the same run with its stop-loss taken out of config.yaml
    const noStop = path.join(work, "runs", "trx-nostop");
    cpSync(runDir, noStop, { recursive: true });
    const cfgFile = path.join(noStop, "config.yaml");
    const cfg = parseYaml(readFileSync(cfgFile, "utf8"));
    delete cfg.sim.stopLossPct;
    writeFileSync(cfgFile, toYaml(cfg));
    const unprotected = await spawnRlt(["trade", "--run", noStop, ...args(exchange, "nostop").slice(3), "--key-file", keyFile], { RLT_CONFIG: "" }).done;
    expect(unprotected.code, unprotected.stderr).toBe(2);
    expect(unprotected.stderr).toMatch(/stop/i);
    expect(orders(exchange)).toBe(0);
    await exchange.close();
    ex = undefined;
  }, 120_000);

  it("a position the journal does not know: the start stops naming it and the way out (--adopt), exit 1", async () => {
    const run = readRun(runDir);
    const exchange = await startExchange({ dataDir, replay: { fromMs: run.info.splitMs.test.fromMs, barsPerSecond: 1, manual: true }, trading: { keys: [KEY] } });
    ex = exchange;
    const { BinanceVenue } = await import("../src/venue/binance.ts");
    const venue = new BinanceVenue({ exchange: "local", restUrl: exchange.restUrl, wsUrl: exchange.wsUrl, ...KEY });
    await venue.serverTimeMs();
    await venue.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "MARKET", qty: 0.01, reduceOnly: false, clientId: "manual-by-hand-1" });
    await venue.close();
    const before = orders(exchange);
    const res = await spawnRlt(args(exchange, "foreign", ["--key-file", keyFile]), { RLT_CONFIG: "" }).done;
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/the journal and the exchange disagree on BTCUSDT/);
    expect(res.stderr).toMatch(/--adopt/);
    expect(orders(exchange)).toBe(before);
    await exchange.close();
    ex = undefined;
  }, 120_000);
});
