// Market-data REST client for fetch: binance-api-node pointed at the configured base URL, paced by the
// exchange's X-MBX-USED-WEIGHT-1M header and retried only on temporary failures.
import { ExchangeError, RltError, TemporaryError } from "../core/errors.ts";
import { sleep } from "../core/time.ts";
import { maskUrl, maskUrlsIn } from "../core/url.ts";
import { binanceClient } from "../exchange/binance.ts";
import { depthWeight } from "../exchange/weights.ts";


/* The subset of binance-api-node's client that fetch uses, as it returns them. */
export interface Candle {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  closeTime: number;
  quoteVolume: string;
  trades: number;
  baseAssetVolume: string;
  quoteAssetVolume: string;
}
export interface AggTrade {
  aggId: number;
  price: string;
  quantity: string;
  firstId: number;
  lastId: number;
  timestamp: number;
  isBuyerMaker: boolean;
}
export interface FundingRow {
  symbol: string;
  fundingTime: number;
  fundingRate: string;
  markPrice: string;
}
/** GET /fapi/v1/depth as binance-api-node returns it. */
export interface DepthBook {
  lastUpdateId: number | string;
  bids: { price: string; quantity: string }[];
  asks: { price: string; quantity: string }[];
}
interface BinanceClient {
  futuresTime(): Promise<number>;
  futuresExchangeInfo(): Promise<{ rateLimits: { rateLimitType: string; interval: string; intervalNum: number; limit: number }[]; symbols: { symbol: string; status: string }[] }>;
  futuresCandles(p: object): Promise<Candle[]>;
  futuresAggTrades(p: object): Promise<AggTrade[]>;
  futuresFundingRate(p: object): Promise<FundingRow[]>;
  futuresBook(p: object): Promise<DepthBook>;
  getInfo(): Record<string, { usedWeight1m?: string }>;
}

export interface ClientOptions {
  restUrl: string;
  /** Fraction of the REQUEST_WEIGHT limit to use (config fetch.weightBudget). */
  weightBudget: number;
  maxRetries: number;
  signal?: AbortSignal;
  onWait?: (reason: string, ms: number) => void;
  /** A trading session's connection health (src/trade/health.ts): each call's latency and error, the clock offset. */
  health?: RestHealth;
}

/** What a REST client reports to a session's Health (structural: fetch does not depend on trade). */
export interface RestHealth {
  restCall(what: string, latencyMs: number, error?: { message: string; code?: number }): void;
  clockOffset(offsetMs: number): void;
}

/** Raised when the caller's signal stops a wait or a retry; fetch reports what was stored and exits nonzero. */
export class Interrupted extends RltError {
  constructor() {
    super("fetch interrupted; everything fetched so far is stored", { hint: "re-run the same command to resume" });
  }
}

/** Binance's documented default, used until exchangeInfo tells otherwise. */
const DEFAULT_WEIGHT_LIMIT = 2400;
const MAX_BACKOFF_MS = 30_000;
/** Our estimate of the server clock can be off by the latency of one request: keep clear of minute edges. */
const MINUTE_EDGE_MARGIN_MS = 500;
/**
 * Binance error codes that mean "the server could not answer now", worth a retry for a read-only call:
 * -1000 unknown error, -1001 disconnected, -1006 unexpected response, -1007 backend timeout, -1008 server
 * busy. https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code
 */
const TEMPORARY_CODES = new Set([-1000, -1001, -1006, -1007, -1008]);
const INVALID_SYMBOL_CODE = -1121;

export class MarketClient {
  private readonly api: BinanceClient;
  /** The key under which binance-api-node's getInfo() keeps this exchange's weight header. */
  private readonly weightKey: string;
  private weightLimit = DEFAULT_WEIGHT_LIMIT;
  /** serverTime − local time, from the last /time call. */
  private clockOffsetMs = 0;
  /** Server minute of the last response whose weight header we read. */
  private lastMinute = -1;
  requests = 0;
  retries = 0;
  waitedMs = 0;

  constructor(private readonly opts: ClientOptions) {
    this.api = binanceClient<BinanceClient>({ rest: opts.restUrl });
    this.weightKey = weightInfoKey(opts.restUrl);
  }

  serverNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /**
   * Learn the server clock. A plain GET rather than binance-api-node: before the clock is known, a 429
   * can only be waited out by its Retry-After header, which binance-api-node does not expose.
   */
  async syncTime(): Promise<number> {
    const url = `${this.opts.restUrl}/fapi/v1/time`;
    const serverTime = await this.withRetry(async () => {
      const t0 = Date.now();
      let res: Response;
      try {
        res = await fetch(url, { signal: this.opts.signal });
      } catch (err) {
        throw new TemporaryError(`cannot reach ${maskUrl(url)}: ${networkReason(err)}`, { cause: err });
      }
      this.requests++;
      if (res.status === 429 || res.status === 418 || res.status >= 500) {
        throw new TemporaryError(`${maskUrl(url)} answered ${res.status}`, { retryAfterMs: retryAfterHeader(res.headers.get("retry-after")) });
      }
      if (!res.ok) throw new ExchangeError(`${maskUrl(url)} answered ${res.status}: ${maskUrlsIn((await res.text()).slice(0, 200))}`);
      const { serverTime: t } = (await res.json()) as { serverTime: number };
      this.clockOffsetMs = t - Math.round((t0 + Date.now()) / 2);
      this.opts.health?.clockOffset(this.clockOffsetMs);
      this.lastMinute = Math.floor(t / 60_000);
      return t;
    });
    return serverTime;
  }

  /** Symbols TRADING on the exchange; also reads the weight limit. */
  async tradingSymbols(): Promise<Set<string>> {
    const info = await this.call(1, "GET /fapi/v1/exchangeInfo", () => this.api.futuresExchangeInfo());
    const rl = info.rateLimits.find((r) => r.rateLimitType === "REQUEST_WEIGHT" && r.interval === "MINUTE" && r.intervalNum === 1);
    if (rl) this.weightLimit = rl.limit;
    return new Set(info.symbols.filter((s) => s.status === "TRADING").map((s) => s.symbol));
  }

  candles(p: { symbol: string; startTime: number; endTime: number; limit: number }): Promise<Candle[]> {
    return this.call(klinesWeight(p.limit), "GET /fapi/v1/klines", () => this.api.futuresCandles({ ...p, interval: "1m" }));
  }

  aggTrades(p: { symbol: string; fromId?: number; startTime?: number; endTime?: number; limit: number }): Promise<AggTrade[]> {
    return this.call(20, "GET /fapi/v1/aggTrades", () => this.api.futuresAggTrades(p));
  }

  /** The REST order book (a depth snapshot for a local book kept from the diff stream). */
  depth(p: { symbol: string; limit: number }): Promise<DepthBook> {
    return this.call(depthWeight(p.limit), "GET /fapi/v1/depth", () => this.api.futuresBook(p));
  }

  fundingRate(p: { symbol: string; startTime: number; endTime: number; limit: number }): Promise<FundingRow[]> {
    return this.call(1, "GET /fapi/v1/fundingRate", () => this.api.futuresFundingRate(p));
  }

