// A store that checks itself, end to end: a truncated and a garbled file end rlt data status,
// rlt features and rlt fetch with a message naming them (exit 1, nothing changed); rlt data repair
// moves them aside and fetches their days again from the local exchange; rlt data verify finds bit rot
// the cheap check cannot; recorded data names its source files; a full disk is an operational error.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../src/data/duck.ts";
import { type FileRecord, recordFileOf } from "../src/data/file-record.ts";
import { Store } from "../src/data/store.ts";
import { verifyStore } from "../src/data/verify.ts";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { ROOT, expectNoStackTrace, spawnRlt } from "./helpers/cli.ts";
import { sha256File as sha256, treeHashes } from "./helpers/files.ts";
import { SAMPLE_CAPTURE_2024, sampleDataDir, tempDir } from "./helpers/sample-store.ts";
import { fillDisk, mountSmallDisk } from "./helpers/system-tools.ts";

const TEST_TIMEOUT_MS = 180_000;
const dayFile = (dataDir: string, day: string) => path.join(dataDir, "klines", "symbol=BTCUSDT", `date=${day}`, "data.parquet");
const record = (file: string) => JSON.parse(readFileSync(recordFileOf(file), "utf8")) as FileRecord;
const fmt = (n: number) => n.toLocaleString("en-US");
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

let pristine: string;
let ex: RunningExchange;
beforeAll(async () => {
  pristine = await sampleDataDir();
  // the exchange serves the untouched sample; each test damages its own copy
  ex = await startExchange({ dataDir: pristine, freezeClock: true });
}, TEST_TIMEOUT_MS);
afterAll(() => ex?.close());

