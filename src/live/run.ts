// `rlt trade`: a trained run trading one symbol bar by bar. Where the market and the account live
// (mainnet, demo, the local exchange) and how orders fill (paper: the bar simulator; or the exchange)
// are two independent choices. This file wires the pieces: the run's policy and features, history for
// the warm-up, the market streams the model's features need (trade/market-streams.ts), the session core
// and its output, and what watches it (monitor/): it sits above both, which know nothing of each other's
// assembly.
import { killPoint } from "../core/kill-point.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Endpoint } from "../core/config.ts";
import { DataError, UsageError } from "../core/errors.ts";
import { withLock } from "../core/lock.ts";
import { BAR_MS, DAY_MS, isoMinute } from "../core/time.ts";
import { Store } from "../data/store.ts";
import { MarketClient } from "../fetch/client.ts";
import { RUN_NAME_PATTERN, RUN_NAME_RULE } from "../rl/config.ts";
import { readRun } from "../rl/run-dir.ts";
import { type ModelChoice, RUN_FILES } from "../rl/run-files.ts";
import { loadRunPolicy } from "../rl/run-policy.ts";
import type { BarInput } from "../features/bar-input.ts";
import type { FeatureManifest } from "../features/artifact.ts";
import type { Kline } from "../trade/bars.ts";
import { RiskEngine } from "../risk/index.ts";
import { BinanceVenue } from "../venue/binance.ts";
import { loadKeys } from "../venue/keys.ts";
import type { TrainingRun } from "../rl/run-dir.ts";
import { ExchangeClient } from "../trade/exchange-client.ts";
import { PaperClient } from "../trade/execution.ts";
import { Journal, journalPath, sessionLockPath } from "../trade/journal.ts";
import { type MarketStream, SessionFeatures, type StreamPlan, planStreams } from "../trade/features.ts";
import { MarketFeed } from "../trade/market-streams.ts";
import { fundingInBar, restBars, warmUpColumns } from "../trade/history.ts";
import { type SessionEvent, type SessionState, TradeSession } from "../trade/session.ts";
import { Health } from "../trade/health.ts";
import { SessionMonitor } from "../monitor/monitor.ts";
import { installMonitors } from "../monitor/install.ts";
import type { TradeControls } from "../monitor/types.ts";
import { type MonitorConfig, MonitorConfigSchema } from "../core/monitor-config.ts";

export type ExchangeChoice = "mainnet" | "demo" | "local";

export interface TradeOptions {
  runDir: string;
  model: ModelChoice;
  exchange: ExchangeChoice;
  endpoint: Endpoint;
  /** Fill with the bar simulator; nothing is sent. */
  paper: boolean;
  /** --mainnet given, and the config's trade.allowMainnet: both are needed for real orders on mainnet. */
  mainnetFlag: boolean;
  allowMainnet: boolean;
  /** Session name (default: a new one from the clock and the mode). */
  session?: string;
  /** The store to warm up from (REST klines fill what it lacks). */
  dataDir?: string;
  onExit: "keep" | "flatten";
  /** A key file (else RLT_API_KEY / RLT_API_SECRET); exchange mode only. */
  keyFile?: string;
  /** Take the exchange's position and foreign orders as this session's at the start. */
  adopt?: boolean;
  /** Stop after this many closed bars (rehearsals, tests, the demo). */
  maxBars?: number;
  signal?: AbortSignal;
  onEvent: (e: SessionEvent) => void;
  onInfo: (message: string) => void;
  /** Each bar's input as the session decided on it, with the streams whose fields it has (journal, tests). */
  onBarInput?: (input: BarInput, streams: { complete: MarketStream[]; incomplete: MarketStream[]; fromRest: boolean }) => void;
  /** Wall ms a closed kline waits for the other streams to pass its close (default STREAM_GRACE_MS). */
  streamGraceMs?: number;
  /** rlt.yaml's monitor section (default: its defaults). */
  monitor?: MonitorConfig;
  /** The session's monitor and the actions a front end may call, once the session exists. */
  onMonitor?: (monitor: SessionMonitor, controls: TradeControls) => void;
}

export interface TradeResult {
  sessionDir: string;
  state: SessionState;
}

/** Warm-up at most this far back: longer than every indicator window and the 1440-bar rolling normalization. */
const MAX_WARMUP_MS = 30 * DAY_MS;
/** Less than this and the rolling normalization is not yet what training saw: the session says so. */
const FULL_WARMUP_BARS = 1440 + 60;

