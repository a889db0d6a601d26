// `rlt data status [SYMBOL]`: what the store holds, per kind: range, rows, gaps.
import type { Command } from "commander";
import { globalFlags, parseSymbol, printJson } from "./shared.ts";

export function registerData(program: Command): void {
  const data = program.command("data").description("inspect the local market-data store");
  data
    .command("status [symbol]")
    .description("per kind: covered range, row count, duplicates and every gap")
    .option("--kinds <list>", "comma-separated kinds to show (default: all stored)")
    .option("--json", "print the status as JSON")
    .action(async (symbol: string | undefined, opts: { kinds?: string; json?: boolean }, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { dataStatus, formatStatus } = await import("../src/data/status.ts");
      const cfg = loadConfig(globalFlags(cmd));
      const status = await dataStatus(cfg.dataDirAbs, { symbol: symbol ? parseSymbol(symbol) : undefined, kinds: opts.kinds });
      if (opts.json) printJson(status);
      else process.stdout.write(formatStatus(status));
    });
}
