import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256File as sha256, tempDir } from "../../test/helpers/files.ts";
import { DataError } from "../core/errors.ts";
import { coverage } from "./coverage.ts";
import { queryRows } from "./duck.ts";
import { type FileRecord, checkFile, recordFileOf } from "./file-record.ts";
import { Store } from "./store.ts";

const MIN = 60_000;
const T0 = Date.UTC(2023, 6, 18, 23, 58); // 2023-07-18 23:58, so 5 bars straddle midnight

function bars(startMs: number, n: number, close = (i: number) => 100 + i) {
  const open_time: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < n; i++) {
    open_time.push(startMs + i * MIN);
    c.push(close(i));
  }
  return {
    open_time,
    open: c,
    high: c.map((x) => x + 1),
    low: c.map((x) => x - 1),
    close: c,
    volume: c.map(() => 2),
    close_time: open_time.map((t) => t + MIN - 1),
  };
}

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = tempDir("rlt-store-");
  store = await Store.open(dir);
});
afterEach(() => {
  store.close();
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

async function allKlines(s: Store) {
  return queryRows<{ open_time: number; close: number; quote_volume: number | null }>(
    s.db,
    `SELECT open_time, close, quote_volume FROM ${s.scan("klines", "BTCUSDT")} ORDER BY open_time`,
  );
}

describe("Store.upsert", () => {
  it("partitions by UTC day and stores missing optional columns as NULL", async () => {
    const res = await store.upsertColumns("klines", "BTCUSDT", bars(T0, 5));
    expect(res).toEqual({ rows: 5, days: ["2023-07-18", "2023-07-19"] });
    expect(readdirSync(path.join(dir, "klines", "symbol=BTCUSDT"))).toEqual(["date=2023-07-18", "date=2023-07-19"]);
    const rows = await allKlines(store);
    expect(rows.map((r) => r.close)).toEqual([100, 101, 102, 103, 104]);
    expect(rows.every((r) => r.quote_volume === null)).toBe(true);
  });

  it("is idempotent: re-writing the same rows never duplicates, and new values replace old ones", async () => {
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 5));
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 5));
    await store.upsertColumns("klines", "BTCUSDT", bars(T0 + 3 * MIN, 4, (i) => 200 + i));
    const rows = await allKlines(store);
    expect(rows.map((r) => r.close)).toEqual([100, 101, 102, 200, 201, 202, 203]);
    const cov = await coverage(store, "klines", "BTCUSDT");
    expect(cov).toMatchObject({ rows: 7, duplicates: 0, gaps: [] });
  });

  it("reports every gap with the number of missing bars", async () => {
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 3));
    await store.upsertColumns("klines", "BTCUSDT", bars(T0 + 10 * MIN, 2));
    await store.upsertColumns("klines", "BTCUSDT", bars(T0 + 20 * MIN, 1));
    const cov = await coverage(store, "klines", "BTCUSDT");
    expect(cov.gaps).toEqual([
      { after: T0 + 2 * MIN, before: T0 + 10 * MIN, missing: 7 },
      { after: T0 + 11 * MIN, before: T0 + 20 * MIN, missing: 8 },
    ]);
    expect(cov.firstMs).toBe(T0);
    expect(cov.lastMs).toBe(T0 + 20 * MIN);
  });

  it("leaves stored data untouched when a write fails", async () => {
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 5));
    const before = await allKlines(store);
    // a value DuckDB cannot cast: the whole write is refused before any file changes
    await expect(store.upsert("klines", "BTCUSDT", `SELECT * REPLACE ('x' AS close) FROM ${store.scan("klines", "BTCUSDT")}`)).rejects.toThrow(
      /cannot store klines/,
    );
    expect(await allKlines(store)).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.startsWith(".rlt-tmp-"))).toEqual([]);
  });

  it("removes staging folders left by a killed process on open", async () => {
    const stale = path.join(dir, ".rlt-tmp-999999-1-abc");
    writeFileSync(path.join(dir, "keep.txt"), "");
    rmSync(stale, { recursive: true, force: true });
    await import("node:fs").then((fs) => fs.mkdirSync(path.join(stale, "_day=2023-07-18"), { recursive: true }));
    const again = await Store.open(dir);
    again.close();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(path.join(dir, "keep.txt"))).toBe(true);
  });

  it("exposes each stored kind as a view in the DuckDB catalog", async () => {
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 5));
    const cat = await store.refreshCatalog();
    expect(cat?.views).toEqual(["klines"]);
    const { openDuck } = await import("./duck.ts");
    const { instance, conn } = await openDuck(cat!.file);
    const [row] = await queryRows<{ n: number; s: string }>(conn, "SELECT count(*)::BIGINT AS n, any_value(symbol) AS s FROM klines");
    conn.closeSync();
    instance.closeSync();
    expect(row).toEqual({ n: 5, s: "BTCUSDT" });
  });
});

