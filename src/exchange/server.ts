// `rlt exchange`: a local Binance USD-M compatible exchange over the store, on 127.0.0.1. It speaks the
// real protocol (REST + weights + routed WebSocket streams + data.binance.vision bulk files) so fetch,
// record and, later, trade are tested against it over real HTTP and WebSocket, and users can rehearse
// the whole toolchain offline.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Store } from "../data/store.ts";
import { ApiError } from "./api-error.ts";
import { createKlineSource } from "./kline-source.ts";
import { MarketData } from "./market-data.ts";
import { MARKET_ROUTES, REQUEST_WEIGHT_PER_MINUTE } from "./rest-market.ts";
import { buildTable, routeKey } from "./routes.ts";
import { BAR_MS } from "../core/time.ts";
import { TRADING_ROUTES } from "./trading/routes.ts";
import { type ExchangeOptions, type ExchangeStats, type FaultConfig, REPLAY_SPEED_HEADER, REPLAY_TIME_HEADER, type RunningExchange, type StreamSource } from "./types.ts";
import { VisionFiles } from "./vision-files.ts";
import { WeightLimiter } from "./weights.ts";
import { WsRouter } from "./ws-router.ts";
import { type TradingOptions, startTrading } from "./trading/index.ts";

export const DEFAULT_FAULTS: FaultConfig = {
  delayMs: 0,
  error5xxRate: 0,
  timestampErrorRate: 0,
  dropWsAfterMessages: 0,
  weightLimitPerMinute: REQUEST_WEIGHT_PER_MINUTE,
  banAfter429s: 0,
  orderUnknownErrorRate: 0,
  orderTimeoutRate: 0,
  orderRejectRate: 0,
  userEventDropRate: 0,
  userEventDelayRate: 0,
  userEventDelayMs: 0,
  wsDropRate: 0,
  listenKeyExpireRate: 0,
  clockSkewMs: 0,
  clockSkewJumpRate: 0,
  clockSkewMaxMs: 0,
  rateLimitRate: 0,
  banRate: 0,
  banMs: 0,
};

/** Binance's server ping interval and connection lifetime. */
const PING_INTERVAL_MS = 3 * 60_000;
const MAX_CONNECTION_MS = 24 * 3_600_000;

export interface LocalExchangeOptions extends ExchangeOptions {
  pingIntervalMs?: number;
  maxConnectionMs?: number;
  /** Seed of the fault generator, so injected 5xx are the same on every run. */
  faultSeed?: number;
  /** Without `replay`: each kline/markPrice subscription replays the store from its own start at this rate. */
  klineReplay?: { fromMs?: number; barsPerSecond?: number };
  /** Keep the server clock at nowMs instead of letting it advance with wall time (deterministic tests). */
  freezeClock?: boolean;
  /**
   * One replay clock for the whole server: market time starts at fromMs and runs at barsPerSecond;
   * REST times, signatures, matching, funding and the kline/markPrice streams all follow it. `manual`
   * stops it from moving except by advanceTo/step (and POST /__rlt/step).
   */
  replay?: { fromMs: number; barsPerSecond: number; manual?: boolean };
  /** Accepted API keys, starting balance and costs of the matching engine. */
  trading?: TradingOptions;
}

