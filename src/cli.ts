// The rlt program: builds the commander tree from commands/, runs it, and maps errors to exit codes.
// Only this module decides exit codes; bin/rlt.js sets process.exitCode from main()'s result.
import chalk from "chalk";
import { Command, CommanderError } from "commander";
import { registerCheck } from "../commands/check.ts";
import { registerData } from "../commands/data.ts";
import { registerDemo } from "../commands/demo.ts";
import { registerEval } from "../commands/eval.ts";
import { registerExchange } from "../commands/exchange.ts";
import { registerFeatures } from "../commands/features.ts";
import { registerFetch } from "../commands/fetch.ts";
import { registerImport } from "../commands/import.ts";
import { registerRecord } from "../commands/record.ts";
import { registerReport } from "../commands/report.ts";
import { registerTrade } from "../commands/trade.ts";
import { registerTrain } from "../commands/train.ts";
import { registerTune } from "../commands/tune.ts";
import { registerWorker } from "../commands/worker.ts";
import { EXIT, RltError, exitCodeOf } from "./core/errors.ts";
import { maskUrlsIn } from "./core/url.ts";

export const VERSION = "0.1.0";

export function buildProgram(): Command {
  const program = new Command("rlt")
    .description("From raw Binance USD-M futures data to a PPO trading agent, one shell step at a time.")
    .version(VERSION)
    .option("--config <file>", "config file (default: ./rlt.yaml when present; env RLT_CONFIG)")
    .option("--data-dir <dir>", "data directory (default ./data; env RLT_DATA_DIR)")
    .option("--exchange <name>", "mainnet | demo | local (env RLT_EXCHANGE)")
    .option("--rest-url <url>", "override the exchange REST base URL (env RLT_REST_URL)")
    .option("--ws-url <url>", "override the exchange WebSocket root URL (env RLT_WS_URL)")
    .option("--vision-url <url>", "override the bulk-data (data.binance.vision) base URL (env RLT_VISION_URL)")
    .option("-q, --quiet", "no progress output")
    .showHelpAfterError()
    .exitOverride();
  registerFetch(program);
  registerRecord(program);
  registerFeatures(program);
  registerTrain(program);
  registerTune(program);
  registerWorker(program);
  registerEval(program);
  registerTrade(program);
  registerReport(program);
  registerImport(program);
  registerData(program);
  registerExchange(program);
  registerDemo(program);
  registerCheck(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit through here with code 0
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    printError(err);
    return exitCodeOf(err);
  }
}

// Every URL in what is printed is masked (credentials, query values), whoever built the message.
function printError(err: unknown): void {
  if (err instanceof RltError) {
    process.stderr.write(`${chalk.red("error:")} ${maskUrlsIn(err.message)}\n`);
    if (err.hint) process.stderr.write(`  ${chalk.dim("hint:")} ${maskUrlsIn(err.hint)}\n`);
    if (process.env.RLT_DEBUG && err.cause) process.stderr.write(`${maskUrlsIn(String((err.cause as Error).stack ?? err.cause))}\n`);
    return;
  }
  process.stderr.write(`${chalk.red("internal error:")} ${maskUrlsIn((err as Error)?.stack ?? String(err))}\n`);
  process.stderr.write("  this is a bug in rlt; please report it with the command you ran\n");
}
