// Acceptance: `rlt fetch BTCUSDT --days 30` against the local exchange, killed half-way and re-run,
// stores exactly what an uninterrupted run stores, row for row.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../src/data/duck.ts";
import { Store } from "../src/data/store.ts";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
/** 30 days = 43,200 minutes = 29 pages of 1500. */
const EXPECTED_KLINE_REQUESTS = 29;

let ex: RunningExchange;
beforeAll(async () => {
  // frozen clock: both runs see the same "now", so --days 30 means the same range
  ex = await startExchange({ dataDir: await sampleDataDir(), freezeClock: true });
});
afterAll(() => ex.close());

function fetchArgs(dataDir: string, extra: string[] = []): string[] {
  return ["bin/rlt.js", "fetch", "BTCUSDT", "--days", "30", "--data-dir", dataDir, "--exchange", "local", "--rest-url", ex.restUrl, "--vision-url", ex.restUrl, "--json", ...extra];
}

function run(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, RLT_CONFIG: "" } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function storedRows(dataDir: string, kind: "klines" | "funding") {
  const store = await Store.open(dataDir);
  try {
    const key = kind === "klines" ? "open_time" : "funding_time";
    return await queryRows(store.db, `SELECT * FROM ${store.scan(kind, "BTCUSDT")} ORDER BY ${key}`);
  } finally {
    store.close();
  }
}

function klineRequests(): number {
  return ex.stats().byPath["/fapi/v1/klines"] ?? 0;
}

/** The data directory of the uninterrupted run, which the other tests compare against. */
let whole: string;

describe("rlt fetch is resumable", () => {
  it("an uninterrupted run makes the minimal number of kline requests", async () => {
    const before = klineRequests();
    whole = tempDir();
    const { done } = run(fetchArgs(whole));
    const res = await done;
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    const klines = summary.results.find((r: { kind: string }) => r.kind === "klines");
    expect(klines).toMatchObject({ requests: EXPECTED_KLINE_REQUESTS, rowsStored: 43_199 });
    expect(klines.validation).toMatchObject({ rows: 43_199, duplicates: 0, outOfOrder: 0, missing: [], ohlcViolations: 0 });
    expect(klineRequests() - before).toBe(EXPECTED_KLINE_REQUESTS);
  });

  it("a re-run of a complete fetch asks for no klines: the minute the exchange lacks is remembered", async () => {
    const before = klineRequests();
    const res = await run(fetchArgs(whole)).done;
    expect(res.code).toBe(0);
    const klines = JSON.parse(res.stdout).results.find((r: { kind: string }) => r.kind === "klines");
    expect(klines).toMatchObject({ requests: 0, rowsStored: 0 });
    expect(klineRequests() - before).toBe(0);
  });

  it("killed half-way (SIGKILL) and re-run, stores the same Parquet rows as an uninterrupted run", async () => {
    const resumed = tempDir();
    ex.faults.delayMs = 40; // slow pages so the kill lands mid-run
    const start = klineRequests();
    const first = run(fetchArgs(resumed));
    let killedAt = -1;
    ex.onRequest((p) => {
      if (killedAt < 0 && p === "/fapi/v1/klines" && klineRequests() - start >= Math.ceil(EXPECTED_KLINE_REQUESTS / 2)) {
        killedAt = klineRequests() - start;
        first.child.kill("SIGKILL");
      }
    });
    const killed = await first.done;
    ex.faults.delayMs = 0;
    expect(killed.signal).toBe("SIGKILL");
    const partial = await storedRows(resumed, "klines");
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(43_199);

    const second = await run(fetchArgs(resumed)).done;
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.stdout);
    const klines = summary.results.find((r: { kind: string }) => r.kind === "klines");
    // the re-run only asks for what is missing
    expect(klines.requests).toBeLessThanOrEqual(EXPECTED_KLINE_REQUESTS - Math.floor(partial.length / 1500) + 1);

    const a = await storedRows(resumed, "klines");
    const b = await storedRows(whole, "klines");
    expect(a.length).toBe(43_199);
    expect(a).toEqual(b);
    expect(await storedRows(resumed, "funding")).toEqual(await storedRows(whole, "funding"));
  });

  it("stops after the current page on SIGINT, says how to resume, and the re-run completes the data", async () => {
    const dir = tempDir();
    ex.faults.delayMs = 40;
    const start = klineRequests();
    const first = run(fetchArgs(dir));
    let sent = false;
    ex.onRequest((p) => {
      if (!sent && p === "/fapi/v1/klines" && klineRequests() - start >= 10) {
        sent = true;
        first.child.kill("SIGINT");
      }
    });
    const stopped = await first.done;
    ex.faults.delayMs = 0;
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/interrupted.*\n.*re-run the same command to resume/);
    const summary = JSON.parse(stopped.stdout);
    expect(summary.interrupted).toBe(true);
    const klines = summary.results.find((r: { kind: string }) => r.kind === "klines");
    // the page in flight when the signal came is stored too, and nothing after it is asked for
    expect(klines.interrupted).toBe(true);
    // (the signal is handled while page 10 is in flight; on a very busy machine page 11 may have gone out)
    expect(klines.requests).toBeGreaterThanOrEqual(10);
    expect(klines.requests).toBeLessThanOrEqual(11);
    expect((await storedRows(dir, "klines")).length).toBe(klines.rowsStored);

    expect((await run(fetchArgs(dir)).done).code).toBe(0);
    expect(await storedRows(dir, "klines")).toEqual(await storedRows(whole, "klines"));
  });

  it("refuses an unknown symbol with a clear message and a nonzero exit", async () => {
    const res = await run(["bin/rlt.js", "fetch", "NOPEUSDT", "--days", "1", "--data-dir", tempDir(), "--exchange", "local", "--rest-url", ex.restUrl]).done;
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/unknown symbol NOPEUSDT/);
  });
});
