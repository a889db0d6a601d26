// The BullMQ back-end of `rlt tune` on a real redis-server with real `rlt worker` processes and real
// tiny trials: a worker SIGKILLed right after starting a trial loses it to the other (attempt 2, its
// trial child gone with it), every trial is delivered exactly once, a trial that finished while no
// tuner was collecting is collected by the next tuner's re-submission instead of running again, and
// delivered jobs are removed from Redis. Skipped with one line where redis-server is not installed.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Queue, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RltError, UsageError } from "../src/core/errors.ts";
import { expectationFrom } from "../src/features/artifact.ts";
import { openQueueBackend, trialJobId } from "../src/tune/queue.ts";
import type { Delivery, TrialBackend, TrialJob } from "../src/tune/types.ts";
import { type RltChild, expectNoStackTrace, rlt, spawnRlt } from "./helpers/cli.ts";
import { until } from "./helpers/poll.ts";
import { childrenOf } from "./helpers/processes.ts";
import { startRedis } from "./helpers/redis.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";

const redis = await startRedis();
/** Short locks: a killed worker's trial is back on the queue within about two of them. */
const LOCK_SECONDS = 2;

let work: string;
let symbols: TrialJob["symbols"];
let dataDirRel: string;
const workers: RltChild[] = [];

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  await redis?.stop();
});

/** A tiny trial on the bundled sample; its paths relative to `work` (the workers run with --cwd work). */
function trial(id: number, tune = "qb"): TrialJob {
  return {
    tune,
    fingerprint: "f00d",
    id,
    params: { "ppo.learningRate": 0.0003 * (id + 1) },
    train: { name: tune, features: "features", dataDir: dataDirRel, ppo: { numEnvs: 2, numSteps: 256, updateEpochs: 2, learningRate: 0.0003 * (id + 1) }, training: { maxUpdates: 2, evalEvery: 1, earlyStopPatience: 0 } },
    symbols,
    seeds: [1],
    folds: 0,
    randomRepeats: 2,
  };
}

function startWorker(queueName: string): RltChild {
  const w = spawnRlt(["worker", "--queue", redis!.url, "--queue-name", queueName, "--lock-seconds", String(LOCK_SECONDS), "--concurrency", "1", "--cwd", work]);
  let out = "";
  w.child.stdout!.on("data", (d) => (out += d));
  Object.assign(w, { stdoutSoFar: () => out });
  workers.push(w);
  return w;
}
const stdoutOf = (w: RltChild) => (w as RltChild & { stdoutSoFar(): string }).stdoutSoFar();

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
};

async function collect(backend: TrialBackend, n: number): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (let i = 0; i < n; i++) out.push(await backend.next());
  return out;
}

async function jobCounts(queueName: string) {
  const q = new Queue(queueName, { connection: { host: "127.0.0.1", port: redis!.port } });
  try {
    return await q.getJobCounts("waiting", "active", "completed", "failed", "delayed");
  } finally {
    await q.close();
  }
}

