// Flag plumbing shared by the command files.
import type { Command } from "commander";
import type { GlobalFlags } from "../src/core/config.ts";
import { envChoice, envNonNegativeInt, envValue } from "../src/core/env.ts";
import { UsageError } from "../src/core/errors.ts";
import { BACKEND_CHOICES } from "../src/rl/backend.ts";
import { parseTime } from "../src/core/time.ts";

/**
 * The root program's options (global flags) from inside a subcommand action. Every command starts
 * here, so the environment is checked here too: a variable rlt reads that is set to nothing or to
 * a value it does not accept is refused before any work, whichever command would have read it.
 */
export function globalFlags(cmd: Command): GlobalFlags & { quiet?: boolean } {
  checkEnvironment();
  let root = cmd;
  while (root.parent) root = root.parent;
  return root.opts();
}

/** The RLT_* variables with a fixed form (RLT_EXCHANGE's value and the URLs are checked by loadConfig, which names the source). */
export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  // RLT_CONFIG is left out: set but empty it means "no config file, not even ./rlt.yaml" (tests use that)
  for (const name of ["RLT_DATA_DIR", "RLT_EXCHANGE", "RLT_REST_URL", "RLT_WS_URL", "RLT_VISION_URL"]) envValue(name, env);
  envChoice("RLT_TF_BACKEND", BACKEND_CHOICES, env);
  envNonNegativeInt("RLT_LOCK_TIMEOUT_MS", env);
}

export function parseSymbol(s: string): string {
  const sym = s.trim().toUpperCase();
  if (!/^[A-Z0-9]{2,20}$/.test(sym)) throw new UsageError(`"${s}" is not a symbol`, { hint: "symbols look like BTCUSDT" });
  return sym;
}

export function parseTimeFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = parseTime(value);
  if (t === undefined) throw new UsageError(`${flag}: cannot read "${value}" as a time`, { hint: "use YYYY-MM-DD, YYYY-MM-DDTHH:MM (UTC) or epoch milliseconds" });
  return t;
}

// Flag values are checked here, naming the flag: a bad --seed must not surface later as an error in
// the config file the flag overrides.
export function parsePositiveInt(flag: string, value: string): number {
  const n = value.trim() === "" ? NaN : Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag}: "${value}" is not a positive integer`);
  return n;
}

/** Seeds, counts that may be 0. */
export function parseNonNegativeInt(flag: string, value: string): number {
  const n = value.trim() === "" ? NaN : Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag}: "${value}" is not a non-negative integer`);
  return n;
}

/** A TCP port to listen on; 0 asks the system for a free one. */
export function parsePort(flag: string, value: string): number {
  const n = value.trim() === "" ? NaN : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`${flag}: "${value}" is not a port (0–65535)`);
  return n;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