const record = (file: string) => JSON.parse(readFileSync(recordFileOf(file), "utf8")) as FileRecord;
const SOURCE_A = { file: "/imports/BTCUSDT-1m-2023-07-18.csv", sha256: "a".repeat(64) };
const SOURCE_B = { file: "/imports/BTCUSDT-1m-2023-07-18-fix.csv", sha256: "b".repeat(64) };

/** Flip `n` bytes at a fraction of the file, keeping its size (and, with keepMtime, its recorded mtime: bit rot). */
function garble(file: string, at = 0.3, n = 16, keepMtime = false): void {
  const buf = readFileSync(file);
  const pos = Math.floor(buf.length * at);
  for (let i = 0; i < n; i++) buf[pos + i] ^= 0x5a;
  writeFileSync(file, buf);
  if (keepMtime) {
    // utimes cannot restore a sub-millisecond mtime exactly: move the record's mtime to the file's instead
    const r = record(file);
    r.current.mtimeMs = statSync(file).mtimeMs;
    writeFileSync(recordFileOf(file), JSON.stringify(r));
  }
}

describe("the record of each stored file", () => {
  it("holds rows, bytes, sha256, time range and the import source, written with the file", async () => {
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 5), { source: SOURCE_A });
    const [day1, day2] = store.files("klines", "BTCUSDT");
    const r = record(day1);
    expect(r).toMatchObject({ version: 1, file: "data.parquet" });
    expect(r.current).toMatchObject({ rows: 2, bytes: statSync(day1).size, sha256: sha256(day1), firstMs: T0, lastMs: T0 + MIN, sources: [SOURCE_A] });
    expect(r.current.mtimeMs).toBe(statSync(day1).mtimeMs);
    expect(r.previous).toBeUndefined();
    expect(record(day2).current).toMatchObject({ rows: 3, firstMs: T0 + 2 * MIN, lastMs: T0 + 4 * MIN });
    expect(store.checkFiles("klines").map((c) => c.status)).toEqual(["ok", "ok"]);
  });

  it("keeps the replaced file's record as previous and every source that went into the day", async () => {
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 2), { source: SOURCE_A });
    const [day1] = store.files("klines", "BTCUSDT");
    const first = record(day1).current;
    await store.upsertColumns("klines", "BTCUSDT", bars(T0 + MIN, 1, () => 300), { source: SOURCE_B });
    const r = record(day1);
    expect(r.previous).toEqual(first);
    expect(r.current).toMatchObject({ rows: 2, sha256: sha256(day1), sources: [SOURCE_A, SOURCE_B] });
  });

  it("a crash between the record and the file's rename reads as intact, not as damage", async () => {
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 2));
    const [day1] = store.files("klines", "BTCUSDT");
    const old = path.join(dir, "old.parquet");
    copyFileSync(day1, old);
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 2, () => 500));
    // the state a crash leaves after the new record was renamed in but before the new file was
    copyFileSync(old, day1);
    expect(checkFile(day1)).toMatchObject({ status: "ok", rows: 2 });
    expect((await allKlines(store)).map((r) => r.close)).toEqual([100, 101]);
  });

  it("reads files written before records were kept, and records them when their day is next written", async () => {
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 5));
    const [day1] = store.files("klines", "BTCUSDT");
    rmSync(recordFileOf(day1));
    const legacySha = sha256(day1);
    expect(store.checkFiles("klines").map((c) => c.status)).toEqual(["unrecorded", "ok"]);
    expect((await coverage(store, "klines", "BTCUSDT")).unrecorded).toBe(1);
    expect(await allKlines(store)).toHaveLength(5);
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 1, () => 7));
    expect(record(day1).previous).toMatchObject({ rows: 2, sha256: legacySha, sources: [] });
    expect(checkFile(day1).status).toBe("ok");
  });
});

