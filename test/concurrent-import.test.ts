// Two `rlt import` processes writing the same day: the second waits for the first (saying whom it
// waits for), and the stored day holds the rows of both. A writer that cannot get the lock in time
// refuses with exit 75 and leaves the store as it was.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLock } from "../src/core/lock.ts";
import { queryRows } from "../src/data/duck.ts";
import { Store } from "../src/data/store.ts";
import { until } from "./helpers/poll.ts";
import { expectNoStackTrace, spawnRlt as rlt } from "./helpers/cli.ts";
import { treeHashes } from "./helpers/files.ts";
import { tempDir } from "./helpers/sample-store.ts";

const DAY_MS = 86_400_000;
const DAY = Date.UTC(2023, 6, 19);
/** Generous: child processes start slowly on a loaded machine. */
const TEST_TIMEOUT_MS = 120_000;

/** A 7-column kline CSV (the bundled sample's layout) of minutes [from, to) of 2023-07-19. */
function klineCsv(dir: string, name: string, fromMin: number, toMin: number): string {
  const lines: string[] = [];
  for (let i = fromMin; i < toMin; i++) {
    const t = DAY + i * 60_000;
    const p = 30_000 + i;
    lines.push(`${t},${p},${p + 2},${p - 2},${p + 1},1.5,${t + 59_999}`);
  }
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

async function storedCloses(dataDir: string): Promise<number[]> {
  const store = await Store.open(dataDir);
  try {
    const rows = await queryRows<{ close: number }>(store.db, `SELECT close FROM ${store.scan("klines", "BTCUSDT")} ORDER BY open_time`);
    return rows.map((r) => r.close);
  } finally {
    store.close();
  }
}

/** The store's files but its lock folder and catalog. */
const hashes = (dir: string) => treeHashes(dir, { skipDirs: [".locks"], skipFile: (rel) => rel.endsWith("catalog.duckdb") });

const importArgs = (file: string, dataDir: string) => ["import", file, "--kind", "klines", "--symbol", "BTCUSDT", "--data-dir", dataDir];

describe("concurrent writers of one partition", () => {
  it(
    "two imports of one day: the second waits for the first, naming it, and both files' rows are stored",
    async () => {
      const work = tempDir();
      const dataDir = path.join(work, "data");
      const morning = klineCsv(work, "morning.csv", 0, 720);
      const evening = klineCsv(work, "evening.csv", 720, 1440);
      const release = path.join(work, "release");
      // the first import pauses between reading the day and replacing it, until the test says go
      const first = rlt(importArgs(morning, dataDir), { RLT_TEST_MERGE_PAUSE_UNTIL_FILE: release });
      // the store's staging folder (.rlt-tmp-<pid>-<ms>-<id>) appears once the merge has read the day
      const staging = new RegExp(`^\\.rlt-tmp-${first.child.pid}-\\d+-[a-z0-9]+$`);
      await until("the first import to read the day", () => existsSync(dataDir) && readdirSync(dataDir).some((f) => staging.test(f)), 90_000);
      const second = rlt(importArgs(evening, dataDir));
      // go once the second is waiting for the lock (or, without a lock, once it has written and exited)
      await until("the second import to wait or finish", () => second.stderrSoFar().includes("waiting for") || second.child.exitCode !== null, 90_000);
      writeFileSync(release, "");
      const [a, b] = await Promise.all([first.done, second.done]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(a.stdout).toMatch(/morning\.csv: 720 klines rows for BTCUSDT 2023-07-19 00:00 → 2023-07-19 11:59 UTC/);
      expect(b.stdout).toMatch(/evening\.csv: 720 klines rows for BTCUSDT 2023-07-19 12:00 → 2023-07-19 23:59 UTC/);
      // the union: no row of either file lost
      const closes = await storedCloses(dataDir);
      expect(closes).toHaveLength(1440);
      expect(closes[0]).toBe(30_001);
      expect(closes[1439]).toBe(30_000 + 1439 + 1);
      const lock = path.join(dataDir, ".locks", "klines-BTCUSDT.lock");
      const wait = `rlt: waiting for process ${first.child.pid} on this host (klines BTCUSDT partitions, since `;
      expect(b.stderr).toContain(wait);
      expect(b.stderr).toContain(`UTC) to finish writing klines BTCUSDT partitions (lock ${lock})\n`);
      expect(b.stderr.split(wait).length - 1).toBe(1); // said once
      expect(existsSync(lock)).toBe(false);
      expect(readdirSync(dataDir).filter((f) => f.startsWith(".rlt-tmp-"))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a writer that cannot get the lock in time refuses with exit 75, naming the holder, and changes nothing",
    async () => {
      const work = tempDir();
      const dataDir = path.join(work, "data");
      const store = await Store.open(dataDir);
      await store.upsert("klines", "BTCUSDT", `SELECT ${DAY} + i * 60000 AS open_time, 1.0 AS open, 2.0 AS high, 0.5 AS low, 1.5 AS close, 3.0 AS volume, ${DAY} + i * 60000 + 59999 AS close_time FROM range(0, 1440) t(i)`);
      store.close();
      const before = hashes(dataDir);
      const lock = path.join(dataDir, ".locks", "klines-BTCUSDT.lock");
      const release = await acquireLock(lock, { purpose: "klines BTCUSDT partitions" });
      try {
        const res = await rlt(importArgs(klineCsv(work, "late.csv", 0, 60), dataDir), { RLT_LOCK_TIMEOUT_MS: "2000" }).done;
        expect(res.code, res.stderr).toBe(75);
        const who = `process ${process.pid} on this host (klines BTCUSDT partitions, since `;
        expect(res.stderr.split(`rlt: waiting for ${who}`).length - 1).toBe(1);
        expect(res.stderr).toMatch(new RegExp(`error: klines BTCUSDT partitions is being written by ${who.replace(/[()]/g, "\\$&")}[^)]* UTC\\); gave up after 2 s\\n`));
        expect(res.stderr).toContain("hint: let that process finish (or stop it) and run the command again; RLT_LOCK_TIMEOUT_MS sets how long to wait");
        expectNoStackTrace(res.stderr);
      } finally {
        release();
      }
      expect(hashes(dataDir)).toEqual(before);
      expect(readdirSync(dataDir).filter((f) => f.startsWith(".rlt-tmp-"))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
