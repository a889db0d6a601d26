// The Binance USD-M futures venue: binance-api-node 0.13.10 wrapped so that every call is signed on the
// futures server clock (GET /fapi/v1/time; the client's useServerTime would read the spot clock), has a
// timeout, stays under the ORDERS limits read from X-MBX-ORDER-COUNT-*, rounds to the symbol's filters,
// and fails as one of rlt's classes (errors.ts). Never `testnet: true`: it hard-codes demo-fapi and
// ignores httpFutures, so demo and local are plain base URLs here.
import { TemporaryError, UsageError } from "../core/errors.ts";
import { DEFAULT_ENDPOINTS } from "../core/config.ts";
import { MINUTE_MS, sleep } from "../core/time.ts";
import { type ClientAuth, binanceClient } from "../exchange/binance.ts";
import { weightInfoKey } from "../fetch/client.ts";
import { parseAlgo, parseOrder, parsePosition, parseUserTrade } from "./binance-parse.ts";
import { type UserStreamHealth, openUserStream } from "./binance-stream.ts";
import type { RestHealth } from "../fetch/client.ts";
import { OrderRejected, mapVendorError, NOT_FOUND_CODES } from "./errors.ts";
import { assertMarketOrder, formatOnStep, parseFilters, roundMarketQty, roundTriggerPrice } from "./filters.ts";
import type { ApiKeys } from "./keys.ts";
import type {
  AlgoReport, AlgoRequest, BalanceReport, LeverageBracket, OrderReport, OrderRequest, PositionReport, QueryResult, SymbolFilters, TradeReport,
  TradesQuery, UserStream, UserStreamHandlers, Venue,
} from "./types.ts";

export type VenueExchange = "mainnet" | "demo" | "local";

export interface BinanceVenueOptions extends ApiKeys {
  exchange: VenueExchange;
  /** REST base, default the exchange's (fapi.binance.com, demo-fapi.binance.com, 127.0.0.1:8765). */
  restUrl?: string;
  /** WebSocket root; the routes /public, /market and /private are appended. */
  wsUrl?: string;
  recvWindowMs?: number;
  /** A request unanswered this long is abandoned: an unknown outcome for an order, a temporary failure otherwise. */
  requestTimeoutMs?: number;
  /** Fraction of the ORDERS limits (per 10 s and per minute) rlt allows itself before pausing. */
  orderBudget?: number;
  /**
   * The user opted in to real orders on mainnet (--mainnet and trade.allowMainnet). Without it a venue
   * on mainnet, or on any URL of Binance's mainnet hosts, is refused when constructed.
   */
  mainnetOptIn?: boolean;
  /** A trading session's connection health (src/trade/health.ts): REST latency and errors, the clock offset, the user stream. */
  health?: RestHealth & UserStreamHealth;
}

/** Binance's mainnet futures hosts: an order sent there is real money, whatever `exchange` says. */
const MAINNET_HOSTS = new Set([new URL(DEFAULT_ENDPOINTS.mainnet.rest).host]);

function isMainnet(restUrl: string, exchange: VenueExchange): boolean {
  return exchange === "mainnet" || MAINNET_HOSTS.has(new URL(restUrl).host.toLowerCase());
}

/** Binance's documented default recvWindow. */
export const DEFAULT_RECV_WINDOW_MS = 5000;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Retries of a read refused temporarily, the first after READ_BACKOFF_MS (doubling) unless the exchange said how long. */
const READ_RETRIES = 5;
const READ_BACKOFF_MS = 250;
/** A 418 ban lasts 2 minutes at least: waited out, longer ones end the call (the caller decides). */
const MAX_READ_WAIT_MS = 130_000;
const TEN_SECONDS_MS = 10_000;
/** Past a window's edge by this much before sending again: our server clock is an estimate. */
const WINDOW_MARGIN_MS = 50;
/** Binance's ORDERS limits, until exchangeInfo says otherwise. */
const DEFAULT_ORDER_LIMITS = { per10s: 300, per1m: 1200 };
/** -4046 no need to change margin type, -4059 no need to change position side: the setting is already right. */
const ALREADY_SET = new Set([-4046, -4059]);
/** -4047 / -4048 margin type cannot change with open orders / a position; -4068 position mode cannot change with a position. */
const CANNOT_CHANGE = new Set([-4047, -4048, -4068]);

