// `rlt train --config ppo.yaml`: PPO on a feature artifact, writing runs/<name>/.
import path from "node:path";
import type { Command } from "commander";
import { globalFlags, parseNonNegativeInt, parsePositiveInt, printJson } from "./shared.ts";

interface TrainFlags {
  config?: string;
  name?: string;
  seed?: string;
  seeds?: string;
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
    .option("--seeds <n|list>", "a seed group: one agent per seed into runs/<name>/seed-<k>/, a count (5: seeds 1 to 5) or a list (3,7,11); instead of --seed")
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
      if (opts.seed !== undefined && opts.seeds !== undefined) throw new UsageError("--seed and --seeds are alternatives: give one", { hint: "--seed N trains one agent, --seeds 5 (or 3,7,11) one per seed" });
      const seed = opts.seed !== undefined ? parseNonNegativeInt("--seed", opts.seed) : undefined;
      const { isRunGroup, readRunGroup } = await import("../src/rl/run-group.ts");
      const { parseSeeds } = await import("../src/rl/seed-group.ts");
      const seeds = opts.seeds !== undefined ? parseSeeds(opts.seeds) : undefined;
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
      const runDir = path.resolve(opts.runsDir, cfg.name);
      // `--resume` of a group needs no --seeds: the group file has them
      const groupSeeds = seeds ?? (opts.resume && seed === undefined && isRunGroup(runDir) ? readRunGroup(runDir).seeds : undefined);
      try {
        if (groupSeeds) {
          await trainGroup(cfg, { runDir, seeds: groupSeeds, file, resume: Boolean(opts.resume), signal: abort.signal, reporter, json: Boolean(opts.json), name: opts.name, maxUpdates, runsDir: opts.runsDir });
          return;
        }
        if (isRunGroup(runDir)) throw new UsageError(`${opts.runsDir}/${cfg.name} is a seed group (rlt train --seeds)`, { hint: "continue it with --resume (and its --seeds), or choose another --name for a single run" });
        const result = await train(cfg, { runDir, resume: Boolean(opts.resume), signal: abort.signal, reporter });
        if (opts.json) printJson(result);
        else
          process.stdout.write(
            `run ${result.runDir} (${result.backend}): ${result.updates} updates, ${result.globalStep} steps, ${result.stepsPerSecond.toFixed(0)} steps/s; ${trainedFigures(result)}\n`,
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

type TrainResult = import("../src/rl/trainer.ts").TrainResult;

function trainedFigures(result: TrainResult): string {
  const best = Number.isFinite(result.bestValidationReturn) ? `best validation return ${(100 * result.bestValidationReturn).toFixed(2)} % at update ${result.bestUpdate}` : "not evaluated yet";
  return `${best}; stopped by ${result.stoppedBy}`;
}

interface GroupRequest {
  runDir: string;
  seeds: number[];
  file: string;
  resume: boolean;
  signal: AbortSignal;
  reporter: import("../src/core/log.ts").Reporter;
  json: boolean;
  name?: string;
  maxUpdates?: number;
  runsDir: string;
}

/** `--seeds`: one line per seed as it ends and a summary line (or the group as JSON at the end). */
async function trainGroup(cfg: import("../src/rl/config.ts").TrainConfig, r: GroupRequest): Promise<void> {
  const { trainSeedGroup } = await import("../src/rl/seed-group.ts");
  const { RltError } = await import("../src/core/errors.ts");
  const { shownPath } = await import("../src/rl/run-group.ts");
  const out = (line: string) => (r.json ? undefined : process.stdout.write(`${line}\n`));
  const result = await trainSeedGroup(cfg, {
    groupDir: r.runDir,
    seeds: r.seeds,
    configFile: r.file,
    resume: r.resume,
    signal: r.signal,
    reporter: r.reporter,
    onSeed: (s) => {
      if (s.status === "skipped") out(`seed ${s.seed} already trained: ${s.runDir}`);
      else if (s.result) out(`seed ${s.seed} ${s.status === "resumed" ? "resumed" : s.status}: ${s.runDir} (${s.result.backend}), ${s.result.updates} updates, ${s.result.stepsPerSecond.toFixed(0)} steps/s; ${trainedFigures(s.result)}`);
    },
  });
  if (r.json) printJson(result);
  const done = result.runs.filter((s) => s.status !== "interrupted").length;
  const skipped = result.runs.filter((s) => s.status === "skipped").length;
  if (!result.interrupted) {
    out(`seed group ${result.groupDir}: ${done} of ${result.seeds.length} seeds trained (${skipped} already were); evaluate them all with: rlt eval --run ${shownPath(result.groupDir)}`);
    return;
  }
  // the same command again, with --resume: the flags that shaped the seeds' training included
  const again = [`rlt train --config ${r.file} --seeds ${r.seeds.join(",")} --resume`, r.name && `--name ${r.name}`, r.maxUpdates !== undefined && `--max-updates ${r.maxUpdates}`, r.runsDir !== "runs" && `--runs-dir ${r.runsDir}`].filter(Boolean).join(" ");
  throw new RltError(`seed group interrupted: ${done} of ${result.seeds.length} seeds trained, seed ${result.runs[result.runs.length - 1]?.seed ?? r.seeds[0]}'s checkpoint is written`, { hint: `continue with: ${again}` });
}
