// Trading speed: the session's per-bar kernel (live features → observation → policy → target → paper
// fill) on the bundled sample's bars, as bars per second of a paper replay and as the latency from a
// closed bar's arrival to the decision handed to execution, p50 and p99.
import { importFile } from "../src/data/import/index.ts";
import { Store } from "../src/data/store.ts";
import { tempDir } from "../test/helpers/files.ts";
import { barAt } from "../src/features/bar-input.ts";
import { FEATURES } from "../src/features/definitions.ts";
import { computeFeatures } from "../src/features/batch.ts";
import { fitNormalization } from "../src/features/normalize.ts";
import { loadBars } from "../src/features/sources.ts";
import type { FeatureManifest } from "../src/features/artifact.ts";
import { DEFAULT_ACTION_SCHEME } from "../src/kernel/actions.ts";
import { observationSize } from "../src/kernel/observation.ts";
import { PpoConfigSchema } from "../src/rl/learner.ts";
import { openLearner } from "../src/rl/learners.ts";
import { learnerPolicy } from "../src/rl/run-policy.ts";
import { DEFAULT_OBS_CLIP } from "../src/rl/config.ts";
import { SimConfigSchema } from "../src/sim/config.ts";
import { PaperClient } from "../src/trade/execution.ts";
import { SessionFeatures } from "../src/trade/features.ts";
import { TradeSession } from "../src/trade/session.ts";
import type { BenchResult } from "./index.ts";

const WARMUP_BARS = 5_000;

/** The sample's bars in a store of their own, and a manifest with normalization fitted on their first 70 %. */
async function sampleInputs(prefix: string) {
  const dir = tempDir(prefix);
  const store = await Store.open(dir);
  await importFile(store, { file: "data/sample/BTCUSDT-1m-20230718-20230817.csv.gz" });
  const cols = (await loadBars(store, "BTCUSDT")).cols;
  store.close();
  const n = cols.openTime.length;
  const params = fitNormalization(computeFeatures(cols).values, 0, Math.floor(n * 0.7), FEATURES.map((f) => f.norm), 1440);
  const manifest = { features: FEATURES.map((f, j) => ({ name: f.name, group: f.group, unit: f.unit, norm: params[j] })) } as unknown as FeatureManifest;
  return { dir, cols, n, manifest };
}

export async function run(): Promise<BenchResult[]> {
  const { cols, n, manifest } = await sampleInputs("rlt-bench-trade-");
  const source = await openLearner(PpoConfigSchema.parse({}), "infer");
  const backend = source.description;
  const policy = learnerPolicy(source.create(observationSize(true), 1), DEFAULT_OBS_CLIP);
  const features = new SessionFeatures(manifest);
  const session = new TradeSession({ id: "bench", symbol: "BTCUSDT", policy, actions: DEFAULT_ACTION_SCHEME, positionInObs: true, features, execution: new PaperClient(SimConfigSchema.parse({}), { symbol: "BTCUSDT" }) });
  for (let i = 0; i < WARMUP_BARS; i++) features.push(barAt(cols, i));
  session.startTrading();
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = WARMUP_BARS; i < n; i++) {
    const bar = barAt(cols, i);
    const s = performance.now();
    await session.onBar(bar);
    latencies.push(performance.now() - s);
  }
  const seconds = (performance.now() - t0) / 1000;
  const q = quantiles(latencies);
  const trades = session.state().trades;
  const exchange = await exchangeLatency();
  return [
    ...exchange,
    { name: `paper replay, per-bar kernel (${backend})`, value: latencies.length / seconds, unit: "bars/s", detail: `${latencies.length.toLocaleString("en-US")} bars of the sample, ${trades} trades, an untrained 33-input policy` },
    { name: "bar closed → decision to execution, p50", value: q(0.5), unit: "ms", target: 5, higherIsBetter: false, detail: "features, normalization, observation, policy, paper fill; in process" },
    { name: "bar closed → decision to execution, p99", value: q(0.99), unit: "ms", target: 5, higherIsBetter: false },
  ];
}

/**
 * Real orders on the local exchange (in process, manual clock): from a closed bar handed to the session
 * to its order request arriving at the exchange's socket, the journal's intent write included.
 */
