// `rlt trade --paper` with a run whose features use trades and the order book, on the local exchange
// replaying the bundled 2024 WebSocket capture on its replay clock: the session opens the kline,
// aggTrade, bookTicker and depth streams; the trade and book inputs it decides on equal, bar for bar, the
// batch inputs `rlt features` computes from the same capture imported into the store (to 1e-9), and so
// do the features themselves; they are masked before a whole bar of stream has arrived and measured
// after; a public-stream drop masks the bars it touches instead of inventing values.
//
// The run needs training data with trade and book features over a history long enough to train on: the
// capture is 8 minutes, so the store holds the last 6,000 real bars of the 2023 sample moved in time to
// end where the capture starts (prices scaled to meet it), then the capture's own minutes, whose klines
// are built from its trades. The features, masks and inputs compared are all real data.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { createCaptureSource } from "../src/exchange/capture-source.ts";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { importFile } from "../src/data/import/index.ts";
import { Store } from "../src/data/store.ts";
import type { BarColumns, BarInput } from "../src/features/bar-input.ts";
import { computeFeatures } from "../src/features/batch.ts";
import { FEATURES, FEATURE_COUNT, MASK } from "../src/features/definitions.ts";
import { normalizeMatrix } from "../src/features/normalize.ts";
import { loadBars } from "../src/features/sources.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { type MarketStream, STREAM_SOURCES, planStreams } from "../src/trade/features.ts";
import { Journal, journalPath } from "../src/trade/journal.ts";
import { runTrade } from "../src/live/run.ts";
import type { SessionEvent } from "../src/trade/session.ts";
import { rlt } from "./helpers/cli.ts";
import { SAMPLE_CAPTURE_2024, SAMPLE_KLINES, SAMPLE_LAST_MS, tempDir } from "./helpers/sample-store.ts";

const MIN = 60_000;
/** The capture runs 23:57:02 → 00:05:02 UTC; the replay clock starts at 23:57:00. */
const REPLAY_FROM = Date.UTC(2024, 6, 18, 23, 57);
const CAPTURE_END = Date.UTC(2024, 6, 19, 0, 5, 5);
const HISTORY_BARS = 6_000;
/** Live bars traded: 23:57 (the streams start inside it) … 00:04 (the last bar the capture covers whole). */
const LIVE_BARS = 8;
const WHOLE_BARS = Array.from({ length: 7 }, (_, i) => REPLAY_FROM + (i + 1) * MIN);

let work: string;
let dataDir: string;
let runDir: string;
let batch: BarColumns;
let ex: RunningExchange | undefined;

beforeAll(async () => {
  work = tempDir("rlt-trade-streams-");
  dataDir = path.join(work, "data");
  const scratch = await Store.open(path.join(work, "sample"));
  const store = await Store.open(dataDir);
  try {
    await importFile(scratch, { file: SAMPLE_KLINES });
    await importFile(store, { file: SAMPLE_CAPTURE_2024 });
    const trades = store.scan("trades", "BTCUSDT")!;
    // the capture's minutes as klines, every field from its trades (23:57 and 00:05 are partial minutes)
    await store.upsert(
      "klines",
      "BTCUSDT",
      `SELECT trade_time // ${MIN} * ${MIN} AS open_time, arg_min(price, trade_id) AS open, max(price) AS high, min(price) AS low,
              arg_max(price, trade_id) AS close, sum(quantity) AS volume, trade_time // ${MIN} * ${MIN} + ${MIN - 1} AS close_time,
              sum(price * quantity) AS quote_volume, count(*) AS trades, COALESCE(sum(quantity) FILTER (WHERE NOT is_buyer_maker), 0) AS taker_buy_volume,
              COALESCE(sum(price * quantity) FILTER (WHERE NOT is_buyer_maker), 0) AS taker_buy_quote_volume
       FROM ${trades} GROUP BY 1`,
    );
    // the real sample's last bars, moved to end at 23:56 and scaled to the capture's first price
    const shift = REPLAY_FROM - MIN - SAMPLE_LAST_MS;
    const k = scratch.scan("klines", "BTCUSDT")!;
    const scale = `((SELECT arg_min(price, trade_id) FROM ${trades}) / (SELECT close FROM ${k} WHERE open_time = ${SAMPLE_LAST_MS}))`;
    await store.upsert(
      "klines",
      "BTCUSDT",
      `SELECT open_time + ${shift} AS open_time, open * ${scale} AS open, high * ${scale} AS high, low * ${scale} AS low, close * ${scale} AS close,
              volume, close_time + ${shift} AS close_time
       FROM ${k} WHERE open_time > ${SAMPLE_LAST_MS - HISTORY_BARS * MIN}`,
    );
    batch = (await loadBars(store, "BTCUSDT")).cols;
  } finally {
    scratch.close();
    store.close();
  }
  const features = path.join(work, "features");
  const built = rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", features]);
  expect(built.status, built.stderr).toBe(0);
  const cfg = path.join(work, "ppo.yaml");
  writeFileSync(
    cfg,
    toYaml({
      name: "streams", features, dataDir, seed: 5,
      env: { episodeBars: 256 },
      ppo: { numEnvs: 2, numSteps: 128, updateEpochs: 1 },
      training: { maxUpdates: 1, evalEvery: 1, earlyStopPatience: 0, split: { train: 0.7, validation: 0.15, gapBars: 60 } },
    }),
  );
  const trained = rlt(["train", "--config", cfg, "--runs-dir", path.join(work, "runs"), "-q"]);
  expect(trained.status, trained.stderr).toBe(0);
  runDir = path.join(work, "runs", "streams");
}, 300_000);

