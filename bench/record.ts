// The recorder under a live-like load: the real 2024 capture replayed 6× faster than real time, which
// is ≈113 depth diffs/s plus ≈650 bookTicker and ≈130 trade messages/s, with event times stamped at
// sending, so that lag (event time → applied to the book, on the source's replay clock, which is then the
// wall clock; see docs/recording.md) is the recorder's real delay rather than that delay × SPEED.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RecordConfigSchema } from "../src/core/config.ts";
import { Store } from "../src/data/store.ts";
import { createCaptureSource } from "../src/exchange/capture-source.ts";
import { startExchange } from "../src/exchange/server.ts";
import { Recorder } from "../src/record/recorder.ts";
import type { BenchResult } from "./index.ts";

const CAPTURE = path.resolve(import.meta.dirname, "../data/sample/BTCUSDT-ws-capture-20240718T2357.txt.gz");
/** The capture holds 9,022 depth diffs over ~480 s (≈18.8/s); 6× offers ≈113/s. */
const SPEED = 6;
const SECONDS = 20;

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rlt-bench-record-"));
  const source = await createCaptureSource(CAPTURE, { speed: SPEED, restampEventTimes: true });
  const ex = await startExchange({ dataDir: path.join(dir, "exchange"), streams: [source], nowMs: Date.now() });
  const store = await Store.open(path.join(dir, "data"));
  try {
    const recorder = new Recorder({
      store,
      symbol: "BTCUSDT",
      restUrl: ex.restUrl,
      wsUrl: ex.wsUrl,
      config: { ...RecordConfigSchema.parse({}), depthSpeed: "0ms", rollIntervalMs: 5000 },
      clockMs: source.replayNowMs,
    });
    await recorder.start();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const s = await recorder.stop();
    const seconds = (s.stoppedMs - s.startedMs) / 1000;
    return [
      { name: "record: depth diffs applied per second", value: s.depth.applied / seconds, unit: "diffs/s", target: 100, detail: `${s.events} events in ${seconds.toFixed(0)} s (${(s.events / seconds).toFixed(0)}/s), ${s.partsWritten} parts, ${s.depth.breaks} breaks` },
      { name: "record: lag p99 (event time → applied, replay clock)", value: s.lagP99Ms, unit: "ms", target: 1000, higherIsBetter: false },
      { name: "record: lag max", value: s.lagMaxMs, unit: "ms", target: 1000, higherIsBetter: false },
    ];
  } finally {
    store.close();
    await ex.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
