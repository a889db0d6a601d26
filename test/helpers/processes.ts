// The live child processes of a process, read from /proc (Linux): a test's check that a killed
// parent's trial child is gone, or that a child exists before it is signalled.
import { readFileSync, readdirSync } from "node:fs";

/** Pids whose parent is `pid`, not zombies; only those whose command line contains `matching` when given. */
export function childrenOf(pid: number, matching?: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // the command name in parentheses may hold spaces: the fields after its closing one are fixed
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== pid || fields[0] === "Z") continue;
      if (matching !== undefined && !readFileSync(`/proc/${name}/cmdline`, "utf8").includes(matching)) continue;
      out.push(Number(name));
    } catch {
      // gone while listing
    }
  }
  return out;
}
