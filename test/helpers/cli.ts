// rlt run as a user runs it, `node bin/rlt.js …` from the repository root, in this process's environment
// with no config file (RLT_CONFIG="" means none, not even ./rlt.yaml) unless a test says otherwise.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { expect } from "vitest";

export const ROOT = path.resolve(import.meta.dirname, "../..");

/** This process's environment, RLT_CONFIG="", then `env` on top (a variable set to undefined is removed). */
function rltEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, RLT_CONFIG: "", ...env };
}

/** rlt to its end: status, signal, stdout and stderr as text. */
export function rlt(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ["bin/rlt.js", ...args], { cwd: ROOT, encoding: "utf8", env: rltEnv(env) });
}

export interface RltChild {
  child: ChildProcess;
  /** Once the process has exited and its output is all read. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  stderrSoFar(): string;
}

/** rlt in the background, so that the test can act (hold a lock, release a pause) while it runs. */
export function spawnRlt(args: string[], env: NodeJS.ProcessEnv = {}): RltChild {
  const child = spawn(process.execPath, ["bin/rlt.js", ...args], { cwd: ROOT, env: rltEnv(env) });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, done, stderrSoFar: () => stderr };
}

/** A refusal is a message, never rlt's bug report (exit 70) or a stack trace. */
export function expectNoStackTrace(stderr: string, what?: string): void {
  expect(stderr, what).not.toMatch(/internal error|bug in rlt|\n\s+at /);
}

/** The pid of a process that has just exited: a lock or staging folder of a dead writer. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "0"]);
  return new Promise((r) => child.on("exit", () => r(child.pid!)));
}