export async function runTrade(options: TradeOptions): Promise<TradeResult> {
  refuseUnsafe(options);
  // the UI's quit ends the session like Ctrl-C does, with the exit the user chose there
  const quit = new AbortController();
  const onAbort = () => quit.abort();
  if (options.signal?.aborted) quit.abort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  let onExit = options.onExit;
  const opts: TradeOptions = { ...options, signal: quit.signal };
  const health = new Health();
  const run = readRun(opts.runDir, "rlt trade trades one agent");
  const symbol = run.info.symbol;
  const plan = streamPlan(run.manifest);
  const { policy, backend } = await loadRunPolicy(run, opts.model);
  const id = opts.session ?? `${new Date().toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-")}-${opts.paper ? "paper" : "live"}-${opts.exchange}`;
  if (!RUN_NAME_PATTERN.test(id)) throw new UsageError(`--session ${id}: ${RUN_NAME_RULE}`);
  const sessionDir = path.join(run.dir, RUN_FILES.sessions, id);
  mkdirSync(sessionDir, { recursive: true });
  const client = new MarketClient({ restUrl: opts.endpoint.rest, weightBudget: 0.5, maxRetries: 8, signal: opts.signal, health });
  const features = new SessionFeatures(run.manifest);
  // one trader per session: a second one would send the same client order ids
  return withLock(sessionLockPath(sessionDir), { purpose: `the trading session ${sessionDir}`, onWait: opts.onInfo, signal: opts.signal }, async () => {
    writeFileSync(path.join(sessionDir, "session.json"), `${JSON.stringify({ id, run: run.dir, model: opts.model, backend, symbol, exchange: opts.exchange, mode: opts.paper ? "paper" : "exchange", startedAt: new Date().toISOString() }, null, 2)}\n`);
    const mode = opts.paper ? "paper" : "exchange";
    const journal = await Journal.open(journalPath(run.dir, id), { session: id, run: run.dir, model: opts.model, exchange: opts.exchange, mode, symbol, config: { sim: run.cfg.sim, risk: run.cfg.risk, env: run.cfg.env } });
    let execution: PaperClient | ExchangeClient | undefined;
    try {
      if (!(await client.tradingSymbols()).has(symbol)) {
        throw new DataError(`${opts.exchange} (${opts.endpoint.rest}) does not list ${symbol} as trading: nothing to trade`, { hint: `the run was trained on ${symbol}; trade it where that symbol is listed, or point --rest-url at an exchange that has it` });
      }
      if (journal.resumed) opts.onInfo(`continuing session ${id} (${journal.file})`);
      execution = opts.paper ? new PaperClient(run.cfg.sim, { symbol, risk: new RiskEngine(run.cfg.risk, run.cfg.sim) }) : await openExchange(opts, journal, id, symbol, run.cfg, health);
      return await trade(run, execution, journal);
    } finally {
      if (execution instanceof ExchangeClient) await execution.close();
      await journal.close();
    }
  });

  async function trade(run: TrainingRun, execution: PaperClient | ExchangeClient, journal: Journal): Promise<TradeResult> {
    const session = new TradeSession({ id, symbol, policy, actions: run.cfg.env.actions, positionInObs: run.cfg.env.positionInObs, features, execution });
    session.on(opts.onEvent);
    session.on(journalEvents(journal, features, () => session.state()));
    const monitor = new SessionMonitor({ session, health, exchange: opts.exchange, run: run.dir });
    installMonitors(monitor, { run, journal, sessionDir, features, health, config: opts.monitor ?? MonitorConfigSchema.parse({}), onInfo: opts.onInfo });
    monitor.start();
    const controls: TradeControls = {
      pauseEntries: () => session.pauseEntries(),
      resume: () => session.resume(),
      flattenNow: () => session.flattenNow(),
      quit: (how) => {
        onExit = how;
        quit.abort();
      },
    };
    opts.onMonitor?.(monitor, controls);
    try {
      return await tradeSession(session, run, journal);
    } finally {
      await monitor.close();
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  async function tradeSession(session: TradeSession, run: TrainingRun, journal: Journal): Promise<TradeResult> {
    opts.onInfo(`session ${id}: ${run.name} (${opts.model} model, ${backend}) on ${symbol}, ${opts.paper ? "paper" : "exchange"} fills, market data from ${opts.exchange} (${opts.endpoint.rest})`);
    const byStream = plan.streams.map((s) => `${s} (${plan.featuresByStream[s].join(", ")})`);
    if (byStream.length) opts.onInfo(`streaming klines and ${byStream.join("; ")}: trade and book features are masked until a whole bar of their stream has arrived`);
    await tradeBars(session, client, symbol, plan, opts, health, async (firstOpenTime) => {
      const fromMs = Math.max(run.manifest.range.fromMs, firstOpenTime - MAX_WARMUP_MS);
      const store = opts.dataDir ? await Store.open(opts.dataDir) : undefined;
      let warm;
      try {
        warm = await warmUpColumns(store, client, symbol, fromMs, firstOpenTime, Boolean(run.manifest.config.fillGaps));
      } finally {
        store?.close();
      }
      const report = features.warmUp(warm.cols);
      const fromStreams = new Set(plan.streams.flatMap((s) => plan.featuresByStream[s]));
      const streamed = report.maskedAtEnd.filter((f) => fromStreams.has(f));
      const other = report.maskedAtEnd.filter((f) => !fromStreams.has(f));
      const masked = `${streamed.length ? `; masked until the streams fill them (no recorded data before ${isoMinute(firstOpenTime)}): ${streamed.join(", ")}` : ""}${other.length ? `; masked until their windows fill or their source is there: ${other.join(", ")}` : ""}`;
      opts.onInfo(`warm-up: ${report.bars.toLocaleString("en-US")} bars before ${isoMinute(firstOpenTime)} (${warm.fromStore.toLocaleString("en-US")} from the store, ${warm.fromRest.toLocaleString("en-US")} from the exchange), live features equal to batch within ${report.maxDifference.toExponential(1)}${masked}`);
      if (report.bars < FULL_WARMUP_BARS) session.emitWarning(`only ${report.bars} warm-up bars: the 1440-bar rolling normalization is not yet what training saw`);
      session.startTrading();
    });
    await session.stop(onExit);
    killPoint("shutdown");
    await journal.markStopped(options.signal?.aborted ? "interrupted" : quit.signal.aborted ? "quit" : "finished");
    return { sessionDir, state: session.state() };
  }
}

/** Keys, the venue, and the exchange client (symbol set up, user stream open, journal reconciled). */
async function openExchange(opts: TradeOptions, journal: Journal, id: string, symbol: string, cfg: TrainingRun["cfg"], health: Health): Promise<ExchangeClient> {
  const keys = loadKeys({ keyFile: opts.keyFile });
  if (!keys) throw new UsageError(`orders on ${opts.exchange} need API keys: set RLT_API_KEY and RLT_API_SECRET, or pass --key-file`, { hint: opts.exchange === "demo" ? "Binance Demo Trading keys come from demo.binance.com (API Management); or trade with --paper, which needs none" : "or trade with --paper, which needs none" });
  const venue = new BinanceVenue({ exchange: opts.exchange, restUrl: opts.endpoint.rest, wsUrl: opts.endpoint.ws, ...keys, mainnetOptIn: opts.mainnetFlag && opts.allowMainnet, health });
  return ExchangeClient.open({
    venue,
    journal,
    symbol,
    session: id,
    sim: cfg.sim,
    risk: cfg.risk,
    adopt: Boolean(opts.adopt),
    health,
    onWarning: (m) => opts.onEvent({ type: "warning", message: m }),
    onReconciled: (r) => opts.onInfo(`reconciled (${r.trigger}): ${r.outcome}${r.applied.length ? `; applied ${r.applied.join("; ")}` : ""}${r.differences.length ? `; adopted ${r.differences.join("; ")}` : ""}; position ${r.positionQty}, ${r.openOrders} open orders, ${r.openAlgoOrders} algo orders`),
  });
}

/**
 * The session's bars (with the feature values it decided on) and decisions, journaled once the bar's
 * orders are out (the "equity" event ends a bar): the journal commits one write at a time, and an
 * order's intent must not wait behind them. A crash in between loses the bar's row, never the intent,
 * which carries its bar and reason.
 */
function journalEvents(journal: Journal, features: SessionFeatures, state: () => SessionState): (e: SessionEvent) => void {
  const codes = { buy: 0, sell: 1, hold: 2 } as const;
  let pending: (() => Promise<unknown>)[] = [];
  let barOpenMs = Number.NaN;
  return (e) => {
    if (e.type === "trade") {
      const t = e.trade;
      pending.push(() => journal.recordTrade(t));
    }
    if (e.type === "equity") {
      const account = { ...e.account, position: e.account.position && { ...e.account.position } };
      const bar = barOpenMs;
      const { realizedPnlUsdt, feesUsdt, fundingUsdt, trades } = state();
      pending.push(() => journal.recordEquity(bar, account, { realizedPnlUsdt, feesUsdt, fundingUsdt, trades }));
    }
    if (e.type === "bar") {
      barOpenMs = e.bar.openTime;
      const row = { openTimeMs: e.bar.openTime, open: e.bar.open, high: e.bar.high, low: e.bar.low, close: e.bar.close, volume: Number.NaN, features: Float64Array.from(features.normalized), spreadBps: e.bar.spreadBps };
      pending.push(() => journal.recordBar(row));
    } else if (e.type === "decision") {
      const d = e.decision;
      pending.push(() => journal.recordDecision({ barOpenMs: d.barOpenTimeMs, action: codes[d.action], probs: d.probabilities ?? [], targetSide: d.target, targetQty: Number.NaN, note: d.limitedBy }));
    } else if (e.type === "risk") {
      // paper sessions: the bar simulator's risk engine; an exchange session journals its own as they happen
      if (journal.session.mode === "paper") pending.push(() => journal.recordRiskEvent({ barOpenMs: e.barOpenTimeMs, kind: e.kind, state: e.kind === "halt" ? "halted" : e.kind === "reducing" ? "reducing" : e.kind === "resume" ? "active" : "", reason: e.reason, detail: e.message }));
    } else if (e.type === "equity" || e.type === "status") {
      const writes = pending;
      pending = [];
      for (const w of writes) w().catch((err) => journal.recordError("journal write", err));
    }
  };
}

/**
 * Closed klines from the stream, in order, one at a time, each finished with the stream fields of its
 * bar: a gap (a reconnect, a slow consumer) is filled from REST before the next bar (those bars get no
 * stream fields), a repeat is dropped. The first bar starts the warm-up.
 */
async function tradeBars(session: TradeSession, client: MarketClient, symbol: string, plan: StreamPlan, opts: TradeOptions, health: Health, warmUp: (firstOpenTime: number) => Promise<void>): Promise<void> {
  const queue: Kline[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  const feed = new MarketFeed({
    wsUrl: opts.endpoint.ws,
    symbol,
    streams: plan.streams,
    depthSnapshot: (limit) => client.depth({ symbol, limit }),
    onKline: (k) => {
      queue.push(k);
      wake?.();
    },
    onWarning: (m) => session.emitWarning(m),
    onInfo: opts.onInfo,
    graceMs: opts.streamGraceMs,
    health,
  });
  opts.onInfo(`market streams: /market ${feed.opened.market.join(", ")}${feed.opened.public.length ? `; /public ${feed.opened.public.join(", ")}` : ""}`);
  const stopped = new Promise<void>((resolve) => {
    if (opts.signal?.aborted) return resolve();
    opts.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  let last = Number.NaN;
  let seen = 0;
  try {
    while (!opts.signal?.aborted && (opts.maxBars === undefined || seen < opts.maxBars)) {
      if (queue.length === 0) {
        await Promise.race([new Promise<void>((r) => (wake = r)), stopped]);
        wake = undefined;
        continue;
      }
      const k = queue.shift()!;
      if (Number.isNaN(last)) {
        await warmUp(k.openTime);
        last = k.openTime - BAR_MS;
      }
      if (k.openTime <= last) continue;
      const gap = k.openTime > last + BAR_MS ? await restBars(client, symbol, last + BAR_MS, k.openTime) : [];
      if (gap.length) session.emitWarning(`klines ${isoMinute(last + BAR_MS)} … ${isoMinute(k.openTime - BAR_MS)} missed by the stream come from REST: their trade and book fields are masked`);
      for (const rest of [...gap, undefined]) {
        if (opts.maxBars !== undefined && seen >= opts.maxBars) break;
        const done = rest ? feed.restBar(rest) : await feed.streamedBar(k);
        opts.onBarInput?.(done.input, { complete: done.complete, incomplete: done.incomplete, fromRest: rest !== undefined });
        session.addFunding(await fundingInBar(client, symbol, done.input.openTime));
        await session.onBar(done.input);
        last = done.input.openTime;
        seen++;
      }
    }
  } catch (err) {
    failure = err;
  } finally {
    feed.close();
  }
  if (failure) throw failure;
}

function refuseUnsafe(opts: TradeOptions): void {
  if (opts.paper) return;
  if (opts.exchange === "mainnet" && !(opts.mainnetFlag && opts.allowMainnet)) {
    const missing = [opts.mainnetFlag ? "" : "the --mainnet flag", opts.allowMainnet ? "" : "trade.allowMainnet: true in rlt.yaml"].filter(Boolean).join(" and ");
    throw new UsageError(`refusing to send real orders to Binance mainnet without ${missing}`, {
      hint: "rehearse with --paper (no keys, nothing sent) or --testnet (Binance Demo Trading); real money needs both --mainnet and trade.allowMainnet: true",
    });
  }
}

/**
 * The streams the run's features need (features.ts planStreams); a used feature that nothing the
 * session can open would produce is refused before anything is traded.
 */
function streamPlan(manifest: FeatureManifest): StreamPlan {
  const plan = planStreams(manifest);
  if (plan.unproducible.length) {
    throw new DataError(`the run's model was trained with features that the live streams cannot produce: ${plan.unproducible.join(", ")}`, {
      hint: "their source is not a stream rlt trade opens (klines, aggTrade, bookTicker, depth); train on features these sources give (rlt features over data without that source)",
    });
  }
  return plan;
}
