// Records what the terminal UI's component tests render: a real paper session of a tiny trained run
// against the local exchange, its monitor's view taken twice, once while a position is open after some
// trades, once halted by the daily loss limit after a denial (the UI's tests), and once after 90 bars
// with the run evaluated and a 60-bar drift window (the README's picture, scripts/tui-snapshot.ts).
// Rerun it after a change to MonitorView, naming the views to record again (the tests assert the first two):
//   npx tsx scripts/record-monitor-view.ts [position] [halted] [screen]   → test/fixtures/monitor-view-<name>.json
import { writeFileSync } from "node:fs";
import path from "node:path";
import { startExchange } from "../src/exchange/server.ts";
import type { SessionMonitor } from "../src/monitor/monitor.ts";
import type { MonitorView, TradeControls } from "../src/monitor/types.ts";
import { MonitorConfigSchema } from "../src/core/monitor-config.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { rlt } from "../test/helpers/cli.ts";
import { runTrade } from "../src/trade/run.ts";
import { trainTinyRun } from "../test/helpers/trade-run.ts";

const FIXTURES = path.resolve(import.meta.dirname, "../test/fixtures");

async function main(): Promise<void> {
  // the parity test's run: a stop-loss, risk-per-trade sizing, a trailing take-profit and a 1.5 % daily loss limit
  const { dataDir, runDir } = await trainTinyRun("rlt-record-view-", "tui", { sim: { stopLossPct: 0.004 }, risk: { riskPerTrade: 0.01, trailingStopPct: 0.003, dailyLossLimit: 0.015 } });
  const wanted = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ["position", "halted", "screen"]);
  // the performance band and the action drift need the run's evaluation
  const evaluated = rlt(["eval", "--run", runDir, "--random-repeats", "5", "--bootstrap", "100", "-q"]);
  if (evaluated.status !== 0) throw new Error(`rlt eval failed: ${evaluated.stderr}`);
  const run = readRun(runDir);
  const ex = await startExchange({ dataDir, klineReplay: { fromMs: run.info.splitMs.test.fromMs, barsPerSecond: 200 } });
  let monitor: SessionMonitor | undefined;
  let controls: TradeControls | undefined;
  const taken: Record<string, MonitorView> = {};
  const take = (name: string, v: MonitorView) => {
    if (taken[name] || !wanted.has(name)) return;
    taken[name] = v;
    writeFileSync(path.join(FIXTURES, `monitor-view-${name}.json`), `${JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? null : x), 2)}\n`);
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
      monitor: MonitorConfigSchema.parse({ drift: { window: 60 } }),
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
        if (v.position && v.bars >= 90 && v.trades >= 3 && v.alerts.length >= 2 && v.drift.filled >= 60) take("screen", v);
        if ([...wanted].every((n) => taken[n])) controls?.quit("keep");
      },
    });
  } finally {
    await ex.close();
  }
  for (const name of wanted) if (!taken[name]) throw new Error(`the session ended before a "${name}" view: nothing recorded for it`);
}

await main();
