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
import { BAR_MS } from "../core/time.ts";
import { readRun } from "../rl/run-dir.ts";
import type { Trade } from "../sim/account.ts";
import { runTrade } from "../live/run.ts";
import type { SessionState } from "../trade/session.ts";

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
  paper?: PaperReplay;
}

export interface PaperReplay {
  sessionDir: string;
  state: SessionState;
  trades: Trade[];
}

export async function runDemo(cfg: ResolvedConfig, opts: DemoOptions, reporter: Reporter): Promise<DemoResult> {
  // the demo owns its work dir: each run starts from scratch, so it always shows the same thing
  const exchangeData = path.join(opts.workDir, "exchange-data");
  rmSync(exchangeData, { recursive: true, force: true });
  if (cfg.dataDirAbs.startsWith(path.resolve(opts.workDir) + path.sep)) rmSync(cfg.dataDirAbs, { recursive: true, force: true });
  reporter.info(`1/9 importing the bundled real BTCUSDT sample into the local exchange's store (${exchangeData})`);
  await importFiles(exchangeData, [path.join(opts.sampleDir, "BTCUSDT-1m-20230718-20230817.csv.gz"), path.join(opts.sampleDir, "BTCUSDT-fundingRate-20230704-20230817.csv.gz")]);
  const capture = await createCaptureSource(path.join(opts.sampleDir, "BTCUSDT-ws-capture-20240718T2357.txt.gz"), { speed: 10 });
  const ex = await startExchange({ dataDir: exchangeData, streams: [capture] });
  let result: DemoResult;
  try {
    reporter.info(`2/9 local exchange on ${ex.restUrl}; fetching BTCUSDT --days ${opts.days} from it into ${cfg.dataDirAbs}`);
    const local = { ...cfg, exchange: "local" as const, endpoint: { rest: ex.restUrl, ws: ex.wsUrl, vision: ex.restUrl } };
    const fetched = await runFetch(local, { symbols: ["BTCUSDT"], kinds: ["klines", "funding"], days: opts.days }, reporter);
    let record: RecorderSummary | undefined;
    if (opts.recordSeconds > 0) {
      reporter.info(`3/9 recording ${opts.recordSeconds} s of the replayed real WebSocket capture (order book, trades, bookTicker)`);
      const store = await Store.open(cfg.dataDirAbs);
      const recorder = new Recorder({ store, symbol: "BTCUSDT", restUrl: ex.restUrl, wsUrl: ex.wsUrl, config: { ...cfg.record, depthSpeed: "0ms" }, onWarn: (m) => reporter.warn(m) });
      await recorder.start();
      await new Promise((r) => setTimeout(r, opts.recordSeconds * 1000));
      record = await recorder.stop();
      await store.refreshCatalog();
      store.close();
    }
    reporter.info("4/9 what the store now holds:");
    result = { exchangeUrl: ex.restUrl, fetch: fetched, record, status: await dataStatus(cfg.dataDirAbs, { symbol: "BTCUSDT" }) };
  } finally {
    await ex.close();
  }
  if (opts.updates > 0) {
    result.pipeline = await runPipeline(cfg.dataDirAbs, opts.workDir, opts.updates, reporter);
    result.paper = await paperReplay(result.pipeline.train.runDir, exchangeData, reporter);
  }
  return result;
}

/** Bars per second of the demo's paper replay: the 2.5-day test range in about ten seconds. */
const DEMO_REPLAY_BARS_PER_SECOND = 400;

/**
 * The trained run trading the test range on the local exchange with paper fills, exactly as
 * `rlt trade --paper --exchange local` would: the exchange replays the stored bars as its kline stream.
 */
async function paperReplay(runDir: string, exchangeData: string, reporter: Reporter): Promise<PaperReplay> {
  const run = readRun(runDir);
  const { fromMs, toMs } = run.info.splitMs.test;
  const ex = await startExchange({ dataDir: exchangeData, klineReplay: { fromMs, barsPerSecond: DEMO_REPLAY_BARS_PER_SECOND } });
  const trades: Trade[] = [];
  try {
    reporter.info(`9/9 paper trading the test range on the local exchange (${DEMO_REPLAY_BARS_PER_SECOND} bars/s), filled by the backtest's simulator`);
    const result = await runTrade({
      runDir,
      model: "best",
      exchange: "local",
      endpoint: { rest: ex.restUrl, ws: ex.wsUrl, vision: ex.restUrl },
      paper: true,
      mainnetFlag: false,
      allowMainnet: false,
      session: "demo-paper",
      dataDir: run.cfg.dataDir,
      onExit: "flatten",
      maxBars: Math.round((toMs - fromMs) / BAR_MS),
      onEvent: (e) => e.type === "trade" && trades.push(e.trade),
      onInfo: (m) => reporter.info(m),
    });
    return { sessionDir: result.sessionDir, state: result.state, trades };
  } finally {
    await ex.close();
  }
}
