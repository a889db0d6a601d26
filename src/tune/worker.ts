// `rlt worker`: takes trials from the BullMQ queue of `rlt tune --queue` and runs each in a child
// process (src/tune/child.ts), so this process's event loop stays free for BullMQ's lock renewal while
// the trial trains; the outcome (figures and the small model files, base64) is the job's return value.
// A worker killed mid-trial stops renewing its lock: another worker's stall check puts the job back.
import os from "node:os";
import { Worker, WaitingError } from "bullmq";
import { runTrialInChild } from "./child.ts";
import { DEFAULT_QUEUE_NAME } from "./queue.ts";
import { bullConnection, parseRedisUrl, probeRedis } from "./redis-url.ts";
import type { TrialJob, TrialOutcome } from "./types.ts";

/** Starts a trial may lose to dead workers before BullMQ fails it as stalled ("may lose two workers"). */
export const MAX_STALLED_COUNT = 2;
/** Connection errors are printed at most this often (the client reconnects by itself meanwhile). */
const ERROR_LINE_EVERY_MS = 30_000;

export interface TrialWorkerOptions {
  url: string;
  queueName?: string;
  concurrency: number;
  /** A job's lock lasts this long unless renewed; a dead worker's trial is taken back after about twice this. */
  lockSeconds: number;
  /** Where the jobs' relative paths (features, dataDir) are resolved. */
  cwd: string;
  /** One plain line per event (started, finished, failed, waiting). */
  line: (text: string) => void;
}

export interface TrialWorker {
  /** `host:pid` as written into the trials it runs. */
  name: string;
  /** Take no more trials; resolves when the running ones have ended. */
  stop(): Promise<void>;
  /** Kill the running trials' children and put their jobs back on the queue at once, then stop. */
  abort(): Promise<void>;
  /** Resolves when the worker has stopped. */
  closed: Promise<void>;
}

export async function startTrialWorker(opts: TrialWorkerOptions): Promise<TrialWorker> {
  const addr = parseRedisUrl(opts.url);
  await probeRedis(addr);
  const queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const name = `${os.hostname()}:${process.pid}`;
  const prefix = `worker ${name}:`;
  const abort = new AbortController();
  const lockMs = Math.round(opts.lockSeconds * 1000);

  const worker = new Worker<TrialJob, TrialOutcome>(
    queueName,
    async (job, token) => {
      const trial = job.data;
      const what = `trial ${trial.tune} #${trial.id}`;
      // attemptsStarted already counts this start (BullMQ increments it on every move to active)
      opts.line(`${prefix} ${what} started (attempt ${job.attemptsStarted})`);
      // the tuner names this worker in a trial that stalls on it too often (its outcome never comes)
      await job.updateProgress({ worker: name, attempt: job.attemptsStarted, startedAt: new Date().toISOString() });
      const t0 = performance.now();
      try {
        const outcome = await runTrialInChild(trial, { worker: name, signal: abort.signal, cwd: opts.cwd });
        const seconds = ((performance.now() - t0) / 1000).toFixed(1);
        opts.line(outcome.status === "ok" ? `${prefix} ${what} finished ok in ${seconds} s` : `${prefix} ${what} failed: ${outcome.error}`);
        return outcome;
      } catch (err) {
        if (!abort.signal.aborted) throw err;
        // aborted by a second signal: the trial is not this worker's to fail; back to waiting for another
        opts.line(`${prefix} ${what} aborted: returned to the queue`);
        await job.moveToWait(token);
        throw new WaitingError();
      }
    },
    {
      connection: bullConnection(addr),
      concurrency: opts.concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: MAX_STALLED_COUNT,
      // the queue's worker list (the tuner's "no worker connected" notice) shows who is there
      name,
    },
  );
  let lastErrorLine = 0;
  worker.on("error", (err) => {
    if (Date.now() - lastErrorLine < ERROR_LINE_EVERY_MS) return;
    lastErrorLine = Date.now();
    opts.line(`${prefix} Redis at ${addr.masked}: ${err.message}; reconnecting`);
  });
  await worker.waitUntilReady();
  opts.line(`${prefix} waiting for trials on ${addr.masked} queue ${queueName}`);

  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const stop = () => {
    closing ??= worker.close().then(() => {
      opts.line(`${prefix} stopped`);
      resolveClosed();
    });
    return closing;
  };
  return {
    name,
    stop,
    async abort() {
      abort.abort();
      await stop();
    },
    closed,
  };
}
