// Bring your own data: freqtrade files made from the bundled real sample (feather with LZ4-frame
// batches, json, json.gz, parquet; freqtrade's names and columns; uncompressed feather: freqtrade.test.ts) import to exactly the klines and
// funding rows the sample CSVs give; a freqtrade folder imports what rlt stores and skips the rest;
// a broken or unsuitable file is refused with its name, row and exit code, the store byte for byte intact.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exitCodeOf } from "../src/core/errors.ts";
import { queryRows } from "../src/data/duck.ts";
import { recordFileOf } from "../src/data/file-record.ts";
import { importFiles } from "../src/data/import/run.ts";
import { Store } from "../src/data/store.ts";
import { rlt as runRlt } from "./helpers/cli.ts";
import { sha256File, treeHashes } from "./helpers/files.ts";
import { type FreqtradeRow, sampleFundingRows, sampleKlineRows, writeFeather, writeJson, writeParquet } from "./helpers/freqtrade-files.ts";
import { SAMPLE_FUNDING, SAMPLE_KLINES, tempDir } from "./helpers/sample-store.ts";

const KLINES = "BTC_USDT_USDT-1m-futures";
const FUNDING_8H = "BTC_USDT_USDT-8h-funding_rate";
const FUNDING_1H = "BTC_USDT_USDT-1h-funding_rate";
const MASKED_LINE =
  "freqtrade data has no taker volumes or trade counts: features trade_imbalance, trade_size_mean, trade_frequency, trade_flow_imbalance will be masked (unless aggTrades cover the same minutes), and vwap uses its (high+low+close)/3 proxy";

/** RLT_CONFIG unset, as this file has always run rlt (so ./rlt.yaml at the checkout's root would be read; there is none). */
const rlt = (args: string[]) => runRlt(args, { RLT_CONFIG: undefined });

/** Every stored kline and funding row, all columns, in key order. */
async function storedRows(dataDir: string): Promise<{ klines: unknown[]; funding: unknown[] }> {
  const store = await Store.open(dataDir);
  try {
    const rows = (kind: "klines" | "funding", key: string) => queryRows(store.db, `SELECT * FROM ${store.scan(kind, "BTCUSDT")} ORDER BY ${key}`);
    return { klines: await rows("klines", "open_time"), funding: await rows("funding", "funding_time") };
  } finally {
    store.close();
  }
}

let work: string;
let klineRows: FreqtradeRow[];
let fundingRows: FreqtradeRow[];
let fromCsv: { klines: unknown[]; funding: unknown[] };
beforeAll(async () => {
  work = tempDir("rlt-ft-");
  klineRows = sampleKlineRows();
  fundingRows = sampleFundingRows();
  const csvDir = path.join(work, "from-csv");
  await importFiles(csvDir, [SAMPLE_KLINES, SAMPLE_FUNDING]);
  fromCsv = await storedRows(csvDir);
}, 120_000);

describe("freqtrade files of the sample import to the same rows as its CSVs", () => {
  const variants: [string, (dir: string) => Promise<string[]> | string[]][] = [
    [
      "feather, LZ4-frame batches (64 Ki-row and 10,000-row chunks)",
      (dir) => {
        writeFeather(path.join(dir, `${KLINES}.feather`), klineRows, { batchRows: 10_000 });
        writeFeather(path.join(dir, `${FUNDING_8H}.feather`), fundingRows);
        return [path.join(dir, `${KLINES}.feather`), path.join(dir, `${FUNDING_8H}.feather`)];
      },
    ],
    [
      "json and json.gz (funding in the 1h timeframe of newer freqtrade)",
      (dir) => {
        writeJson(path.join(dir, `${KLINES}.json`), klineRows);
        writeJson(path.join(dir, `${FUNDING_1H}.json.gz`), fundingRows);
        return [path.join(dir, `${KLINES}.json`), path.join(dir, `${FUNDING_1H}.json.gz`)];
      },
    ],
    [
      "parquet (date TIMESTAMPTZ, and TIMESTAMP_NS for funding)",
      async (dir) => {
        await writeParquet(path.join(dir, `${KLINES}.parquet`), klineRows);
        await writeParquet(path.join(dir, `${FUNDING_8H}.parquet`), fundingRows, "TIMESTAMP_NS");
        return [path.join(dir, `${KLINES}.parquet`), path.join(dir, `${FUNDING_8H}.parquet`)];
      },
    ],
  ];
  for (const [name, make] of variants) {
    it(name, async () => {
      const dir = path.join(work, name.replace(/\W+/g, "-"));
      mkdirSync(dir);
      const files = await make(dir);
      const results = await importFiles(path.join(dir, "data"), files);
      expect(results.map((r) => [r.kind, r.symbol, r.rows, r.validation?.missing.length])).toEqual([
        ["klines", "BTCUSDT", 43_199, 0],
        ["funding", "BTCUSDT", 131, 0],
      ]);
      expect(results[0].notes).toEqual([MASKED_LINE]);
      const got = await storedRows(path.join(dir, "data"));
      expect(got.klines).toHaveLength(43_199);
      expect(got.funding).toHaveLength(131);
      expect(got.klines).toEqual(fromCsv.klines);
      expect(got.funding).toEqual(fromCsv.funding);
      // each stored file's record names the freqtrade file its rows came from
      const store = await Store.open(path.join(dir, "data"));
      const firstDay = store.files("klines", "BTCUSDT")[0];
      store.close();
      const record = JSON.parse(readFileSync(recordFileOf(firstDay), "utf8")) as { current: { sources: unknown[] } };
      expect(record.current.sources).toEqual([{ file: path.basename(files[0]), sha256: sha256File(files[0]) }]);
    }, 120_000);
  }
});

