// Corruption caught at the door: `rlt import` refuses a zip whose entry fails its CRC, a gzip cut short
// at a line end, times in no plausible unit and impossible candles, each with a message naming the
// file and line, exit 1, and the store byte for byte as it was; µs files, REST-export funding and
// reordered headers import; --allow-invalid-rows stores marked rows that data status and features report.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { strToU8, zipSync } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import { queryRows } from "../src/data/duck.ts";
import { type ImportOptions, type ImportResult, importFile } from "../src/data/import/index.ts";
import { Store } from "../src/data/store.ts";
import { ROOT, expectNoStackTrace, rlt as runRlt } from "./helpers/cli.ts";
import { treeHashes } from "./helpers/files.ts";
import { SAMPLE_KLINES, tempDir } from "./helpers/sample-store.ts";
import { mountSmallDisk } from "./helpers/system-tools.ts";

const T0 = Date.UTC(2023, 6, 20);
const HEADER = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";
type Bar = { open: number; high: number; low: number; close: number; volume: number };
const bar = (i: number): Bar => ({ open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i, volume: 2 });
/** One vision kline line for minute i of T0's day; `unit` writes the times in µs like 2025+ spot files. */
function line(i: number, b: Partial<Bar> = {}, unit: "ms" | "us" = "ms"): string {
  const { open, high, low, close, volume } = { ...bar(i), ...b };
  const f = unit === "us" ? 1000 : 1;
  return `${(T0 + i * 60_000) * f},${open},${high},${low},${close},${volume},${(T0 + i * 60_000 + 59_999) * f + (f - 1)},200,10,1,100,0`;
}
const csv = (lines: string[]) => `${HEADER}\n${lines.join("\n")}\n`;

/** RLT_CONFIG unset, as this file has always run rlt (so ./rlt.yaml at the checkout's root would be read; there is none). */
const rlt = (args: string[]) => runRlt(args, { RLT_CONFIG: undefined });

let work: string;
let dataDir: string;
beforeEach(() => {
  work = tempDir("rlt-door-");
  dataDir = path.join(work, "data");
});

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(work, name);
  writeFileSync(file, content);
  return file;
}

/** Import in this process (no CLI start-up): what a test sets up before the command under test. */
async function importHere(file: string, opts: Omit<ImportOptions, "file"> = {}, dir = dataDir): Promise<ImportResult> {
  const store = await Store.open(dir);
  try {
    return await importFile(store, { file, ...opts });
  } finally {
    store.close();
  }
}

/** A store holding minutes 0..4 of T0's day; returns its hashes. */
async function storeGoodDay(): Promise<Record<string, string>> {
  await importHere(write("good.csv", csv([0, 1, 2, 3, 4].map((i) => line(i)))), { kind: "klines", symbol: "BTCUSDT" });
  return treeHashes(dataDir);
}

async function storedBars(dir = dataDir): Promise<Record<string, unknown>[]> {
  const store = await Store.open(dir);
  try {
    const rel = store.scan("klines", "BTCUSDT");
    if (!rel) return [];
    return await queryRows(store.db, `SELECT open_time, open, high, low, close, volume, close_time, invalid FROM ${rel} ORDER BY open_time`);
  } finally {
    store.close();
  }
}

/** The refusal every case below expects: exit 1 (never 70), the message, nothing changed or left behind. */
function expectRefused(res: ReturnType<typeof rlt>, before: Record<string, string>, message: RegExp, hint?: RegExp): void {
  expect(res.stderr).toMatch(message);
  if (hint) expect(res.stderr).toMatch(hint);
  expectNoStackTrace(res.stderr);
  expect(res.status).toBe(1);
  expect(treeHashes(dataDir)).toEqual(before);
}

