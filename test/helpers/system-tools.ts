// One rule for every system tool a test needs (chromium, redis-server, tmux, ...): when it is missing,
// its tests are skipped with one line saying what to install; with RLT_REQUIRE_TOOLS=1 (set by .ci/run,
// which installs them all) a missing tool is a failure instead.
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface ToolCheck {
  available: boolean;
  /** Absolute path of the tool when available. */
  path?: string;
}

const announced = new Set<string>();

/**
 * Whether `tool` is installed (an absolute path or a name on PATH). Missing: one line to stderr and
 * `available: false`, or, when RLT_REQUIRE_TOOLS is set, an error that fails the test file.
 */
export function systemTool(tool: string, install: string): ToolCheck {
  const found = tool.startsWith("/") ? (existsSync(tool) ? tool : undefined) : onPath(tool);
  if (found) return { available: true, path: found };
  const msg = `${tool} is not installed: its tests are skipped (install it with: ${install})`;
  if (process.env.RLT_REQUIRE_TOOLS) throw new Error(`${msg}; RLT_REQUIRE_TOOLS is set, so a missing tool is a failure`);
  if (!announced.has(tool)) {
    announced.add(tool);
    process.stderr.write(`skipped: ${msg}\n`);
  }
  return { available: false };
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

export interface SmallDisk {
  dir: string;
  unmount(): void;
}

/**
 * A tmpfs of `sizeKb` to fill up (ENOSPC tests). Needs root and a kernel that lets this process mount;
 * otherwise undefined, after one line saying why the test is skipped.
 */
export function mountSmallDisk(sizeKb: number, label: string): SmallDisk | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), "rlt-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", dir], { stdio: "pipe" });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`skipped: ${label}: cannot mount a small tmpfs here (${String((err as Error).message).split("\n")[0]}); CI runs as root and can\n`);
    return undefined;
  }
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    unmount() {
      try {
        execFileSync("umount", [dir], { stdio: "pipe" });
      } catch {
        execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fill the filesystem of `dir` until only `leaveBytes` are free (or none is left), with one file: its path. */
export function fillDisk(dir: string, leaveBytes: number): string {
  const fs = statfsSync(dir);
  const filler = path.join(dir, "filler");
  writeFileSync(filler, Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - leaveBytes)));
  return filler;
}
