// `rlt record SYMBOL`: record the live book, trades, bookTicker and mark price until Ctrl-C.
import type { Command } from "commander";
import { UsageError } from "../src/core/errors.ts";
import { globalFlags, parsePositiveInt, parseSymbol, printJson } from "./shared.ts";

interface RecordFlags {
  top?: string;
  snapshotMs?: string;
  rollMinutes?: string;
  flushInterval?: string;
  duration?: string;
  json?: boolean;
}

export function registerRecord(program: Command): void {
  program
    .command("record <symbol>")
    .description("record depth diffs (local book kept by the U/u/pu procedure), aggTrades, bookTicker and mark price to rolling Parquet files")
    .option("--top <n>", "levels per side in the periodic book snapshots")
    .option("--snapshot-ms <n>", "book snapshot interval")
    .option("--roll-minutes <n>", "start a new Parquet part file this often")
    .option("--flush-interval <time>", "make received rows durable this often, e.g. 500ms or 2s (a killed recorder loses at most this much)")
    .option("--duration <seconds>", "stop by itself after this long (default: until Ctrl-C)")
    .option("--json", "print the final summary as JSON")
    .action(async (symbolArg: string, opts: RecordFlags, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { createReporter } = await import("../src/core/log.ts");
      const { Store } = await import("../src/data/store.ts");
      const { Recorder } = await import("../src/record/recorder.ts");
      const { formatRecordStatus } = await import("../src/record/format.ts");
      const flags = globalFlags(cmd);
      const cfg = loadConfig(flags);
      const config = {
        ...cfg.record,
        ...(opts.top ? { topN: parsePositiveInt("--top", opts.top) } : {}),
        ...(opts.snapshotMs ? { snapshotIntervalMs: parsePositiveInt("--snapshot-ms", opts.snapshotMs) } : {}),
        ...(opts.rollMinutes ? { rollIntervalMs: parsePositiveInt("--roll-minutes", opts.rollMinutes) * 60_000 } : {}),
        ...(opts.flushInterval ? { flushIntervalMs: parseFlushInterval(opts.flushInterval) } : {}),
      };
      const reporter = createReporter({ quiet: flags.quiet || opts.json });
      const store = await Store.open(cfg.dataDirAbs);
      const recorder = new Recorder({
        store,
        symbol: parseSymbol(symbolArg),
        restUrl: cfg.endpoint.rest,
        wsUrl: cfg.endpoint.ws,
        config,
        onStatus: (s) => reporter.info(formatRecordStatus(s)),
        onWarn: (m) => reporter.warn(m),
        onInfo: (m) => reporter.info(m),
      });
      let summary;
      try {
        await recorder.start();
        reporter.info(
          `recording ${parseSymbol(symbolArg)} from ${cfg.endpoint.ws} into ${store.dir}; rows made durable every ${config.flushIntervalMs} ms, ` +
            `Parquet parts every ${config.rollIntervalMs / 60_000} min; Ctrl-C writes the last part and stops`,
        );
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          recorder.failed,
          new Promise<void>((resolve) => {
            process.once("SIGINT", resolve);
            process.once("SIGTERM", resolve);
            if (opts.duration) timer = setTimeout(resolve, parsePositiveInt("--duration", opts.duration) * 1000);
          }),
        ]).finally(() => clearTimeout(timer));
        summary = await recorder.stop();
        await store.refreshCatalog();
      } finally {
        store.close();
      }
      if (opts.json) printJson(summary);
      else process.stdout.write(`${formatRecordStatus(summary)}\nstored: ${JSON.stringify(summary.rowsByKind)}; lag p99 ${summary.lagP99Ms} ms, max ${summary.lagMaxMs} ms\n`);
    });
}

/** "500ms", "2s" or a number of seconds. */
function parseFlushInterval(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  const ms = m ? Number(m[1]) * (m[2] === "ms" ? 1 : 1000) : NaN;
  if (!Number.isFinite(ms) || ms < 100) throw new UsageError(`--flush-interval: "${value}" is not a time of at least 100 ms`, { hint: "e.g. --flush-interval 500ms or --flush-interval 2s" });
  return Math.round(ms);
}
