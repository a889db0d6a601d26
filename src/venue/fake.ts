// An in-memory venue for tests of the order manager and reconciliation: market orders fill at once at
// `price`, closePosition algo orders trigger when told to, and every call can be scripted to fail the way
// Binance fails (an unknown outcome with or without the request applied, a temporary error, a rejection).
// Stream events are delivered on the next macrotask, optionally twice, or dropped.
import { TemporaryError } from "../core/errors.ts";
import { bracketTable } from "../sim/brackets.ts";
import { OrderRejected, UnknownOutcome } from "./errors.ts";
import { roundMarketQty } from "./filters.ts";
import type {
  AlgoReport, AlgoRequest, BalanceReport, LeverageBracket, OrderReport, OrderRequest, PositionReport, QueryResult, SymbolFilters, TradeReport,
  TradesQuery, UserEvent, UserStream, UserStreamHandlers, Venue,
} from "./types.ts";
import { opposite, sideSign } from "./types.ts";

export type Fault =
  | { kind: "unknown-applied" } // the exchange applied it, the answer was lost (503 after apply)
  | { kind: "unknown-lost" } // the request never arrived, the client saw a timeout
  | { kind: "temporary" }
  | { kind: "reject"; code: number; message?: string };

type Method = "placeOrder" | "queryOrder" | "cancelOrder" | "placeAlgo" | "queryAlgo" | "cancelAlgo" | "openOrders" | "openAlgoOrders" | "position" | "userTrades";

export const FAKE_FILTERS: SymbolFilters = {
  symbol: "BTCUSDT", tickSize: 0.1, minPrice: 0.1, maxPrice: 1e6, stepSize: 0.001, minQty: 0.001, maxQty: 1000,
  marketStepSize: 0.001, marketMinQty: 0.001, marketMaxQty: 120, minNotional: 5, percentPrice: { multiplierUp: 1.05, multiplierDown: 0.95 },
};

export class FakeVenue implements Venue {
  readonly name = "fake";
  readonly recvWindowMs = 50;
  price = 50_000;
  nowMs = 1_700_000_000_000;
  positionQty = 0;
  entryPrice = 0;
  walletUsdt = 10_000;
  readonly orders = new Map<string, OrderReport>();
  readonly algos = new Map<string, AlgoReport>();
  readonly trades: TradeReport[] = [];
  /** How many requests per client id reached the exchange (placeOrder / placeAlgo applied). */
  readonly applied = new Map<string, number>();
  /** How many requests per method the client made, applied or not. */
  readonly calls = new Map<string, number>();
  /** Deliver every stream event twice (a duplicate after a reconnect). */
  duplicateEvents = false;
  /** Drop the next n stream events (a gap). */
  dropEvents = 0;
  private readonly faults = new Map<Method, Fault[]>();
  private handlers: UserStreamHandlers | undefined;
  private nextOrderId = 1000;
  private nextTradeId = 5000;
  private pending = 0;

  constructor(readonly filters: SymbolFilters = FAKE_FILTERS) {}