afterAll(async () => {
  await ex?.close();
});

interface SessionRun {
  inputs: { input: BarInput; complete: MarketStream[]; incomplete: MarketStream[] }[];
  info: string[];
  warnings: string[];
  features: Map<number, number[]>;
  wsDropped: number;
  paths: string[];
}

/** One paper session over the capture on a manual replay clock, advanced here in 500 ms steps. */
async function tradeCapture(session: string, dropWsAfterMessages = 0): Promise<SessionRun> {
  const capture = await createCaptureSource(SAMPLE_CAPTURE_2024, { aggregateTrades: true });
  ex = await startExchange({ dataDir, streams: [capture], replay: { fromMs: REPLAY_FROM, barsPerSecond: 1, manual: true }, faults: { dropWsAfterMessages } });
  const exchange = ex;
  const paths: string[] = [];
  exchange.onRequest((p) => paths.push(p));
  const out: SessionRun = { inputs: [], info: [], warnings: [], features: new Map(), wsDropped: 0, paths };
  let finished = false;
  const trading = runTrade({
    runDir, model: "best", exchange: "local", endpoint: { rest: exchange.restUrl, ws: exchange.wsUrl, vision: exchange.restUrl }, paper: true, mainnetFlag: false, allowMainnet: false,
    session, dataDir, onExit: "keep", maxBars: LIVE_BARS,
    onEvent: (e: SessionEvent) => void (e.type === "warning" && out.warnings.push(e.message)),
    onInfo: (m) => out.info.push(m),
    onBarInput: (input, s) => out.inputs.push({ input: { ...input }, complete: s.complete, incomplete: s.incomplete }),
  }).finally(() => (finished = true));
  // the clock moves once both market connections are open, fast enough to play the capture in ~10 s
  while (!finished && exchange.stats().wsConnections < 2) await new Promise((r) => setTimeout(r, 10));
  for (let t = REPLAY_FROM; !finished && t < CAPTURE_END; t += 500) {
    exchange.advanceTo(t);
    await new Promise((r) => setTimeout(r, 10));
  }
  const result = await trading;
  out.wsDropped = exchange.stats().faultsInjected.wsDropped ?? 0;
  await exchange.close();
  ex = undefined;
  const journal = await Journal.open(journalPath(runDir, session), { session, run: runDir, model: "best", exchange: "local", mode: "paper", symbol: "BTCUSDT", config: {} });
  try {
    for (const r of await journal.query("SELECT open_time_ms, features FROM bars ORDER BY open_time_ms")) out.features.set(Number(r.open_time_ms), (r.features as number[]).map((x) => (x === null ? Number.NaN : Number(x))));
  } finally {
    await journal.close();
  }
  expect(result.state.bars).toBe(LIVE_BARS);
  return out;
}

const rel = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b) ? 0 : Math.abs(a - b) / Math.max(1, Math.abs(b)));
const rowOf = (t: number) => Array.from(batch.openTime).indexOf(t);
const STREAM_FIELDS = Object.values(STREAM_SOURCES).flatMap((s) => s.fields);

