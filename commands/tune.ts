// `rlt tune --config tune.yaml`: a search over training parameters and reward weights, its trials on
// a local pool of processes or a BullMQ queue (`--queue redis://…`, trials run by `rlt worker`).
import path from "node:path";
import type { Command } from "commander";
import { globalFlags, parsePositiveInt, printJson } from "./shared.ts";

interface TuneFlags {
  config?: string;
  queue?: string;
  queueName?: string;
  parallel?: string;
  tunesDir: string;
  json?: boolean;
}

export function registerTune(program: Command): void {
  program
    .command("tune")
    .description("search training parameters and reward weights (grid, random or TPE) over seeds, folds and symbols; trials on a local pool of processes or a Redis queue (rlt worker); writes tunes/<name>/")
    .option("--config <file>", "tune config (see configs/tune.yaml); required")
    .option("--queue <redis-url>", "put the trials on the BullMQ queue at this Redis address (redis://host:port[/db]); rlt worker processes run them")
    .option("--queue-name <name>", "the queue's name (workers must use the same)", "rlt-trials")
    .option("--parallel <n>", "trials at once: local processes (default one per core), or trials queued at once with --queue (default 8)")
    .option("--tunes-dir <dir>", "where searches are written", "tunes")
    .option("--json", "print the summary as JSON")
    .action(async (opts: TuneFlags, cmd: Command) => {
      const { UsageError, RltError } = await import("../src/core/errors.ts");
      const { createReporter } = await import("../src/core/log.ts");
      const { loadTuneConfig } = await import("../src/tune/config.ts");
      const { runTune } = await import("../src/tune/tuner.ts");
      const { defaultPoolSize, openLocalPool } = await import("../src/tune/pool.ts");
      const flags = globalFlags(cmd);
      const file = opts.config ?? flags.config;
      if (!file) throw new UsageError("rlt tune needs --config <file>", { hint: "start from configs/tune.yaml" });
      const parallelFlag = opts.parallel !== undefined ? parsePositiveInt("--parallel", opts.parallel) : undefined;
      const cfg = loadTuneConfig(file, flags.dataDir);
      const reporter = createReporter({ quiet: flags.quiet || opts.json });
      const parallel = parallelFlag ?? cfg.parallel;
      const backend = opts.queue
        ? await (await import("../src/tune/queue.ts")).openQueueBackend(opts.queue, { capacity: parallel ?? 8, queueName: opts.queueName, onWait: (m) => reporter.warn(m) })
        : openLocalPool(parallel ?? defaultPoolSize());
      const dir = path.resolve(opts.tunesDir, cfg.name);
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      reporter.info(`tune ${cfg.name}: ${cfg.method}, ${cfg.budget.trials} trials of ${cfg.train.training.maxUpdates} updates × ${cfg.seeds.length} seed(s)${cfg.objective.folds ? ` × ${cfg.objective.folds} folds` : ""} × ${cfg.symbolsResolved.length} symbol(s), objective: validation ${cfg.metric} (median); on ${backend.name}`);
      let summary;
      try {
        summary = await runTune(cfg, { dir, backend, reporter, signal: abort.signal });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await backend.close();
      }
      const { writeTuneOutputs } = await import("../src/tune/outputs.ts");
      const outputs = await writeTuneOutputs(cfg, summary);
      if (opts.json) printJson({ ...summary, outputs });
      else for (const line of outputs.lines) process.stdout.write(`${line}\n`);
      if (summary.stoppedBy === "interrupted") {
        const again = [`rlt tune --config ${file}`, opts.queue && `--queue ${opts.queue}`, opts.queueName !== "rlt-trials" && `--queue-name ${opts.queueName}`, opts.tunesDir !== "tunes" && `--tunes-dir ${opts.tunesDir}`, opts.parallel && `--parallel ${opts.parallel}`].filter(Boolean).join(" ");
        throw new RltError(`tune interrupted: ${summary.records.length} of ${cfg.budget.trials} trials recorded; the trials that were running are not`, { hint: `continue with the same command: ${again} (recorded trials are not run again)` });
      }
    });

  // the child process of one trial (src/tune/child.ts): not for users, so not in the help
  program
    .command("tune-trial", { hidden: true })
    .description("run one trial sent over the IPC channel (started by rlt tune and rlt worker)")
    .action(async () => {
      const { serveTrialRequest } = await import("../src/tune/child.ts");
      await serveTrialRequest();
    });
}
