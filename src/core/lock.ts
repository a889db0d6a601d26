// One writer at a time: a lock file held only around a write that reads and replaces what another
// writer could touch (a partition's read-merge-rename, a run's checkpoint, an artifact folder).
// The file names its holder (process id and host); a second writer waits, says once whom it waits
// for, and gives up after a timeout. A lock left by a dead process on this host is taken over; a lock
// from another host is never taken over, because its process cannot be checked from here (a store is
// written from one machine at a time; readers anywhere need no lock).
import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { makeDirsFor } from "./dirs.ts";
import { hostname } from "node:os";
import path from "node:path";
import { envNonNegativeInt } from "./env.ts";
import { TemporaryError } from "./errors.ts";
import { isAlive } from "./process.ts";

export interface LockHolder {
  pid: number;
  host: string;
  /** What the holder is doing, for the waiting writer's message. */
  purpose: string;
  sinceMs: number;
}

export interface LockOptions {
  /** What the lock protects, in words ("klines BTCUSDT partitions"). */
  purpose: string;
  /** Give up after this long (default RLT_LOCK_TIMEOUT_MS or 120 s). */
  timeoutMs?: number;
  /** Told once, when the lock is first found held by someone else. */
  onWait?: (message: string) => void;
  signal?: AbortSignal;
}

const POLL_MS = 50;
const DEFAULT_TIMEOUT_MS = 120_000;

/** RLT_LOCK_TIMEOUT_MS, read by the one parser of rlt's variables: a bad value is refused, never the default. */
export function lockTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return envNonNegativeInt("RLT_LOCK_TIMEOUT_MS", env) ?? DEFAULT_TIMEOUT_MS;
}

/** Run `fn` holding the lock file `lockFile`; the lock is released however `fn` ends. */
export async function withLock<T>(lockFile: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const release = await acquireLock(lockFile, opts);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Take the lock, waiting for its holder up to the timeout; returns the release function. */
export async function acquireLock(lockFile: string, opts: LockOptions): Promise<() => void> {
  const me: LockHolder = { pid: process.pid, host: hostname(), purpose: opts.purpose, sinceMs: Date.now() };
  const timeoutMs = opts.timeoutMs ?? lockTimeoutMs();
  const deadline = Date.now() + timeoutMs;
  let told = false;
  makeDirsFor(path.dirname(lockFile), opts.purpose); // not mkdirSync's recursive mode: it spins forever on /proc/x
  for (;;) {
    if (tryCreate(lockFile, me)) return () => release(lockFile, me);
    const holder = readHolder(lockFile);
    if (holder === undefined) continue; // released (or torn) between our attempt and the read: try again
    if (holder.host === me.host && holder.pid !== me.pid && !isAlive(holder.pid)) {
      takeOverStale(lockFile, holder);
      continue;
    }
    const who = describeHolder(holder, me.host);
    if (!told) {
      opts.onWait?.(`waiting for ${who} to finish writing ${opts.purpose} (lock ${lockFile})`);
      told = true;
    }
    if (Date.now() >= deadline || opts.signal?.aborted) {
      throw new TemporaryError(`${opts.purpose} is being written by ${who}; gave up after ${(timeoutMs / 1000).toFixed(0)} s`, {
        hint:
          holder.host === me.host
            ? "let that process finish (or stop it) and run the command again; RLT_LOCK_TIMEOUT_MS sets how long to wait"
            : `a store is written from one machine at a time: if ${holder.host} is no longer writing, delete ${lockFile}`,
      });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function describeHolder(h: LockHolder, myHost: string): string {
  const since = new Date(h.sinceMs).toISOString().slice(0, 19).replace("T", " ");
  return `process ${h.pid} on ${h.host === myHost ? "this host" : `host ${h.host}`} (${h.purpose}, since ${since} UTC)`;
}

/** Create the lock file atomically with our holder record: written aside, then hard-linked into place. */
function tryCreate(lockFile: string, me: LockHolder): boolean {
  const mine = `${lockFile}.${me.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    writeFileSync(mine, JSON.stringify(me)); // inside the try: a full disk must not leave this file behind
    linkSync(mine, lockFile); // fails with EEXIST when held: the whole record appears at once or not at all
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    rmSync(mine, { force: true });
  }
}

function readHolder(lockFile: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(lockFile, "utf8")) as LockHolder;
    return typeof h.pid === "number" && typeof h.host === "string" ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Move a dead holder's lock aside and delete it. Renaming is atomic, so of two processes taking over
 * at once only one moves the dead record; should the moved file turn out to be a live lock taken in
 * between, it is linked back.
 */
function takeOverStale(lockFile: string, dead: LockHolder): void {
  const aside = `${lockFile}.stale-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    renameSync(lockFile, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = readHolder(aside);
  if (moved && (moved.pid !== dead.pid || moved.sinceMs !== dead.sinceMs)) {
    try {
      linkSync(aside, lockFile);
    } catch {
      // the lock was taken again meanwhile; the moved holder keeps its claim in its own release check
    }
  }
  rmSync(aside, { force: true });
}

function release(lockFile: string, me: LockHolder): void {
  const h = readHolder(lockFile);
  // never delete a lock that is no longer ours (taken over after we were presumed dead)
  if (h && h.pid === me.pid && h.host === me.host && h.sinceMs === me.sinceMs) {
    try {
      unlinkSync(lockFile);
    } catch {
      // already gone
    }
  }
}

/** The holder of a lock file, if any (for status output). */
export function lockHolder(lockFile: string): LockHolder | undefined {
  return readHolder(lockFile);
}