describe("rlt import on a freqtrade folder and on bad files", () => {
  it("imports a user_data folder, skips what rlt does not store with the reason, and says which features stay masked", () => {
    const futures = path.join(work, "user_data", "data", "binance", "futures");
    mkdirSync(futures, { recursive: true });
    writeFeather(path.join(futures, `${KLINES}.feather`), klineRows.slice(0, 3000));
    writeFeather(path.join(futures, `${FUNDING_8H}.feather`), fundingRows);
    writeFeather(path.join(futures, "BTC_USDT_USDT-8h-mark.feather"), fundingRows);
    writeFeather(path.join(futures, "BTC_USDT_USDT-5m-futures.feather"), klineRows.filter((r) => r[0] % 300_000 === 0));
    const dataDir = path.join(work, "folder-data");
    const res = rlt(["import", path.join(work, "user_data"), "--data-dir", dataDir]);
    expect(res.stderr).toContain(`skipped ${path.join(futures, "BTC_USDT_USDT-5m-futures.feather")}: 5m candles; rlt stores 1-minute klines only (its features and simulator run on 1-minute bars)`);
    expect(res.stderr).toContain(`skipped ${path.join(futures, "BTC_USDT_USDT-8h-mark.feather")}: freqtrade mark candles are not imported`);
    expect(res.stdout).toContain(`${FUNDING_8H}.feather: 131 funding rows for BTCUSDT 2023-07-04 16:00 → 2023-08-17 00:00 UTC`);
    expect(res.stdout).toContain(`${KLINES}.feather: 3,000 klines rows for BTCUSDT 2023-07-18 11:13 → 2023-07-20 13:12 UTC`);
    expect(res.stdout).toContain(`  ${MASKED_LINE}\n`);
    expect(res.status).toBe(0);

    // a feather file cut short: exit 1, named, nothing changed
    const before = treeHashes(dataDir);
    const whole = readFileSync(path.join(futures, `${KLINES}.feather`));
    const cut = path.join(work, `${KLINES}.feather`);
    writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    const bad = rlt(["import", cut, "--data-dir", dataDir]);
    expect(bad.stderr).toContain(`${KLINES}.feather is not a Feather (Arrow IPC) file: it lacks the ARROW1 magic at its start or end (truncated?)`);
    expect(bad.status).toBe(1);
    expect(treeHashes(dataDir)).toEqual(before);

    // a spot file named on the command line: exit 2, saying what to download instead
    const spot = path.join(work, "BTC_USDT-1m.feather");
    writeFeather(spot, klineRows.slice(0, 10));
    const refused = rlt(["import", spot, "--data-dir", dataDir]);
    expect(refused.stderr).toContain("BTC_USDT-1m.feather: BTC/USDT is a spot pair; rlt trades USD-M futures, whose prices differ from spot");
    expect(refused.stderr).toContain("freqtrade download-data --trading-mode futures");
    expect(refused.status).toBe(2);
    expect(treeHashes(dataDir)).toEqual(before);
  }, 180_000);

  describe("refused files name the file and row, exit 1, and change nothing", () => {
    let dataDir: string;
    let before: Record<string, string>;
    beforeAll(async () => {
      dataDir = path.join(work, "fault-data");
      writeJson(path.join(work, `${KLINES}.json`), klineRows.slice(0, 100));
      await importFiles(dataDir, [path.join(work, `${KLINES}.json`)]);
      before = treeHashes(dataDir);
    }, 60_000);

    async function refusal(fileName: string, make: (file: string) => void): Promise<{ message: string; hint?: string; exit: number }> {
      const dir = path.join(work, `fault-${Math.random().toString(36).slice(2, 8)}`);
      mkdirSync(dir);
      const file = path.join(dir, fileName);
      make(file);
      try {
        await importFiles(dataDir, [file]);
      } catch (err) {
        expect(treeHashes(dataDir)).toEqual(before);
        return { message: (err as Error).message, hint: (err as { hint?: string }).hint, exit: exitCodeOf(err) };
      }
      throw new Error(`${fileName} was imported`);
    }
    // rows 1..100 of the sample, re-imported with one row broken: a refusal must leave the stored rows alone
    const broken = (i: number, patch: (r: FreqtradeRow) => unknown[]) => klineRows.slice(0, 100).map((r, j) => (j === i ? patch([...r] as FreqtradeRow) : r));

    it("an impossible candle, unless --allow-invalid-rows (then stored marked invalid)", async () => {
      const r = await refusal(`${KLINES}.json`, (f) => writeJson(f, broken(41, ([t, o, , l, c, v]) => [t, o, c - 50, l, c, v])));
      expect(r.message).toMatch(new RegExp(`^${KLINES}\\.json: 1 impossible candle: row 42: high \\d+(\\.\\d+)? is below max\\(open [\\d.]+, close [\\d.]+\\); nothing from this file was imported$`));
      expect(r.hint).toContain("--allow-invalid-rows");
      expect(r.exit).toBe(1);
      const file = path.join(work, "allow", `${KLINES}.json`);
      mkdirSync(path.dirname(file));
      writeJson(file, broken(41, ([t, o, , l, c, v]) => [t, o, c - 50, l, c, v]));
      const allowDir = path.join(work, "allow", "data");
      const [res] = await importFiles(allowDir, [file], { allowInvalidRows: true });
      expect(res.invalidRows).toBe(1);
      const store = await Store.open(allowDir);
      const marked = await queryRows<{ open_time: number }>(store.db, `SELECT open_time FROM ${store.scan("klines", "BTCUSDT")} WHERE invalid`);
      store.close();
      expect(marked).toEqual([{ open_time: klineRows[41][0] }]);
    });

    it("an empty value (pandas writes NaN as null)", async () => {
      const r = await refusal(`${KLINES}.json`, (f) => writeJson(f, broken(6, ([t, o, h, l, c]) => [t, o, h, l, c, null])));
      expect(r).toMatchObject({ message: `${KLINES}.json row 7 (2023-07-18 11:19): volume empty or not a number; nothing from this file was imported`, exit: 1 });
    });

    it("dates in seconds instead of milliseconds", async () => {
      const r = await refusal(`${KLINES}.json`, (f) => writeJson(f, klineRows.slice(0, 100).map(([t, ...v]) => [t / 1000, ...v])));
      expect(r.message).toBe(`${KLINES}.json row 1: date 1689678780 ms (1970-01-20T13:21:18.780Z) is not a plausible time (2017-01-01 … ${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}); nothing from this file was imported`);
      expect(r.exit).toBe(1);
    });

    it("a 1m file whose dates are not on the minute", async () => {
      const r = await refusal(`${KLINES}.json`, (f) => writeJson(f, broken(2, ([t, ...v]) => [t + 30_000, ...v])));
      expect(r).toMatchObject({ message: `${KLINES}.json row 3: date 2023-07-18T11:15:30.000Z is not on a whole minute, so it is not a 1-minute candle; nothing from this file was imported`, exit: 1 });
    });

    it("a garbled LZ4 frame inside a feather file", async () => {
      const r = await refusal(`${KLINES}.feather`, (f) => {
        writeFeather(f, klineRows.slice(0, 100));
        const bytes = readFileSync(f);
        const at = bytes.indexOf(Buffer.from([0x04, 0x22, 0x4d, 0x18]));
        bytes[at + 5] ^= 0x70; // the frame's block-size byte
        writeFileSync(f, bytes);
      });
      expect(r.message).toBe(
        `${KLINES}.feather is not a readable Feather file: a compressed buffer is not a valid LZ4 frame (bad block-size byte): the file is corrupt or truncated; nothing from it was imported`,
      );
      expect(r.exit).toBe(1);
    });

    it("a json file cut short, and a json.gz without its gzip trailer", async () => {
      const text = JSON.stringify(klineRows.slice(0, 100));
      const r = await refusal(`${KLINES}.json`, (f) => writeFileSync(f, text.slice(0, text.length - 40)));
      expect(r.message).toMatch(new RegExp(`^${KLINES}\\.json is not valid JSON \\(.+\\); nothing from it was imported$`));
      expect(r.exit).toBe(1);
      const gz = await refusal(`${KLINES}.json.gz`, (f) => {
        writeJson(f, klineRows.slice(0, 100));
        const bytes = readFileSync(f);
        writeFileSync(f, bytes.subarray(0, bytes.length - 8));
      });
      expect(gz).toMatchObject({ message: `${KLINES}.json.gz is not a readable gzip file: unexpected end of file; nothing from it was imported`, exit: 1 });
    });

    it("a parquet file that is not one, a feather file without rows, a json row of the wrong shape", async () => {
      const r = await refusal(`${KLINES}.parquet`, (f) => writeFileSync(f, "not parquet"));
      expect(r.message).toMatch(new RegExp(`^${KLINES}\\.parquet is not a readable Parquet file: .+; nothing from it was imported$`));
      expect(r.exit).toBe(1);
      const empty = await refusal(`${KLINES}.feather`, (f) => writeFeather(f, []));
      expect(empty).toMatchObject({ message: `${KLINES}.feather holds no rows; nothing was imported`, exit: 1 });
      const shape = await refusal(`${KLINES}.json`, (f) => writeJson(f, broken(4, ([t, o, h, l, c]) => [t, o, h, l, c])));
      expect(shape.message).toMatch(new RegExp(`^${KLINES}\\.json row 5: expected \\[date, open, high, low, close, volume\\], found \\[1689679020000,.+\\]; nothing from this file was imported$`));
    });
  });
});
