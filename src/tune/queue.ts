// The distributed back-end of `rlt tune --queue redis://…`: trials go onto a BullMQ queue that any
// number of `rlt worker` processes take them from; their outcomes come back as the jobs' return values.
// Faults are BullMQ's: a worker that dies mid-trial loses its lock, the stall check of another worker
// puts the job back (attemptsStarted counts both starts), and a deterministic job id makes a restarted
// tuner's re-submission of a trial a no-op that collects the existing job instead of running it again.
import { Job, Queue } from "bullmq";
import { bullConnection, parseRedisUrl, probeRedis } from "./redis-url.ts";
import { failedOutcome } from "./outcome.ts";
import type { Delivery, TrialBackend, TrialJob, TrialOutcome } from "./types.ts";

export const DEFAULT_QUEUE_NAME = "rlt-trials";
/** How often next() looks at the jobs it waits for (the brief: at most 1 s). */
const POLL_MS = 500;
/** How often next(), while it waits, looks for connected workers (onWait says so when there is none), and at most how often a lost connection is reported. */
const NOTICE_EVERY_MS = 30_000;

export interface QueueBackendOptions {
  /** Trials the tuner keeps submitted and not yet delivered. */
  capacity: number;
  queueName?: string;
  /** Why the tuner is waiting (no worker connected, Redis connection lost), for its progress lines. */
  onWait?: (message: string) => void;
}

/** The queue's job id of a trial: the same for every submission of it by a tuner of this name and config. */
export function trialJobId(job: Pick<TrialJob, "tune" | "fingerprint" | "id">): string {
  return `${job.tune}-${job.fingerprint}-${job.id}`;
}

/** A BullMQ queue at `url` as a TrialBackend; a malformed or unreachable address is refused within a few seconds. */
export async function openQueueBackend(url: string, opts: QueueBackendOptions): Promise<TrialBackend> {
  const addr = parseRedisUrl(url);
  await probeRedis(addr);
  const queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const queue = new Queue<TrialJob, TrialOutcome>(queueName, { connection: bullConnection(addr) });
  // the client reconnects by itself; without a listener an emitted error would end the process
  let lastErrorNotice = 0;
  queue.on("error", (err) => {
    if (Date.now() - lastErrorNotice < NOTICE_EVERY_MS) return;
    lastErrorNotice = Date.now();
    opts.onWait?.(`Redis at ${addr.masked}: ${err.message}; reconnecting`);
  });
  await queue.waitUntilReady();

  /** Submitted, not yet delivered: job id → the trial. */
  const pending = new Map<string, TrialJob>();
  /** Delivered, still in Redis until the tuner asks for the next one (then it has recorded them). */
  const delivered: Job<TrialJob, TrialOutcome>[] = [];
  // the first look for workers comes a while after opening: workers may start after the tuner
  let lastWorkerCheck = Date.now();
  let closed = false;

  // The tuner records a delivery before it calls next() again (or close()): only then are delivered
  // jobs removed from Redis, so a tuner killed between a delivery and its record finds the job again
  // on restart (its re-submission is a no-op that collects it) instead of running the trial twice.
  const removeDelivered = async () => {
    for (const job of delivered.splice(0)) await job.remove().catch(() => undefined);
  };

  const finishedDelivery = async (id: string, trial: TrialJob): Promise<Delivery | undefined> => {
    const job = await Job.fromId<TrialJob, TrialOutcome>(queue, id);
    if (!job) {
      // gone from Redis (flushed, or a Redis without persistence restarted): never ran to an end here
      return { job: trial, attempts: 0, outcome: jobFailure(`the trial's job ${id} vanished from the queue (was Redis restarted or flushed?)`, undefined) };
    }
    if (!job.finishedOn) return undefined;
    const state = await job.getState();
    if (state === "completed") {
      delivered.push(job);
      const outcome = job.returnvalue;
      if (!isOutcome(outcome)) return { job: trial, attempts: job.attemptsStarted, outcome: jobFailure(`the worker returned no trial outcome (is it another rlt version?)`, job) };
      return { job: trial, attempts: job.attemptsStarted, outcome };
    }
    if (state === "failed") {
      delivered.push(job);
      return { job: trial, attempts: job.attemptsStarted, outcome: jobFailure(job.failedReason || "the job failed", job) };
    }
    return undefined;
  };

  const noticeIdleQueue = async () => {
    if (!opts.onWait || Date.now() - lastWorkerCheck < NOTICE_EVERY_MS) return;
    lastWorkerCheck = Date.now();
    if ((await queue.getWorkersCount()) > 0) return;
    opts.onWait(`no rlt worker is connected to ${addr.masked} queue ${queueName}: start one with rlt worker --queue ${addr.masked}${queueName === DEFAULT_QUEUE_NAME ? "" : ` --queue-name ${queueName}`}`);
  };

  return {
    name: `queue ${queueName} on ${addr.masked}`,
    capacity: opts.capacity,
    async submit(trial) {
      const id = trialJobId(trial);
      pending.set(id, trial);
      // an id that exists (waiting, running, or finished while no tuner was collecting) is left as it is
      await queue.add("trial", trial, { jobId: id, attempts: 1, removeOnComplete: false, removeOnFail: false });
    },
    async next() {
      await removeDelivered();
      for (let first = true; ; first = false) {
        if (closed) throw new Error("the queue back-end is closed");
        if (pending.size === 0) throw new Error("next() called with no trial submitted");
        if (!first) await new Promise((r) => setTimeout(r, POLL_MS));
        // submission order: the oldest finished trial first
        for (const [id, trial] of pending) {
          const delivery = await finishedDelivery(id, trial);
          if (delivery) {
            pending.delete(id);
            return delivery;
          }
        }
        await noticeIdleQueue();
      }
    },
    running: () => pending.size,
    async close() {
      if (closed) return;
      closed = true;
      await removeDelivered();
      // waiting and running jobs stay in Redis for the next tuner of this name
      await queue.close();
    },
  };
}

function isOutcome(v: unknown): v is TrialOutcome {
  const o = v as TrialOutcome | null;
  return typeof o === "object" && o !== null && (o.status === "ok" || o.status === "failed") && Array.isArray(o.units) && typeof o.files === "object";
}

/** The outcome of a job that ended without one (stalled too often, the processor threw, vanished). */
function jobFailure(error: string, job: Job | undefined): TrialOutcome {
  // the worker writes its name into the job's progress when it starts an attempt
  const progress = (job?.progress ?? {}) as { worker?: unknown };
  const worker = typeof progress.worker === "string" ? progress.worker : "unknown";
  return failedOutcome(error, worker, job?.processedOn ?? job?.timestamp ?? Date.now(), job?.finishedOn ?? Date.now());
}
