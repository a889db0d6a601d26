// `rlt trade --run runs/<name>`: the run's agent trading bar by bar (paper, or on an exchange).
import path from "node:path";
import type { Command } from "commander";
import { globalFlags, parsePositiveInt } from "./shared.ts";
import { interactiveUiBlocked, NOT_A_TERMINAL } from "../src/core/terminal.ts";
import { registerTradeStatus } from "./trade-status.ts";

interface TradeFlags {
  run?: string;
  checkpoint: string;
  paper?: boolean;
  testnet?: boolean;
  demo?: boolean;
  mainnet?: boolean;
  session?: string;
  onExit: string;
  bars?: string;
  keyFile?: string;
  adopt?: boolean;
  json?: boolean;
  headless?: boolean;
}

export function registerTrade(program: Command): void {
  const trade = program.command("trade");
  registerTradeStatus(trade);
  trade
    .description("trade a trained run bar by bar: --paper fills with the backtest's simulator (no keys), or real orders on --testnet (Binance Demo), the local exchange or --mainnet")
    .option("--run <dir>", "run directory (runs/<name>); required")
    .option("--checkpoint <which>", "best (chosen on validation) or final", "best")
    .option("--paper", "fill every decision with the bar simulator's rule; nothing is sent, no keys needed")
    .option("--testnet", "Binance Demo Trading (the futures testnet's successor): same as --exchange demo")
    .option("--demo", "same as --testnet")
    .option("--mainnet", "Binance mainnet; real orders also need trade.allowMainnet: true in rlt.yaml")
    .option("--session <name>", "session name under runs/<name>/sessions/ (default: a new one); the same name continues a session")
    .option("--on-exit <what>", "at Ctrl-C: keep the position with its exchange-side stop, or flatten it", "keep")
    .option("--bars <n>", "stop after this many closed bars (a rehearsal)")
    .option("--key-file <file>", "API key and secret (two lines, or JSON {apiKey, apiSecret}); default: trade.keyFile, else RLT_API_KEY / RLT_API_SECRET")
    .option("--adopt", "at the start, take a position or orders the journal does not know as this session's (otherwise the start stops and says what differs)")
    .option("--json", "one JSON object per event instead of plain lines")
    .option("--headless", "plain lines even on a terminal, instead of the interactive UI")
    .action(async (opts: TradeFlags, cmd: Command) => {
      const { UsageError } = await import("../src/core/errors.ts");
      const { loadConfig } = await import("../src/core/config.ts");
      const { runTrade } = await import("../src/live/run.ts");
      const { eventJson, eventLine } = await import("../src/trade/output.ts");
      const { alertJson, alertLine } = await import("../src/monitor/alert-text.ts");
      const flags = globalFlags(cmd);
      if (!opts.run) throw new UsageError("rlt trade needs --run <dir>", { hint: "e.g. rlt trade --run runs/ppo-btcusdt --paper" });
      // a seed group (rlt train --seeds) holds several agents: refused before any connection or key
      const { refuseRunGroup } = await import("../src/rl/run-group.ts");
      refuseRunGroup(path.resolve(opts.run), "rlt trade trades one agent");
      if (opts.checkpoint !== "best" && opts.checkpoint !== "final") throw new UsageError(`--checkpoint must be best or final, not "${opts.checkpoint}"`);
      if (opts.onExit !== "keep" && opts.onExit !== "flatten") throw new UsageError(`--on-exit must be keep or flatten, not "${opts.onExit}"`);
      const named = [opts.testnet || opts.demo ? "demo" : undefined, opts.mainnet ? "mainnet" : undefined].filter(Boolean);
      if (named.length > 1) throw new UsageError("--testnet/--demo and --mainnet are alternatives: give one");
      if (named.length && flags.exchange && flags.exchange !== named[0]) throw new UsageError(`--exchange ${flags.exchange} and --${named[0] === "demo" ? "testnet" : "mainnet"} disagree: give one`);
      const cfg = loadConfig({ ...flags, exchange: named[0] ?? flags.exchange });
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        // the first Ctrl-C stops new entries and ends the session cleanly; a second one is the user insisting
        if (++interrupts > 1) process.exit(130);
        process.stderr.write("\nstopping: no new entries; Ctrl-C again to quit at once\n");
        controller.abort();
      };
      process.on("SIGINT", onSigint);
      process.on("SIGTERM", onSigint);
      const print = (line: string | undefined) => line !== undefined && process.stdout.write(`${line}\n`);
      // the interactive UI on a terminal (it owns stdout: no lines go there while it runs); plain lines when piped, --json or --headless
      const plainAsked = opts.headless || opts.json;
      const blocked = plainAsked ? undefined : interactiveUiBlocked();
      if (blocked && blocked !== NOT_A_TERMINAL) process.stderr.write(`${blocked}\n`);
      const ui = plainAsked || blocked ? undefined : (await import("../src/tui/trade-ui.ts")).tradeUi({ ctrlCExit: opts.onExit, onForceQuit: () => process.exit(130) });
      try {
        const result = await runTrade({
          runDir: path.resolve(opts.run),
          model: opts.checkpoint,
          exchange: cfg.exchange,
          endpoint: cfg.endpoint,
          paper: Boolean(opts.paper),
          mainnetFlag: Boolean(opts.mainnet),
          allowMainnet: cfg.trade.allowMainnet,
          monitor: cfg.monitor,
          session: opts.session,
          dataDir: cfg.dataDirAbs,
          onExit: opts.onExit,
          keyFile: opts.keyFile ?? cfg.trade.keyFile,
          adopt: Boolean(opts.adopt),
          maxBars: opts.bars === undefined ? undefined : parsePositiveInt("--bars", opts.bars),
          signal: controller.signal,
          onEvent: (e) => (ui ? undefined : print(opts.json ? eventJson(e) : eventLine(e))),
          onInfo: (m) => (ui ? ui.onInfo(m) : opts.json ? print(JSON.stringify({ type: "info", message: m })) : flags.quiet ? undefined : process.stderr.write(`${m}\n`)),
          onMonitor: (monitor, controls) => (ui ? ui.onMonitor(monitor, controls) : monitor.onAlert((a) => print(opts.json ? alertJson(a) : alertLine(a)))),
        }).finally(() => ui?.close());
        const s = result.state;
        if (!opts.json) print(`session ${s.id}: ${s.bars} bars, ${s.trades} trades, equity ${s.account.equityUsdt.toFixed(2)} USDT (realized ${s.realizedPnlUsdt.toFixed(2)}, fees ${s.feesUsdt.toFixed(2)}, funding ${s.fundingUsdt.toFixed(2)}); ${result.sessionDir}`);
      } finally {
        process.off("SIGINT", onSigint);
        process.off("SIGTERM", onSigint);
      }
    });
}