describe("damaged store files", () => {
  async function damagedStore(damage: (file: string) => void) {
    // 2 bars on the first day, a whole day on the second: big enough that 30 % into it is a data page
    await store.upsertColumns("klines", "BTCUSDT", bars(T0, 1442));
    const [day1, day2] = store.files("klines", "BTCUSDT");
    damage(day2);
    const hashes = [sha256(day1), sha256(day2)];
    // a new Store: nothing cached from before the damage
    const fresh = await Store.open(dir);
    return { fresh, day2, hashes, intact: () => expect([sha256(day1), sha256(day2)]).toEqual(hashes) };
  }

  it("a truncated file ends every read and every merge with a DataError naming it, and nothing is written", async () => {
    const { fresh, day2, intact } = await damagedStore((f) => truncateSync(f, statSync(f).size - 100));
    try {
      const message = new RegExp(`damaged file in the store: ${day2.replaceAll("/", "\\/")} is truncated: it has no Parquet footer at its end .*; it holds [\\d,]+ of the [\\d,]+ bytes recorded`);
      expect(() => fresh.scan("klines", "BTCUSDT")).toThrow(message);
      const err = (() => {
        try {
          fresh.scan("klines", "BTCUSDT");
        } catch (e) {
          return e as DataError;
        }
      })();
      expect(err).toBeInstanceOf(DataError);
      expect(err?.hint).toMatch(/^rlt data repair BTCUSDT moves it aside \(into \.quarantine\/\) and fetches its rows again/);
      await expect(coverage(fresh, "klines", "BTCUSDT")).rejects.toThrow(message);
      await expect(fresh.upsertColumns("klines", "BTCUSDT", bars(T0 + 2 * MIN, 1))).rejects.toThrow(message);
      intact();
      expect(readdirSync(dir).filter((f) => f.startsWith(".rlt-tmp-"))).toEqual([]);
    } finally {
      fresh.close();
    }
  });

  it("a garbled file (same size, bytes changed) is named garbled on read, and a merge never records it as healthy", async () => {
    const { fresh, day2, intact } = await damagedStore((f) => garble(f));
    try {
      expect(() => fresh.scan("klines", "BTCUSDT")).toThrow(new RegExp(`${day2.replaceAll("/", "\\/")} is garbled: its bytes changed after it was written \\(sha256`));
      await expect(fresh.upsertColumns("klines", "BTCUSDT", bars(T0 + 2 * MIN, 1))).rejects.toThrow(/is garbled/);
      intact();
    } finally {
      fresh.close();
    }
  });

  it("bit rot (mtime kept): a merge re-hashes and refuses; a read DuckDB cannot decode names the file", async () => {
    const { fresh, day2, intact } = await damagedStore((f) => garble(f, 0.3, 16, true));
    try {
      // the cheap check trusts an unchanged mtime; DuckDB's own failure is turned into a DataError naming the file
      const rel = fresh.scan("klines", "BTCUSDT");
      const read = fresh.db.run(`SELECT sum(close), sum(volume), sum(high), sum(low), sum(open) FROM ${rel}`);
      await expect(read).rejects.toThrow(new RegExp(`damaged file in the store: ${day2.replaceAll("/", "\\/")} cannot be read \\(Failed to read file`));
      await expect(read).rejects.toBeInstanceOf(DataError);
      await expect(fresh.upsertColumns("klines", "BTCUSDT", bars(T0 + 2 * MIN, 1))).rejects.toThrow(/is garbled: its bytes changed after it was written/);
      intact();
      // a real bug in a query is not dressed up as damaged data
      const bug = fresh.db.run(`SELECT no_such_column FROM ${rel}`);
      await expect(bug).rejects.toThrow(/Binder Error/);
      await expect(bug).rejects.not.toBeInstanceOf(DataError);
    } finally {
      fresh.close();
    }
  });
});

describe("one writer per kind and symbol", () => {
  it("a second writer waits for the first, says once whom it waits for, and no row is lost", async () => {
    const waits: string[] = [];
    const [a, b] = [await Store.open(dir, { onWait: (m) => waits.push(m) }), await Store.open(dir, { onWait: (m) => waits.push(m) })];
    process.env.RLT_TEST_MERGE_DELAY_MS = "300";
    try {
      // both read the same day; without the lock the later rename would drop the other's rows
      await Promise.all([a.upsertColumns("klines", "BTCUSDT", bars(T0, 1)), b.upsertColumns("klines", "BTCUSDT", bars(T0 + MIN, 1))]);
    } finally {
      delete process.env.RLT_TEST_MERGE_DELAY_MS;
      a.close();
      b.close();
    }
    expect((await allKlines(store)).map((r) => r.close)).toEqual([100, 100]);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatch(new RegExp(`^waiting for process ${process.pid} on this host \\(klines BTCUSDT partitions, since .* UTC\\) to finish writing klines BTCUSDT partitions \\(lock .*\\.locks\\/klines-BTCUSDT\\.lock\\)$`));
    expect(existsSync(store.lockFile("klines", "BTCUSDT"))).toBe(false);
  });
});