describe("rlt import refuses damaged archives", () => {
  it("a zip whose entry fails its CRC-32 (no .CHECKSUM beside it) does not overwrite the stored day", async () => {
    const before = await storeGoodDay();
    // a stored (uncompressed) entry, so a changed byte still parses: volume 2 → 7 in minute 2's row
    const text = csv([0, 1, 2, 3, 4].map((i) => line(i)));
    const zip = zipSync({ "BTCUSDT-1m-2023-07-20.csv": strToU8(text) }, { level: 0 });
    const at = Buffer.from(zip).indexOf(Buffer.from(`${line(2).split(",").slice(0, 5).join(",")},2,`)) + line(2).split(",").slice(0, 5).join(",").length + 1;
    expect(String.fromCharCode(zip[at])).toBe("2");
    zip[at] = "7".charCodeAt(0);
    const file = write("BTCUSDT-1m-2023-07-20.zip", zip);
    const res = rlt(["--data-dir", dataDir, "import", file]);
    expectRefused(
      res,
      before,
      /error: BTCUSDT-1m-2023-07-20\.zip: entry BTCUSDT-1m-2023-07-20\.csv fails its CRC-32 check \(stored [0-9a-f]{8}, computed [0-9a-f]{8}\): the file is corrupt; nothing from it was imported/,
      /hint: the file is damaged .*download it again/,
    );
    expect((await storedBars())[2]).toMatchObject({ volume: 2 });
  });

  it("a gzip stream cut exactly at a line end is refused, though its text reads as a complete CSV", async () => {
    const before = await storeGoodDay();
    const lines = [0, 1, 2, 3, 4].map((i) => line(i, { volume: 9 }));
    // flush after minute 2's line, keep only what was written so far: a gzip without its trailer
    const head = Buffer.from(csv(lines.slice(0, 3)));
    const gz = zlib.createGzip();
    const chunks: Buffer[] = [];
    gz.on("data", (c: Buffer) => chunks.push(c));
    gz.write(head);
    return new Promise<void>((resolve) =>
      gz.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        const cut = Buffer.concat(chunks);
        // what a lenient reader sees: exactly the header and three whole lines
        expect(zlib.gunzipSync(cut, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString()).toBe(head.toString());
        const file = write("BTCUSDT-1m-2023-07-20.csv.gz", cut);
        const res = rlt(["--data-dir", dataDir, "import", file]);
        expectRefused(res, before, /error: BTCUSDT-1m-2023-07-20\.csv\.gz: the gzip stream ends before its trailer: the file is cut short; nothing from it was imported/);
        resolve();
      }),
    );
  });
});

describe("rlt import on a full disk", () => {
  it("decompressing a .csv.gz that does not fit: exit 1 naming what was written, nothing changed or left behind", async () => {
    const disk = mountSmallDisk(1024, "import on a full disk");
    if (!disk) return;
    try {
      dataDir = path.join(disk.dir, "data");
      const before = await storeGoodDay();
      // the sample's 43,199 bars are ≈ 3 MB of CSV once decompressed
      const res = rlt(["--data-dir", dataDir, "import", SAMPLE_KLINES]);
      expectRefused(res, before, /error: no space left on the device while writing the decompressed copy of BTCUSDT-1m-20230718-20230817\.csv\.gz \(.*\); nothing was changed and the partial files were removed/, /hint: free space on the filesystem of /);
    } finally {
      disk.unmount();
    }
  });
});

describe("rlt import refuses a cut-short raw capture", () => {
  it("exit 1 naming the file, not a bare zlib error (exit 70), and nothing stored", async () => {
    const before = await storeGoodDay();
    const sample = readFileSync(path.join(ROOT, "data/sample/BTCUSDT-ws-capture-20230404T2358.txt.gz"));
    const file = write("BTCUSDT-ws-capture-20230404T2358.txt.gz", sample.subarray(0, 200_000));
    expectRefused(rlt(["--data-dir", dataDir, "import", file]), before, /error: BTCUSDT-ws-capture-20230404T2358\.txt\.gz: the gzip stream ends before its trailer: the file is cut short; nothing from it was imported/);
  });
});

