// Flag plumbing shared by the command files.
import type { Command } from "commander";
import type { GlobalFlags } from "../src/core/config.ts";
import { UsageError } from "../src/core/errors.ts";
import { parseTime } from "../src/core/time.ts";

/** The root program's options (global flags) from inside a subcommand action. */
export function globalFlags(cmd: Command): GlobalFlags & { quiet?: boolean } {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root.opts();
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

export function parsePositiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag}: "${value}" is not a positive integer`);
  return n;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