describe("the queue address", () => {
  it("refuses a malformed address and an address with no Redis within a few seconds, naming it, with a hint", async () => {
    await expect(openQueueBackend("127.0.0.1:6379", { capacity: 1 })).rejects.toThrow(UsageError);
    await expect(openQueueBackend("redis://h:6379/x", { capacity: 1 })).rejects.toThrow(/"\/x" is not a database number/);
    const port = (await import("node:net")).createServer();
    await new Promise<void>((r) => port.listen(0, "127.0.0.1", r));
    const closedPort = (port.address() as { port: number }).port;
    await new Promise((r) => port.close(r));
    const t0 = Date.now();
    const err = await openQueueBackend(`redis://:pw@127.0.0.1:${closedPort}`, { capacity: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(RltError);
    expect(err.message).toBe(`cannot reach Redis at redis://***:***@127.0.0.1:${closedPort}: connection refused`);
    expect(err.hint).toMatch(/start it \(redis-server/);
    expect(Date.now() - t0).toBeLessThan(3500);
    const w = rlt(["worker", "--queue", `redis://127.0.0.1:${closedPort}`]);
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: connection refused\n\s+hint: start it/);
    expectNoStackTrace(w.stderr);
    expect(rlt(["worker", "--queue", "http://127.0.0.1:6379"]).status).toBe(2);
  });
});

describe.skipIf(!redis)("the BullMQ back-end with rlt worker processes", () => {
  beforeAll(async () => {
    const dataDir = await sampleDataDir();
    work = tempDir("rlt-queue-");
    const features = path.join(work, "features");
    expect(rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", features]).status).toBe(0);
    dataDirRel = path.relative(work, dataDir);
    symbols = [{ symbol: "BTCUSDT", features: "features", expect: expectationFrom(JSON.parse(readFileSync(path.join(features, "manifest.json"), "utf8"))) }];
  });

  it("delivers every trial once; a SIGKILLed worker's trial runs again on the other (attempt 2) and its trial child exits", async () => {
    const queueName = "kill-test";
    const backend = await openQueueBackend(redis!.url, { capacity: 3, queueName });
    expect(backend.name).toBe(`queue kill-test on ${redis!.url}`);
    const a = startWorker(queueName);
    const b = startWorker(queueName);
    await until("both workers waiting", () => [a, b].every((w) => /waiting for trials on redis:\/\/127\.0\.0\.1:\d+ queue kill-test/.test(stdoutOf(w))), 30_000);
    const jobs = [0, 1, 2].map((id) => trial(id));
    for (const j of jobs) await backend.submit(j);
    expect(backend.running()).toBe(3);

    // the first worker to start a trial is killed as soon as its trial's child process exists
    let victim: RltChild | undefined;
    await until("a trial started", () => (victim = [a, b].find((w) => / started \(attempt 1\)/.test(stdoutOf(w)))) !== undefined, 60_000);
    const survivor = victim === a ? b : a;
    const victimPid = victim!.child.pid!;
    const killedId = Number(/trial qb #(\d+) started/.exec(stdoutOf(victim!))![1]);
    let trialChildren: number[] = [];
    await until("the trial's child process", () => (trialChildren = childrenOf(victimPid)).length > 0, 20_000, 10);
    victim!.child.kill("SIGKILL");
    await victim!.done;
    // the child notices its parent is gone (IPC disconnect) and ends by itself
    await until("the killed worker's trial child to exit", () => trialChildren.every((pid) => !alive(pid)), 30_000);

    const deliveries = await collect(backend, 3);
    // the killed worker had not finished it: the second attempt is the only one that did
    expect(stdoutOf(victim!)).not.toMatch(/finished/);
    expect(deliveries.map((d) => d.job.id).sort()).toEqual([0, 1, 2]);
    expect(backend.running()).toBe(0);
    const survivorName = /worker (\S+): waiting/.exec(stdoutOf(survivor))![1];
    for (const d of deliveries) {
      expect(d.outcome.status, d.outcome.error).toBe("ok");
      expect(d.outcome.units).toHaveLength(1);
      expect(d.outcome.units[0]).toMatchObject({ symbol: "BTCUSDT", fold: 0, seed: 1, updates: 2 });
      expect(Number.isFinite(d.outcome.units[0].validation.sharpe)).toBe(true);
      // the model files came back through Redis
      expect(Buffer.from(d.outcome.files["BTCUSDT/seed-1/best/policy/weights.bin"], "base64").length).toBeGreaterThan(1000);
      expect(d.job).toEqual(jobs[d.job.id]);
      // the killed worker never finished a trial
      expect(d.outcome.worker).not.toContain(`:${victimPid}`);
      expect(d.attempts).toBe(d.job.id === killedId ? 2 : 1);
    }
    expect(stdoutOf(survivor)).toContain(`worker ${survivorName}: trial qb #${killedId} started (attempt 2)`);
    expect(stdoutOf(survivor)).toMatch(new RegExp(`trial qb #${killedId} finished ok in \\d+\\.\\d s`));
    // each trial started once on the survivor (the killed one a second time there)
    for (const id of [0, 1, 2]) expect(stdoutOf(survivor).match(new RegExp(`trial qb #${id} started`, "g"))).toHaveLength(1);

    // delivered jobs are removed from Redis once the tuner moves on (here: closes)
    await backend.close();
    expect(await jobCounts(queueName)).toEqual({ waiting: 0, paused: 0, active: 0, completed: 0, failed: 0, delayed: 0 });

    // first signal: the running trial finishes, then the worker stops
    survivor.child.kill("SIGTERM");
    const end = await survivor.done;
    expect(end.code).toBe(0);
    expect(end.stdout).toMatch(/stopped\n$/);
  });

  it("a trial finished while no tuner was collecting is collected by the next tuner's re-submission, not run again", async () => {
    const queueName = "restart-test";
    const first = await openQueueBackend(redis!.url, { capacity: 2, queueName });
    const w = startWorker(queueName);
    await first.submit(trial(7, "qr"));
    await until("the trial started", () => / trial qr #7 started \(attempt 1\)/.test(stdoutOf(w)), 60_000);
    // a SIGTERM mid-trial lets it finish: the worker takes no other, and stops
    w.child.kill("SIGTERM");
    const end = await w.done;
    expect(end.code).toBe(0);
    expect(end.stdout).toMatch(/trial qr #7 finished ok in [\d.]+ s\n.*stopped\n$/);
    await first.close(); // the tuner "dies" without collecting it: the job stays completed in Redis
    expect((await jobCounts(queueName)).completed).toBe(1);

    const again = await openQueueBackend(redis!.url, { capacity: 2, queueName });
    const w2 = startWorker(queueName);
    await until("the second worker waiting", () => /waiting for trials/.test(stdoutOf(w2)), 30_000);
    await again.submit(trial(7, "qr")); // the same id: a no-op in BullMQ
    const d = await again.next();
    expect(d.job.id).toBe(7);
    expect(d.attempts).toBe(1);
    expect(d.outcome.status).toBe("ok");
    expect(d.outcome.worker).toMatch(new RegExp(`:${w.child.pid}$`));
    await again.close();
    w2.child.kill("SIGTERM");
    expect((await w2.done).stdout).not.toMatch(/started/);
    expect(await jobCounts(queueName)).toEqual({ waiting: 0, paused: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
  });

  it("a second signal aborts the running trial and returns it to the queue at once, for another worker", async () => {
    const queueName = "abort-test";
    const backend = await openQueueBackend(redis!.url, { capacity: 1, queueName });
    const w = startWorker(queueName);
    await backend.submit(trial(5, "qa"));
    await until("the trial started", () => / trial qa #5 started \(attempt 1\)/.test(stdoutOf(w)), 60_000);
    let trialChildren: number[] = [];
    await until("the trial's child process", () => (trialChildren = childrenOf(w.child.pid!)).length > 0, 20_000, 10);
    w.child.kill("SIGTERM");
    await until("the first signal acknowledged", () => /stopping after the running trial/.test(stdoutOf(w)), 10_000, 10);
    w.child.kill("SIGTERM");
    const end = await w.done;
    expect(end.code).toBe(0);
    expect(end.stdout).toMatch(/trial qa #5 aborted: returned to the queue\n.*stopped\n$/);
    expect(end.stdout).not.toMatch(/finished/);
    expect(trialChildren.some(alive)).toBe(false);
    // back in waiting without a stall check: the next worker starts it as its second attempt
    expect((await jobCounts(queueName)).waiting).toBe(1);
    const w2 = startWorker(queueName);
    const d = await backend.next();
    expect(d).toMatchObject({ attempts: 2, outcome: { status: "ok" } });
    expect(stdoutOf(w2)).toMatch(/trial qa #5 started \(attempt 2\)/);
    await backend.close();
    w2.child.kill("SIGTERM");
    expect((await w2.done).code).toBe(0);
  });

  it("a job BullMQ fails (here a processor throwing the stall limit's reason) is delivered as a failed trial with its reason", async () => {
    const queueName = "fail-test";
    const backend = await openQueueBackend(redis!.url, { capacity: 1, queueName });
    const connection = { host: "127.0.0.1", port: redis!.port, maxRetriesPerRequest: null };
    const failing = new Worker(queueName, async (job) => {
      await job.updateProgress({ worker: "test-host:1" });
      throw new Error("job stalled more than allowable limit");
    }, { connection });
    try {
      const t = trial(3, "qf");
      await backend.submit(t);
      const d = await backend.next();
      expect(d.job).toEqual(t);
      expect(d.attempts).toBe(1);
      expect(d.outcome).toMatchObject({ status: "failed", error: "job stalled more than allowable limit", units: [], worker: "test-host:1", files: {} });
      expect(Date.parse(d.outcome.finishedAt)).toBeGreaterThanOrEqual(Date.parse(d.outcome.startedAt));
      expect(trialJobId(t)).toBe("qf-f00d-3");
    } finally {
      await backend.close();
      await failing.close();
    }
    expect((await jobCounts(queueName)).failed).toBe(0);
  });
});