type Api = Record<string, (...args: any[]) => Promise<any>> & { getInfo(): Record<string, Record<string, string>>; ws: { futuresUser(cb: (m: any) => void, transform?: boolean): Promise<(o?: object) => Promise<void>> } };

export class BinanceVenue implements Venue {
  readonly name: string;
  readonly recvWindowMs: number;
  private readonly api: Api;
  private readonly infoKey: string;
  private offsetMs = 0;
  /** Server time (our estimate) of the last order endpoint's answer. */
  private lastOrderAnswerMs: number | undefined;
  private readonly filters = new Map<string, SymbolFilters>();
  private orderLimits = DEFAULT_ORDER_LIMITS;
  readonly restUrl: string;
  readonly wsUrl: string;

  private readonly requestTimeoutMs: number;
  private readonly orderBudget: number;
  private readonly health?: RestHealth & UserStreamHealth;

  // the options are not kept: a venue printed or serialized must not carry the secret
  constructor(o: BinanceVenueOptions) {
    const defaults = DEFAULT_ENDPOINTS[o.exchange];
    this.restUrl = o.restUrl ?? defaults.rest;
    this.wsUrl = o.wsUrl ?? defaults.ws;
    this.name = o.exchange;
    this.recvWindowMs = o.recvWindowMs ?? DEFAULT_RECV_WINDOW_MS;
    this.requestTimeoutMs = o.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.orderBudget = o.orderBudget ?? 0.8;
    this.health = o.health;
    if (isMainnet(this.restUrl, o.exchange) && !o.mainnetOptIn) {
      throw new UsageError(`refusing to trade on Binance mainnet (${new URL(this.restUrl).host}) without the opt-in`, {
        hint: "real orders on mainnet need both --mainnet and trade.allowMainnet: true in the config; use --testnet (Binance Demo Trading) or --paper to try first",
      });
    }
    // emit* make the user stream report socket opens (reconnects = gaps) and errors to us
    const auth = { apiKey: o.apiKey, apiSecret: o.apiSecret, getTime: () => Date.now() + this.offsetMs, emitSocketOpens: true, emitSocketErrors: true, emitStreamErrors: true } as ClientAuth;
    this.api = binanceClient<Api>({ rest: this.restUrl, ws: this.wsUrl, auth });
    this.infoKey = weightInfoKey(this.restUrl);
  }