  /** GET a bulk file (data.binance.vision); undefined on 404. Retries temporary failures like REST calls. */
  async download(url: string): Promise<Uint8Array | undefined> {
    return this.withRetry(async () => {
      let res: Response;
      try {
        res = await fetch(url, { signal: this.opts.signal });
      } catch (err) {
        throw new TemporaryError(`cannot reach ${new URL(url).host}: ${networkReason(err)}`, { cause: err });
      }
      this.requests++;
      if (res.status === 404) return undefined;
      if (res.status === 429 || res.status >= 500) {
        throw new TemporaryError(`${maskUrl(url)} answered ${res.status}`, { retryAfterMs: retryAfterHeader(res.headers.get("retry-after")) });
      }
      if (!res.ok) throw new ExchangeError(`${maskUrl(url)} answered ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    });
  }

  /** One weighted REST call: wait if it would pass the weight budget, then retry temporary failures. */
  private async call<T>(weight: number, what: string, fn: () => Promise<T>): Promise<T> {
    return this.withRetry(async () => {
      await this.pace(weight);
      if (this.opts.signal?.aborted) throw new Interrupted();
      const t0 = performance.now();
      try {
        const out = await fn();
        this.requests++;
        this.opts.health?.restCall(what, performance.now() - t0);
        return out;
      } catch (err) {
        this.requests++;
        const mapped = classify(err, this.serverNow());
        const code = (err as { code?: unknown })?.code;
        this.opts.health?.restCall(what, performance.now() - t0, { message: mapped.message, code: typeof code === "number" ? code : undefined });
        throw mapped;
      } finally {
        this.lastMinute = Math.floor(this.serverNow() / 60_000);
      }
    });
  }

  private async pace(weight: number): Promise<void> {
    const used = Number(this.api.getInfo()[this.weightKey]?.usedWeight1m ?? 0);
    // a new minute (safely past its edge): the exchange has reset the counter
    if (this.serverNow() >= (this.lastMinute + 1) * 60_000 + MINUTE_EDGE_MARGIN_MS) return;
    if (used + weight <= this.weightLimit * this.opts.weightBudget) return;
    const waitMs = (this.lastMinute + 1) * 60_000 - this.serverNow() + MINUTE_EDGE_MARGIN_MS;
    await this.wait(`weight ${used}/${this.weightLimit} used this minute`, waitMs);
  }

  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.opts.signal?.aborted) throw new Interrupted();
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof TemporaryError) || attempt >= this.opts.maxRetries) throw err;
        this.retries++;
        const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
        // say it is a retry, and how many are left: a dead local port is retried like a flaky network
        await this.wait(`${err.message} (retry ${attempt + 1} of ${this.opts.maxRetries})`, err.retryAfterMs ?? backoff);
      }
    }
  }

  private async wait(reason: string, ms: number): Promise<void> {
    this.opts.onWait?.(reason, ms);
    this.waitedMs += ms;
    await sleep(ms, this.opts.signal);
  }
}

/**
 * binance-api-node records response headers per "domain": the host without port, found by its own
 * regular expression, which yields null (the key "null") for a dotless host such as localhost.
 */
export function weightInfoKey(restUrl: string): string {
  const m = /^(?:https?:\/\/)?(?:www\.)?([\w-]+(\.[\w-]+)+)/.exec(restUrl);
  return m ? m[1] : "null";
}

/**
 * What undici's bare "fetch failed" hides in its cause: "fetch failed (ECONNREFUSED: connection refused)".
 * Refused connections and unknown hosts stay temporary: the exchange may come up, DNS may recover.
 */
function networkReason(err: unknown): string {
  const message = maskUrlsIn((err as Error)?.message ?? String(err));
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code;
  if (!code) return cause?.message ? `${message} (${maskUrlsIn(cause.message)})` : message;
  const meaning: Record<string, string> = { ECONNREFUSED: "connection refused", ENOTFOUND: "unknown host", EAI_AGAIN: "DNS lookup failed", ETIMEDOUT: "timed out", ECONNRESET: "connection reset", EHOSTUNREACH: "host unreachable" };
  return `${message} (${code}${meaning[code] ? `: ${meaning[code]}` : ""})`;
}

/** GET /fapi/v1/klines weight by limit (Binance docs: [1,100) 1, [100,500) 2, [500,1000] 5, >1000 10). */
function klinesWeight(limit: number): number {
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

function retryAfterHeader(v: string | null): number | undefined {
  const n = Number(v);
  return v !== null && Number.isFinite(n) ? n * 1000 : undefined;
}

/** Map a binance-api-node / network error onto rlt's hierarchy: only TemporaryError is retried. */
export function classify(err: unknown, serverNowMs: number): Error {
  const e = err as { code?: number | string; message?: string; response?: { status?: number; headers?: { get(k: string): string | null } } };
  const msg = maskUrlsIn(e?.message ?? String(err));
  const status = e.response?.status ?? Number(/^(\d{3}) /.exec(msg)?.[1] ?? NaN);
  if (e.code === -1003 || status === 429 || status === 418) {
    // A ban names its end ("banned until <ms>"); a plain 429 resets with the minute.
    const until = Number(/banned until (\d+)/.exec(msg)?.[1]);
    const retryAfterMs = Number.isFinite(until)
      ? until - serverNowMs + 1000
      : (retryAfterHeader(e.response?.headers?.get("retry-after") ?? null) ?? (Math.floor(serverNowMs / 60_000) + 1) * 60_000 - serverNowMs + MINUTE_EDGE_MARGIN_MS);
    return new TemporaryError(`rate limited by the exchange: ${msg}`, { cause: err, retryAfterMs });
  }
  if (e.code === -1021) return new TemporaryError(`clock skew: ${msg}`, { cause: err });
  if (typeof e.code === "number" && TEMPORARY_CODES.has(e.code)) return new TemporaryError(`the exchange could not answer now: ${msg} (code ${e.code})`, { cause: err });
  if (e.code === INVALID_SYMBOL_CODE) {
    return new ExchangeError(`unknown symbol: ${msg} (code ${e.code})`, { cause: err, code: e.code, hint: "USD-M perpetual symbols look like BTCUSDT; check the spelling" });
  }
  if (status >= 500 || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|network|fetch failed/i.test(msg)) {
    return new TemporaryError(`exchange or network unavailable: ${msg.split("\n")[0].slice(0, 200)}`, { cause: err });
  }
  if (typeof e.code === "number") return new ExchangeError(`the exchange refused the request: ${msg} (code ${e.code})`, { cause: err, code: e.code });
  return new ExchangeError(`exchange request failed: ${msg}`, { cause: err });
}