  /** Script the next call(s) of a method to fail. */
  fail(method: Method, ...faults: Fault[]): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), ...faults]);
  }

  private fault(method: Method): Fault | undefined {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    return this.faults.get(method)?.shift();
  }

  private raise(f: Fault, what: string): never {
    if (f.kind === "temporary") throw new TemporaryError(`the exchange could not take the request now: ${what}`);
    if (f.kind === "reject") throw new OrderRejected(`the exchange refused ${what}: ${f.message ?? "rejected"} (code ${f.code})`, { code: f.code });
    throw new UnknownOutcome(`outcome unknown: ${what}`);
  }

  /** Run `apply` unless the scripted fault says the request never arrived; throw the fault's error after. */
  private guarded<T>(method: Method, what: string, apply: () => T): T {
    const f = this.fault(method);
    if (!f) return apply();
    if (f.kind === "unknown-applied") {
      apply();
      this.raise(f, what);
    }
    this.raise(f, what);
  }

  async exchangeInfo(): Promise<SymbolFilters> {
    return this.filters;
  }
  async serverTimeMs(): Promise<number> {
    return this.nowMs;
  }
  async setup(): Promise<void> {}
  async leverageBrackets(): Promise<LeverageBracket[]> {
    return [...bracketTable(this.filters.symbol, 0.004).brackets];
  }

  async placeOrder(req: OrderRequest): Promise<OrderReport> {
    return this.guarded("placeOrder", `order ${req.clientId}`, () => {
      const open = this.orders.get(req.clientId);
      if (open && (open.status === "NEW" || open.status === "PARTIALLY_FILLED")) throw new OrderRejected("Duplicate clientOrderId (code -4116)", { code: -4116 });
      if (req.reduceOnly && (this.positionQty === 0 || Math.sign(this.positionQty) === sideSign(req.side))) {
        throw new OrderRejected("ReduceOnly Order is rejected (code -2022)", { code: -2022 });
      }
      this.applied.set(req.clientId, (this.applied.get(req.clientId) ?? 0) + 1);
      const qty = req.reduceOnly ? Math.min(roundMarketQty(req.qty, this.filters), Math.abs(this.positionQty)) : roundMarketQty(req.qty, this.filters);
      const order: OrderReport = { symbol: req.symbol, clientId: req.clientId, orderId: String(this.nextOrderId++), side: req.side, type: "MARKET", status: "NEW", qty, executedQty: 0, avgPrice: 0, reduceOnly: req.reduceOnly, updateTimeMs: this.nowMs };
      this.orders.set(req.clientId, order);
      this.emit({ kind: "order", eventTimeMs: this.nowMs, order: { ...order }, execution: "NEW" });
      this.fillOrder(order);
      return { ...order };
    });
  }

  private fillOrder(order: OrderReport): void {
    const signed = sideSign(order.side) * order.qty;
    const before = this.positionQty;
    const after = Math.round((before + signed) * 1e9) / 1e9;
    if (before === 0 || Math.sign(before) === Math.sign(signed)) {
      this.entryPrice = (Math.abs(before) * this.entryPrice + order.qty * this.price) / Math.abs(after);
    } else if (Math.sign(after) === -Math.sign(before)) this.entryPrice = this.price;
    this.positionQty = after === 0 ? 0 : after;
    if (this.positionQty === 0) this.entryPrice = 0;
    const trade: TradeReport = { tradeId: String(this.nextTradeId++), orderId: order.orderId, clientId: order.clientId, symbol: order.symbol, side: order.side, qty: order.qty, price: this.price, commission: order.qty * this.price * 0.0005, commissionAsset: "USDT", realizedPnlUsdt: 0, maker: false, timeMs: this.nowMs };
    this.trades.push(trade);
    Object.assign(order, { status: "FILLED", executedQty: order.qty, avgPrice: this.price, updateTimeMs: this.nowMs });
    this.emit({ kind: "order", eventTimeMs: this.nowMs, order: { ...order }, execution: "TRADE", fill: { ...trade } });
    this.emit({ kind: "account", eventTimeMs: this.nowMs, reason: "ORDER", balances: [{ asset: "USDT", walletBalance: this.walletUsdt, balanceChange: 0 }], positions: [{ symbol: order.symbol, qty: this.positionQty, entryPrice: this.entryPrice, isolatedWalletUsdt: 0, unrealizedPnlUsdt: 0 }] });
  }

  async queryOrder(_symbol: string, clientId: string): Promise<QueryResult<OrderReport>> {
    return this.guarded("queryOrder", `query ${clientId}`, () => {
      const o = this.orders.get(clientId);
      return o ? { found: true as const, report: { ...o } } : { found: false as const };
    });
  }

  async cancelOrder(_symbol: string, clientId: string): Promise<QueryResult<OrderReport>> {
    return this.guarded("cancelOrder", `cancel ${clientId}`, () => {
      const o = this.orders.get(clientId);
      if (!o || (o.status !== "NEW" && o.status !== "PARTIALLY_FILLED")) return { found: false as const };
      o.status = "CANCELED";
      return { found: true as const, report: { ...o } };
    });
  }

  async openOrders(): Promise<OrderReport[]> {
    return this.guarded("openOrders", "open orders", () => [...this.orders.values()].filter((o) => o.status === "NEW" || o.status === "PARTIALLY_FILLED").map((o) => ({ ...o })));
  }

  async placeAlgo(req: AlgoRequest): Promise<AlgoReport> {
    return this.guarded("placeAlgo", `algo ${req.clientAlgoId}`, () => {
      const existing = this.algos.get(req.clientAlgoId);
      if (existing && (existing.status === "NEW" || existing.status === "TRIGGERING")) throw new OrderRejected("Duplicate clientAlgoId (code -4116)", { code: -4116 });
      // Binance allows one closePosition order per type and direction (-4130)
      for (const a of this.algos.values()) {
        if (a.status === "NEW" && a.type === req.type && a.side === req.side) throw new OrderRejected(`An open stop or take profit order with GTE and closePosition in the direction is existing (code -4130)`, { code: -4130 });
      }
      this.applied.set(req.clientAlgoId, (this.applied.get(req.clientAlgoId) ?? 0) + 1);
      const a: AlgoReport = { symbol: req.symbol, clientAlgoId: req.clientAlgoId, algoId: String(this.nextOrderId++), side: req.side, type: req.type, status: "NEW", triggerPrice: req.triggerPrice, updateTimeMs: this.nowMs };
      this.algos.set(req.clientAlgoId, a);
      this.emit({ kind: "algo", eventTimeMs: this.nowMs, algo: { ...a } });
      return { ...a };
    });
  }

  async queryAlgo(_symbol: string, clientAlgoId: string): Promise<QueryResult<AlgoReport>> {
    return this.guarded("queryAlgo", `query algo ${clientAlgoId}`, () => {
      const a = this.algos.get(clientAlgoId);
      return a ? { found: true as const, report: { ...a } } : { found: false as const };
    });
  }

  async cancelAlgo(_symbol: string, clientAlgoId: string): Promise<QueryResult<AlgoReport>> {
    return this.guarded("cancelAlgo", `cancel algo ${clientAlgoId}`, () => {
      const a = this.algos.get(clientAlgoId);
      if (!a || a.status !== "NEW") return { found: false as const };
      a.status = "CANCELED";
      this.emit({ kind: "algo", eventTimeMs: this.nowMs, algo: { ...a } });
      return { found: true as const, report: { ...a } };
    });
  }

  async openAlgoOrders(): Promise<AlgoReport[]> {
    return this.guarded("openAlgoOrders", "open algo orders", () => [...this.algos.values()].filter((a) => a.status === "NEW").map((a) => ({ ...a })));
  }

  /** The market reaches an algo order's trigger: it becomes a market order that closes the position. */
  trigger(clientAlgoId: string, opts: { silent?: boolean } = {}): void {
    const a = this.algos.get(clientAlgoId);
    if (!a || a.status !== "NEW") throw new Error(`no open algo order ${clientAlgoId}`);
    const drop = this.dropEvents;
    if (opts.silent) this.dropEvents = 1_000_000;
    const child: OrderReport = { symbol: a.symbol, clientId: `autoclose-${a.algoId}`, orderId: String(this.nextOrderId++), side: a.side, type: "MARKET", status: "NEW", qty: Math.abs(this.positionQty), executedQty: 0, avgPrice: 0, reduceOnly: true, updateTimeMs: this.nowMs };
    Object.assign(a, { status: "TRIGGERED", triggeredOrderId: child.orderId, updateTimeMs: this.nowMs });
    this.emit({ kind: "algo", eventTimeMs: this.nowMs, algo: { ...a } });
    if (child.qty > 0) {
      this.orders.set(child.clientId, child);
      this.fillOrder(child);
    }
    a.status = "FINISHED";
    this.emit({ kind: "algo", eventTimeMs: this.nowMs, algo: { ...a } });
    if (opts.silent) this.dropEvents = drop;
  }

  /** Someone else (the user in the web UI) trades on the same account. */
  foreignOrder(side: "BUY" | "SELL", qty: number, clientId = "web_abc123"): void {
    const o: OrderReport = { symbol: this.filters.symbol, clientId, orderId: String(this.nextOrderId++), side, type: "MARKET", status: "NEW", qty, executedQty: 0, avgPrice: 0, reduceOnly: false, updateTimeMs: this.nowMs };
    this.orders.set(clientId, o);
    this.fillOrder(o);
  }

  async position(symbol: string): Promise<PositionReport> {
    return this.guarded("position", "position", () => ({ symbol, qty: this.positionQty, entryPrice: this.entryPrice, isolatedMarginUsdt: 0, liquidationPrice: 0, markPrice: this.price, unrealizedPnlUsdt: this.positionQty * (this.price - this.entryPrice) }));
  }

  async balanceUsdt(): Promise<BalanceReport> {
    return { walletUsdt: this.walletUsdt, availableUsdt: this.walletUsdt };
  }

  async userTrades(_symbol: string, q: TradesQuery): Promise<TradeReport[]> {
    return this.guarded("userTrades", "user trades", () =>
      this.trades
        .filter((t) => (q.orderId === undefined || t.orderId === q.orderId) && (q.fromId === undefined || Number(t.tradeId) >= Number(q.fromId)) && (q.startTimeMs === undefined || t.timeMs >= q.startTimeMs))
        // GET userTrades has no client order id
        .map((t) => ({ ...t, clientId: undefined })),
    );
  }

  async userStream(handlers: UserStreamHandlers): Promise<UserStream> {
    this.handlers = handlers;
    return { close: async () => void (this.handlers = undefined) };
  }

  /** A funding settlement: the wallet changes by `amountUsdt`, told by ACCOUNT_UPDATE (reason FUNDING_FEE). */
  funding(amountUsdt: number): void {
    this.walletUsdt += amountUsdt;
    this.emit({ kind: "account", eventTimeMs: this.nowMs, reason: "FUNDING_FEE", balances: [{ asset: "USDT", walletBalance: this.walletUsdt, balanceChange: amountUsdt }], positions: [{ symbol: this.filters.symbol, qty: this.positionQty, entryPrice: this.entryPrice, isolatedWalletUsdt: 0, unrealizedPnlUsdt: 0 }] });
  }

  /** The stream reconnected after a drop: the client must resynchronize. */
  gap(reason = "reconnected"): void {
    setImmediate(() => this.handlers?.onGap(reason));
  }

  private emit(e: UserEvent): void {
    if (this.dropEvents > 0) {
      this.dropEvents--;
      return;
    }
    const copies = this.duplicateEvents ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.pending++;
      setImmediate(() => {
        this.pending--;
        this.handlers?.onEvent(e);
      });
    }
  }

  /** Wait until every stream event emitted so far has been delivered. */
  async settle(): Promise<void> {
    while (this.pending > 0) await new Promise((r) => setImmediate(r));
  }

  async close(): Promise<void> {}
}

export { opposite };
