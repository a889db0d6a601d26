// Artifact folders written whole: a failed build leaves the previous folder and no staging behind,
// dead writers' staging is cleared (an orphaned previous folder is put back), a full disk is an
// operational error, and two writers of one folder take turns under its lock.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { deadPid } from "../../test/helpers/cli.ts";
import { tempDir } from "../../test/helpers/files.ts";
import { RltError } from "./errors.ts";
import { asDiskError, isDiskFull, removeDeadStaging, writeDirAtomically, writeDirLocked } from "./staging.ts";

const fresh = () => tempDir("rlt-staging-");

function folderWith(dir: string, content: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "a.txt"), content);
}

describe("writeDirAtomically", () => {
  it("swaps the new folder in whole and leaves nothing beside it", async () => {
    const root = fresh();
    const target = path.join(root, "art");
    folderWith(target, "old");
    const result = await writeDirAtomically(target, "art", async (staging) => {
      writeFileSync(path.join(staging, "a.txt"), "new");
      return 7;
    });
    expect(result).toBe(7);
    expect(readFileSync(path.join(target, "a.txt"), "utf8")).toBe("new");
    expect(readdirSync(root)).toEqual(["art"]);
  });

  it("a failed build removes its staging folder and keeps the previous folder", async () => {
    const root = fresh();
    const target = path.join(root, "art");
    folderWith(target, "old");
    const boom = new Error("boom");
    await expect(writeDirAtomically(target, "art", async (staging) => {
      writeFileSync(path.join(staging, "half.bin"), "partial");
      throw boom;
    })).rejects.toBe(boom);
    expect(readFileSync(path.join(target, "a.txt"), "utf8")).toBe("old");
    expect(readdirSync(root)).toEqual(["art"]);
  });

  it("turns a full disk into an operational error naming what, where and what to do", async () => {
    const root = fresh();
    const target = path.join(root, "art");
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    const err = await writeDirAtomically(target, "feature artifact art", async () => {
      throw enospc;
    }).catch((e) => e);
    expect(err).toBeInstanceOf(RltError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`no space left on the device while writing feature artifact art (${target}); nothing was changed and the partial files were removed`);
    expect(err.hint).toMatch(new RegExp(`^free space on the filesystem of ${root} \\(\\d+(\\.\\d)? [KMG]B free now\\) and run the command again$`));
    expect(err.cause).toBe(enospc);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe("isDiskFull / asDiskError", () => {
  it("recognises DuckDB's IO Error text and errno codes anywhere in the cause chain", () => {
    // what DuckDB 1.x says when COPY … TO hits a full tmpfs (seen on this project's ENOSPC test)
    const duck = new Error('IO Error: Could not write file "/mnt/x.tmp-1/features.parquet.tmp": No space left on device');
    expect(isDiskFull(duck)).toBe(true);
    expect(isDiskFull(new Error("wrapped", { cause: Object.assign(new Error("x"), { code: "EDQUOT" }) }))).toBe(true);
    expect(isDiskFull(new Error("IO Error: Permission denied"))).toBe(false);
    const other = new Error("other");
    expect(asDiskError(other, "x", "/x")).toBe(other);
    // an error rlt already explained is passed through
    const told = new RltError("no space left on the device while writing x");
    expect(asDiskError(told, "y", "/y")).toBe(told);
  });
});

describe("removeDeadStaging", () => {
  it("removes dead writers' staging, keeps live ones, and puts back a previous folder orphaned mid-swap", async () => {
    const root = fresh();
    const target = path.join(root, "art");
    const dead = await deadPid();
    folderWith(`${target}.tmp-${dead}-abc`, "partial");
    folderWith(`${target}.tmp-${process.pid}-live`, "mine");
    folderWith(path.join(root, `other.tmp-${dead}-abc`), "another target's");
    // the writer died after moving the previous folder aside and before moving the new one in
    folderWith(`${target}.old-${dead}-def`, "previous");
    const removed = removeDeadStaging(target);
    expect(removed).toEqual([`${target}.tmp-${dead}-abc`]);
    expect(readFileSync(path.join(target, "a.txt"), "utf8")).toBe("previous");
    expect(readdirSync(root).sort()).toEqual(["art", `art.tmp-${process.pid}-live`, `other.tmp-${dead}-abc`]);
    // with the target in place, a dead writer's .old is just litter
    folderWith(`${target}.old-${dead}-ghi`, "older");
    expect(removeDeadStaging(target)).toEqual([`${target}.old-${dead}-ghi`]);
    expect(readFileSync(path.join(target, "a.txt"), "utf8")).toBe("previous");
  });
});

describe("writeDirLocked", () => {
  it("lets one writer of a folder at a time build and swap, telling the second once whom it waits for", async () => {
    const root = fresh();
    const target = path.join(root, "art");
    const order: string[] = [];
    const waits: string[] = [];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((r) => (releaseFirst = r));
    const first = writeDirLocked(target, { what: "artifact art" }, async (staging) => {
      order.push("first-start");
      await firstHolds;
      writeFileSync(path.join(staging, "a.txt"), "first");
      order.push("first-end");
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = writeDirLocked(target, { what: "artifact art", onWait: (m) => waits.push(m) }, async (staging) => {
      order.push("second");
      writeFileSync(path.join(staging, "a.txt"), "second");
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(order).toEqual(["first-start"]);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(["first-start", "first-end", "second"]);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatch(new RegExp(`^waiting for process ${process.pid} on this host \\(artifact art, since .* UTC\\) to finish writing artifact art \\(lock ${target}\\.lock\\)$`));
    expect(readFileSync(path.join(target, "a.txt"), "utf8")).toBe("second");
    expect(existsSync(`${target}.lock`)).toBe(false);
    expect(readdirSync(root)).toEqual(["art"]);
  });
});
