// `rlt check lookahead` and `rlt check repro`: what a careful user runs before trusting a result.
import path from "node:path";
import type { Command } from "commander";
import { globalFlags, parseNonNegativeInt, parsePositiveInt, parseSymbol, printJson } from "./shared.ts";

interface LookaheadFlags {
  run?: string;
  points: string;
  window: string;
  json?: boolean;
}

interface ReproFlags {
  config?: string;
  updates: string;
  seed?: string;
  keep?: boolean;
  json?: boolean;
}

export function registerCheck(program: Command): void {
  const check = program.command("check").description("checks to run before trusting a result: look-ahead in features and decisions, reproducibility of training");

  check
    .command("lookahead [symbol]")
    .description("alter every input after bar t and verify nothing at or before t changes (features, normalization, masks; with --run the policy's decisions)")
    .option("--run <dir>", "a training run (runs/<name>): use its normalization, data range and model, and compare its decisions too")
    .option("--points <k>", "number of cut points", "12")
    .option("--window <bars>", "with --run: bars before each cut point over which decisions are compared", "2000")
    .option("--json", "print the result as JSON")
    .action(async (symbolArg: string | undefined, opts: LookaheadFlags, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { DataError, RltError, UsageError } = await import("../src/core/errors.ts");
      const { Store } = await import("../src/data/store.ts");
      const { loadBars } = await import("../src/features/sources.ts");
      const { checkLookahead, describeLeak, formatLookahead } = await import("../src/check/lookahead.ts");
      const { readRun } = await import("../src/rl/run-dir.ts");
      const flags = globalFlags(cmd);
      const points = parsePositiveInt("--points", opts.points);
      const window = parsePositiveInt("--window", opts.window);
      const trained = opts.run ? readRun(path.resolve(opts.run), "rlt check lookahead checks one agent's decisions") : undefined;
      const run = trained && { symbol: trained.info.symbol, cfg: trained.cfg, manifest: trained.manifest };
      if (!symbolArg && !run) throw new UsageError("rlt check lookahead needs a SYMBOL or --run <dir>", { hint: "e.g. rlt check lookahead BTCUSDT" });
      const symbol = symbolArg ? parseSymbol(symbolArg) : run!.symbol;
      if (run && symbol !== run.symbol) throw new UsageError(`${opts.run} was trained on ${run.symbol}, not ${symbol}`, { hint: "leave out SYMBOL with --run" });
      // the run's own data directory unless one is given: it is where its features came from
      const dataDir = flags.dataDir ? path.resolve(flags.dataDir) : (run?.cfg.dataDir ?? loadConfig(flags).dataDirAbs);
      const store = await Store.open(dataDir);
      let cols;
      try {
        // with a run, the bars its artifact covered: rolling normalization depends on where the data starts
        const range = run ? { fromMs: run.manifest.range.fromMs, toMs: run.manifest.range.toMs, fillGaps: Boolean(run.manifest.config.fillGaps) } : {};
        cols = (await loadBars(store, symbol, range)).cols;
      } finally {
        store.close();
      }
      if (run && cols.openTime.length !== run.manifest.rows) {
        throw new DataError(`${dataDir} holds ${cols.openTime.length} ${symbol} bars in the run's range, its features had ${run.manifest.rows}`, { hint: "point --data-dir at the data the run's features were built from" });
      }
      let policy;
      if (trained && run) {
        const { loadRunPolicy } = await import("../src/rl/run-policy.ts");
        const loaded = await loadRunPolicy(trained, "final");
        policy = { policy: loaded.policy, positionInObs: run.cfg.env.positionInObs, actions: run.cfg.env.actions, sim: run.cfg.sim, reward: run.cfg.reward, window };
      }
      const result = checkLookahead(cols, { points, norm: run?.manifest.features.map((f) => f.norm), policy });
      if (opts.json) printJson({ symbol, run: opts.run, ...result });
      else {
        const source = run ? `normalization and model of ${opts.run}, decisions over ${window} bars before each cut` : "normalization fitted on the first 70 % of the bars";
        process.stdout.write(formatLookahead(result, `look-ahead check: ${symbol}, ${result.bars.toLocaleString("en-US")} bars, ${source}`));
      }
      if (result.leak) {
        throw new RltError(`look-ahead: ${describeLeak(result.leak)}`, {
          hint: result.leak.kind === "decision" || result.leak.kind === "observation" ? "the features agree, so the environment or simulator reads past the bar (src/rl/env.ts, src/sim/simulator.ts)" : "a feature reads bars after its own (src/features/engine.ts, indicators.ts, normalize.ts)",
        });
      }
    });

  check
    .command("repro")
    .description("train twice with the same seed and compare weights.sha256 and metrics.csv")
    .option("--config <file>", "training config (as for rlt train); required")
    .option("--updates <n>", "updates per run (training.maxUpdates)", "2")
    .option("--seed <n>", "seed (default: the config's)")
    .option("--keep", "keep both run directories (kept anyway when they differ)")
    .option("--json", "print the result as JSON")
    .action(async (opts: ReproFlags, cmd: Command) => {
      const { loadTrainConfigForCommand } = await import("../src/rl/config.ts");
      const { RltError, UsageError } = await import("../src/core/errors.ts");
      const { createReporter } = await import("../src/core/log.ts");
      const { checkRepro, formatRepro } = await import("../src/check/repro.ts");
      const flags = globalFlags(cmd);
      // as in rlt train: --config may land on the root program's option of the same name
      const file = opts.config ?? flags.config;
      if (!file) throw new UsageError("rlt check repro needs --config <file>", { hint: "the config you train with, e.g. configs/ppo.yaml" });
      const seed = opts.seed === undefined ? undefined : parseNonNegativeInt("--seed", opts.seed);
      const updates = parsePositiveInt("--updates", opts.updates);
      const cfg = loadTrainConfigForCommand(file, flags.dataDir);
      const result = await checkRepro(cfg, {
        updates,
        seed,
        keep: Boolean(opts.keep),
        reporter: createReporter({ quiet: flags.quiet || opts.json }),
      });
      if (opts.json) printJson(result);
      else process.stdout.write(formatRepro(result));
      if (!result.reproducible) {
        const what = [result.weightsMatch ? "" : "weights", ...result.metricDiffs.map((d) => `${d.column} at update ${d.update}`)].filter(Boolean);
        throw new RltError(`not reproducible: ${what.join(", ")} differ between two runs with seed ${result.seed}`, {
          hint: "something in training is unseeded or order-dependent; the two runs are kept for diffing",
        });
      }
    });
}
