// Files on disk as tests see them: fresh temporary folders, and the sha256 of every file under a folder,
// against which "what was stored before is byte for byte intact" is checked in one comparison.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** A new empty folder under the system's temporary folder. */
export function tempDir(prefix = "rlt-test-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

export interface TreeHashOptions {
  /** Names of folders not walked, at any depth (a store's `.locks` holds a file only while a lock is held). */
  skipDirs?: readonly string[];
  /** Files left out, by path relative to the folder hashed. */
  skipFile?: (relPath: string) => boolean;
}

/** sha256 of every file under `dir`, by relative path, in name order. */
export function treeHashes(dir: string, opts: TreeHashOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) {
        if (!opts.skipDirs?.includes(name)) walk(p);
        continue;
      }
      const rel = path.relative(dir, p);
      if (!opts.skipFile?.(rel)) out[rel] = sha256File(p);
    }
  };
  walk(dir);
  return out;
}
