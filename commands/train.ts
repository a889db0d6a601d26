// `rlt train --config ppo.yaml`: PPO on a feature artifact, writing runs/<name>/.
import path from "node:path";
import type { Command } from "commander";
import { globalFlags, parseNonNegativeInt, parsePositiveInt, printJson } from "./shared.ts";

interface TrainFlags {
  config?: string;
  name?: string;
  seed?: string;
  resume?: boolean;
  maxUpdates?: string;
  runsDir: string;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("train a PPO agent (WebAssembly SIMD kernels, or TF.js with ppo.learner: tfjs) in the futures simulator; writes runs/<name>/")
    .option("--config <file>", "training config (see configs/ppo.yaml); required")
    .option("--name <name>", "run name (default: the config's name)")
    .option("--seed <n>", "random seed (same seed, learner and threads → same weights)")
    .option("--max-updates <n>", "override training.maxUpdates")
    .option("--resume", "continue the run in runs/<name>/ from its last checkpoint")
    .option("--runs-dir <dir>", "where runs are written", "runs")
    .option("--json", "print the result as JSON")
    .action(async (opts: TrainFlags, cmd: Command) => {
      const { RUN_NAME_PATTERN, RUN_NAME_RULE, loadTrainConfigForCommand } = await import("../src/rl/config.ts");
      const { train } = await import("../src/rl/trainer.ts");
      const { createReporter } = await import("../src/core/log.ts");
      const { RltError, UsageError } = await import("../src/core/errors.ts");
      const flags = globalFlags(cmd);
      // `--config` after `train` may land on the root program's option of the same name: both mean the training config here
      const file = opts.config ?? flags.config;
      if (!file) throw new UsageError("rlt train needs --config <file>", { hint: "start from configs/ppo.yaml" });
      // flags are checked before the file is read, so a bad one is blamed on itself
      if (opts.name !== undefined && !RUN_NAME_PATTERN.test(opts.name)) throw new UsageError(`--name: "${opts.name}" is not a run name (${RUN_NAME_RULE})`);
      const seed = opts.seed !== undefined ? parseNonNegativeInt("--seed", opts.seed) : undefined;
      const maxUpdates = opts.maxUpdates !== undefined ? parsePositiveInt("--max-updates", opts.maxUpdates) : undefined;
      const cfg = loadTrainConfigForCommand(file, flags.dataDir, (c) => ({
        ...(opts.name ? { name: opts.name } : {}),
        ...(seed !== undefined ? { seed } : {}),
        training: { ...c.training, ...(maxUpdates !== undefined ? { maxUpdates } : {}) },
      }));
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      const reporter = createReporter({ quiet: flags.quiet || opts.json });
      try {
        const result = await train(cfg, { runDir: path.resolve(opts.runsDir, cfg.name), resume: Boolean(opts.resume), signal: abort.signal, reporter });
        if (opts.json) printJson(result);
        else
          process.stdout.write(
            `run ${result.runDir} (${result.backend}): ${result.updates} updates, ${result.globalStep} steps, ${result.stepsPerSecond.toFixed(0)} steps/s; ` +
              `${Number.isFinite(result.bestValidationReturn) ? `best validation return ${(100 * result.bestValidationReturn).toFixed(2)} % at update ${result.bestUpdate}` : "not evaluated yet"}; stopped by ${result.stoppedBy}\n`,
          );
        if (result.stoppedBy === "interrupted") {
          throw new RltError(`training interrupted after update ${result.updates}; the checkpoint is written`, { hint: `continue with: rlt train --config ${file} --resume${opts.name ? ` --name ${opts.name}` : ""}` });
        }
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
