// `rlt eval --run runs/<name>`: the agent and its baselines out of sample, through the one simulator.
import path from "node:path";
import type { Command } from "commander";
import { globalFlags, parseNonNegativeInt, parsePositiveInt, parseTimeFlag } from "./shared.ts";

interface EvalFlags {
  run?: string;
  model?: string;
  checkpoint: string;
  split?: string;
  from?: string;
  to?: string;
  allowOverlap?: boolean;
  features?: string;
  randomRepeats: string;
  momentumBars: string;
  bootstrap: string;
  blockBars: string;
  seed: string;
  walkForward?: string;
  json?: boolean;
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("evaluate a trained agent out of sample against buy & hold, flat, momentum and random, with the same costs")
    .option("--run <dir>", "run directory (runs/<name>)")
    .option("--model <dir>", "a model folder of a run (runs/<name>/best or runs/<name>/model) instead of --run")
    .option("--checkpoint <which>", "with --run: best (chosen on validation) or final", "best")
    .option("--split <name>", "test (default) or validation: a range of the run's split")
    .option("--from <time>", "start of an explicit range (UTC)")
    .option("--to <time>", "end of an explicit range (UTC, exclusive)")
    .option("--allow-overlap", "accept a range that overlaps the training range (the report will say so)")
    .option("--features <dir>", "feature artifact (default: the one the run was trained on)")
    .option("--random-repeats <n>", "seeded random policies", "100")
    .option("--momentum-bars <n>", "momentum baseline lookback", "60")
    .option("--bootstrap <n>", "bootstrap resamples", "1000")
    .option("--block-bars <n>", "bootstrap block length", "60")
    .option("--seed <n>", "seed for the random baselines and the bootstrap", "1")
    .option("--walk-forward <K>", "K folds: train a fresh agent (the run's config) on each window, test on the next, chain the out-of-sample results")
    .option("--json", "print the result as JSON")
    .action(async (opts: EvalFlags, cmd: Command) => {
      const { UsageError } = await import("../src/core/errors.ts");
      const { evaluateRun, jsonNumbers } = await import("../src/eval/run.ts");
      const { formatEval } = await import("../src/eval/format.ts");
      const flags = globalFlags(cmd);
      const { runDir, model } = resolveRun(opts, UsageError);
      if (opts.split !== undefined && opts.split !== "test" && opts.split !== "validation") throw new UsageError(`--split must be test or validation, not "${opts.split}"`);
      const common = {
        runDir,
        model,
        featuresDir: opts.features ? path.resolve(opts.features) : undefined,
        dataDir: flags.dataDir ? path.resolve(flags.dataDir) : undefined,
        randomRepeats: parsePositiveInt("--random-repeats", opts.randomRepeats),
        momentumBars: parsePositiveInt("--momentum-bars", opts.momentumBars),
        bootstrapSamples: parsePositiveInt("--bootstrap", opts.bootstrap),
        blockBars: parsePositiveInt("--block-bars", opts.blockBars),
        seed: parseNonNegativeInt("--seed", opts.seed),
      };
      const { createReporter } = await import("../src/core/log.ts");
      const { isRunGroup } = await import("../src/rl/run-group.ts");
      // a seed group (rlt train --seeds): every seed, then the median and the spread across seeds
      if (isRunGroup(runDir)) {
        if (opts.walkForward !== undefined) throw new UsageError(`${opts.run ?? runDir} is a seed group: --walk-forward trains a fresh agent per fold from one run, one seed at a time`, { hint: `e.g. rlt eval --run ${path.join(opts.run ?? runDir, "seed-<k>")} --walk-forward ${opts.walkForward}` });
        if (opts.model) throw new UsageError(`${opts.model} is not a model folder of a run: ${runDir} is a seed group`, { hint: `pass --run ${runDir} for the group, or --model ${path.join(runDir, "seed-<k>", "best")}` });
        const { evaluateGroup } = await import("../src/eval/group.ts");
        const { formatGroupEval } = await import("../src/eval/group-format.ts");
        const reporter = createReporter({ quiet: flags.quiet || opts.json });
        // as for one run, the lock's wait line is not silenced by --json
        const waits = createReporter({ quiet: flags.quiet });
        const group = await evaluateGroup({
          ...common,
          groupDir: runDir,
          onWait: (m) => waits.warn(m),
          onSeed: (seed, i, n) => reporter.info(`evaluating seed ${seed} (${i + 1} of ${n})`),
          split: opts.split as "test" | "validation" | undefined,
          fromMs: parseTimeFlag("--from", opts.from),
          toMs: parseTimeFlag("--to", opts.to),
          allowOverlap: Boolean(opts.allowOverlap),
        });
        process.stdout.write(opts.json ? `${JSON.stringify(group, jsonNumbers, 2)}\n` : formatGroupEval(group));
        return;
      }
      let result;
      if (opts.walkForward !== undefined) {
        if (opts.split || opts.from || opts.to) throw new UsageError("--walk-forward chooses its own ranges: drop --split / --from / --to");
        const { walkForward } = await import("../src/eval/walk-forward.ts");
        result = await walkForward({ ...common, folds: parsePositiveInt("--walk-forward", opts.walkForward), reporter: createReporter({ quiet: flags.quiet || opts.json }) });
      } else {
        // only the lock's wait line goes here (stderr), so --json does not silence it
        const reporter = createReporter({ quiet: flags.quiet });
        result = await evaluateRun({
          ...common,
          onWait: (m) => reporter.warn(m),
          split: opts.split as "test" | "validation" | undefined,
          fromMs: parseTimeFlag("--from", opts.from),
          toMs: parseTimeFlag("--to", opts.to),
          allowOverlap: Boolean(opts.allowOverlap),
        });
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(result, jsonNumbers, 2)}\n`);
      else process.stdout.write(formatEval(result));
    });
}

function resolveRun(opts: EvalFlags, UsageError: typeof import("../src/core/errors.ts").UsageError): { runDir: string; model: "best" | "final" } {
  if (opts.model) {
    if (opts.run) throw new UsageError("--run and --model are alternatives: give one");
    const dir = path.resolve(opts.model);
    const base = path.basename(dir);
    if (base !== "best" && base !== "model") throw new UsageError(`--model ${opts.model}: expected a run's best/ or model/ folder`, { hint: "or pass --run runs/<name> --checkpoint best|final" });
    return { runDir: path.dirname(dir), model: base === "best" ? "best" : "final" };
  }
  if (!opts.run) throw new UsageError("rlt eval needs --run runs/<name> (or --model runs/<name>/best)");
  if (opts.checkpoint !== "best" && opts.checkpoint !== "final") throw new UsageError(`--checkpoint must be best or final, not "${opts.checkpoint}"`);
  return { runDir: path.resolve(opts.run), model: opts.checkpoint };
}
