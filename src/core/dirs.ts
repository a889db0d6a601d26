// Creating a directory and its parents without Node's recursive mkdir, which spins at full CPU forever
// when mkdir answers ENOENT for a path whose parent exists (/proc/x, /sys/x: Node 20's MKDirpSync
// retries the parent, finds it, retries the child, and so on). Here every level is made once and
// the first error is thrown as it is.
import { type Stats, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { RltError } from "./errors.ts";

/** mkdir -p `dir`; throws the system error (ENOENT, EACCES, ENOTDIR, EROFS, ENOSPC) of the level that failed. */
export function makeDirs(dir: string): void {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    const st = statOrUndefined(at);
    if (st) {
      if (!st.isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${abs}' (${at} is a file)`), { code: "ENOTDIR", path: at });
      }
      break;
    }
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (err) {
      // another process made it meanwhile: fine
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/**
 * makeDirs for a folder rlt writes `what` into (a lock's folder, an artifact's parent). A location that
 * cannot be made is the user's to fix (exit 1), not a bug; a full disk is left to asDiskError.
 */
export function makeDirsFor(dir: string, what: string): void {
  try {
    makeDirs(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOSPC") throw err;
    throw new RltError(`cannot create ${path.resolve(dir)} for ${what}: ${(err as Error).message}`, { cause: err, hint: "choose a location you can write to" });
  }
}

/** stat, or undefined for a path that does not exist, also when a file stands in it (ENOTDIR). */
function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw err;
  }
}
