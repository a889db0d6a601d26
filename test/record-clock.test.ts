// Lag as a separate `rlt record` sees it against the local exchange replaying the 2024 capture: read on
// the replay clock the exchange sends with GET /fapi/v1/time, so it is the delay of the replayed
// stream (ms), not "today − 2024". The exchange's serverTime stays its store's clock (rlt fetch
// resolves --days against it).
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordConfigSchema } from "../src/core/config.ts";
import { Store } from "../src/data/store.ts";
import { type CaptureSource, createCaptureSource } from "../src/exchange/capture-source.ts";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { Recorder, type RecorderSummary } from "../src/record/recorder.ts";
import { SAMPLE_CAPTURE_2024, tempDir } from "./helpers/sample-store.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
/** The store's clock of a local exchange over the 2023 sample: a year before the capture. */
const STORE_NOW_MS = Date.UTC(2023, 7, 17, 11, 12);
/** Lag above this would be no recorder's delay but a clock error (the bug: ≈ 2 years). */
const MAX_PLAUSIBLE_LAG_MS = 5000;

let ex: RunningExchange;
let source: CaptureSource;
let fast: RunningExchange;
let fastSource: CaptureSource;

beforeAll(async () => {
  source = await createCaptureSource(SAMPLE_CAPTURE_2024, { speed: 1 });
  ex = await startExchange({ dataDir: tempDir(), streams: [source], nowMs: STORE_NOW_MS });
  fastSource = await createCaptureSource(SAMPLE_CAPTURE_2024, { speed: 4 });
  fast = await startExchange({ dataDir: tempDir(), streams: [fastSource], nowMs: STORE_NOW_MS });
});
afterAll(async () => {
  await ex?.close();
  await fast?.close();
});

/** What the replay clock is ahead of this machine's now (negative: it is in 2024). */
const replayOffsetMs = (s: CaptureSource) => s.replayNowMs() - Date.now();

describe("the recorder's lag against a replayed capture, on the exchange's clock", () => {
  it("in-process with the default clock: the offset measured is the replay clock's, lag p99 is milliseconds", async () => {
    const store = await Store.open(tempDir());
    const recorder = new Recorder({
      store,
      symbol: "BTCUSDT",
      restUrl: ex.restUrl,
      wsUrl: ex.wsUrl,
      config: { ...RecordConfigSchema.parse({}), depthSpeed: "0ms" },
    });
    let summary: RecorderSummary;
    try {
      await recorder.start();
      await new Promise((r) => setTimeout(r, 5000));
      summary = await recorder.stop();
    } finally {
      store.close();
    }
    const expectedOffsetMs = replayOffsetMs(source);
    expect(summary.depth.applied).toBeGreaterThan(20);
    expect(summary.replaySpeed).toBe(1);
    expect(Math.abs(summary.clockOffsetMs! - expectedOffsetMs)).toBeLessThanOrEqual(summary.clockRoundTripMs! / 2 + 2);
    expect(summary.clockOffsetMs!).toBeLessThan(-365 * 86_400_000); // the capture is from 2024
    expect(summary.lagP99Ms).toBeGreaterThanOrEqual(0);
    expect(summary.lagP99Ms).toBeLessThan(MAX_PLAUSIBLE_LAG_MS);
    expect(summary.lagMaxMs).toBeGreaterThanOrEqual(0);
    // serverTime is still the store's clock
    const { serverTime } = (await (await fetch(`${ex.restUrl}/fapi/v1/time`)).json()) as { serverTime: number };
    expect(serverTime - STORE_NOW_MS).toBeGreaterThanOrEqual(0);
    expect(serverTime - STORE_NOW_MS).toBeLessThan(120_000);
  }, 60_000);

  it("rlt record in its own process, replay at 4×: the offset follows the faster replay clock, lag p99 stays below seconds", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, RLT_CONFIG: "" };
    delete env.RLT_DATA_DIR;
    const args = ["bin/rlt.js", "record", "BTCUSDT", "--data-dir", tempDir(), "--duration", "4", "--json", "--exchange", "local", "--rest-url", fast.restUrl, "--ws-url", fast.wsUrl];
    // not spawnSync: the exchange runs in this process and must keep serving
    const { status, stdout, stderr } = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: ROOT, env });
      let out = "";
      let err = "";
      child.stdout.on("data", (c) => (out += String(c)));
      child.stderr.on("data", (c) => (err += String(c)));
      child.once("exit", (code) => resolve({ status: code, stdout: out, stderr: err }));
    });
    const readAtMs = Date.now();
    const expectedOffsetMs = replayOffsetMs(fastSource);
    expect(status, stderr).toBe(0);
    const summary = JSON.parse(stdout) as RecorderSummary;
    expect(summary.depth.applied).toBeGreaterThan(20);
    expect(summary.replaySpeed).toBe(4);
    // the summary's offset was read at stoppedMs; at 4× the replay clock gains 3 ms on ours every ms since
    const offsetAtStopMs = expectedOffsetMs - 3 * (readAtMs - summary.stoppedMs);
    expect(Math.abs(summary.clockOffsetMs! - offsetAtStopMs)).toBeLessThan(summary.clockRoundTripMs! * 4 + 20);
    expect(summary.lagP99Ms).toBeGreaterThanOrEqual(0);
    expect(summary.lagP99Ms).toBeLessThan(MAX_PLAUSIBLE_LAG_MS);
  }, 60_000);
});
