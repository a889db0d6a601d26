// `rlt import FILE...` and `rlt import --sample`: data.binance.vision files and raw captures into the store.
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "../src/core/errors.ts";
import { globalFlags, parseSymbol, printJson } from "./shared.ts";

/** The bundled real sample, relative to the repository root. */
export const SAMPLE_DIR = path.resolve(import.meta.dirname, "../data/sample");
export const SAMPLE_FILES = [
  "BTCUSDT-1m-20230718-20230817.csv.gz",
  "BTCUSDT-fundingRate-20230704-20230817.csv.gz",
  "BTCUSDT-ws-capture-20240718T2357.txt.gz",
  "BTCUSDT-ws-capture-20230404T2358.txt.gz",
];

export function registerImport(program: Command): void {
  program
    .command("import [files...]")
    .description("import data.binance.vision CSV/zip files (header or not), raw WebSocket captures and freqtrade data (.feather/.json/.json.gz/.parquet files or whole folders); all-or-nothing per file")
    .option("--sample", "import the bundled real BTCUSDT sample (data/sample)")
    .option("--kind <kind>", "kind of data when the file name does not tell (klines, funding, aggtrades, trades, book_ticker, bookdepth, metrics)")
    .option("--symbol <symbol>", "symbol when the file name does not tell")
    .option("--allow-invalid-rows", "store impossible candles (high < max(open, close), a price ≤ 0, volume < 0) anyway, marked invalid; refused by default")
    .option("--json", "print the results as JSON")
    .action(async (files: string[], opts: { sample?: boolean; kind?: string; symbol?: string; allowInvalidRows?: boolean; json?: boolean }, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { importFiles, formatImport } = await import("../src/data/import/run.ts");
      const { parseKinds } = await import("../src/data/status.ts");
      const { expandImportPaths } = await import("../src/data/import/freqtrade.ts");
      const expanded = expandImportPaths([...files, ...(opts.sample ? SAMPLE_FILES.map((f) => path.join(SAMPLE_DIR, f)) : [])]);
      for (const s of expanded.skipped) process.stderr.write(`skipped ${s.file}: ${s.reason}\n`);
      const all = expanded.files;
      if (all.length === 0) throw new UsageError("nothing to import", { hint: "name files, or pass --sample for the bundled real BTCUSDT data" });
      const cfg = loadConfig(globalFlags(cmd));
      const kind = opts.kind ? parseKinds(opts.kind)[0] : undefined;
      const results = await importFiles(cfg.dataDirAbs, all, { kind, symbol: opts.symbol ? parseSymbol(opts.symbol) : undefined, allowInvalidRows: opts.allowInvalidRows });
      if (opts.json) printJson(results);
      else process.stdout.write(formatImport(results));
    });
}
