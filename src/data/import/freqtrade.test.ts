import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CompressionType, MessageHeader, MessageReader, TimeUnit, type Timestamp, tableFromIPC } from "apache-arrow";
import { beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../core/errors.ts";
import { sampleKlineRows, writeFeather, writeJson } from "../../../test/helpers/freqtrade-files.ts";
import { tempDir } from "../../../test/helpers/sample-store.ts";
import { systemTool } from "../../../test/helpers/system-tools.ts";
import { emptyBar } from "../../features/bar-input.ts";
import { FEATURE_COUNT, FEATURE_NAMES, MASK } from "../../features/definitions.ts";
import { FeatureEngine } from "../../features/engine.ts";
import { queryRows } from "../duck.ts";
import { Store } from "../store.ts";
import { expandImportPaths, FREQTRADE_MASKED_FEATURES, FREQTRADE_PROXY_FEATURES, kindOfName, parseFreqtradeName, symbolOfPair } from "./freqtrade.ts";
import { importFile } from "./index.ts";
import { lz4Decode, lz4Encode } from "./lz4.ts";

let dir: string;
beforeEach(() => {
  dir = tempDir("rlt-ft-unit-");
});

describe("freqtrade file names", () => {
  it("reads pair, timeframe, candle type and format as freqtrade writes them", () => {
    expect(parseFreqtradeName("BTC_USDT_USDT-1m-futures.feather")).toEqual({ pair: "BTC_USDT_USDT", timeframe: "1m", candleType: "futures", format: "feather" });
    expect(parseFreqtradeName("BTC_USDT_USDT-8h-funding_rate.feather")).toMatchObject({ timeframe: "8h", candleType: "funding_rate" });
    expect(parseFreqtradeName("1000PEPE_USDT_USDT-1h-funding_rate.json.gz")).toMatchObject({ pair: "1000PEPE_USDT_USDT", format: "jsongz" });
    expect(parseFreqtradeName("BTC_USDT-1m.parquet")).toMatchObject({ pair: "BTC_USDT", candleType: "spot", format: "parquet" });
    expect(parseFreqtradeName("BTC_USDT_USDT-240329-1m-futures.feather")).toMatchObject({ pair: "BTC_USDT_USDT-240329" });
    expect(parseFreqtradeName("BTCUSDT-1m-2023-07-20.csv")).toBeUndefined();
  });

  it("maps USD-M perpetuals to symbols and refuses spot, coin-margined and dated pairs, saying why", () => {
    expect(symbolOfPair("BTC_USDT_USDT", "f")).toBe("BTCUSDT");
    expect(symbolOfPair("1000PEPE_USDT_USDT", "f")).toBe("1000PEPEUSDT");
    expect(() => symbolOfPair("BTC_USDT", "BTC_USDT-1m.feather")).toThrow("BTC_USDT-1m.feather: BTC/USDT is a spot pair; rlt trades USD-M futures, whose prices differ from spot");
    expect(() => symbolOfPair("BTC_USD_BTC", "f")).toThrow("f: BTC/USD:BTC is a coin-margined contract (settled in BTC); rlt handles USD-M futures only");
    expect(() => symbolOfPair("BTC_USDT_USDT-240329", "f")).toThrow(/cannot map freqtrade pair BTC_USDT_USDT-240329 to a USD-M perpetual symbol/);
    expect(symbolOfPair("BTC_USDT_USDT-240329", "f", "BTCUSDT")).toBe("BTCUSDT");
  });

  it("stores 1m futures candles as klines and funding_rate files as funding; refuses other timeframes and mark prices", () => {
    expect(kindOfName(parseFreqtradeName("BTC_USDT_USDT-1m-futures.feather")!, "f")).toBe("klines");
    expect(kindOfName(parseFreqtradeName("BTC_USDT_USDT-1h-funding_rate.feather")!, "f")).toBe("funding");
    expect(() => kindOfName(parseFreqtradeName("BTC_USDT_USDT-5m-futures.feather")!, "x.feather")).toThrow(
      "x.feather: 5m candles; rlt stores 1-minute klines only (its features and simulator run on 1-minute bars)",
    );
    expect(() => kindOfName(parseFreqtradeName("BTC_USDT_USDT-8h-mark.feather")!, "m.feather")).toThrow(
      "m.feather: freqtrade mark candles are not imported; rlt stores last-price 1-minute klines and funding settlements",
    );
  });

  it("expands a freqtrade folder into what rlt stores and skips the rest with the reason", () => {
    const futures = path.join(dir, "binance", "futures");
    mkdirSync(futures, { recursive: true });
    for (const f of ["BTC_USDT_USDT-1m-futures.feather", "BTC_USDT_USDT-5m-futures.feather", "BTC_USDT_USDT-8h-funding_rate.feather", "BTC_USDT_USDT-8h-mark.feather", "notes.txt"]) {
      writeFileSync(path.join(futures, f), "");
    }
    writeFileSync(path.join(dir, "binance", "BTC_USDT-1m.json"), "[]");
    const got = expandImportPaths([dir]);
    expect(got.files).toEqual([path.join(futures, "BTC_USDT_USDT-1m-futures.feather"), path.join(futures, "BTC_USDT_USDT-8h-funding_rate.feather")]);
    expect(got.skipped.map((s) => [path.basename(s.file), s.reason])).toEqual([
      ["BTC_USDT-1m.json", "BTC/USDT is a spot pair; rlt trades USD-M futures, whose prices differ from spot"],
      ["BTC_USDT_USDT-5m-futures.feather", "5m candles; rlt stores 1-minute klines only (its features and simulator run on 1-minute bars)"],
      ["BTC_USDT_USDT-8h-mark.feather", "freqtrade mark candles are not imported; rlt stores last-price 1-minute klines and funding settlements"],
    ]);
    const empty = path.join(dir, "empty");
    mkdirSync(empty);
    expect(() => expandImportPaths([empty])).toThrow(`${empty} holds no freqtrade data files (*.feather, *.json, *.json.gz, *.parquet)`);
  });
});

describe("LZ4 frames", () => {
  const data = Uint8Array.from({ length: 300_000 }, (_, i) => ((i * 7) % 251) ^ (i >> 10));

  it("round-trips its own frames", () => {
    expect(Buffer.from(lz4Decode(lz4Encode(data))).equals(Buffer.from(data))).toBe(true);
  });

  // the reference C library: pyarrow's settings (linked 64 KB blocks, no checksums) and the checksummed ones
  const lz4 = systemTool("lz4", "apt-get install lz4");
  it.skipIf(!lz4.available)("decodes frames of the reference lz4 library and refuses corrupt or cut ones", () => {
    for (const args of [["-BD", "-B4", "--no-frame-crc"], ["-B4", "-BX"], ["--content-size", "-9"]]) {
      const frame = new Uint8Array(execFileSync(lz4.path!, [...args, "-c", "-"], { input: data, stdio: ["pipe", "pipe", "ignore"] }));
      expect(Buffer.from(lz4Decode(frame)).equals(Buffer.from(data)), args.join(" ")).toBe(true);
      expect(() => lz4Decode(frame.subarray(0, frame.length - 9))).toThrow("a compressed buffer is not a valid LZ4 frame (a block runs past the end): the file is corrupt or truncated");
    }
    const checked = new Uint8Array(execFileSync(lz4.path!, ["-B4", "-c", "-"], { input: data, stdio: ["pipe", "pipe", "ignore"] }));
    checked[checked.length >> 1] ^= 0x55;
    expect(() => lz4Decode(checked)).toThrow("a compressed buffer is not a valid LZ4 frame (content checksum mismatch): the file is corrupt or truncated");
  });

  it("refuses what is not a frame, and matches that point before the data", () => {
    expect(() => lz4Decode(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow("(bad magic number)");
    // header: magic, FLG = version 01, BD = 64 KB, header checksum; one 4-byte block whose match reaches back 9 bytes
    const frame = lz4Encode(new Uint8Array(0)).slice(0, 7);
    const block = [0x10, 0x41, 0x09, 0x00];
    const bad = new Uint8Array([...frame, block.length, 0, 0, 0, ...block, 0, 0, 0, 0]);
    expect(() => lz4Decode(bad)).toThrow("(a match points before the start of the data)");
  });
});

describe("the test's feather files have freqtrade's layout", () => {
  it("date timestamp[ns, UTC], float64 OHLCV, every batch LZ4-frame compressed with uncompressed-length prefixes", () => {
    const rows = sampleKlineRows().slice(0, 25_000);
    const file = path.join(dir, "BTC_USDT_USDT-1m-futures.feather");
    writeFeather(file, rows, { batchRows: 10_000 });
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 6).toString()).toBe("ARROW1");
    // the IPC messages after the file magic, one per record batch
    const reader = new MessageReader(new Uint8Array(bytes).subarray(8));
    const batches: number[] = [];
    for (let msg = reader.readMessage(); msg; msg = reader.readMessage()) {
      if (msg.headerType !== MessageHeader.RecordBatch) continue;
      const header = msg.header() as unknown as { length: number; compression?: { type: CompressionType }; buffers: { offset: number; length: number }[] };
      const body = reader.readMessageBody(msg.bodyLength);
      expect(header.compression?.type).toBe(CompressionType.LZ4_FRAME);
      for (const b of header.buffers.filter((x) => x.length > 0)) {
        const view = new DataView(body.buffer, body.byteOffset + b.offset, b.length);
        // 8-byte uncompressed length (8 bytes a value: the date and every float64 column), then an LZ4 frame
        expect(Number(view.getBigInt64(0, true))).toBe(header.length * 8);
        expect(view.getUint32(8, true)).toBe(0x184d2204);
      }
      batches.push(header.length);
    }
    expect(batches).toEqual([10_000, 10_000, 5_000]);
    const table = tableFromIPC(bytes);
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(["date:Timestamp<NANOSECOND, UTC>", "open:Float64", "high:Float64", "low:Float64", "close:Float64", "volume:Float64"]);
    expect((table.schema.fields[0].type as Timestamp).unit).toBe(TimeUnit.NANOSECOND);
  });
});

describe("uncompressed feather", () => {
  it("stores the same rows as the LZ4-compressed file", async () => {
    const rows = sampleKlineRows().slice(0, 3000);
    const stored: unknown[][] = [];
    for (const lz4 of [true, false]) {
      const sub = path.join(dir, lz4 ? "lz4" : "plain");
      mkdirSync(sub);
      const file = path.join(sub, "BTC_USDT_USDT-1m-futures.feather");
      writeFeather(file, rows, { lz4 });
      const store = await Store.open(path.join(sub, "data"));
      try {
        const res = await importFile(store, { file });
        expect(res).toMatchObject({ kind: "klines", symbol: "BTCUSDT", rows: 3000, layout: "freqtrade feather" });
        stored.push(await queryRows(store.db, `SELECT * FROM ${store.scan("klines", "BTCUSDT")} ORDER BY open_time`));
      } finally {
        store.close();
      }
    }
    expect(readFileSync(path.join(dir, "plain", "BTC_USDT_USDT-1m-futures.feather")).length).toBeGreaterThan(readFileSync(path.join(dir, "lz4", "BTC_USDT_USDT-1m-futures.feather")).length);
    expect(stored[0]).toHaveLength(3000);
    expect(stored[1]).toEqual(stored[0]);
    expect(stored[0][0]).toMatchObject({ open_time: rows[0][0], open: rows[0][1], close_time: rows[0][0] + 59_999, trades: null, taker_buy_volume: null, quote_volume: null });
  });
});

describe("a file with freqtrade's columns under another name", () => {
  it("needs --kind and --symbol, and then imports", async () => {
    const file = path.join(dir, "prices.json");
    writeJson(file, sampleKlineRows().slice(0, 50));
    const store = await Store.open(path.join(dir, "data"));
    try {
      const refused = await importFile(store, { file }).catch((e: UsageError) => e);
      expect(refused).toBeInstanceOf(UsageError);
      expect((refused as UsageError).message).toBe(
        "prices.json: not a freqtrade data file name (expected <PAIR>-1m-futures.<ext> or <PAIR>-<timeframe>-funding_rate.<ext>, e.g. BTC_USDT_USDT-1m-futures.feather)",
      );
      expect((refused as UsageError).hint).toContain("--kind klines|funding and --symbol BTCUSDT");
      expect(store.files("klines")).toEqual([]);
      expect(await importFile(store, { file, kind: "klines", symbol: "ETHUSDT" })).toMatchObject({ kind: "klines", symbol: "ETHUSDT", rows: 50, layout: "freqtrade json" });
    } finally {
      store.close();
    }
  });
});

describe("features masked for freqtrade data", () => {
  // Feed the feature engine the same bars with and without the kline fields freqtrade lacks: the
  // features whose mask turns missing (or proxy) are exactly those the import message names.
  it("are the ones the feature engine masks when taker volumes and trade counts are absent", () => {
    const run = (withExtras: boolean) => {
      const engine = new FeatureEngine();
      const out = new Float64Array(FEATURE_COUNT);
      const mask = new Uint8Array(FEATURE_COUNT);
      for (let i = 0; i < 60; i++) {
        const b = emptyBar(i * 60_000);
        const close = 100 + Math.sin(i) * 2;
        Object.assign(b, { open: close - 0.5, high: close + 1, low: close - 1, close, volume: 10 + (i % 7) });
        if (withExtras) Object.assign(b, { quoteVolume: b.volume * close, klineTrades: 50 + i, takerBuyVolume: b.volume * 0.6 });
        engine.push(b, out, mask);
      }
      return mask;
    };
    const full = run(true);
    const ft = run(false);
    const masked = FEATURE_NAMES.filter((_, i) => ft[i] === MASK.missing && full[i] !== MASK.missing);
    const proxied = FEATURE_NAMES.filter((_, i) => ft[i] === MASK.proxy && full[i] === MASK.measured);
    expect(masked.sort()).toEqual([...FREQTRADE_MASKED_FEATURES].sort());
    expect(proxied).toEqual([...FREQTRADE_PROXY_FEATURES]);
  });
});