describe("rlt import: one time unit per file, plausible times only", () => {
  it("imports a file in µs (the whole column) exactly as the same file in ms", async () => {
    const msDir = path.join(work, "ms");
    const usDir = path.join(work, "us");
    const lines = (unit: "ms" | "us") => [0, 1, 2].map((i) => line(i, {}, unit));
    for (const [dir, unit] of [[msDir, "ms"], [usDir, "us"]] as const) {
      const store = await Store.open(dir);
      try {
        const res = await importFile(store, { file: write(`BTCUSDT-1m-2023-07-20-${unit}.csv`, csv(lines(unit))), kind: "klines", symbol: "BTCUSDT" });
        expect(res.rows).toBe(3);
        expect(res.timestampUnit).toBe(unit === "us" ? "us" : undefined);
      } finally {
        store.close();
      }
    }
    const us = await storedBars(usDir);
    expect(us).toEqual(await storedBars(msDir));
    expect(us[0]).toMatchObject({ open_time: T0, close_time: T0 + 59_999 });
  });

  it("refuses a file mixing ms and µs rows, naming the line and value", async () => {
    const before = await storeGoodDay();
    const lines = [0, 1, 2, 3].map((i) => line(i, {}, i === 2 ? "us" : "ms"));
    const res = rlt(["--data-dir", dataDir, "import", write("BTCUSDT-1m-2023-07-20.csv", csv(lines))]);
    expectRefused(
      res,
      before,
      new RegExp(`error: BTCUSDT-1m-2023-07-20\\.csv line 4: open_time ${(T0 + 120_000) * 1000} is not a time between 2017-01-01 … \\d{4}-\\d{2}-\\d{2} in milliseconds, the unit of the file's other times; nothing from this file was imported`),
      /hint: rlt reads epoch times in ms .* or µs .*, one unit for a whole file/,
    );
  });

  it("refuses times outside 2017 … tomorrow (a year-2100 bar, seconds) before they reach a partition", async () => {
    const before = await storeGoodDay();
    const y2100 = Date.UTC(2100, 0, 1);
    const far = [line(0), line(1).replace(String(T0 + 60_000), String(y2100))];
    const res = rlt(["--data-dir", dataDir, "import", write("BTCUSDT-1m-2023-07-20.csv", csv(far))]);
    expectRefused(res, before, new RegExp(`BTCUSDT-1m-2023-07-20\\.csv line 3: open_time ${y2100} is not a time between 2017-01-01 … .* in milliseconds`));
    const seconds = [0, 1].map((i) => `${(T0 + i * 60_000) / 1000},100,101,99,100,2,${(T0 + i * 60_000 + 59_999) / 1000}`);
    const res2 = rlt(["--data-dir", dataDir, "import", "--kind", "klines", "--symbol", "BTCUSDT", write("seconds.csv", `${seconds.join("\n")}\n`)]);
    expectRefused(res2, before, new RegExp(`seconds\\.csv line 1: open_time ${T0 / 1000} is not a plausible time: neither milliseconds nor microseconds between 2017-01-01`));
  });
});