  /** The server clock as we estimate it (local clock + the offset measured by serverTimeMs()). */
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  private async call<T>(what: string, mutating: boolean, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.callOnce(what, mutating, fn);
      } catch (err) {
        // -1021 is a refusal before anything was applied (Binance checks the timestamp first), so after the
        // clock is measured again the request is sent once more: safe for orders too. It happens when the
        // exchange's clock jumps (a replay clock stepped or sped up) or the local clock drifts.
        if (attempt === 0 && (err as { cause?: { code?: number } })?.cause?.code === -1021) continue;
        // a read changes nothing: a temporary refusal (429, 418, a 5xx page, -1021 again) is retried after
        // the wait the exchange asked for; the soak test found one such refusal ending a session
        if (mutating || !(err instanceof TemporaryError) || attempt >= READ_RETRIES) throw err;
        await sleep(Math.min(err.retryAfterMs ?? READ_BACKOFF_MS * 2 ** attempt, MAX_READ_WAIT_MS));
      }
    }
  }

  private async callOnce<T>(what: string, mutating: boolean, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.requestTimeoutMs;
    const t0 = performance.now();
    try {
      const out = await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`network timeout after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      this.health?.restCall(what, performance.now() - t0);
      return out;
    } catch (err) {
      const mapped = mapVendorError(err, { what, mutating, serverNowMs: this.nowMs() });
      const code = (err as { code?: unknown })?.code;
      this.health?.restCall(what, performance.now() - t0, { message: mapped.message, code: typeof code === "number" ? code : undefined });
      // -1021: our clock estimate drifted; measure it again so the retry is signed right
      if ((err as { code?: number })?.code === -1021) await this.serverTimeMs().catch(() => undefined);
      throw mapped;
    } finally {
      clearTimeout(timer);
    }
  }

  private signed(extra: object = {}): Record<string, unknown> {
    return { recvWindow: this.recvWindowMs, ...extra };
  }

  async serverTimeMs(): Promise<number> {
    const t0 = Date.now();
    const serverTime = Number(await this.call("GET /fapi/v1/time", false, () => this.api.futuresTime()));
    this.offsetMs = serverTime - Math.round((t0 + Date.now()) / 2);
    this.health?.clockOffset(this.offsetMs);
    return serverTime;
  }

  async exchangeInfo(symbol: string): Promise<SymbolFilters> {
    const info = await this.call("GET /fapi/v1/exchangeInfo", false, () => this.api.futuresExchangeInfo());
    const orders = (info.rateLimits ?? []).filter((r: any) => r.rateLimitType === "ORDERS");
    const per = (unit: string, n: number) => orders.find((r: any) => r.interval === unit && r.intervalNum === n)?.limit;
    this.orderLimits = { per10s: per("SECOND", 10) ?? DEFAULT_ORDER_LIMITS.per10s, per1m: per("MINUTE", 1) ?? DEFAULT_ORDER_LIMITS.per1m };
    const s = (info.symbols ?? []).find((x: any) => x.symbol === symbol);
    if (!s) throw new UsageError(`${this.name} does not list ${symbol}`, { hint: "USD-M perpetual symbols look like BTCUSDT" });
    if (s.status && s.status !== "TRADING") throw new UsageError(`${symbol} is not trading on ${this.name} (status ${s.status})`);
    const f = parseFilters(symbol, s.filters);
    this.filters.set(symbol, f);
    return f;
  }

  private async filtersOf(symbol: string): Promise<SymbolFilters> {
    return this.filters.get(symbol) ?? (await this.exchangeInfo(symbol));
  }

  async setup(symbol: string, leverage: number): Promise<void> {
    const mode = await this.call("GET /fapi/v1/positionSide/dual", false, () => this.api.futuresPositionMode(this.signed()));
    if (mode?.dualSidePosition === true || mode?.dualSidePosition === "true") {
      await this.setting(`one-way position mode`, () => this.api.futuresPositionModeChange(this.signed({ dualSidePosition: "false" })), symbol);
    }
    await this.setting(`isolated margin on ${symbol}`, () => this.api.futuresMarginType(this.signed({ symbol, marginType: "ISOLATED" })), symbol);
    await this.call(`POST /fapi/v1/leverage ${symbol} ${leverage}`, true, () => this.api.futuresLeverage(this.signed({ symbol, leverage })));
  }

  private async setting(what: string, fn: () => Promise<unknown>, symbol: string): Promise<void> {
    try {
      await this.call(`set ${what}`, true, fn);
    } catch (err) {
      if (err instanceof OrderRejected && err.code !== undefined && ALREADY_SET.has(err.code)) return;
      if (err instanceof OrderRejected && err.code !== undefined && CANNOT_CHANGE.has(err.code)) {
        throw new UsageError(`cannot set ${what}: ${symbol} has open orders or a position on ${this.name} (code ${err.code})`, {
          cause: err,
          hint: "close the position and cancel the orders on the exchange, or set the account to one-way mode and isolated margin yourself",
        });
      }
      throw err;
    }
  }

  async leverageBrackets(symbol: string): Promise<LeverageBracket[]> {
    const rows = await this.call("GET /fapi/v1/leverageBracket", false, () => this.api.futuresLeverageBracket(this.signed({ symbol })));
    const row = (Array.isArray(rows) ? rows : [rows]).find((r: any) => r.symbol === symbol);
    // the account's own table, in src/sim's MarginBracket shape (Binance's field names, numbers)
    return (row?.brackets ?? []).map((b: any) => ({
      bracket: Number(b.bracket), initialLeverage: Number(b.initialLeverage), notionalFloor: Number(b.notionalFloor), notionalCap: Number(b.notionalCap),
      maintMarginRatio: Number(b.maintMarginRatio), cum: Number(b.cum ?? 0),
    }));
  }

  /**
   * Wait while the last order answer's X-MBX-ORDER-COUNT-* stands near the limits. binance-api-node keeps
   * the headers per host (not per client) and does not say when they were read: a count is taken as
   * current only while the window of this venue's last order answer is still open.
   */
  private async paceOrders(): Promise<void> {
    const info = this.api.getInfo()[this.infoKey] ?? {};
    const budget = this.orderBudget;
    const now = this.nowMs();
    const same = (windowMs: number) => this.lastOrderAnswerMs !== undefined && Math.floor(now / windowMs) === Math.floor(this.lastOrderAnswerMs / windowMs);
    if (same(TEN_SECONDS_MS) && Number(info.orderCount10s ?? 0) >= this.orderLimits.per10s * budget) await sleep(TEN_SECONDS_MS - (now % TEN_SECONDS_MS) + WINDOW_MARGIN_MS);
    else if (same(MINUTE_MS) && Number(info.orderCount1m ?? 0) >= this.orderLimits.per1m * budget) await sleep(MINUTE_MS - (now % MINUTE_MS) + WINDOW_MARGIN_MS);
  }

  /** An order endpoint call: paced, and its answer's time noted for the next pacing decision. */
  private async orderCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
    await this.paceOrders();
    try {
      return await this.call(what, true, fn);
    } finally {
      this.lastOrderAnswerMs = this.nowMs();
    }
  }

  async placeOrder(req: OrderRequest): Promise<OrderReport> {
    const f = await this.filtersOf(req.symbol);
    const qty = roundMarketQty(req.qty, f);
    // the notional check needs a price: the caller's (the bar it decided on) saves a round trip
    assertMarketOrder(qty, req.refPrice ?? NaN, req.reduceOnly, f);
    const payload = this.signed({
      symbol: req.symbol, side: req.side, type: "MARKET", quantity: formatOnStep(qty, f.marketStepSize), reduceOnly: String(req.reduceOnly),
      newClientOrderId: req.clientId, newOrderRespType: "RESULT",
    });
    return parseOrder(await this.orderCall(`POST /fapi/v1/order ${req.symbol} ${req.clientId}`, () => this.api.futuresOrder(payload)));
  }

  async queryOrder(symbol: string, clientId: string): Promise<QueryResult<OrderReport>> {
    return this.notFound(() => this.call(`GET /fapi/v1/order ${clientId}`, false, () => this.api.futuresGetOrder(this.signed({ symbol, origClientOrderId: clientId }))), parseOrder);
  }

  async cancelOrder(symbol: string, clientId: string): Promise<QueryResult<OrderReport>> {
    return this.notFound(() => this.call(`DELETE /fapi/v1/order ${clientId}`, true, () => this.api.futuresCancelOrder(this.signed({ symbol, origClientOrderId: clientId }))), parseOrder);
  }

  async openOrders(symbol: string): Promise<OrderReport[]> {
    return (await this.call("GET /fapi/v1/openOrders", false, () => this.api.futuresOpenOrders(this.signed({ symbol })))).map(parseOrder);
  }

  async placeAlgo(req: AlgoRequest): Promise<AlgoReport> {
    const f = await this.filtersOf(req.symbol);
    const trigger = roundTriggerPrice(req.triggerPrice, req.side, req.type, f);
    const payload = this.signed({
      algoType: "CONDITIONAL", symbol: req.symbol, side: req.side, type: req.type, triggerPrice: formatOnStep(trigger, f.tickSize), workingType: req.workingType,
      closePosition: "true", clientAlgoId: req.clientAlgoId,
    });
    return parseAlgo(await this.orderCall(`POST /fapi/v1/algoOrder ${req.symbol} ${req.clientAlgoId}`, () => this.api.futuresCreateAlgoOrder(payload)));
  }

  async queryAlgo(_symbol: string, clientAlgoId: string): Promise<QueryResult<AlgoReport>> {
    return this.notFound(() => this.call(`GET /fapi/v1/algoOrder ${clientAlgoId}`, false, () => this.api.futuresGetAlgoOrder(this.signed({ clientAlgoId }))), parseAlgo);
  }

  async cancelAlgo(symbol: string, clientAlgoId: string): Promise<QueryResult<AlgoReport>> {
    const r = await this.notFound(() => this.call(`DELETE /fapi/v1/algoOrder ${clientAlgoId}`, true, () => this.api.futuresCancelAlgoOrder(this.signed({ clientAlgoId }))), (x) => x);
    if (!r.found) return r;
    // the cancel answer carries ids only: read the order as it stands now
    const q = await this.queryAlgo(symbol, clientAlgoId);
    return q.found ? q : { found: true, report: { symbol, clientAlgoId, algoId: String(r.report.algoId), side: "SELL", type: "", status: "CANCELED", triggerPrice: 0, updateTimeMs: this.nowMs() } };
  }

  async openAlgoOrders(symbol: string): Promise<AlgoReport[]> {
    const rows = await this.call("GET /fapi/v1/openAlgoOrders", false, () => this.api.futuresGetOpenAlgoOrders(this.signed({ symbol })));
    return (Array.isArray(rows) ? rows : (rows?.orders ?? [])).map(parseAlgo);
  }

  async position(symbol: string): Promise<PositionReport> {
    return parsePosition(symbol, await this.call("GET /fapi/v2/positionRisk", false, () => this.api.futuresPositionRisk(this.signed({ symbol }))));
  }

  async balanceUsdt(): Promise<BalanceReport> {
    const rows = await this.call("GET /fapi/v2/balance", false, () => this.api.futuresAccountBalance(this.signed()));
    const usdt = (rows as any[]).find((r) => r.asset === "USDT");
    return { walletUsdt: Number(usdt?.balance ?? 0), availableUsdt: Number(usdt?.availableBalance ?? 0) };
  }

  async userTrades(symbol: string, q: TradesQuery): Promise<TradeReport[]> {
    const params = this.signed({ symbol, limit: 1000, ...(q.orderId ? { orderId: q.orderId } : {}), ...(q.fromId ? { fromId: q.fromId } : {}), ...(q.startTimeMs !== undefined ? { startTime: q.startTimeMs } : {}) });
    return (await this.call("GET /fapi/v1/userTrades", false, () => this.api.futuresUserTrades(params))).map(parseUserTrade);
  }

  userStream(handlers: UserStreamHandlers): Promise<UserStream> {
    return openUserStream((cb) => this.call("POST /fapi/v1/listenKey", false, () => this.api.ws.futuresUser(cb, false)), handlers, this.health);
  }

  async close(): Promise<void> {}

  private async notFound<T, R>(fn: () => Promise<any>, parse: (x: any) => R): Promise<QueryResult<R>> {
    try {
      return { found: true, report: parse(await fn()) };
    } catch (err) {
      if (err instanceof OrderRejected && err.code !== undefined && NOT_FOUND_CODES.has(err.code)) return { found: false };
      throw err;
    }
  }
}
