import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { deadPid as exitedPid } from "../../test/helpers/cli.ts";
import { tempDir } from "../../test/helpers/files.ts";
import { TemporaryError } from "./errors.ts";
import { acquireLock, lockHolder, withLock } from "./lock.ts";

const fresh = () => path.join(tempDir("rlt-lock-"), "x.lock");

describe("lock", () => {
  it("serializes two writers in one process and names the holder once", async () => {
    const file = fresh();
    const order: string[] = [];
    const waits: string[] = [];
    const first = withLock(file, { purpose: "A" }, async () => {
      order.push("a-start");
      await new Promise((r) => setTimeout(r, 200));
      order.push("a-end");
    });
    await new Promise((r) => setTimeout(r, 20));
    // same pid: a second in-process writer must wait too (the holder is alive)
    const second = withLock(file, { purpose: "B", onWait: (m) => waits.push(m) }, async () => void order.push("b"));
    await Promise.all([first, second]);
    expect(order).toEqual(["a-start", "a-end", "b"]);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toContain(`process ${process.pid} on this host (A, since`);
    expect(existsSync(file)).toBe(false);
  });

  it("gives up after the timeout with a temporary error naming the holder", async () => {
    const file = fresh();
    const release = await acquireLock(file, { purpose: "klines BTCUSDT" });
    const err = await withLock(file, { purpose: "klines BTCUSDT", timeoutMs: 150 }, async () => 1).catch((e) => e);
    expect(err).toBeInstanceOf(TemporaryError);
    expect(err.message).toMatch(new RegExp(`klines BTCUSDT is being written by process ${process.pid} on this host .*gave up after 0 s`));
    release();
    expect(await withLock(file, { purpose: "x", timeoutMs: 0 }, async () => 2)).toBe(2);
  });

  it("takes over a lock left by a dead process on this host", async () => {
    const file = fresh();
    const deadPid = await exitedPid();
    writeFileSync(file, JSON.stringify({ pid: deadPid, host: hostname(), purpose: "old", sinceMs: 1 }));
    const waits: string[] = [];
    expect(await withLock(file, { purpose: "new", timeoutMs: 0, onWait: (m) => waits.push(m) }, async () => lockHolder(file)?.pid)).toBe(process.pid);
    expect(waits).toEqual([]);
  });

  it("never takes over a lock from another host", async () => {
    const file = fresh();
    writeFileSync(file, JSON.stringify({ pid: 1, host: "other-box", purpose: "import", sinceMs: Date.now() }));
    const err = await withLock(file, { purpose: "funding ETHUSDT", timeoutMs: 60 }, async () => 1).catch((e) => e);
    expect(err.message).toContain("process 1 on host other-box");
    expect(err.hint).toContain("one machine at a time");
    expect(JSON.parse(readFileSync(file, "utf8")).host).toBe("other-box");
  });
});
