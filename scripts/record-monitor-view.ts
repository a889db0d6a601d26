// Records what the terminal UI's component tests render: a real paper session of a tiny trained run
// against the local exchange, its monitor's view taken twice, once while a position is open after some
// trades, once halted by the daily loss limit after a denial. Rerun it after a change to MonitorView:
//   npx tsx scripts/record-monitor-view.ts   → test/fixtures/monitor-view-position.json, monitor-view-halted.json
import { writeFileSync } from "node:fs";
import path from "node:path";
import { startExchange } from "../src/exchange/server.ts";
import type { SessionMonitor } from "../src/monitor/monitor.ts";
import type { MonitorView, TradeControls } from "../src/monitor/types.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { runTrade } from "../src/live/run.ts";
import { trainTinyRun } from "../test/helpers/trade-run.ts";

const FIXTURES = path.resolve(import.meta.dirname, "../test/fixtures");

async function main(): Promise<void> {
  // the parity test's run: a stop-loss, risk-per-trade sizing, a trailing take-profit and a 1.5 % daily loss limit
  const { dataDir, runDir } = await trainTinyRun("rlt-record-view-", "tui", { sim: { stopLossPct: 0.004 }, risk: { riskPerTrade: 0.01, trailingStopPct: 0.003, dailyLossLimit: 0.015 } });
  const run = readRun(runDir);
  const ex = await startExchange({ dataDir, klineReplay: { fromMs: run.info.splitMs.test.fromMs, barsPerSecond: 200 } });
  let monitor: SessionMonitor | undefined;
  let controls: TradeControls | undefined;
  const taken: Record<string, MonitorView> = {};
  const take = (name: string, v: MonitorView) => {
    if (taken[name]) return;
    taken[name] = v;
    writeFileSync(path.join(FIXTURES, `monitor-view-${name}.json`), `${JSON.stringify(v, null, 2)}\n`);
    console.log(`recorded ${name}: bar ${v.bars}, ${v.trades} trades, risk ${v.risk.state}, position ${v.position ? `${v.position.side} ${v.position.qty}` : "flat"}`);
  };
  try {
    await runTrade({
      runDir,
      model: "best",
      exchange: "local",
      endpoint: { rest: ex.restUrl, ws: ex.wsUrl, vision: ex.restUrl },
      paper: true,
      mainnetFlag: false,
      allowMainnet: false,
      session: "record",
      dataDir,
      onExit: "keep",
      maxBars: 2000,
      onInfo: (m) => console.log(m),
      onMonitor: (m, c) => {
        monitor = m;
        controls = c;
      },
      onEvent: (e) => {
        if (!monitor || e.type !== "equity") return;
        const v = monitor.snapshot();
        if (v.position && v.trades >= 3 && v.recentDecisions.length >= 8 && v.risk.state === "active") take("position", v);
        if (v.risk.state === "halted" && v.risk.recent.some((r) => r.kind === "denial")) take("halted", v);
        if (taken.position && taken.halted) controls?.quit("keep");
      },
    });
  } finally {
    await ex.close();
  }
  for (const name of ["position", "halted"]) if (!taken[name]) throw new Error(`the session ended before a "${name}" view: nothing recorded for it`);
}

await main();
