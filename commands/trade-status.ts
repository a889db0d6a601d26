// `rlt trade status [session]`: the sessions on this machine, or one of them. A running session on a
// terminal is attached read-only (the same UI as its trader's); otherwise its view is printed once, as
// plain lines or with --json one JSON object. Nothing here can change a session.
import path from "node:path";
import type { Command } from "commander";
import { globalFlags } from "./shared.ts";
import { interactiveUiBlocked } from "../src/core/terminal.ts";

interface StatusFlags {
  run?: string;
  runsDir: string;
  json?: boolean;
  once?: boolean;
}

export function registerTradeStatus(trade: Command): void {
  trade
    .command("status [session]")
    .description("list the trading sessions on this machine and their state; with a session, show it (a running one is attached read-only on a terminal)")
    .option("--run <dir>", "only this run's sessions (runs/<name>)")
    .option("--runs-dir <dir>", "where runs are", "runs")
    .option("--json", "one JSON object (the list, or the session's view) instead of text")
    .option("--once", "print a running session's view once instead of attaching to it")
    .action(async (session: string | undefined, own: StatusFlags, cmd: Command) => {
      globalFlags(cmd);
      // `rlt trade` has --run and --json too, and commander gives a parent's options to the parent wherever they stand
      const parent = cmd.parent?.opts<{ run?: string; json?: boolean }>() ?? {};
      const opts: StatusFlags = { ...own, run: own.run ?? parent.run, json: own.json ?? parent.json };
      const { DataError, UsageError } = await import("../src/core/errors.ts");
      const { findSessions, sessionStatus } = await import("../src/monitor/session-status.ts");
      const { sessionLines, statusTable } = await import("../src/tui/status-text.ts");
      const root = path.resolve(opts.run ?? opts.runsDir);
      const all = findSessions(root);
      const print = (s: string): void => void process.stdout.write(`${s}\n`);
      if (session === undefined) {
        const entries = await Promise.all(all.map(sessionStatus));
        if (opts.json) print(JSON.stringify(entries.map(({ view, ...e }) => ({ ...e, view: view && summaryOf(view) }))));
        else print(entries.length ? statusTable(entries) : `no trading sessions under ${root}`);
        return;
      }
      const direct = path.resolve(session);
      const matches = all.filter((l) => l.session === session || l.sessionDir === direct);
      if (matches.length !== 1) {
        const names = all.map((l) => `${path.basename(l.runDir)}/${l.session}`);
        if (!matches.length) throw new UsageError(`no session ${session} under ${root}${names.length ? `: the sessions are ${names.join(", ")}` : ": it has no sessions"}`, { hint: names.length ? "rlt trade status lists them; give --run or --runs-dir to look elsewhere" : "rlt trade --run runs/<name> starts one" });
        throw new UsageError(`session ${session} is in ${matches.length} runs (${matches.map((m) => path.basename(m.runDir)).join(", ")}): give --run runs/<name>`);
      }
      const entry = await sessionStatus(matches[0]);
      if (!opts.json && !opts.once && entry.state === "running" && !interactiveUiBlocked()) {
        const { attach } = await import("../src/monitor/socket-client.ts");
        const attached = await attach(entry.sessionDir);
        if (attached) {
          const { runTui } = await import("../src/tui/app.tsx");
          await runTui(attached, undefined, { readOnlyLabel: `attached to pid ${entry.pid}: read-only` });
          attached.close();
          return;
        }
      }
      if (entry.state === "unreadable") {
        if (opts.json) print(JSON.stringify(entry));
        throw new DataError(`session ${entry.session} of ${entry.runDir} cannot be read: ${entry.error}`);
      }
      print(opts.json ? JSON.stringify(entry) : sessionLines(entry).join("\n"));
    });
}

function summaryOf(v: import("../src/monitor/types.ts").MonitorView) {
  return { status: v.status, statusMessage: v.statusMessage, mode: v.mode, exchange: v.exchange, symbol: v.symbol, bars: v.bars, trades: v.trades, equityUsdt: v.equityUsdt, startEquityUsdt: v.startEquityUsdt, realizedPnlUsdt: v.realizedPnlUsdt, position: v.position, risk: v.risk.state, lastBarOpenTimeMs: v.lastBarOpenTimeMs, startedMs: v.startedMs };
}