describe("rlt trade streams the trade and book data of the run's features", () => {
  it("uses trades and the book: the plan opens aggTrade, bookTicker and depth", () => {
    const plan = planStreams(readRun(runDir).manifest);
    expect(plan.streams).toEqual(["aggTrade", "bookTicker", "depth"]);
    expect(plan.featuresByStream.depth).toContain("spread_bps");
    expect(plan.featuresByStream.aggTrade).toContain("large_trade_share");
    expect(plan.unproducible).toEqual([]);
  });

  it("decides on inputs and features equal to the batch over the same capture, masked until a whole bar has streamed", async () => {
    const run = await tradeCapture("streams");
    expect(run.info.join("\n")).toMatch(/market streams: \/market btcusdt@kline_1m, btcusdt@aggTrade; \/public btcusdt@bookTicker, btcusdt@depth@100ms/);
    expect(run.paths).toContain("/fapi/v1/depth");
    // the warm-up has no recorded trades or book before 23:57: those features wait for the streams
    const warm = run.info.find((m) => m.startsWith("warm-up:"))!;
    expect(warm).toMatch(/masked until the streams fill them \(no recorded data before 2024-07-18 23:57\): .*spread_bps/);
    expect(run.inputs.map((b) => b.input.openTime)).toEqual([REPLAY_FROM, ...WHOLE_BARS]);
    // 23:57: the streams began inside it, so nothing of theirs is trusted
    expect(run.inputs[0].complete).toEqual([]);
    for (const f of STREAM_FIELDS) expect(run.inputs[0].input[f], f).toBeNaN();
    const params = readRun(runDir).manifest.features.map((f) => f.norm);
    const batchFeatures = computeFeatures(batch);
    const batchNormalized = normalizeMatrix(batchFeatures.values, batch.openTime.length, params);
    let worstInput = 0;
    let worstFeature = 0;
    for (const b of run.inputs.slice(1)) {
      expect(b.complete, `streams of ${new Date(b.input.openTime).toISOString()}`).toEqual(["aggTrade", "bookTicker", "depth"]);
      const i = rowOf(b.input.openTime);
      for (const f of STREAM_FIELDS) {
        expect(Number.isFinite(b.input[f]), `${f} at ${new Date(b.input.openTime).toISOString()}`).toBe(true);
        worstInput = Math.max(worstInput, rel(b.input[f], batch[f][i]));
      }
      const live = run.features.get(b.input.openTime)!;
      for (let j = 0; j < FEATURE_COUNT; j++) worstFeature = Math.max(worstFeature, rel(live[j], batchNormalized[i * FEATURE_COUNT + j]));
    }
    const first = run.features.get(REPLAY_FROM)!;
    const second = run.features.get(WHOLE_BARS[0])!;
    const streamed = FEATURES.map((f, j) => ({ f, j })).filter(({ f }) => f.group === "book" || f.name === "large_trade_share");
    const maskedFirst = streamed.filter(({ j }) => Number.isNaN(first[j])).map(({ f }) => f.name);
    const measuredSecond = streamed.filter(({ j }) => Number.isFinite(second[j]) && batchFeatures.mask[rowOf(WHOLE_BARS[0]) * FEATURE_COUNT + j] === MASK.measured).map(({ f }) => f.name);
    console.log(`${run.inputs.length} live bars; over the 7 whole bars: largest stream-input difference ${worstInput.toExponential(2)}, largest normalized-feature difference ${worstFeature.toExponential(2)} (relative); masked at 23:57: ${maskedFirst.length} of ${streamed.length} book/large-trade features, measured from 23:58: ${measuredSecond.length}`);
    expect(worstInput).toBeLessThan(1e-9);
    expect(worstFeature).toBeLessThan(1e-9);
    expect(maskedFirst).toEqual(streamed.map(({ f }) => f.name));
    expect(measuredSecond).toEqual(streamed.map(({ f }) => f.name));
    expect(run.info.some((m) => /aggTrade stream: bar 2024-07-18 23:58 is the first it covers whole/.test(m))).toBe(true);
    expect(run.warnings).toEqual([]);
  }, 120_000);

  it("masks the bars a dropped public stream touched, keeps the other streams' fields, and says so once per outage", async () => {
    // the /public connection (bookTicker + depth, ~7,600 messages a minute) dies after 12,000 messages
    const run = await tradeCapture("drops", 12_000);
    const downs = run.warnings.filter((w) => /^public stream down/.test(w));
    expect(downs.length).toBeGreaterThanOrEqual(1);
    expect(downs.length).toBeLessThanOrEqual(run.wsDropped);
    expect(downs[0]).toMatch(/bookTicker, depth fields are masked in every bar the outage touches/);
    const hit = run.inputs.slice(1).filter((b) => b.incomplete.length > 0);
    const whole = run.inputs.slice(1).filter((b) => b.incomplete.length === 0);
    console.log(`${run.wsDropped} injected drops, ${downs.length} outage warnings; bars with public fields masked: ${hit.map((b) => new Date(b.input.openTime).toISOString().slice(11, 16)).join(", ")}`);
    expect(hit.length).toBeGreaterThanOrEqual(1);
    for (const b of hit) {
      expect(b.incomplete).toEqual(["bookTicker", "depth"]);
      for (const s of ["bookTicker", "depth"] as const) for (const f of STREAM_SOURCES[s].fields) expect(b.input[f], f).toBeNaN();
    }
    // what was not touched is still exactly the batch: the aggTrade fields of every bar (the /market
    // connection never dropped), the book and OFI of every whole bar. The depth level counts after the
    // first outage compare a level against the last quantity this session saw, from before the outage,
    // where the batch over the full capture knows the diffs missed: they are equal before it only (the
    // history driver over a recording with the same gap counts as the session does).
    const firstHit = hit[0].input.openTime;
    for (const b of [...hit, ...whole]) {
      const i = rowOf(b.input.openTime);
      for (const s of b.complete) {
        for (const f of STREAM_SOURCES[s].fields) {
          if (b.input.openTime > firstHit && (f === "levelIncreases" || f === "levelDecreases")) expect(Number.isFinite(b.input[f])).toBe(true);
          else expect(rel(b.input[f], batch[f][i]), `${f} at ${new Date(b.input.openTime).toISOString()}`).toBeLessThan(1e-9);
        }
      }
    }
    expect(whole.length + hit.length).toBe(7);
    expect(whole.some((b) => b.input.openTime > firstHit)).toBe(true);
  }, 120_000);
});