function copyOfSample(): string {
  const dir = path.join(tempDir("rlt-integrity-"), "data");
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

const rlt = (args: string[]) => spawnRlt(args).done;

const local = () => ["--exchange", "local", "--rest-url", ex.restUrl, "--vision-url", ex.restUrl];

/** sha256 of every file under dir (the lock folder aside: it only ever holds a lock while one is held). */
const hashes = (dir: string) => treeHashes(dir, { skipDirs: [".locks"] });

/** Flip bytes 40 % into the file: same size, changed content. */
function garble(file: string): void {
  const buf = readFileSync(file);
  const at = Math.floor(buf.length * 0.4);
  for (let i = 0; i < 16; i++) buf[at + i] ^= 0x5a;
  writeFileSync(file, buf);
}

async function klinesOfDay(dataDir: string, day: string) {
  const store = await Store.open(dataDir);
  try {
    const from = Date.parse(`${day}T00:00:00Z`);
    return await queryRows(
      store.db,
      `SELECT open_time, open, high, low, close, volume, close_time FROM ${store.scan("klines", "BTCUSDT")} WHERE open_time >= ${from} AND open_time < ${from + 86_400_000} ORDER BY open_time`,
    );
  } finally {
    store.close();
  }
}

describe("a damaged store", () => {
  it(
    "a truncated and a garbled file end data status, features and fetch naming both (exit 1, nothing changed); data repair fetches them again",
    async () => {
      const dataDir = copyOfSample();
      const cut = dayFile(dataDir, "2023-07-19");
      const flipped = dayFile(dataDir, "2023-07-20");
      const cutRecordedBytes = record(cut).current.bytes;
      truncateSync(cut, 30_000);
      garble(flipped);
      const before = hashes(dataDir);
      const message =
        `error: damaged files in the store: ${cut} is truncated: it has no Parquet footer at its end (cut short or overwritten); it holds 30,000 of the ${fmt(cutRecordedBytes)} bytes recorded; ` +
        `${flipped} is garbled: its bytes changed after it was written (sha256 `;
      const hint = "hint: rlt data repair BTCUSDT moves them aside (into .quarantine/) and fetches their rows again, or names the files to import again; or delete them and fetch or import those days again";
      const runs = await Promise.all([
        rlt(["data", "status", "--data-dir", dataDir]),
        rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", path.join(tempDir(), "features")]),
        rlt(["fetch", "BTCUSDT", "--days", "30", "--data-dir", dataDir, ...local()]),
      ]);
      for (const [i, res] of runs.entries()) {
        const what = ["data status", "features", "fetch"][i];
        expect(res.code, `${what}: ${res.stderr}`).toBe(1);
        expect(res.stderr, what).toContain(message);
        expect(res.stderr, what).toContain(hint);
        expectNoStackTrace(res.stderr, what);
      }
      expect(hashes(dataDir)).toEqual(before);

      const pristineRows = [await klinesOfDay(pristine, "2023-07-19"), await klinesOfDay(pristine, "2023-07-20")];
      const repair = await rlt(["data", "repair", "BTCUSDT", "--data-dir", dataDir, ...local()]);
      expect(repair.code, repair.stderr).toBe(0);
      const quarantine = new RegExp(`moved aside to (${esc(dataDir)}/\\.quarantine/\\d{8}T\\d{6}Z-\\d+)\\n`).exec(repair.stdout)?.[1];
      expect(quarantine, repair.stdout).toBeDefined();
      expect(repair.stdout).toContain(`checked 76 files in ${dataDir}: 2 damaged, moved aside to ${quarantine}\n`);
      expect(repair.stdout).toContain(`  klines BTCUSDT 2023-07-19 data.parquet: truncated: it has no Parquet footer at its end (cut short or overwritten); it holds 30,000 of the ${fmt(cutRecordedBytes)} bytes recorded\n`);
      expect(repair.stdout).toMatch(/ {2}klines BTCUSDT 2023-07-20 data\.parquet: garbled: its bytes changed after it was written \(sha256 [0-9a-f]{12}…, recorded [0-9a-f]{12}…\)\n/);
      expect(repair.stdout.match(/ {4}fetched again: 1,440 rows \(the damaged file held 1,440\)\n/g)).toHaveLength(2);
      // the record also names the file the rows were first imported from
      const sampleSha = sha256(path.join(ROOT, "data", "sample", "BTCUSDT-1m-20230718-20230817.csv.gz")).slice(0, 12);
      expect(repair.stdout.match(new RegExp(` {4}also imported from: rlt import BTCUSDT-1m-20230718-20230817\\.csv\\.gz {3}\\(sha256 ${sampleSha}…\\)\n`, "g"))).toHaveLength(2);
      // moved, never deleted: the damaged bytes and their records are in the quarantine folder
      for (const f of [cut, flipped]) {
        const moved = path.join(quarantine!, path.relative(dataDir, f));
        expect(repair.stdout).toContain(`    moved to ${moved}\n`);
        expect(sha256(moved)).toBe(before[path.relative(dataDir, f)]);
        expect(existsSync(recordFileOf(moved))).toBe(true);
      }
      // the days are back, bar for bar as the exchange has them, and every other file is as it was
      expect(await klinesOfDay(dataDir, "2023-07-19")).toEqual(pristineRows[0]);
      expect(await klinesOfDay(dataDir, "2023-07-20")).toEqual(pristineRows[1]);
      const after = hashes(dataDir);
      for (const [file, hash] of Object.entries(before)) {
        if (file.includes("date=2023-07-19") || file.includes("date=2023-07-20") || file === "catalog.duckdb") continue;
        expect(after[file], file).toBe(hash);
      }
      const [verify, status] = await Promise.all([rlt(["data", "verify", "--data-dir", dataDir]), rlt(["data", "status", "--data-dir", dataDir])]);
      expect(verify.code, verify.stderr).toBe(0);
      expect(verify.stdout).toBe(`verified 76 files in ${dataDir}: 76 ok, 0 unrecorded, 0 damaged\n`);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/klines\s+BTCUSDT\s+43,199 rows {2}2023-07-18 11:13 → 2023-08-17 11:11 UTC {2}no gaps\n/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "data verify finds bit rot the cheap check lets pass (mtime unchanged), and lists files without a record",
    async () => {
      const dataDir = copyOfSample();
      const rotten = dayFile(dataDir, "2023-07-25");
      const legacy = dayFile(dataDir, "2023-07-26");
      garble(rotten);
      // bit rot leaves the mtime alone: make the record's mtime the file's, as if nothing had touched it
      const r = record(rotten);
      r.current.mtimeMs = statSync(rotten).mtimeMs;
      writeFileSync(recordFileOf(rotten), JSON.stringify(r));
      rmSync(recordFileOf(legacy)); // as an older rlt wrote it: no record

      const before = hashes(dataDir);
      const res = await rlt(["data", "verify", "BTCUSDT", "--data-dir", dataDir]);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stdout).toMatch(
        new RegExp(`^verified 76 files in ${esc(dataDir)}: 74 ok, 1 unrecorded, 1 damaged\\n {2}damaged {5}${esc(rotten)}: garbled: its bytes changed after it was written \\(sha256 [0-9a-f]{12}…, recorded [0-9a-f]{12}…\\)\\n {2}unrecorded {2}${esc(legacy)}\\n`),
      );
      expect(res.stderr).toContain(`error: 1 damaged file in ${dataDir}\n`);
      expect(res.stderr).toContain("hint: rlt data repair BTCUSDT moves it aside (into .quarantine/) and fetches its rows again");
      // what --json prints, without another process
      const report = await verifyStore(dataDir);
      expect(report).toMatchObject({ files: 76, ok: 74, unrecorded: [{ kind: "klines", day: "2023-07-26", file: legacy, status: "unrecorded", rows: 1440 }] });
      expect(report.bad).toEqual([{ kind: "klines", symbol: "BTCUSDT", day: "2023-07-25", file: rotten, status: "bad", problem: "garbled", detail: expect.stringMatching(/^its bytes changed/) }]);
      expect(hashes(dataDir)).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "data repair of recorded data moves it aside and names the source files to import again (exit 1)",
    async () => {
      const dataDir = path.join(tempDir("rlt-integrity-"), "data");
      const source = { file: SAMPLE_CAPTURE_2024, sha256: sha256(SAMPLE_CAPTURE_2024) };
      const store = await Store.open(dataDir);
      const t0 = Date.UTC(2024, 6, 19, 0, 0);
      await store.writePart(
        "trades",
        "BTCUSDT",
        "part-capture",
        { trade_id: [1, 2, 3], price: [64_000, 64_001, 64_002], quantity: [0.1, 0.2, 0.3], trade_time: [t0, t0 + 1, t0 + 2], is_buyer_maker: [true, false, true] },
        { source },
      );
      const [part] = store.files("trades", "BTCUSDT");
      store.close();
      truncateSync(part, 100);
      const damaged = sha256(part);
      const res = await rlt(["data", "repair", "--data-dir", dataDir]);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stdout).toContain(`  trades BTCUSDT 2024-07-19 part-capture.parquet: truncated: it has no Parquet footer at its end (cut short or overwritten); it holds 100 of the`);
      expect(res.stdout).toContain(`    import again: rlt import ${SAMPLE_CAPTURE_2024}   (sha256 ${source.sha256.slice(0, 12)}…)\n`);
      expect(res.stderr).toContain("error: 1 of 1 damaged file was moved aside but its rows are not back\n");
      expect(res.stderr).toContain("hint: import the files named above again");
      const moved = /moved to (.*)\n/.exec(res.stdout)![1];
      expect(sha256(moved)).toBe(damaged);
      expect(existsSync(part)).toBe(false);
      expect(JSON.parse(readFileSync(recordFileOf(moved), "utf8")).current.sources).toEqual([source]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a full disk while writing a partition exits 1 with a disk-full message and leaves the store as it was",
    async () => {
      const disk = mountSmallDisk(4_000, "store write on a full disk");
      if (!disk) return;
      try {
        const dataDir = path.join(disk.dir, "data");
        const store = await Store.open(dataDir);
        const day = Date.UTC(2023, 6, 19);
        await store.upsert("klines", "BTCUSDT", `SELECT ${day} + i * 60000 AS open_time, 1.0 + i AS open, 2.0 + i AS high, 0.5 AS low, 1.5 + i AS close, 3.0 AS volume, ${day} + i * 60000 + 59999 AS close_time FROM range(0, 1440) t(i)`);
        store.close();
        const csv = path.join(tempDir(), "BTCUSDT-1m-2023-07-19.csv");
        writeFileSync(csv, Array.from({ length: 1440 }, (_, i) => `${day + i * 60_000},${5 + i},${7 + i},${4 + i},${6 + i},1.25,${day + i * 60_000 + 59_999}`).join("\n"));
        // leave ~20 KB: enough for a lock file, not for the day's merged Parquet file
        fillDisk(disk.dir, 20_000);
        const before = hashes(dataDir);
        const res = await rlt(["import", csv, "--kind", "klines", "--symbol", "BTCUSDT", "--data-dir", dataDir]);
        expect(res.code, res.stderr).toBe(1);
        expect(res.stderr).toMatch(
          new RegExp(`error: no space left on the device while writing klines BTCUSDT \\(${esc(path.join(dataDir, "klines", "symbol=BTCUSDT"))}\\); nothing was changed and the partial files were removed`),
        );
        expect(res.stderr).toMatch(/hint: free space on the filesystem of .* and run the command again/);
        expectNoStackTrace(res.stderr);
        expect(hashes(dataDir)).toEqual(before);
        expect(readdirSync(dataDir).filter((f) => f.startsWith(".rlt-tmp-"))).toEqual([]);
      } finally {
        disk.unmount();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
