// `rlt fetch SYMBOL... --days N`: market data from the exchange into the store, resumable.
import type { Command } from "commander";
import { globalFlags, parsePositiveInt, parseSymbol, parseTimeFlag, printJson } from "./shared.ts";

interface FetchFlags {
  days?: string;
  from?: string;
  to?: string;
  kinds?: string;
  json?: boolean;
}

export function registerFetch(program: Command): void {
  program
    .command("fetch <symbols...>")
    .description("fetch klines, funding, aggTrades, bookDepth and metrics into the store (resumable, validated)")
    .option("--days <n>", "days back from the exchange's clock")
    .option("--from <time>", "start (UTC date, ISO time or epoch ms)")
    .option("--to <time>", "end, exclusive (default: now)")
    .option("--kinds <list>", "comma-separated: klines,funding,aggtrades,bookdepth,metrics", "klines,funding")
    .option("--json", "print a machine-readable summary on stdout")
    .action(async (symbols: string[], opts: FetchFlags, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { createReporter } = await import("../src/core/log.ts");
      const { runFetch, assertNotInterrupted, FETCH_KINDS } = await import("../src/fetch/run.ts");
      const { formatFetch } = await import("../src/fetch/format.ts");
      const { parseKinds } = await import("../src/data/status.ts");
      const flags = globalFlags(cmd);
      const cfg = loadConfig(flags);
      const kinds = parseKinds(opts.kinds, FETCH_KINDS);
      const { UsageError } = await import("../src/core/errors.ts");
      for (const k of kinds) {
        if (!(FETCH_KINDS as readonly string[]).includes(k)) throw new UsageError(`fetch cannot fetch ${k}`, { hint: `fetchable kinds: ${FETCH_KINDS.join(", ")}; ${k} comes from rlt record` });
      }
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const summary = await runFetch(
          cfg,
          {
            symbols: symbols.map(parseSymbol),
            kinds: kinds as (typeof FETCH_KINDS)[number][],
            days: opts.days !== undefined ? parsePositiveInt("--days", opts.days) : undefined,
            fromMs: parseTimeFlag("--from", opts.from),
            toMs: parseTimeFlag("--to", opts.to),
          },
          createReporter({ quiet: flags.quiet || opts.json }),
          abort.signal,
        );
        if (opts.json) printJson(summary);
        else process.stdout.write(formatFetch(summary));
        assertNotInterrupted(summary);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
