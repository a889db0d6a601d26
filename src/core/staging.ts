// Artifact folders written whole: built in a staging folder beside the target, then swapped in, so a
// reader (or a crash) sees the old folder or the new one, never a mix. A failed write removes its own
// staging folder; staging folders of dead processes are removed by the next writer of the same target.
import { existsSync, readdirSync, renameSync, rmSync, statfsSync } from "node:fs";
import path from "node:path";
import { makeDirs, makeDirsFor } from "./dirs.ts";
import { RltError } from "./errors.ts";
import { withLock } from "./lock.ts";
import { isAlive } from "./process.ts";

const STAGING_RE = /^(.+)\.(tmp|old)-(\d+)(-[a-z0-9]+)?$/;

/** A fresh staging folder name beside `target`, owned by this process. */
export function stagingDirFor(target: string, kind: "tmp" | "old" = "tmp"): string {
  return `${target}.${kind}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Remove `<target>.tmp-PID…` / `<target>.old-PID…` folders of processes that no longer run. A writer
 * that died between moving the previous folder aside and moving the new one in leaves no `target` but
 * a complete `.old-PID…`: that one is put back rather than deleted.
 */
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
  const dead = names.filter((name) => {
    const m = STAGING_RE.exec(name);
    if (!m || m[1] !== base) return false;
    const pid = Number(m[3]);
    return pid !== process.pid && !isAlive(pid);
  });
  const orphanedOld = existsSync(target) ? undefined : dead.find((name) => STAGING_RE.exec(name)![2] === "old");
  if (orphanedOld) renameSync(path.join(dir, orphanedOld), target);
  for (const name of dead) {
    if (name === orphanedOld) continue;
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
    makeDirsFor(staging, what); // not mkdirSync's recursive mode: it spins forever on /proc/x
    const result = await build(staging);
    swapDir(staging, target);
    return result;
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw asDiskError(err, what, target);
  }
}

/** The lock file of an artifact folder: beside it, so that it survives the folder's swap. */
export function lockFileFor(target: string): string {
  return `${target}.lock`;
}

export interface LockedWriteOptions {
  /** What is written, in words, for messages ("feature artifact features/BTCUSDT-1m"). */
  what: string;
  /** Told once when another writer holds the folder's lock (the command's reporter). */
  onWait?: (message: string) => void;
}

/**
 * writeDirAtomically under the folder's lock (`<target>.lock`), held around the build and the swap
 * only: a second writer of the same folder waits, then refuses naming the holder; readers need no lock.
 * A full disk while taking the lock is the same clear operational error as one while building.
 */
export async function writeDirLocked<T>(target: string, opts: LockedWriteOptions, build: (staging: string) => Promise<T>): Promise<T> {
  try {
    return await withLock(lockFileFor(target), { purpose: opts.what, onWait: opts.onWait }, () => writeDirAtomically(target, opts.what, build));
  } catch (err) {
    throw asDiskError(err, opts.what, target);
  }
}

/** Replace `target` by the complete folder `staging` (both on one filesystem). */
export function swapDir(staging: string, target: string): void {
  makeDirs(path.dirname(target));
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
  const fsDir = nearestExisting(path.dirname(target));
  const free = freeBytes(fsDir);
  return new RltError(`no space left on the device while writing ${what}${what.includes(target) ? "" : ` (${target})`}; nothing was changed and the partial files were removed`, {
    cause: err,
    hint: `free space on the filesystem of ${fsDir}${free === undefined ? "" : ` (${formatBytes(free)} free now)`} and run the command again`,
  });
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.round(n / 1024)} KB`;
}
