// The outcome of a trial that ended without one of its own: a child that died or could not start, a
// job the queue failed or lost. The same shape as a trial's own failure, so the tuner records it alike.
import type { TrialOutcome } from "./types.ts";

export function failedOutcome(error: string, worker: string, startedMs: number, finishedMs = Date.now()): TrialOutcome {
  return {
    status: "failed",
    error,
    units: [],
    wallSeconds: Math.max(0, (finishedMs - startedMs) / 1000),
    worker,
    startedAt: new Date(startedMs).toISOString(),
    finishedAt: new Date(finishedMs).toISOString(),
    files: {},
  };
}
