// The README's picture of the terminal UI, from a real terminal: a tiny run trained and evaluated on the
// bundled sample, `rlt trade --paper` on the local exchange in a tmux pseudo-terminal of 80×24 (a 60-bar
// drift window, so drift shows within the replay), the screen captured with its colours after 90 bars,
// then q k to end the session.
//   npx tsx scripts/tui-capture.ts   → docs/img/tui.svg, docs/img/tui.txt (needs tmux)
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify as toYaml } from "yaml";
import { startExchange } from "../src/exchange/server.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { ROOT, rlt } from "../test/helpers/cli.ts";
import { trainTinyRun } from "../test/helpers/trade-run.ts";
import { frameSvg } from "./frame-svg.ts";

const COLUMNS = 80;
const ROWS = 24;
const SOCKET = `rlt-tui-capture-${process.pid}`;
const tmux = (...args: string[]) => execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const { work, dataDir, runDir } = await trainTinyRun("rlt-tui-capture-", "ppo-btcusdt", { sim: { stopLossPct: 0.004 }, risk: { riskPerTrade: 0.01, trailingStopPct: 0.003 } });
// the performance band and the action drift read the run's evaluation
const evaluated = rlt(["eval", "--run", runDir, "--random-repeats", "5", "--bootstrap", "100", "-q"]);
if (evaluated.status !== 0) throw new Error(`rlt eval failed: ${evaluated.stderr}`);
const config = path.join(work, "rlt.yaml");
writeFileSync(config, toYaml({ monitor: { drift: { window: 60 } } }));
const ex = await startExchange({ dataDir, klineReplay: { fromMs: readRun(runDir).info.splitMs.test.fromMs, barsPerSecond: 6 } });
try {
  const cmd = [process.execPath, "bin/rlt.js", "trade", "--run", runDir, "--paper", "--exchange", "local", "--rest-url", ex.restUrl, "--ws-url", ex.wsUrl, "--data-dir", dataDir, "--session", "demo"].map(sh).join(" ");
  // ink's 16 colours, which frame-svg.ts draws
  tmux("new-session", "-d", "-s", "rlt", "-x", String(COLUMNS), "-y", String(ROWS), "-c", ROOT, `env -u CI -u CONTINUOUS_INTEGRATION RLT_CONFIG=${sh(config)} FORCE_COLOR=1 ${cmd}; sleep 30`);
  let frame = "";
  for (const t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 250))) {
    const plain = tmux("capture-pane", "-p", "-t", "rlt");
    const bars = Number(/ (\d+) bars, last/.exec(plain)?.[1] ?? 0);
    if (bars >= 90 && /ALERTS [1-9]/.test(plain) && /POSITION (long|short)/.test(plain)) {
      frame = tmux("capture-pane", "-p", "-e", "-t", "rlt");
      break;
    }
    if (Date.now() - t0 > 180_000) throw new Error(`no frame with 90 bars, an open position and an alert within 3 minutes; the screen:\n${plain}`);
  }
  tmux("send-keys", "-t", "rlt", "q");
  tmux("send-keys", "-t", "rlt", "k");
  const { text, svg } = frameSvg(frame.replace(/\n+$/, ""), COLUMNS, ROWS);
  const out = path.join(ROOT, "docs/img");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "tui.txt"), `${text}\n`);
  writeFileSync(path.join(out, "tui.svg"), svg);
  console.log(`docs/img/tui.txt and docs/img/tui.svg from tmux at ${COLUMNS}x${ROWS}:\n${text}`);
  await new Promise((r) => setTimeout(r, 2000));
} finally {
  try {
    tmux("kill-server");
  } catch {
    // its only session already ended
  }
  await ex.close();
}
