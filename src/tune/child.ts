// A trial in a child process: training is synchronous compute that holds its event loop for seconds
// at a time, so neither the local pool's tuner nor a BullMQ worker (whose job-lock renewal runs on its
// loop) may train in its own process. The child is `rlt tune-trial` (a hidden command, so it runs
// through the same entry and loader as every rlt command), given its job over the IPC channel.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { failedOutcome } from "./outcome.ts";
import type { TrialJob, TrialOutcome } from "./types.ts";

const RLT_ENTRY = path.resolve(import.meta.dirname, "../../bin/rlt.js");
/** The last this many characters of a child's stderr are kept for the error of a child that died. */
const STDERR_TAIL = 2000;

export interface ChildRequest {
  job: TrialJob;
  worker: string;
  workDir: string;
  cwd: string;
}

export interface TrialChildOptions {
  worker: string;
  signal?: AbortSignal;
  /** Where the job's relative paths are resolved (default: this process's working directory). */
  cwd?: string;
}

/**
 * Runs one trial in a child process; never rejects for the trial's own error (a "failed" outcome with
 * it, also when the child dies), rejects only when `signal` aborts (the child is killed first). The
 * child exits by itself if this process dies (its IPC channel closes).
 */
export function runTrialInChild(job: TrialJob, opts: TrialChildOptions): Promise<TrialOutcome> {
  const workDir = mkdtempSync(path.join(tmpdir(), `rlt-trial-${job.id}-`));
  const startedMs = Date.now();
  const child = spawn(process.execPath, [RLT_ENTRY, "tune-trial"], { stdio: ["ignore", "ignore", "pipe", "ipc"], env: { ...process.env, RLT_CONFIG: "" } });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr = (stderr + d).slice(-STDERR_TAIL)));
  return new Promise<TrialOutcome>((resolve, reject) => {
    let outcome: TrialOutcome | undefined;
    const onAbort = () => {
      child.kill("SIGKILL");
      reject(opts.signal?.reason ?? new Error("aborted"));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("message", (m: { outcome?: TrialOutcome }) => {
      if (m.outcome) outcome = m.outcome;
    });
    child.on("error", (err) => settle(died(`cannot start the trial's process: ${err.message}`)));
    child.on("exit", (code, signal) => settle(outcome ?? died(`the trial's process ended (${signal ? `signal ${signal}` : `exit code ${code}`}) before reporting${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}`)));
    const request: ChildRequest = { job, worker: opts.worker, workDir, cwd: opts.cwd ?? process.cwd() };
    child.send(request);
    function settle(result: TrialOutcome) {
      opts.signal?.removeEventListener("abort", onAbort);
      rmSync(workDir, { recursive: true, force: true });
      if (!opts.signal?.aborted) resolve(result);
    }
  });
  function died(error: string): TrialOutcome {
    return failedOutcome(error, opts.worker, startedMs);
  }
}

/** The child's side (`rlt tune-trial`): one request, one outcome, then exit; the parent gone means stop. */
export async function serveTrialRequest(proc: NodeJS.Process = process): Promise<void> {
  if (!proc.send) throw new Error("rlt tune-trial is started by rlt tune or rlt worker with an IPC channel, not by hand");
  // training yields to the event loop between updates: a closed channel (the parent died) ends the child there
  const parentGone = () => proc.exit(1);
  proc.on("disconnect", parentGone);
  // the parent decides when a trial ends (SIGKILL when it aborts, the channel's close when it dies): a
  // Ctrl-C on the terminal or systemd's SIGTERM reaches the whole process group, and must not end a
  // trial that a worker stopping gracefully is waiting for
  const ignore = () => undefined;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) proc.on(signal, ignore);
  const request = await new Promise<ChildRequest>((resolve) => proc.once("message", (m) => resolve(m as ChildRequest)));
  const { runTrial } = await import("./trial.ts");
  const { createReporter } = await import("../core/log.ts");
  const outcome = await runTrial(request.job, { workDir: request.workDir, worker: request.worker, cwd: request.cwd, reporter: createReporter({ quiet: true }) });
  await new Promise<void>((resolve, reject) => proc.send!({ outcome }, (err: Error | null) => (err ? reject(err) : resolve())));
  proc.off("disconnect", parentGone);
  proc.disconnect();
}

