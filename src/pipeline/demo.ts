// The README's main job on the bundled real data, fully offline: import the sample into a local
// exchange's store, serve it on 127.0.0.1, fetch from it exactly as from Binance, record a few seconds
// of a replayed real WebSocket capture, report what the store holds — then the rest of the pipeline
// on what was fetched: features, a short PPO training, evaluation against the baselines, the report.
import { rmSync } from "node:fs";
import path from "node:path";
import type { ResolvedConfig } from "../core/config.ts";
import type { Reporter } from "../core/log.ts";
import { importFiles } from "../data/import/run.ts";
import { type DataStatus, dataStatus } from "../data/status.ts";
import { Store } from "../data/store.ts";
import { createCaptureSource } from "../exchange/capture-source.ts";
import { startExchange } from "../exchange/server.ts";
import { type FetchSummary, runFetch } from "../fetch/run.ts";
import { Recorder, type RecorderSummary } from "../record/recorder.ts";
import { type PipelineResult, runPipeline } from "./pipeline.ts";

export interface DemoOptions {
  sampleDir: string;
  /** Scratch space for the local exchange's own store. */
  workDir: string;
  days: number;
  recordSeconds: number;
  /** PPO updates of the short training (0 = stop after the data steps). */
  updates: number;
}

export interface DemoResult {
  exchangeUrl: string;
  fetch: FetchSummary;
  record?: RecorderSummary;
  status: DataStatus;
  pipeline?: PipelineResult;
}

export async function runDemo(cfg: ResolvedConfig, opts: DemoOptions, reporter: Reporter): Promise<DemoResult> {
  // the demo owns its work dir: each run starts from scratch, so it always shows the same thing
  const exchangeData = path.join(opts.workDir, "exchange-data");
  rmSync(exchangeData, { recursive: true, force: true });
  if (cfg.dataDirAbs.startsWith(path.resolve(opts.workDir) + path.sep)) rmSync(cfg.dataDirAbs, { recursive: true, force: true });
  reporter.info(`1/8 importing the bundled real BTCUSDT sample into the local exchange's store (${exchangeData})`);
  await importFiles(exchangeData, [path.join(opts.sampleDir, "BTCUSDT-1m-20230718-20230817.csv.gz"), path.join(opts.sampleDir, "BTCUSDT-fundingRate-20230704-20230817.csv.gz")]);
  const capture = await createCaptureSource(path.join(opts.sampleDir, "BTCUSDT-ws-capture-20240718T2357.txt.gz"), { speed: 10 });
  const ex = await startExchange({ dataDir: exchangeData, streams: [capture] });
  let result: DemoResult;
  try {
    reporter.info(`2/8 local exchange on ${ex.restUrl}; fetching BTCUSDT --days ${opts.days} from it into ${cfg.dataDirAbs}`);
    const local = { ...cfg, exchange: "local" as const, endpoint: { rest: ex.restUrl, ws: ex.wsUrl, vision: ex.restUrl } };
    const fetched = await runFetch(local, { symbols: ["BTCUSDT"], kinds: ["klines", "funding"], days: opts.days }, reporter);
    let record: RecorderSummary | undefined;
    if (opts.recordSeconds > 0) {
      reporter.info(`3/8 recording ${opts.recordSeconds} s of the replayed real WebSocket capture (order book, trades, bookTicker)`);
      const store = await Store.open(cfg.dataDirAbs);
      const recorder = new Recorder({ store, symbol: "BTCUSDT", restUrl: ex.restUrl, wsUrl: ex.wsUrl, config: { ...cfg.record, depthSpeed: "0ms" }, onWarn: (m) => reporter.warn(m) });
      await recorder.start();
      await new Promise((r) => setTimeout(r, opts.recordSeconds * 1000));
      record = await recorder.stop();
      await store.refreshCatalog();
      store.close();
    }
    reporter.info("4/8 what the store now holds:");
    result = { exchangeUrl: ex.restUrl, fetch: fetched, record, status: await dataStatus(cfg.dataDirAbs, { symbol: "BTCUSDT" }) };
  } finally {
    await ex.close();
  }
  if (opts.updates > 0) result.pipeline = await runPipeline(cfg.dataDirAbs, opts.workDir, opts.updates, reporter);
  return result;
}
