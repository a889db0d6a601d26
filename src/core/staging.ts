// Artifact folders written whole: built in a staging folder beside the target, then swapped in, so a
// reader (or a crash) sees the old folder or the new one, never a mix. A failed write removes its own
// staging folder; staging folders of dead processes are removed by the next writer of the same target.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { RltError } from "./errors.ts";
import { isAlive } from "./process.ts";

const STAGING_RE = /^(.+)\.(tmp|old)-(\d+)(-[a-z0-9]+)?$/;

/** A fresh staging folder name beside `target`, owned by this process. */
export function stagingDirFor(target: string, kind: "tmp" | "old" = "tmp"): string {
  return `${target}.${kind}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Remove `<target>.tmp-PID…` / `<target>.old-PID…` folders of processes that no longer run. */
export function removeDeadStaging(target: string): string[] {
  const dir = path.dirname(target);
  const base = path.basename(target);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = STAGING_RE.exec(name);
    if (!m || m[1] !== base) continue;
    const pid = Number(m[3]);
    if (pid === process.pid || isAlive(pid)) continue;
    rmSync(path.join(dir, name), { recursive: true, force: true });
    removed.push(path.join(dir, name));
  }
  return removed;
}

/**
 * Build `target` through `build(stagingDir)` and swap it in whole. On any failure the staging folder
 * is removed and the previous `target` stays as it was; a full disk becomes a clear operational error.
 */
export async function writeDirAtomically<T>(target: string, what: string, build: (staging: string) => Promise<T>): Promise<T> {
  removeDeadStaging(target);
  const staging = stagingDirFor(target);
  try {
    mkdirSync(staging, { recursive: true });
    const result = await build(staging);
    swapDir(staging, target);
    return result;
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw asDiskError(err, what, target);
  }
}

/** Replace `target` by the complete folder `staging` (both on one filesystem). */
export function swapDir(staging: string, target: string): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const old = existsSync(target) ? stagingDirFor(target, "old") : undefined;
  if (old) renameSync(target, old);
  try {
    renameSync(staging, target);
  } catch (err) {
    if (old) renameSync(old, target); // put the previous folder back
    throw err;
  }
  if (old) rmSync(old, { recursive: true, force: true });
}

/** ENOSPC / EDQUOT anywhere in an error's cause chain. */
export function isDiskFull(err: unknown): boolean {
  for (let e = err as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e.code === "ENOSPC" || e.code === "EDQUOT") return true;
    if (typeof e.message === "string" && /No space left on device|ENOSPC|disk is full|Disk quota exceeded/i.test(e.message)) return true;
  }
  return false;
}

/** A full disk as an operational error naming what was being written; other errors unchanged. */
export function asDiskError(err: unknown, what: string, target: string): unknown {
  if (err instanceof RltError || !isDiskFull(err)) return err;
  return new RltError(`no space left on the device while writing ${what} (${target}); nothing was changed and the partial files were removed`, {
    cause: err,
    hint: `free space on the filesystem of ${path.dirname(target)} and run the command again`,
  });
}
