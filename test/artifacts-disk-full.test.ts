// Artifact folders (rlt features, rlt eval, rlt report) on a full disk, beside a dead writer's staging
// and under another writer's lock: the previous artifact stays byte for byte, nothing is left behind,
// a full disk is exit 1 with a clear message (never 70, never a stack trace), a held lock exit 75.
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { acquireLock } from "../src/core/lock.ts";
import { RltError } from "../src/core/errors.ts";
import { isDiskFull, lockFileFor, writeDirLocked } from "../src/core/staging.ts";
import { openDuck, writeColumnsParquet } from "../src/data/duck.ts";
import { deadPid, expectNoStackTrace, rlt as runRlt, spawnRlt } from "./helpers/cli.ts";
import { treeHashes } from "./helpers/files.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";
import { type SmallDisk, fillDisk, mountSmallDisk } from "./helpers/system-tools.ts";

let dataDir: string;
let work: string;
let features: string;
let run: string;
const disks: SmallDisk[] = [];

// RLT_CONFIG unset, as this file has always run rlt: no config file from the environment, every setting
// comes from the flags (./rlt.yaml at the checkout's root would be read; there is none)
const rlt = (args: string[], env: NodeJS.ProcessEnv = {}) => runRlt(args, { RLT_CONFIG: undefined, ...env });
/** rlt in the background, so that this process can hold or release a lock meanwhile. */
const rltAsync = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnRlt(args, { RLT_CONFIG: undefined, ...env });

function small(sizeKb: number, label: string): SmallDisk | undefined {
  const d = mountSmallDisk(sizeKb, label);
  if (d) disks.push(d);
  return d;
}

function expectDiskFull(res: { status: number | null; stderr: string }, what: string, fsDir: string): void {
  expect(res.status, res.stderr).toBe(1);
  expect(res.stderr).toContain(`error: no space left on the device while writing ${what}; nothing was changed and the partial files were removed\n`);
  expect(res.stderr).toMatch(new RegExp(`hint: free space on the filesystem of ${fsDir} \\(\\d+(\\.\\d)? [KMG]B free now\\) and run the command again\\n`));
  expectNoStackTrace(res.stderr);
}

beforeAll(async () => {
  dataDir = await sampleDataDir();
  work = tempDir("rlt-disk-full-");
  features = path.join(work, "features");
  const built = rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", features]);
  expect(built.status, built.stderr).toBe(0);
  const cfg = path.join(work, "ppo.yaml");
  writeFileSync(cfg, toYaml({ name: "ev", features, dataDir, seed: 2, ppo: { numEnvs: 2, numSteps: 256, updateEpochs: 2 }, training: { maxUpdates: 1, evalEvery: 1, earlyStopPatience: 0 } }));
  const trained = rlt(["train", "--config", cfg, "--runs-dir", path.join(work, "runs"), "-q"]);
  expect(trained.status, trained.stderr).toBe(0);
  run = path.join(work, "runs", "ev");
});

afterEach(() => {
  for (const d of disks.splice(0)) d.unmount();
});

