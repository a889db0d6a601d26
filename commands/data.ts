// `rlt data status|verify|repair [SYMBOL]`: what the store holds, whether every file is intact, and
// putting damaged files aside to fetch (or import) their rows again.
import type { Command } from "commander";
import { globalFlags, parseSymbol, printJson } from "./shared.ts";

export function registerData(program: Command): void {
  const data = program.command("data").description("inspect, verify and repair the local market-data store");
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
  data
    .command("verify [symbol]")
    .description("check every stored file against its record in full (sha256, row count, every row read); exit 1 when any is damaged")
    .option("--json", "print the report as JSON")
    .action(async (symbol: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { verifyStore, formatVerify, damagedError } = await import("../src/data/verify.ts");
      const cfg = loadConfig(globalFlags(cmd));
      const sym = symbol ? parseSymbol(symbol) : undefined;
      const report = await verifyStore(cfg.dataDirAbs, { symbol: sym });
      if (opts.json) printJson(report);
      else process.stdout.write(formatVerify(report));
      const err = damagedError(report, sym);
      if (err) throw err;
    });
  data
    .command("repair [symbol]")
    .description("move damaged files aside (data/.quarantine/) and fetch their days again, or name the files to import again")
    .option("--json", "print the report as JSON")
    .action(async (symbol: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { createReporter } = await import("../src/core/log.ts");
      const { repairStore, formatRepair, unrepairedError } = await import("../src/data/repair.ts");
      const flags = globalFlags(cmd);
      const cfg = loadConfig(flags);
      const report = await repairStore(cfg, { symbol: symbol ? parseSymbol(symbol) : undefined }, createReporter({ quiet: flags.quiet || opts.json }));
      if (opts.json) printJson(report);
      else process.stdout.write(formatRepair(report));
      const err = unrepairedError(report);
      if (err) throw err;
    });
}
