// Contracts between the local exchange's HTTP server and the sources that feed it.
// The server (src/exchange/server.ts) owns HTTP, WebSocket routing, weights and faults;
// market-data sources own what is said on each stream.

/** A live stream source, e.g. a replayed WebSocket capture or bars synthesized from the store. */
export interface StreamSource {
  /** Stream names this source can serve, lower-case as Binance spells them ("btcusdt@depth@100ms"). */
  canServe(stream: string): boolean;
  /** Start delivering payloads (the `data` part of a combined-stream message) for a stream; returns unsubscribe. */
  subscribe(stream: string, send: (payload: Record<string, unknown>) => void): () => void;
  /** The current REST depth snapshot for GET /fapi/v1/depth, consistent with what depth streams have sent. */
  depthSnapshot?(symbol: string, limit: number): DepthSnapshot | undefined;
  /**
   * The clock this source's event times are on when it is not the server's: a replayed capture runs on
   * its own day at its own speed. The server tells it in the X-RLT-Replay-* headers (below).
   */
  replayClock?(): ReplayClock;
  /** Under a server replay clock: send each event when that clock passes it (a capture's own clock is ignored). */
  followClock?(nowMs: () => number): void;
  close?(): void;
}

export interface ReplayClock {
  nowMs: number;
  /** Replay-clock ms per wall-clock ms (the replay speed). */
  speed: number;
}

/**
 * Headers on every REST response of the local exchange while it replays a capture: the replay clock
 * read when the response is sent, and its speed. `serverTime` stays the store's clock, which
 * `rlt fetch` resolves `--days` against; a recorder measures its lag against these instead.
 */
export const REPLAY_TIME_HEADER = "x-rlt-replay-time";
export const REPLAY_SPEED_HEADER = "x-rlt-replay-speed";

export interface DepthSnapshot {
  lastUpdateId: number;
  E: number;
  T: number;
  bids: [string, string][];
  asks: [string, string][];
}

/** Switches for injected faults; every field can be changed while the server runs. */
export interface FaultConfig {
  /** Added latency for every REST response, ms. */
  delayMs: number;
  /** Fraction (0..1) of REST requests answered with HTTP 503 / 500. */
  error5xxRate: number;
  /** Fraction (0..1) of signed requests answered with -1021 (timestamp outside recvWindow). */
  timestampErrorRate: number;
  /** Close every WebSocket connection after this many messages (0 = never). */
  dropWsAfterMessages: number;
  /** REQUEST_WEIGHT per minute before HTTP 429 (Binance: 2400). */
  weightLimitPerMinute: number;
  /** After this many 429s in a minute, answer 418 (IP ban) like Binance (0 = never). */
  banAfter429s: number;
  /** Fraction (0..1) of order placements answered HTTP 503 "Unknown error" AFTER the order was applied. */
  orderUnknownErrorRate: number;
  /** Fraction (0..1) of order placements answered -1007 (timeout, status unknown) AFTER the order was applied. */
  orderTimeoutRate: number;
  /** Fraction (0..1) of order placements answered -1006 (unexpected response) WITHOUT applying the order. */
  orderRejectRate: number;
  /** Fraction (0..1) of user-stream events never sent. */
  userEventDropRate: number;
  /** Fraction (0..1) of user-stream events sent userEventDelayMs (wall time) late. */
  userEventDelayRate: number;
  userEventDelayMs: number;
  /** Fraction (0..1) of WebSocket messages after which the connection is dropped without a close frame. */
  wsDropRate: number;
  /** Fraction (0..1) of bar closes at which the listen key expires early (listenKeyExpired, then -1125). */
  listenKeyExpireRate: number;
  /** The server clock's offset from the market clock, ms: /fapi/v1/time and recvWindow checks use it. */
  clockSkewMs: number;
  /** Fraction (0..1) of bar closes at which clockSkewMs jumps to a new value in ±clockSkewMaxMs (a clock step, as NTP makes). */
  clockSkewJumpRate: number;
  clockSkewMaxMs: number;
  /** Fraction (0..1) of REST requests answered HTTP 429 (-1003) whatever weight was used (a shared IP's neighbours). */
  rateLimitRate: number;
  /** Fraction (0..1) of REST requests answered HTTP 418 (-1003, banned until now + banMs of the server clock). */
  banRate: number;
  /** How long an injected 418 ban lasts on the server clock, ms (0: only the request answered 418). */
  banMs: number;
}

export interface ExchangeOptions {
  /** Data directory (the store) to serve klines, funding, aggTrades and bulk files from. */
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed server clock (ms); default: the end of the stored klines + 1 minute. */
  nowMs?: number;
  /** Extra stream sources (capture replays). */
  streams?: StreamSource[];
  faults?: Partial<FaultConfig>;
}

export interface ExchangeStats {
  requests: number;
  /** Requests per path, e.g. {"/fapi/v1/klines": 29}. */
  byPath: Record<string, number>;
  maxWeightInMinute: number;
  rejected429: number;
  wsConnections: number;
  wsMessages: number;
  /** Injected faults per kind (see trading/faults.ts), for soak tests to print. */
  faultsInjected: Record<string, number>;
  /** Orders accepted (regular and algo). */
  ordersPlaced: number;
}

export interface RunningExchange {
  /** REST base, e.g. http://127.0.0.1:41234 (also the bulk-data base). */
  restUrl: string;
  /** WebSocket root, e.g. ws://127.0.0.1:41234 (routes /public, /market appended by clients). */
  wsUrl: string;
  faults: FaultConfig;
  stats(): ExchangeStats;
  /** Called for each REST request after it is counted (tests use it to kill a client mid-run). */
  onRequest(listener: (path: string, stats: ExchangeStats) => void): void;
  /** The market clock now (ms): what matching, funding and streams are at. */
  nowMs(): number;
  /** Manual clock (replay.manual): move to a time, processing every bar that closes by then. */
  advanceTo(ms: number): void;
  /** Manual clock: move to the next bar close (or `bars` bar closes on). */
  step(bars?: number): void;
  /** Expire the listen key now (the fault, on demand). */
  expireListenKeys(): void;
  /** API key pairs the server accepts. */
  apiKeys: { apiKey: string; apiSecret: string }[];
  close(): Promise<void>;
}
