// The recorder loses at most its flush interval: `rlt record` SIGKILLed mid-part, then restarted,
// stores everything it had received up to the flush interval before the kill, and fills the aggTrade
// ids it missed while down by REST. Dropped streams are counted, backfilled and stored as
// record_events; the log survives torn and damaged lines as documented.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordConfigSchema } from "../src/core/config.ts";
import { RltError } from "../src/core/errors.ts";
import { idGaps } from "../src/data/coverage.ts";
import { dataStatus, formatStatus } from "../src/data/status.ts";
import { queryRows } from "../src/data/duck.ts";
import { Store } from "../src/data/store.ts";
import { type CaptureSource, createCaptureSource } from "../src/exchange/capture-source.ts";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { readCapture } from "../src/record/capture.ts";
import { RecordLog, logFiles } from "../src/record/record-log.ts";
import { Recorder } from "../src/record/recorder.ts";
import { recoverLogs } from "../src/record/recovery.ts";
import { treeHashes as hashTree } from "./helpers/files.ts";
import { SAMPLE_CAPTURE_2024, tempDir } from "./helpers/sample-store.ts";
import { mountSmallDisk } from "./helpers/system-tools.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
/** Replay speed: ≈510 messages/s, so a second of stream is never empty. */
const SPEED = 4;
const FLUSH_MS = 1000;
/** A loaded machine may run the recorder's flush timer late: this much on top of the interval is tolerated. */
const SCHEDULING_SLACK_MS = 1500;

let ex: RunningExchange;
let source: CaptureSource;
let exchangeDir: string;
/** Final update ids of the capture's depth diffs, in order. */
let captureUs: number[];

beforeAll(async () => {
  // the exchange serves the capture's trades over REST as aggregate trades (one trade each, as its
  // aggTrade stream derives them), so that the recorder can backfill what it missed
  exchangeDir = tempDir();
  const cols = { agg_trade_id: [] as number[], price: [] as number[], quantity: [] as number[], first_trade_id: [] as number[], last_trade_id: [] as number[], transact_time: [] as number[], is_buyer_maker: [] as boolean[] };
  captureUs = [];
  for await (const { event } of readCapture(SAMPLE_CAPTURE_2024)) {
    if (event.type === "depth") captureUs.push(event.diff.u);
    if (event.type !== "trade") continue;
    const t = event.trade;
    cols.agg_trade_id.push(t.tradeId);
    cols.price.push(t.priceUsdt);
    cols.quantity.push(t.qty);
    cols.first_trade_id.push(t.tradeId);
    cols.last_trade_id.push(t.tradeId);
    cols.transact_time.push(t.tradeTimeMs);
    cols.is_buyer_maker.push(t.isBuyerMaker);
  }
  const seed = await Store.open(exchangeDir);
  await seed.upsertColumns("aggtrades", "BTCUSDT", cols);
  seed.close();
  source = await createCaptureSource(SAMPLE_CAPTURE_2024, { speed: SPEED });
  // the server clock after the capture's end, so that REST answers every trade of it
  ex = await startExchange({ dataDir: exchangeDir, streams: [source], nowMs: Date.UTC(2024, 6, 19, 0, 10) });
});
afterAll(() => ex.close());

function rlt(args: string[]): string[] {
  return ["bin/rlt.js", ...args, "--exchange", "local", "--rest-url", ex.restUrl, "--ws-url", ex.wsUrl];
}
const ENV: NodeJS.ProcessEnv = { ...process.env, RLT_CONFIG: "" };
delete ENV.RLT_DATA_DIR;

function run(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: ENV });
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += String(c)));
    child.once("exit", (status) => resolve({ status, stderr }));
  });
}

