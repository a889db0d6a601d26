// Test-only crash points. `killPoint(name)` SIGKILLs this process on the spot, synchronously, when the
// environment variable RLT_TEST_KILL_AT names that point: `RLT_TEST_KILL_AT=send-before-ack` kills the
// first time it is reached, `RLT_TEST_KILL_AT=send-before-ack:3` the third time. The crash test
// (test/trade-crash.test.ts) kills `rlt trade` at each point and restarts the session; like
// RLT_TEST_KILL_AFTER_CHECKPOINT in src/rl it is never set outside tests. Unset, a call costs one
// comparison: the variable is read once, at load.
import { writeSync } from "node:fs";

export const KILL_POINTS = [
  "decision-before-journal",
  "intent-before-send",
  "send-before-ack",
  "ack-before-fill",
  "fill-before-stop",
  "tp-move",
  "reconnect",
  "reconcile",
  "flatten",
  "shutdown",
] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

export const KILL_AT_ENV = "RLT_TEST_KILL_AT";

const target = parseKillAt(process.env[KILL_AT_ENV]);
let reached = 0;

function parseKillAt(v: string | undefined): { name: string; nth: number } | undefined {
  if (!v) return undefined;
  const [name, n] = v.split(":");
  return { name, nth: n === undefined ? 1 : Number(n) };
}

/** SIGKILL now if RLT_TEST_KILL_AT names this point (and this is its N-th passage). */
export function killPoint(name: KillPoint): void {
  if (target === undefined || target.name !== name) return;
  if (++reached < target.nth) return;
  writeSync(2, `${KILL_AT_ENV}: killed at ${name} (passage ${reached})\n`); // synchronous, before the signal
  process.kill(process.pid, "SIGKILL");
}
