import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { coverage } from "./coverage.ts";
import { queryRows } from "./duck.ts";
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
  dir = mkdtempSync(path.join(os.tmpdir(), "rlt-store-"));
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