/** Resolve once the child's stderr shows `pattern`. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  let text = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${timeoutMs} ms; stderr so far:\n${text}`)), timeoutMs);
    child.stderr!.on("data", (chunk) => {
      text += String(chunk);
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before ${pattern}; stderr:\n${text}`)));
  });
}

async function rows<T>(dataDir: string, sql: (scan: (kind: Parameters<Store["scan"]>[0]) => string) => string): Promise<T[]> {
  const store = await Store.open(dataDir);
  try {
    return await queryRows<T>(store.db, sql((kind) => store.scan(kind, "BTCUSDT") ?? "(SELECT NULL WHERE false)"));
  } finally {
    store.close();
  }
}

describe("rlt record durability", () => {
  it("SIGKILL loses at most the flush interval: the restart stores the killed session's log and backfills the aggTrades missed while down", async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, rlt(["record", "BTCUSDT", "--data-dir", dataDir, "--flush-interval", "1s"]), { cwd: ROOT, env: ENV });
    await waitForOutput(child, /synced: \d+ events.*durable/, 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    const killMs = Date.now();
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    // nothing of the session had reached Parquet (its roll is 15 minutes away): only the log holds it
    const [log] = logFiles(dataDir, "BTCUSDT");
    expect(log).toMatch(/\.record-log\/symbol=BTCUSDT\/rec-\d+\.ndjson$/);
    expect(existsSync(path.join(dataDir, "depth_updates"))).toBe(false);

    // not spawnSync: the exchange runs in this process and must keep serving
    const restart = await run(rlt(["record", "BTCUSDT", "--data-dir", dataDir, "--duration", "2"]));
    expect(restart.status, restart.stderr).toBe(0);
    expect(restart.stderr).toMatch(new RegExp(`recovered \\d+ rows \\{.*"depth_updates":\\d+.*\\} from the log of recorder process ${child.pid} that stopped before its roll`));
    expect(logFiles(dataDir, "BTCUSDT")).toEqual([]);

    // everything received up to the flush interval before the kill is stored, without a hole
    const [before] = await rows<{ last_recv: number; n: number; first_u: number; last_u: number }>(
      dataDir,
      (scan) => `SELECT max(recv_time)::BIGINT AS last_recv, count(DISTINCT final_update_id)::BIGINT AS n, min(final_update_id)::BIGINT AS first_u, max(final_update_id)::BIGINT AS last_u FROM ${scan("depth_updates")} WHERE recv_time < ${killMs}`,
    );
    const lostMs = killMs - before.last_recv;
    expect(lostMs).toBeGreaterThanOrEqual(0);
    expect(lostMs).toBeLessThanOrEqual(FLUSH_MS + SCHEDULING_SLACK_MS);
    const span = captureUs.slice(captureUs.indexOf(before.first_u), captureUs.indexOf(before.last_u) + 1);
    expect(span.length).toBeGreaterThan(100);
    expect(before.n).toBe(span.length);

    // aggregate trades: the ids missed between the kill and the restart came by REST
    const [agg] = await rows<{ n: number; lo: number; hi: number }>(dataDir, (scan) => `SELECT count(*)::BIGINT AS n, min(agg_trade_id)::BIGINT AS lo, max(agg_trade_id)::BIGINT AS hi FROM ${scan("aggtrades")}`);
    expect(agg.n).toBe(agg.hi - agg.lo + 1);
    const events = await rows<{ type: string; detail: string }>(dataDir, (scan) => `SELECT type, detail FROM ${scan("record_events")} ORDER BY time`);
    expect(events.map((e) => e.type)).toContain("recovery");
    expect(events.find((e) => e.type === "backfill")?.detail).toMatch(/^ids \d+\.\.\d+: (\d+) of \1 fetched by REST in \d+ requests$/);
  }, 60_000);

  it("after dropped streams: counts the reconnects, backfills every skipped aggTrade id, stores breaks and resyncs as record_events", async () => {
    // its own exchange, 20× real time so that every ~100 ms reconnect misses some trades, and whose
    // connections also end after 1.5 s: the market route would seldom reach the drop fault's count
    const dropping = await createCaptureSource(SAMPLE_CAPTURE_2024, { speed: 20 });
    const ex2 = await startExchange({ dataDir: exchangeDir, streams: [dropping], nowMs: Date.UTC(2024, 6, 19, 0, 10), maxConnectionMs: 1500 });
    const dataDir = tempDir();
    const store = await Store.open(dataDir);
    const recorder = new Recorder({
      store,
      symbol: "BTCUSDT",
      restUrl: ex2.restUrl,
      wsUrl: ex2.wsUrl,
      config: { ...RecordConfigSchema.parse({}), flushIntervalMs: 500, depthSpeed: "0ms" },
      clockMs: dropping.replayNowMs,
    });
    let summary;
    let aggRequests = 0;
    try {
      await recorder.start();
      ex2.faults.dropWsAfterMessages = 600;
      await new Promise((r) => setTimeout(r, 5000));
      ex2.faults.dropWsAfterMessages = 0;
      await new Promise((r) => setTimeout(r, 1000)); // the last reconnect and its backfill
      summary = await recorder.stop();
    } finally {
      store.close();
      aggRequests = ex2.stats().byPath["/fapi/v1/aggTrades"] ?? 0;
      await ex2.close();
    }

    expect(summary.reconnects).toBeGreaterThanOrEqual(4); // both routes, twice at least
    expect(summary.backfilledAggTrades).toBeGreaterThan(0);
    expect(aggRequests).toBeGreaterThanOrEqual(1);
    const check = await Store.open(dataDir);
    const gaps = await idGaps(check.db, "aggtrades", `SELECT * FROM ${check.scan("aggtrades", "BTCUSDT")}`);
    const events = await queryRows<{ type: string; n: number }>(check.db, `SELECT type, count(*)::BIGINT AS n FROM ${check.scan("record_events", "BTCUSDT")} GROUP BY type`);
    const routes = await queryRows<{ detail: string }>(check.db, `SELECT DISTINCT detail FROM ${check.scan("record_events", "BTCUSDT")} WHERE type = 'reconnect' ORDER BY detail`);
    check.close();
    expect(gaps).toEqual([]);
    expect(routes.map((r) => r.detail)).toEqual(["market stream", "public stream"]);
    const byType = Object.fromEntries(events.map((e) => [e.type, e.n]));
    expect(byType.reconnect).toBe(summary.reconnects);
    expect(byType.chain_break).toBe(summary.chainBreaks);
    expect(summary.chainBreaks).toBeGreaterThanOrEqual(1);
    expect(byType.resync).toBe(summary.depth.resyncs);
    expect(byType.backfill).toBeGreaterThanOrEqual(1);
    // rlt data status tells the breaks instead of "no gaps"
    const status = formatStatus(await dataStatus(dataDir, { kinds: "depth_updates" }));
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
    expect(status).toContain(
      `  ${plural(summary.chainBreaks, "depth-chain break")} (${plural(summary.depth.resyncs, "resync")}), ${plural(summary.reconnects, "reconnect")}, ${plural(byType.backfill, "aggTrade backfill")}`,
    );
    expect(status).not.toMatch(/no gaps/);
    // lag against the replay clock: the capture's own network delay plus the recorder's, ×SPEED
    expect(summary.lagP99Ms).toBeGreaterThan(0);
    expect(summary.lagP99Ms).toBeLessThan(60_000);
  }, 60_000);
});

describe("the recorder's log", () => {
  async function logWithRows(dataDir: string): Promise<string> {
    const log = await RecordLog.create(dataDir, "BTCUSDT", "rec-1721347021000");
    log.append("book_ticker", [11, 64000.1, 1.5, 64000.2, 2.5, 1721347021000, 1721347021001]);
    log.append("book_ticker", [12, 64000.1, 1.4, 64000.2, 2.5, 1721347021100, 1721347021101]);
    log.append("record_events", [1721347021200, "reconnect", "public stream"]);
    await log.close();
    return log.file;
  }

  it("drops a torn last row and stores the others", async () => {
    const dataDir = tempDir();
    const file = await logWithRows(dataDir);
    appendFileSync(file, '["book_ticker",13,64000.1,1.3,640'); // the kill cut this append short
    const store = await Store.open(dataDir);
    const [r] = await recoverLogs(store, "BTCUSDT");
    const stored = await queryRows<{ update_id: number; bid_qty: number }>(store.db, `SELECT update_id, bid_qty FROM ${store.scan("book_ticker", "BTCUSDT")} ORDER BY update_id`);
    store.close();
    expect(r).toMatchObject({ part: "rec-1721347021000", pid: process.pid, rows: 3, tornLastLine: true, rowsByKind: { book_ticker: 2, record_events: 1 } });
    expect(stored).toEqual([{ update_id: 11, bid_qty: 1.5 }, { update_id: 12, bid_qty: 1.4 }]);
    expect(existsSync(file)).toBe(false);
  });

  it("refuses a log damaged in the middle, naming file and line, and changes nothing", async () => {
    const dataDir = tempDir();
    const file = await logWithRows(dataDir);
    const lines = readFileSync(file, "utf8").split("\n");
    lines[2] = lines[2].slice(0, 10); // a damaged row that is not the last
    writeFileSync(file, lines.join("\n"));
    const store = await Store.open(dataDir);
    const before = hashTree(dataDir);
    await expect(recoverLogs(store, "BTCUSDT")).rejects.toMatchObject({
      exitCode: 1,
      message: `${file} line 3: not a JSON row; the recorder's log is damaged, so it was not converted`,
      hint: expect.stringContaining(`move the file out of ${path.dirname(file)}`),
    });
    store.close();
    expect(hashTree(dataDir)).toEqual(before);
  });

  it("refuses a second recorder of the same symbol and data directory", async () => {
    const dataDir = tempDir();
    const store = await Store.open(dataDir);
    const config = { ...RecordConfigSchema.parse({}), depthSpeed: "0ms" as const };
    const first = new Recorder({ store, symbol: "BTCUSDT", restUrl: ex.restUrl, wsUrl: ex.wsUrl, config });
    await first.start();
    try {
      const second = new Recorder({ store, symbol: "BTCUSDT", restUrl: ex.restUrl, wsUrl: ex.wsUrl, config });
      const err = await second.start().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(RltError);
      expect((err as RltError).exitCode).toBe(1);
      expect((err as RltError).message).toMatch(new RegExp(`^another rlt record of BTCUSDT is writing into ${dataDir}: the recording of BTCUSDT is being written by process ${process.pid} on this host`));
      expect((err as RltError).hint).toBe("stop it first, or record into another --data-dir");
    } finally {
      await first.stop();
      store.close();
    }
  });

  it("a full disk stops the recorder with an operational error; stored parts stay intact and the log is recovered once there is space", async (ctx) => {
    const disk = mountSmallDisk(4096, "recorder on a full disk");
    if (!disk) return ctx.skip();
    try {
      const dataDir = path.join(disk.dir, "data");
      const store = await Store.open(dataDir);
      await store.writePart("book_ticker", "BTCUSDT", "rec-earlier", { update_id: [1], bid_price: [1], bid_qty: [1], ask_price: [2], ask_qty: [1], transact_time: [1721347000000], event_time: [1721347000000] });
      const stored = hashTree(path.join(dataDir, "book_ticker"));
      // leave ~64 KB free: the log fills it within a second or two of stream
      const free = () => Number(spawnSync("df", ["-k", "--output=avail", disk.dir], { encoding: "utf8" }).stdout.trim().split("\n")[1]) * 1024;
      writeFileSync(path.join(disk.dir, "filler"), Buffer.alloc(Math.max(0, free() - 64 * 1024)));
      const recorder = new Recorder({ store, symbol: "BTCUSDT", restUrl: ex.restUrl, wsUrl: ex.wsUrl, config: { ...RecordConfigSchema.parse({}), flushIntervalMs: 200, depthSpeed: "0ms" } });
      await recorder.start();
      const err = await Promise.race([recorder.failed.catch((e: unknown) => e), new Promise((r) => setTimeout(() => r("still recording after 20 s"), 20_000))]);
      await recorder.stop().catch(() => {});
      expect(err).toBeInstanceOf(RltError);
      expect((err as RltError).exitCode).toBe(1);
      expect((err as RltError).message).toMatch(/^no space left on the device for the recorder's log .*\.record-log\/symbol=BTCUSDT\/rec-\d+\.ndjson: recording stopped; the rows already in the log are kept and stored as Parquet by the next rlt record of this symbol$/);
      expect(hashTree(path.join(dataDir, "book_ticker"))).toEqual(stored);
      // with space again, the next start stores what the log holds
      spawnSync("rm", [path.join(disk.dir, "filler")]);
      const [r] = await recoverLogs(store, "BTCUSDT");
      store.close();
      expect(r.rows).toBeGreaterThan(0);
    } finally {
      disk.unmount();
    }
  }, 40_000);
});