describe("rlt import: impossible candles", () => {
  const bad = () => [0, 1, 2, 3, 4, 5].map((i) => (i === 2 ? line(i, { high: 99, low: 103 }) : i === 4 ? line(i, { open: -5 }) : i === 5 ? line(i, { volume: -1 }) : line(i)));

  it("are refused with file, line, values and the flag that stores them anyway", async () => {
    const before = await storeGoodDay();
    const res = rlt(["--data-dir", dataDir, "import", write("BTCUSDT-1m-2023-07-20.csv", csv(bad()))]);
    expectRefused(
      res,
      before,
      /error: BTCUSDT-1m-2023-07-20\.csv: 3 impossible candles: line 4: high 99 is below max\(open 102, close 102\.5\); low 103 is above min\(open 102, close 102\.5\); line 6: open -5 is not a positive number; low 103 is above min\(open -5, close 104\.5\); line 7: volume -1 is not ≥ 0; nothing from this file was imported/,
      /hint: re-download the file; or store it anyway with --allow-invalid-rows: those rows are marked invalid, and rlt data status and rlt features keep saying so/,
    );
  });

  it("are stored marked with --allow-invalid-rows, and rlt data status says so", async () => {
    await storeGoodDay();
    const res = rlt(["--data-dir", dataDir, "import", "--allow-invalid-rows", write("BTCUSDT-1m-2023-07-20.csv", csv(bad()))]);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/warning: 3 impossible row\(s\) stored marked invalid \(--allow-invalid-rows\)/);
    const rows = await storedBars();
    expect(rows.map((r) => r.invalid)).toEqual([null, null, true, null, true, true]);
    const status = rlt(["--data-dir", dataDir, "data", "status"]);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/klines\s+BTCUSDT\s+6 rows .* 3 rows marked invalid/);
    // a later clean import of the same day replaces the marked rows and the mark goes with them
    await importHere(write("BTCUSDT-1m-2023-07-20.csv", csv([0, 1, 2, 3, 4, 5].map((i) => line(i)))));
    expect((await storedBars()).map((r) => r.invalid)).toEqual([null, null, null, null, null, null]);
  });
});

describe("marked rows downstream", () => {
  it("rlt features warns when its range holds rows stored marked invalid", async () => {
    const { buildFeatures, formatFeatureSummary } = await import("../src/features/run.ts");
    const lines = Array.from({ length: 240 }, (_, i) => (i === 150 ? line(i, { high: 50 }) : line(i)));
    await importHere(write("BTCUSDT-1m-2023-07-20.csv", csv(lines)), { allowInvalidRows: true });
    const opts = { dataDir, symbol: "BTCUSDT", trainFraction: 0.7, norm: {}, rollingWindow: 60, fillGaps: false };
    const summary = await buildFeatures({ ...opts, outDir: path.join(work, "features") });
    expect(summary.warnings).toEqual([
      "1 klines row(s) in this range are marked invalid (stored with rlt import --allow-invalid-rows): features over them are computed from impossible values",
    ]);
    expect(formatFeatureSummary(summary)).toMatch(/\nwarning: 1 klines row\(s\) in this range are marked invalid/);
    // a range that leaves the marked bar out says nothing
    const before = await buildFeatures({ ...opts, outDir: path.join(work, "features-before"), toMs: T0 + 150 * 60_000 });
    expect(before.warnings).toBeUndefined();
  });
});

