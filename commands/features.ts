// `rlt features SYMBOL`: build the 30-feature artifact from the store.
import path from "node:path";
import type { Command } from "commander";
import { DEFAULT_NORM_TRAIN_FRACTION, DEFAULT_ROLLING_WINDOW } from "../src/features/definitions.ts";
import { globalFlags, parsePositiveInt, parseSymbol, parseTimeFlag, printJson } from "./shared.ts";

interface FeaturesFlags {
  out?: string;
  from?: string;
  to?: string;
  trainTo?: string;
  trainFraction: string;
  norm?: string;
  window: string;
  fillGaps?: boolean;
  select?: boolean;
  corrThreshold: string;
  dropCorrelated?: boolean;
  pca?: string;
  json?: boolean;
}

export function registerFeatures(program: Command): void {
  program
    .command("features <symbol>")
    .description("compute the 30-feature market state (OHLCV, trade, order book), normalize it, write features/<name>/")
    .option("--out <dir>", "artifact folder (default features/<SYMBOL>-1m)")
    .option("--from <time>", "first bar (UTC)")
    .option("--to <time>", "end, exclusive")
    .option("--train-to <time>", "fit normalization on bars before this time")
    .option("--train-fraction <f>", "fit normalization on this leading fraction of the bars", String(DEFAULT_NORM_TRAIN_FRACTION))
    .option("--norm <list>", "per-feature normalization, e.g. close=zscore,rsi_14=none (zscore|minmax|rolling|none)")
    .option("--window <bars>", "window of rolling normalization", String(DEFAULT_ROLLING_WINDOW))
    .option("--fill-gaps", "insert missing minutes as flat zero-volume bars (marked) instead of refusing")
    .option("--select", "write the feature-selection report (correlation, importance, PCA)")
    .option("--corr-threshold <r>", "report feature pairs with |correlation| above this", "0.95")
    .option("--drop-correlated", "with --select: record the later feature of each correlated pair as dropped in the report")
    .option("--pca <k>", "with --select: report the first k principal components")
    .option("--json", "print the summary as JSON")
    .action(async (symbolArg: string, opts: FeaturesFlags, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { UsageError } = await import("../src/core/errors.ts");
      const { buildFeatures, formatFeatureSummary } = await import("../src/features/run.ts");
      const { createReporter } = await import("../src/core/log.ts");
      const flags = globalFlags(cmd);
      const cfg = loadConfig(flags);
      const symbol = parseSymbol(symbolArg);
      const norm: Record<string, "zscore" | "minmax" | "rolling" | "none"> = {};
      for (const pair of (opts.norm ?? "").split(",").filter(Boolean)) {
        const [name, method] = pair.split("=");
        if (!["zscore", "minmax", "rolling", "none"].includes(method)) throw new UsageError(`--norm ${pair}: method must be zscore, minmax, rolling or none`);
        norm[name] = method as (typeof norm)[string];
      }
      const outDir = path.resolve(opts.out ?? path.join("features", `${symbol}-1m`));
      const threshold = Number(opts.corrThreshold);
      if (opts.select && !(threshold > 0 && threshold <= 1)) throw new UsageError(`--corr-threshold must be in (0, 1], got ${opts.corrThreshold}`);
      // only the lock's wait line goes here (stderr), so --json does not silence it
      const reporter = createReporter({ quiet: flags.quiet });
      let report: import("../src/features/select.ts").SelectionReport | undefined;
      const summary = await buildFeatures({
        dataDir: cfg.dataDirAbs,
        symbol,
        outDir,
        fromMs: parseTimeFlag("--from", opts.from),
        toMs: parseTimeFlag("--to", opts.to),
        trainToMs: parseTimeFlag("--train-to", opts.trainTo),
        trainFraction: Number(opts.trainFraction),
        norm,
        rollingWindow: parsePositiveInt("--window", opts.window),
        fillGaps: Boolean(opts.fillGaps),
        write: {
          onWait: (msg) => reporter.warn(msg),
          // the selection report is part of the artifact: built into the same staging folder, swapped in with it
          alsoWrite: opts.select
            ? async (staging) => {
                const { selectionReport } = await import("../src/features/select.ts");
                report = await selectionReport(staging, { corrThreshold: threshold, dropCorrelated: Boolean(opts.dropCorrelated), pcaComponents: opts.pca ? parsePositiveInt("--pca", opts.pca) : undefined });
              }
            : undefined,
        },
      });
      if (report && !opts.json) {
        const { formatSelection } = await import("../src/features/select.ts");
        process.stdout.write(formatSelection(report));
      }
      if (opts.json) printJson({ ...summary, selection: report });
      else process.stdout.write(formatFeatureSummary(summary));
    });
}
