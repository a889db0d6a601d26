// The local back-end: up to `capacity` trials at once, each in its own child process (one per core by
// default: a trial's learner runs one thread unless its config says otherwise).
import { availableParallelism } from "node:os";
import { runTrialInChild } from "./child.ts";
import type { Delivery, TrialBackend, TrialJob } from "./types.ts";

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism());
}

export function openLocalPool(capacity: number, opts: { cwd?: string } = {}): TrialBackend {
  const abort = new AbortController();
  const running = new Set<number>();
  const delivered: Delivery[] = [];
  let wake: (() => void) | undefined;
  return {
    name: `local pool of ${capacity} process${capacity === 1 ? "" : "es"}`,
    capacity,
    async submit(job: TrialJob) {
      if (running.has(job.id)) return;
      running.add(job.id);
      runTrialInChild(job, { worker: "local", signal: abort.signal, cwd: opts.cwd }).then(
        (outcome) => {
          running.delete(job.id);
          delivered.push({ job, outcome, attempts: 1 });
          wake?.();
        },
        () => running.delete(job.id), // killed by close(): the trial stays unrecorded and runs again on resume
      );
    },
    async next() {
      while (!delivered.length) {
        if (!running.size) throw new Error("the local pool was asked for a trial with none running");
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return delivered.shift()!;
    },
    running: () => running.size + delivered.length,
    async close() {
      abort.abort();
    },
  };
}
