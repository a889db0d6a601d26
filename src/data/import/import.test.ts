import { createHash } from "node:crypto";
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { strToU8, zipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SAMPLE_FUNDING, SAMPLE_KLINES, tempDir } from "../../../test/helpers/sample-store.ts";
import { queryRows } from "../duck.ts";
import { Store } from "../store.ts";
import { validateRelation } from "../validate.ts";
import { importFile } from "./index.ts";

const T0 = Date.UTC(2023, 6, 20);
const HEADER = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";
const row = (i: number, close = 100 + i) => `${T0 + i * 60_000},${close},${close + 1},${close - 1},${close},2,${T0 + i * 60_000 + 59_999},200,10,1,100,0`;

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = tempDir();
  store = await Store.open(dir);
});
afterEach(() => store.close());

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function count(): Promise<number> {
  const rel = store.scan("klines", "BTCUSDT");
  if (!rel) return 0;
  return (await queryRows<{ n: number }>(store.db, `SELECT count(*)::BIGINT AS n FROM ${rel}`))[0].n;
}

describe("importFile", () => {
  it("imports the real sample: 43,199 bars without gaps and 131 funding settlements", async () => {
    const k = await importFile(store, { file: SAMPLE_KLINES });
    expect(k).toMatchObject({ kind: "klines", symbol: "BTCUSDT", rows: 43_199, firstMs: Date.UTC(2023, 6, 18, 11, 13), lastMs: Date.UTC(2023, 7, 17, 11, 11) });
    expect(k.validation).toMatchObject({ missing: [], duplicates: 0, outOfOrder: 0, ohlcViolations: 0 });
    const f = await importFile(store, { file: SAMPLE_FUNDING });
    expect(f).toMatchObject({ kind: "funding", rows: 131 });
    const [first] = await queryRows<{ funding_time: number; funding_rate: number; interval_hours: number }>(
      store.db,
      `SELECT funding_time, funding_rate, interval_hours FROM ${store.scan("funding", "BTCUSDT")} ORDER BY funding_time LIMIT 1`,
    );
    expect(first).toEqual({ funding_time: 1688486400000, funding_rate: 0.0001, interval_hours: 8 });
  });

  it("reads vision files with and without a header row, and is idempotent", async () => {
    const withHeader = write("BTCUSDT-1m-2023-07-20.csv", `${HEADER}\n${[0, 1, 2].map((i) => row(i)).join("\n")}\n`);
    const noHeader = write("BTCUSDT-1m-2023-07-21.csv", `${[3, 4].map((i) => row(i)).join("\n")}\n`);
    expect((await importFile(store, { file: withHeader })).rows).toBe(3);
    expect((await importFile(store, { file: noHeader })).rows).toBe(2);
    await importFile(store, { file: withHeader });
    expect(await count()).toBe(5);
    const [r] = await queryRows<{ trades: number; taker_buy_volume: number }>(store.db, `SELECT trades, taker_buy_volume FROM ${store.scan("klines", "BTCUSDT")} LIMIT 1`);
    expect(r).toEqual({ trades: 10, taker_buy_volume: 1 });
  });

  it("verifies a zip against its .CHECKSUM and rejects a mismatch without storing anything", async () => {
    const zip = zipSync({ "BTCUSDT-1m-2023-07-20.csv": strToU8(`${HEADER}\n${row(0)}\n`) });
    const good = write("BTCUSDT-1m-2023-07-20.zip", "");
    writeFileSync(good, zip);
    write("BTCUSDT-1m-2023-07-20.zip.CHECKSUM", `${createHash("sha256").update(zip).digest("hex")}  BTCUSDT-1m-2023-07-20.zip\n`);
    expect(await importFile(store, { file: good })).toMatchObject({ rows: 1, checksum: createHash("sha256").update(zip).digest("hex") });
    const bad = path.join(dir, "BTCUSDT-1m-2023-07-21.zip");
    writeFileSync(bad, zipSync({ "BTCUSDT-1m-2023-07-21.csv": strToU8(`${HEADER}\n${row(5)}\n`) }));
    write("BTCUSDT-1m-2023-07-21.zip.CHECKSUM", `${"0".repeat(64)}  BTCUSDT-1m-2023-07-21.zip\n`);
    await expect(importFile(store, { file: bad })).rejects.toThrow(/checksum mismatch for BTCUSDT-1m-2023-07-21\.zip/);
    expect(await count()).toBe(1);
  });

  it("names the file and line of a malformed row and imports nothing from that file", async () => {
    await importFile(store, { file: write("BTCUSDT-1m-2023-07-19.csv", `${HEADER}\n${row(-1440, 100)}\n`) });
    const lines = [HEADER, ...[0, 1, 2, 3, 4].map((i) => row(i)), row(5).replace(",105,", ",1O5,"), row(6)];
    const file = write("BTCUSDT-1m-2023-07-20.csv", `${lines.join("\n")}\n`);
    await expect(importFile(store, { file })).rejects.toThrow(/BTCUSDT-1m-2023-07-20\.csv line 7: cannot read "1O5"/);
    expect(await count()).toBe(1); // the earlier file's row, nothing from the bad one
    expect(readdirSync(dir).filter((f) => f.startsWith(".rlt-tmp"))).toEqual([]);
  });

  it("refuses a date-string layout (bookDepth) with a time outside 2017 … tomorrow, naming the line", async () => {
    const file = write("BTCUSDT-bookDepth-2023-07-20.csv", "timestamp,percentage,depth,notional\n2023-07-20 00:00:07,-5,100,2000\n2033-07-20 01:00:07,-4,100,2000\n");
    await expect(importFile(store, { file })).rejects.toThrow(/^BTCUSDT-bookDepth-2023-07-20\.csv line 3: timestamp 2033-07-20 01:00:07 is not between 2017-01-01 and \d{4}-\d\d-\d\d; nothing from this file was imported$/);
    expect(store.files("bookdepth")).toEqual([]);
  });

  it("asks for --kind and --symbol when the file name does not tell", async () => {
    const file = write("prices.csv", `${row(0)}\n`);
    await expect(importFile(store, { file })).rejects.toThrow(/cannot tell what kind of data prices\.csv holds/);
    expect((await importFile(store, { file, kind: "klines", symbol: "ethusdt" })).symbol).toBe("ETHUSDT");
  });
});

describe("validateRelation", () => {
  it("counts duplicates, out-of-order rows, missing minutes, OHLC violations and negative volume exactly", async () => {
    const rows = [
      [0, 100, 101, 99, 100, 1],
      [1, 100, 101, 99, 100, 1],
      [1, 100, 101, 99, 100, 1], // duplicate
      [4, 100, 101, 99, 100, 1], // minutes 2, 3 missing
      [3, 100, 101, 99, 100, 1], // out of order (fills minute 3)
      [5, 100, 99, 101, 100, 1], // high < low
      [6, 100, 101, 99, 102, -1], // close above high, negative volume
    ];
    const values = rows.map(([i, o, h, l, c, v]) => `(${T0 + i * 60_000}, ${o}, ${h}, ${l}, ${c}, ${v})`).join(", ");
    const rel = `SELECT * FROM (VALUES ${values}) t(open_time, open, high, low, close, volume)`;
    const r = await validateRelation(store.db, "klines", rel);
    expect(r).toMatchObject({ rows: 7, duplicates: 1, outOfOrder: 1, ohlcViolations: 2, negativeVolume: 1 });
    expect(r.missing).toEqual([{ after: T0 + 60_000, before: T0 + 3 * 60_000, missing: 1 }]);
    expect(r.examples).toHaveLength(3);
  });
});