export async function startExchange(opts: LocalExchangeOptions): Promise<RunningExchange> {
  const store = await Store.open(opts.dataDir);
  const data = new MarketData(store);
  const faults: FaultConfig = { ...DEFAULT_FAULTS, ...opts.faults };
  const random = mulberry32(opts.faultSeed ?? 42);
  const startNowMs = opts.replay?.fromMs ?? opts.nowMs ?? ((await data.lastKlineCloseMs()) ?? Date.now() - 1) + 1;
  const trading = await startTrading(data, faults, random, {
    startMs: startNowMs,
    speed: opts.replay ? (opts.replay.barsPerSecond * BAR_MS) / 1000 : 1,
    manual: opts.replay ? opts.replay.manual === true : opts.freezeClock === true,
    replay: opts.replay !== undefined,
    options: opts.trading,
  });
  const { clock, counter } = trading;
  const now = () => clock.nowMs();
  // one replay clock: replayed captures follow it too, so their streams and the klines agree on the minute
  if (opts.replay) for (const s of opts.streams ?? []) s.followClock?.(now);
  const sources: StreamSource[] = [...(opts.streams ?? []), opts.replay ? trading.klineSource : createKlineSource(data, opts.klineReplay)];
  const table = buildTable(MARKET_ROUTES, TRADING_ROUTES);
  const vision = new VisionFiles(data);
  const limiter = new WeightLimiter(() => faults.weightLimitPerMinute, () => faults.banAfter429s);
  const listeners: ((path: string, stats: ExchangeStats) => void)[] = [];
  const counts = { requests: 0, byPath: {} as Record<string, number> };
  const router = new WsRouter({
    sources: () => [...sources, trading.streams],
    faults,
    pingIntervalMs: opts.pingIntervalMs ?? PING_INTERVAL_MS,
    maxConnectionMs: opts.maxConnectionMs ?? MAX_CONNECTION_MS,
    random,
    onDrop: () => counter.count("wsDropped"),
  });
  const stats = (): ExchangeStats => ({
    requests: counts.requests,
    byPath: { ...counts.byPath },
    maxWeightInMinute: limiter.maxUsedInAMinute,
    rejected429: limiter.rejected429,
    wsConnections: router.connections,
    wsMessages: router.messages,
    faultsInjected: { ...counter.counts },
    ordersPlaced: trading.engine.orders.size + trading.engine.algoOrders.size,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path.startsWith("/__rlt/")) return admin(req, res, path);
    counts.requests++;
    counts.byPath[path] = (counts.byPath[path] ?? 0) + 1;
    for (const l of listeners) l(path, stats());
    const body = req.method === "GET" ? "" : await readBody(req);
    if (faults.delayMs > 0) await new Promise((r) => setTimeout(r, faults.delayMs));
    if (faults.error5xxRate > 0 && random() < faults.error5xxRate) {
      counter.count("error5xx");
      res.writeHead(503, { "Content-Type": "text/html" });
      res.end("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>");
      return;
    }
    if (VisionFiles.matches(path)) {
      const file = await vision.get(path, now());
      if (!file) {
        res.writeHead(404, { "Content-Type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${path.slice(1)}</Key></Error>`);
        return;
      }
      res.writeHead(200, { "Content-Type": file.contentType, "Content-Length": file.body.length });
      res.end(file.body);
      return;
    }
    const route = table.get(routeKey(req.method ?? "GET", path));
    if (!route) return json(res, 404, { code: -5000, msg: `Path ${path}, Method ${req.method} is invalid` });
    // the market catches up with the clock before anything is answered
    const marketMs = clock.sync();
    const nowMs = marketMs + faults.clockSkewMs;
    // injected 429 / 418 come before the weight is counted, as a limiter shared with other clients would;
    // they strike requests the exchange would otherwise take (a refused timestamp stays a -1021), so the
    // client's idea of the server clock, which its wait is measured on, is within recvWindow; the clock
    // probe (GET /fapi/v1/time) is spared for the same reason
    if ((faults.banRate > 0 || faults.rateLimitRate > 0) && path !== "/fapi/v1/time" && acceptable(req, route, url, body, nowMs)) {
      if (faults.banRate > 0 && random() < faults.banRate) limiter.ban(nowMs + faults.banMs);
      else if (faults.rateLimitRate > 0 && random() < faults.rateLimitRate) limiter.refuseNext();
    }
    const admission = limiter.admit(route.weight(url.searchParams), nowMs);
    let headers: Record<string, string> = { "X-MBX-USED-WEIGHT-1M": String(admission.used) };
    if (!admission.ok) {
      counter.count(admission.status === 429 ? "rateLimit429" : "ban418");
      const msg =
        admission.status === 429
          ? `Too many requests; current limit of IP(127.0.0.1) is ${faults.weightLimitPerMinute} requests per minute. Please use the websocket for live updates to avoid polling the API.`
          : `Way too many requests; IP(127.0.0.1) banned until ${admission.bannedUntilMs ?? nowMs + admission.retryAfterSec * 1000}. Please use the websocket for live updates to avoid bans.`;
      return json(res, admission.status, { code: -1003, msg }, { ...headers, "Retry-After": String(admission.retryAfterSec) });
    }
    if (route.signed && faults.timestampErrorRate > 0 && random() < faults.timestampErrorRate) {
      counter.count("timestamp1021");
      return json(res, 400, { code: -1021, msg: "Timestamp for this request is outside of the recvWindow." }, headers);
    }
    try {
      const params = new URLSearchParams(url.search.slice(1) + (body ? `&${body}` : ""));
      if (route.signed) trading.authenticate(req.headers, url.search.slice(1), body, nowMs);
      else if (route.keyed) trading.requireKey(req.headers);
      if (route.countsOrder) {
        const admitted = trading.orderCounter.admit(marketMs);
        headers = { ...headers, ...trading.orderCounter.headers() };
        if (!admitted) throw new ApiError(429, -1015, "Too many new orders; current limit is 300 orders per TEN_SECONDS.");
        if (faults.orderRejectRate > 0 && random() < faults.orderRejectRate) {
          counter.count("rejected1006");
          throw new ApiError(500, -1006, "An unexpected response was received from the message bus. Execution status unknown.");
        }
      }
      const answer = await route.handle({ params, nowMs, data, sources, weightLimitPerMinute: faults.weightLimitPerMinute, trading });
      // faults that strike after the order was applied: it exists, the client was not told
      if (route.countsOrder && faults.orderUnknownErrorRate > 0 && random() < faults.orderUnknownErrorRate) {
        counter.count("unknownError503AfterApply");
        return json(res, 503, { code: -1000, msg: "Unknown error, please check your request or try again later." }, headers);
      }
      if (route.countsOrder && faults.orderTimeoutRate > 0 && random() < faults.orderTimeoutRate) {
        counter.count("timeout1007AfterApply");
        return json(res, 408, { code: -1007, msg: "Timeout waiting for response from backend server. Send status unknown; execution status unknown." }, headers);
      }
      json(res, 200, answer, { ...headers, ...replayClockHeaders(sources) });
    } catch (err) {
      if (err instanceof ApiError) return json(res, err.status, { code: err.code, msg: err.message }, headers);
      json(res, 500, { code: -1000, msg: `An unknown error occurred while processing the request. (${(err as Error).message})` }, headers);
    }
  }

  function acceptable(req: IncomingMessage, route: { signed?: boolean }, url: URL, body: string, nowMs: number): boolean {
    if (!route.signed) return true;
    try {
      trading.authenticate(req.headers, url.search.slice(1), body, nowMs);
      return true;
    } catch {
      return false;
    }
  }

  async function admin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === "/__rlt/stats") return json(res, 200, { ...stats(), nowMs: now(), faults });
    if (path === "/__rlt/step" && req.method === "POST") {
      // manual clock over HTTP, for a client in another process: {"toMs": …} or {"bars": n}
      let body: { toMs?: number; bars?: number };
      try {
        body = JSON.parse((await readBody(req)) || "{}");
      } catch {
        return json(res, 400, { msg: "body must be JSON" });
      }
      if (!clock.opts.manual) return json(res, 400, { msg: "the clock is not manual (start with replay.manual)" });
      if (body.toMs !== undefined) clock.advanceTo(body.toMs);
      else clock.step(body.bars ?? 1);
      return json(res, 200, { nowMs: now() });
    }
    if (path === "/__rlt/expire-listen-keys" && req.method === "POST") {
      trading.expireListenKeys();
      return json(res, 200, { ok: true });
    }
    if (path === "/__rlt/faults" && req.method === "POST") {
      const body = await readBody(req);
      try {
        Object.assign(faults, JSON.parse(body || "{}"));
      } catch {
        return json(res, 400, { msg: "body must be JSON" });
      }
      return json(res, 200, faults);
    }
    if (path === "/__rlt/reset-limits" && req.method === "POST") {
      limiter.reset();
      return json(res, 200, { ok: true });
    }
    json(res, 404, { msg: "unknown admin path" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) json(res, 500, { code: -1000, msg: String(err) });
    });
  });
  server.on("upgrade", (req, socket, head) => {
    if (!router.upgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    restUrl: `http://${address}:${port}`,
    wsUrl: `ws://${address}:${port}`,
    faults,
    stats,
    onRequest: (l) => void listeners.push(l),
    nowMs: now,
    advanceTo: (ms) => clock.advanceTo(ms),
    step: (bars = 1) => clock.step(bars),
    expireListenKeys: () => trading.expireListenKeys(),
    apiKeys: trading.keys,
    async close() {
      trading.stop();
      router.closeAll();
      for (const s of sources) s.close?.();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      store.close();
    },
  };
}

/** The first replayed capture's clock, read as the answer leaves (see REPLAY_TIME_HEADER). */
function replayClockHeaders(sources: StreamSource[]): Record<string, string> {
  const clock = sources.find((s) => s.replayClock)?.replayClock?.();
  return clock ? { [REPLAY_TIME_HEADER]: clock.nowMs.toFixed(3), [REPLAY_SPEED_HEADER]: String(clock.speed) } : {};
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Small seeded PRNG (Mulberry32) for reproducible fault injection. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
