// `rlt worker --queue redis://host:port`: runs the trials `rlt tune --queue` puts on a Redis queue,
// one plain line per event (cron- and systemd-friendly). First SIGINT/SIGTERM: take no more trials and
// let the running ones end; a second: kill them, their jobs go back to the queue for another worker.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { globalFlags, parsePositiveInt } from "./shared.ts";

interface WorkerFlags {
  queue?: string;
  queueName: string;
  concurrency?: string;
  lockSeconds: string;
  cwd?: string;
}

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run the trials of rlt tune --queue from a Redis (BullMQ) queue, each in a child process; results go back through the queue")
    .option("--queue <redis-url>", "the Redis address the tuner uses (redis://host:port[/db]); required")
    .option("--queue-name <name>", "the queue's name (the tuner's --queue-name)", "rlt-trials")
    .option("--concurrency <n>", "trials at once on this machine, each in its own process (default: one per core: a trial's learner runs one thread unless its config sets ppo.threads)")
    .option("--lock-seconds <n>", "a trial's lock lasts this long unless renewed: a killed worker's trial is taken back by another after about twice this", "30")
    .option("--cwd <dir>", "resolve the trials' relative paths (features, dataDir) here: a folder shared with the tuner, or one with the same artifact built locally (default: the current folder)")
    .action(async (opts: WorkerFlags, cmd: Command) => {
      globalFlags(cmd);
      const { UsageError } = await import("../src/core/errors.ts");
      if (!opts.queue) throw new UsageError("rlt worker needs --queue <redis-url>", { hint: "the address rlt tune --queue was given, e.g. rlt worker --queue redis://127.0.0.1:6379" });
      const { defaultPoolSize } = await import("../src/tune/pool.ts");
      const concurrency = opts.concurrency !== undefined ? parsePositiveInt("--concurrency", opts.concurrency) : defaultPoolSize();
      const lockSeconds = parsePositiveInt("--lock-seconds", opts.lockSeconds);
      const cwd = path.resolve(opts.cwd ?? ".");
      if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw new UsageError(`--cwd ${opts.cwd}: no such folder`, { hint: "give the folder the tune config's relative paths start from" });
      const { startTrialWorker } = await import("../src/tune/worker.ts");
      const worker = await startTrialWorker({ url: opts.queue, queueName: opts.queueName, concurrency, lockSeconds, cwd, line: (text) => process.stdout.write(`${text}\n`) });
      let signals = 0;
      const onSignal = () => {
        signals++;
        if (signals === 1) {
          process.stdout.write(`worker ${worker.name}: stopping after the running trial (signal again to abort it and return it to the queue)\n`);
          void worker.stop();
        } else if (signals === 2) void worker.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        await worker.closed;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