describe("rlt import: layouts", () => {
  it("imports the funding REST export (symbol,fundingTime,fundingRate,markPrice; markPrice may be empty) equal to the bulk file", async () => {
    const times = [0, 1, 2].map((k) => Date.UTC(2023, 6, 20) + k * 8 * 3_600_000);
    const rest = write("BTCUSDT-fundingRate-rest.csv", `symbol,fundingTime,fundingRate,markPrice\n${times.map((t, k) => `BTCUSDT,${t},0.0001000${k},${k === 1 ? "" : 30000.5 + k}`).join("\n")}\n`);
    const res = rlt(["--data-dir", dataDir, "import", rest]);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/BTCUSDT-fundingRate-rest\.csv: 3 funding rows for BTCUSDT/);
    const bulkDir = path.join(work, "bulk");
    const bulk = write("BTCUSDT-fundingRate-2023-07.csv", `calc_time,funding_interval_hours,last_funding_rate\n${times.map((t, k) => `${t},8,0.0001000${k}`).join("\n")}\n`);
    await importHere(bulk, {}, bulkDir);
    const read = async (dir: string) => {
      const store = await Store.open(dir);
      try {
        return await queryRows(store.db, `SELECT funding_time, funding_rate, mark_price FROM ${store.scan("funding", "BTCUSDT")} ORDER BY funding_time`);
      } finally {
        store.close();
      }
    };
    const fromRest = await read(dataDir);
    expect(fromRest.map((r) => r.mark_price)).toEqual([30000.5, null, 30002.5]);
    expect(fromRest.map(({ funding_time, funding_rate }) => ({ funding_time, funding_rate }))).toEqual((await read(bulkDir)).map(({ funding_time, funding_rate }) => ({ funding_time, funding_rate })));
  });

  it("reads a header in another order by name, and refuses a header with an unknown column", async () => {
    const order = ["open_time", "open", "low", "high", "close", "volume", "close_time", "quote_volume", "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore"];
    const swapped = [0, 1, 2].map((i) => {
      const f = line(i).split(",");
      return [f[0], f[1], f[3], f[2], ...f.slice(4)].join(",");
    });
    const file = write("BTCUSDT-1m-2023-07-20.csv", `${order.join(",")}\n${swapped.join("\n")}\n`);
    expect((await importHere(file)).notes).toEqual(["the header orders the columns its own way: they were read by name"]);
    expect((await storedBars()).map(({ high, low }) => ({ high, low }))).toEqual([0, 1, 2].map((i) => ({ high: bar(i).high, low: bar(i).low })));
    const before = treeHashes(dataDir);
    const unknown = write("BTCUSDT-1m-2023-07-21.csv", `${order.join(",").replace("high", "hi")}\n${swapped.join("\n")}\n`);
    expectRefused(rlt(["--data-dir", dataDir, "import", unknown]), before, /error: BTCUSDT-1m-2023-07-21\.csv: the header \(open_time,open,low,hi,.*\) is not a klines layout: unknown column\(s\) hi; nothing from this file was imported/);
  });

  it("counts file lines like an editor: the header and blank lines included", async () => {
    const file = write("BTCUSDT-1m-2023-07-20.csv", `${HEADER}\n${line(0)}\n\n${line(1)}\n${line(2, { close: 500 })}\n`);
    const store = await Store.open(dataDir);
    try {
      await expect(importFile(store, { file })).rejects.toThrow(/BTCUSDT-1m-2023-07-20\.csv: 1 impossible candle: line 5: high 103 is below max\(open 102, close 500\)/);
    } finally {
      store.close();
    }
  });
});

describe("rlt fetch: the same row rules on klines from the exchange", () => {
  it("an exchange serving an impossible candle: the fetch fails with a DataError naming it, and no row of that page is stored", async () => {
    const { startExchange } = await import("../src/exchange/server.ts");
    const { loadConfig } = await import("../src/core/config.ts");
    const { createReporter } = await import("../src/core/log.ts");
    const { runFetch } = await import("../src/fetch/run.ts");
    // the local exchange serves what its store holds: here one bar stored marked invalid
    const lines = Array.from({ length: 30 }, (_, i) => (i === 12 ? line(i, { high: 50 }) : line(i)));
    await importHere(write("BTCUSDT-1m-2023-07-20.csv", csv(lines)), { allowInvalidRows: true });
    const ex = await startExchange({ dataDir, nowMs: T0 + 40 * 60_000, freezeClock: true });
    try {
      const into = path.join(work, "fetched");
      const cfg = loadConfig({ exchange: "local", restUrl: ex.restUrl, visionUrl: ex.restUrl, dataDir: into }, {}, work);
      const err = await runFetch(cfg, { symbols: ["BTCUSDT"], kinds: ["klines"], fromMs: T0, toMs: T0 + 30 * 60_000 }, createReporter({ quiet: true })).catch((e: unknown) => e);
      expect((err as Error).constructor.name).toBe("DataError");
      expect((err as Error).message).toBe(
        "GET /fapi/v1/klines BTCUSDT: 1 impossible klines row(s), the first at 2023-07-20 00:12: high 50 is below max(open 112, close 112.5); none of these rows was stored",
      );
      expect(await storedBars(into)).toEqual([]);
    } finally {
      await ex.close();
    }
  });
});