export async function exchangeLatency(): Promise<BenchResult[]> {
  const { startExchange } = await import("../src/exchange/server.ts");
  const { BinanceVenue } = await import("../src/venue/binance.ts");
  const { Journal } = await import("../src/trade/journal.ts");
  const { ExchangeClient } = await import("../src/trade/exchange-client.ts");
  const { RiskConfigSchema } = await import("../src/risk/index.ts");
  const { dir, cols, n, manifest } = await sampleInputs("rlt-bench-trade-ex-");
  const key = { apiKey: "rltBenchKey0001", apiSecret: "rltBenchSecret0123456789" };
  const first = WARMUP_BARS;
  const ex = await startExchange({ dataDir: dir, replay: { fromMs: cols.openTime[first], barsPerSecond: 1, manual: true }, trading: { keys: [key] } });
  const journal = await Journal.open(`${dir}/journal.duckdb`, { session: "bench", run: "bench", model: "untrained", exchange: "local", mode: "exchange", symbol: "BTCUSDT", config: {} });
  const sim = SimConfigSchema.parse({ stopLossPct: 0.01 });
  const venue = new BinanceVenue({ exchange: "local", restUrl: ex.restUrl, wsUrl: ex.wsUrl, ...key });
  const execution = await ExchangeClient.open({ venue, journal, symbol: "BTCUSDT", session: "bench", sim, risk: RiskConfigSchema.parse({}), adopt: false, onWarning: () => {} });
  const policy = learnerPolicy((await openLearner(PpoConfigSchema.parse({}), "infer")).create(observationSize(true), 2), DEFAULT_OBS_CLIP);
  const features = new SessionFeatures(manifest);
  for (let i = 0; i < first; i++) features.push(barAt(cols, i));
  const session = new TradeSession({ id: "bench", symbol: "BTCUSDT", policy, actions: DEFAULT_ACTION_SCHEME, positionInObs: true, features, execution });
  session.startTrading();
  let barStart = 0;
  let sentAt = 0;
  let accountReads = 0;
  let readBeforeSend = false;
  ex.onRequest((path) => {
    if (path === "/fapi/v1/order" && sentAt === 0) sentAt = performance.now();
    if (path.includes("/positionRisk") && sentAt === 0) readBeforeSend = true;
  });
  // the intent's commit is the one durable write in front of the send: timed on its own
  const intentMs: number[] = [];
  let barIntentMs = Number.NaN;
  const recordIntent = journal.recordIntent.bind(journal);
  journal.recordIntent = async (...args) => {
    const s = performance.now();
    await recordIntent(...args);
    if (sentAt === 0 && Number.isNaN(barIntentMs)) barIntentMs = performance.now() - s;
  };
  // and the HTTP leg: from the venue's placeOrder call to the request at the exchange's socket
  const httpMs: number[] = [];
  let callAt = Number.NaN;
  const placeOrder = venue.placeOrder.bind(venue);
  venue.placeOrder = (...args) => {
    if (sentAt === 0 && Number.isNaN(callAt)) callAt = performance.now();
    return placeOrder(...args);
  };
  const latencies: number[] = [];
  const bars = 600;
  for (let i = first; i < first + bars; i++) {
    ex.step(1);
    sentAt = 0;
    readBeforeSend = false;
    barIntentMs = Number.NaN;
    callAt = Number.NaN;
    barStart = performance.now();
    await session.onBar(barAt(cols, i));
    if (sentAt) {
      latencies.push(sentAt - barStart);
      if (readBeforeSend) accountReads++;
      if (!Number.isNaN(barIntentMs)) intentMs.push(barIntentMs);
      if (!Number.isNaN(callAt)) httpMs.push(sentAt - callAt);
    }
  }
  await execution.close();
  await journal.close();
  await venue.close();
  await ex.close();
  const q = quantiles(latencies);
  const qi = quantiles(intentMs);
  const qh = quantiles(httpMs);
  return [
    { name: "bar closed → order request at the exchange, p50", value: q(0.5), unit: "ms", target: 5, higherIsBetter: false, detail: `${latencies.length} bars of ${bars} sent an order, ${accountReads} of them after a REST read of the account (a protective order in reach, or a user event since the last read); risk check and journal write included; in process, local exchange` },
    { name: "bar closed → order request at the exchange, p99", value: q(0.99), unit: "ms", target: 5, higherIsBetter: false },
    { name: "of which the intent's journal commit, p50", value: qi(0.5), unit: "ms", higherIsBetter: false, detail: "the durable write before the send (an append to the intent log; its DuckDB row follows the send)" },
    { name: "of which the intent's journal commit, p99", value: qi(0.99), unit: "ms", higherIsBetter: false },
    { name: "of which the HTTP request (signed, loopback), p50", value: qh(0.5), unit: "ms", higherIsBetter: false, detail: "from the venue's placeOrder call to the request at the exchange's socket" },
    { name: "of which the HTTP request (signed, loopback), p99", value: qh(0.99), unit: "ms", higherIsBetter: false },
  ];
}

/** The p-quantile of the values (nearest rank). */
function quantiles(values: number[]): (p: number) => number {
  const sorted = [...values].sort((a, b) => a - b);
  return (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}