describe("rlt features on a full disk", () => {
  it("keeps the previous artifact byte for byte and leaves no staging folder, .tmp or lock file", (ctx) => {
    // 12 MB: the previous artifact (~8 MB) fits, a second one cannot be staged beside it
    const disk = small(12 * 1024, "rlt features on a full disk");
    if (!disk) return ctx.skip();
    const out = path.join(disk.dir, "BTCUSDT-1m");
    cpSync(features, out, { recursive: true });
    const before = treeHashes(out);

    // the Parquet write runs out of space half way (DuckDB's "IO Error: … No space left on device")
    expectDiskFull(rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", out]), `feature artifact ${out}`, disk.dir);
    expect(treeHashes(out)).toEqual(before);
    expect(readdirSync(disk.dir)).toEqual(["BTCUSDT-1m"]);
  });

  it("not a byte free: even the lock record cannot be written, and nothing is left of it", async (ctx) => {
    const disk = small(256, "a lock on a full disk");
    if (!disk) return ctx.skip();
    const target = path.join(disk.dir, "art");
    mkdirSync(target);
    writeFileSync(path.join(target, "a.txt"), "previous");
    fillDisk(disk.dir, 0);
    let built = false;
    const err = await writeDirLocked(target, { what: `feature artifact ${target}` }, async () => void (built = true)).catch((e) => e);
    expect(err).toBeInstanceOf(RltError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`no space left on the device while writing feature artifact ${target}; nothing was changed and the partial files were removed`);
    expect(err.hint).toBe(`free space on the filesystem of ${disk.dir} (0 KB free now) and run the command again`);
    expect(built).toBe(false);
    expect(readdirSync(disk.dir).sort()).toEqual(["art", "filler"]);
    expect(readFileSync(path.join(target, "a.txt"), "utf8")).toBe("previous");
  });

  it("writeColumnsParquet removes its own .tmp file when the disk fills", async (ctx) => {
    const disk = small(512, "writeColumnsParquet on a full disk");
    if (!disk) return ctx.skip();
    const x = new Float64Array(500_000).map((_, i) => Math.sin(i) * i);
    const { instance, conn } = await openDuck();
    try {
      const err = await writeColumnsParquet(conn, path.join(disk.dir, "x.parquet"), { x }).catch((e) => e);
      expect(String(err.message)).toMatch(/No space left on device/);
      expect(isDiskFull(err)).toBe(true);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    expect(readdirSync(disk.dir)).toEqual([]);
  });

  it("removes a dead run's staging folder, which frees the space the new artifact needs", async (ctx) => {
    const disk = small(20 * 1024, "dead staging folders on a small disk");
    if (!disk) return ctx.skip();
    const out = path.join(disk.dir, "BTCUSDT-1m");
    cpSync(features, out, { recursive: true });
    const dead = await deadPid();
    // a features run killed while staging: its ~8 MB folder leaves too little room for another
    cpSync(features, `${out}.tmp-${dead}-x`, { recursive: true });
    mkdirSync(`${out}.tmp-${process.pid}-live`); // a live writer's staging is not ours to remove
    const res = rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", out]);
    expect(res.status, res.stderr).toBe(0);
    expect(readdirSync(disk.dir).sort()).toEqual(["BTCUSDT-1m", `BTCUSDT-1m.tmp-${process.pid}-live`]);
    const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(manifest.rows).toBe(43_199);
    expect(manifest.createdAt).not.toBe(JSON.parse(readFileSync(path.join(features, "manifest.json"), "utf8")).createdAt);
  });
});

describe("rlt features while another writer holds the artifact", () => {
  it("waits, naming the holder once, then refuses after RLT_LOCK_TIMEOUT_MS with exit 75 and the artifact intact", async () => {
    const out = path.join(tempDir(), "BTCUSDT-1m");
    cpSync(features, out, { recursive: true });
    const before = treeHashes(out);
    const release = await acquireLock(lockFileFor(out), { purpose: "feature artifact (held by the test)" });
    try {
      const res = await rltAsync(["features", "BTCUSDT", "--data-dir", dataDir, "--out", out], { RLT_LOCK_TIMEOUT_MS: "1000" }).done;
      expect(res.code, res.stderr).toBe(75);
      const holder = `process ${process.pid} on this host \\(feature artifact \\(held by the test\\), since [\\d-]+ [\\d:]+ UTC\\)`;
      expect(res.stderr.match(/waiting for process/g)).toHaveLength(1);
      expect(res.stderr).toMatch(new RegExp(`warning: waiting for ${holder} to finish writing feature artifact ${out} \\(lock ${out}\\.lock\\)`));
      expect(res.stderr).toMatch(new RegExp(`error: feature artifact ${out} is being written by ${holder}; gave up after 1 s\\n`));
      expect(res.stderr).toContain("hint: let that process finish (or stop it) and run the command again; RLT_LOCK_TIMEOUT_MS sets how long to wait");
      expect(treeHashes(out)).toEqual(before);
    } finally {
      release();
    }
    expect(readdirSync(path.dirname(out))).toEqual(["BTCUSDT-1m"]);
  });

  it("waits for the holder to finish, then writes the artifact", async () => {
    const out = path.join(tempDir(), "BTCUSDT-1m");
    cpSync(features, out, { recursive: true });
    const release = await acquireLock(lockFileFor(out), { purpose: "feature artifact (held by the test)" });
    const child = rltAsync(["features", "BTCUSDT", "--data-dir", dataDir, "--out", out]);
    try {
      // generous: the child computes the features (seconds on a loaded machine) before it asks for the lock
      for (let t = 0; !child.stderrSoFar().includes("waiting for") && t < 1200; t++) await new Promise((r) => setTimeout(r, 50));
      expect(child.stderrSoFar()).toContain(`waiting for process ${process.pid} on this host`);
      expect(JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")).createdAt).toBe(JSON.parse(readFileSync(path.join(features, "manifest.json"), "utf8")).createdAt);
    } finally {
      release();
    }
    const res = await child.done;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr.match(/waiting for/g)).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")).createdAt).not.toBe(JSON.parse(readFileSync(path.join(features, "manifest.json"), "utf8")).createdAt);
    expect(readdirSync(path.dirname(out))).toEqual(["BTCUSDT-1m"]);
  });
});

describe("rlt eval and rlt report on a full disk", () => {
  it("keep the previous evaluation and report byte for byte and leave nothing behind", async (ctx) => {
    // 4 MB: the run (~1.2 MB), one evaluation and its report fit; then the disk is filled to 64 KB
    const disk = small(4 * 1024, "rlt eval on a full disk");
    if (!disk) return ctx.skip();
    const onDisk = path.join(disk.dir, "ev");
    cpSync(run, onDisk, { recursive: true });
    const evalDir = path.join(onDisk, "eval", "test");
    const dead = await deadPid();
    mkdirSync(`${evalDir}.tmp-${dead}-x`, { recursive: true }); // an eval killed while staging
    const args = ["eval", "--run", onDisk, "--random-repeats", "5", "--bootstrap", "50"];
    const first = rlt(args);
    expect(first.status, first.stderr).toBe(0);
    expect(readdirSync(path.dirname(evalDir))).toEqual(["test"]);
    const report = rlt(["report", "--run", onDisk]);
    expect(report.status, report.stderr).toBe(0);
    const before = treeHashes(evalDir);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(["equity.parquet", "metrics.json", "report.html", "trades.csv", "trades.parquet", "charts/equity.svg"]));

    fillDisk(disk.dir, 64 * 1024);
    expectDiskFull(rlt(args), `evaluation ${evalDir}`, path.dirname(evalDir));
    expect(treeHashes(evalDir)).toEqual(before);
    expect(readdirSync(path.dirname(evalDir))).toEqual(["test"]);

    expectDiskFull(rlt(["report", "--run", onDisk]), `the report of ${evalDir}`, path.dirname(evalDir));
    expect(treeHashes(evalDir)).toEqual(before);
    expect(readdirSync(path.dirname(evalDir))).toEqual(["test"]);
    expect(readdirSync(evalDir).sort()).toEqual(["charts", "equity.parquet", "metrics.json", "report.html", "trades.csv", "trades.parquet"]);
  });
});
