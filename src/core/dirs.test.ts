import { existsSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/files.ts";
import { makeDirs, makeDirsFor } from "./dirs.ts";
import { RltError } from "./errors.ts";
import { writeDirLocked } from "./staging.ts";

describe("makeDirs", () => {
  it("creates missing parents and accepts an existing directory", () => {
    const root = tempDir("rlt-dirs-");
    const deep = path.join(root, "a", "b", "c");
    makeDirs(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeDirs(deep);
  });

  it("fails at once where Node's recursive mkdir spins forever (/proc/x)", () => {
    // Node 20's mkdirSync(…, { recursive: true }) never returns here; the test timeout guards a regression
    expect(() => makeDirs("/proc/x/y")).toThrow(/^ENOENT: no such file or directory, mkdir '\/proc\/x'$/);
    expect(existsSync("/proc/x")).toBe(false);
  }, 10_000);

  it("names the file that stands where a directory should be", () => {
    const root = tempDir("rlt-dirs-");
    writeFileSync(path.join(root, "file"), "x");
    expect(() => makeDirs(path.join(root, "file", "sub"))).toThrow(`ENOTDIR: not a directory, mkdir '${path.join(root, "file", "sub")}' (${path.join(root, "file")} is a file)`);
  });

  it("makes an artifact folder that cannot be created an operational error (exit 1), at once", async () => {
    // the lock beside the folder is made first: /proc/x/f.lock, in /proc/x
    let err: unknown;
    try {
      await writeDirLocked("/proc/x/f", { what: "feature artifact /proc/x/f" }, async () => {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RltError);
    expect((err as RltError).exitCode).toBe(1);
    expect((err as RltError).message).toBe("cannot create /proc/x for feature artifact /proc/x/f: ENOENT: no such file or directory, mkdir '/proc/x'");
    expect((err as RltError).hint).toBe("choose a location you can write to");
    expect(() => makeDirsFor("/proc/x", "a run")).toThrow("cannot create /proc/x for a run: ENOENT");
  }, 10_000);
});
