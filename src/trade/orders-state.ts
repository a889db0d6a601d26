// The order manager's book: what it knows of every order, fill and the position, and how user-stream
// events change it. Events are applied strictly in arrival order; fills only from venue records, once
// per trade id. The actions (send, protect, resync) are in orders.ts, on top of this.
import type { AlgoReport, TradeReport, UserEvent, Venue, WorkingType, SymbolFilters } from "../venue/types.ts";
import { FINAL_ORDER_STATUSES, sideSign } from "../venue/types.ts";
import { type Journal, type JournalFill, type JournalOrder, isLive, roundQty } from "./journal.ts";
import { DEFAULT_ONCE, type OnceOptions } from "./orders-once.ts";

export type ManagerEvent =
  | { kind: "fill"; fill: JournalFill; positionQty: number }
  | { kind: "order"; order: JournalOrder }
  | { kind: "warning"; message: string };

export interface OrderManagerOptions {
  venue: Venue;
  journal: Journal;
  symbol: string;
  session: string;
  filters: SymbolFilters;
  workingType?: WorkingType;
  once?: Partial<Omit<OnceOptions, "recvWindowMs">>;
  /** How long to wait for the user stream's fills of an acknowledged market order before asking REST. */
  fillWaitMs?: number;
  onEvent?: (e: ManagerEvent) => void;
}

/** Unmatched fills kept for a late ALGO_UPDATE; older ones are left to reconciliation. */
const MAX_UNMATCHED = 100;

export abstract class OrderState {
  protected readonly orders = new Map<string, JournalOrder>();
  /** Venue order id → our client id (also a triggered algo's child order → the algo's client id). */
  protected readonly byVenueId = new Map<string, string>();
  protected readonly tradeIds = new Set<string>();
  protected readonly filled = new Map<string, number>();
  protected positionQtyValue = 0;
  protected lock: Promise<unknown> = Promise.resolve();
  protected eventQueue: Promise<unknown> = Promise.resolve();
  protected readonly once: OnceOptions;
  protected readonly waiters = new Set<() => void>();
  /** Fills of order ids not (yet) known to be ours, newest last. */
  protected unmatched: { t: TradeReport; source: JournalFill["source"] }[] = [];


  protected constructor(protected readonly o: OrderManagerOptions) {
    this.once = { ...DEFAULT_ONCE, ...o.once, recvWindowMs: o.venue.recvWindowMs };
  }

  /** Read the journal's orders, fills and position (a reopened session continues where it stopped). */
  protected async load(): Promise<void> {
    for (const order of await this.o.journal.orders()) this.remember(order);
    for (const f of await this.o.journal.fills()) {
      this.tradeIds.add(f.tradeId);
      if (f.clientId) this.filled.set(f.clientId, roundQty((this.filled.get(f.clientId) ?? 0) + f.qty));
    }
    this.positionQtyValue = await this.o.journal.positionQty();
  }

  /** A failure nobody awaits (a stream event, a background cleanup): journaled and told, never thrown. */
  protected async reportError(place: string, err: unknown): Promise<void> {
    this.o.onEvent?.({ kind: "warning", message: `${place}: ${(err as Error)?.message ?? String(err)}` });
    await this.o.journal.recordError(place, err).catch(() => undefined); // a closed journal cannot take it
  }

  /** Cancel protective orders that no longer guard the position (orders.ts). */
  protected abstract cleanupProtection(reason: string): Promise<void>;

  get positionQty(): number {
    return this.positionQtyValue;
  }

  /** Journaled orders that can still change on the venue. */
  liveOrders(): JournalOrder[] {
    return [...this.orders.values()].filter(isLive);
  }

  liveProtection(): { stop?: JournalOrder; takeProfit?: JournalOrder } {
    const live = this.liveOrders().filter((x) => x.kind === "algo");
    return { stop: live.find((x) => x.leg === "stop"), takeProfit: live.find((x) => x.leg === "tp") };
  }

  order(clientId: string): JournalOrder | undefined {
    return this.orders.get(clientId);
  }

  /** Client id of a venue order id, when the order is ours. */
  clientIdOf(venueOrderId: string): string | undefined {
    return this.byVenueId.get(venueOrderId);
  }

  protected remember(order: JournalOrder): void {
    this.orders.set(order.clientId, order);
    if (order.venueOrderId) this.byVenueId.set(order.venueOrderId, order.clientId);
    if (order.triggeredOrderId) this.byVenueId.set(order.triggeredOrderId, order.clientId);
  }

  /** Serialize the manager's actions: a stream event never interleaves two of them. */
  protected exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  protected async patch(clientId: string, p: Parameters<Journal["updateOrder"]>[1], detail: string): Promise<JournalOrder> {
    await this.o.journal.updateOrder(clientId, p, detail);
    const cur = this.orders.get(clientId)!;
    const { sent, ...fields } = p;
    const next = { ...cur, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)), sends: cur.sends + (sent ? 1 : 0) } as JournalOrder;
    this.remember(next);
    this.o.onEvent?.({ kind: "order", order: next });
    this.wake();
    return next;
  }

  protected wake(): void {
    for (const w of [...this.waiters]) w();
  }

  // ---- the user stream ----

  /**
   * Apply one user-stream event, after every earlier one (an ALGO_UPDATE naming the triggered order
   * must be applied before that order's fill). Events of orders not ours are left to reconciliation.
   */
  handleUserEvent(e: UserEvent): Promise<void> {
    const next = this.eventQueue.then(() => this.applyEvent(e));
    this.eventQueue = next.catch((err) => this.reportError("user stream event", err));
    return next;
  }

  protected async applyEvent(e: UserEvent): Promise<void> {
    if (e.kind === "order") {
      const clientId = this.orders.has(e.order.clientId) ? e.order.clientId : this.byVenueId.get(e.order.orderId);
      if (!clientId) {
        if (e.fill) await this.applyFill(e.fill, "stream"); // kept aside until an ALGO_UPDATE claims it
        return;
      }
      if (e.fill) await this.applyFill({ ...e.fill, clientId }, "stream");
      const cur = this.orders.get(clientId)!;
      if (cur.kind === "order" && (cur.status !== e.order.status || cur.venueOrderId !== e.order.orderId) && !FINAL_ORDER_STATUSES.has(cur.status)) {
        await this.patch(clientId, { status: e.order.status, venueOrderId: e.order.orderId, executedQty: e.order.executedQty, avgPrice: e.order.avgPrice }, `stream: ${e.execution}`);
      }
    } else if (e.kind === "algo") {
      await this.applyAlgoReport(e.algo, "stream");
    } else if (e.kind === "account") {
      await this.applyAccount(e);
    }
  }

  /** ACCOUNT_UPDATE: funding paid or received, the wallet, and the venue's view of the position, journaled as told. */
  protected async applyAccount(e: Extract<UserEvent, { kind: "account" }>): Promise<void> {
    const { journal, symbol } = this.o;
    const usdt = e.balances.find((b) => b.asset === "USDT");
    if (e.reason === "FUNDING_FEE" && usdt) await journal.recordFunding({ fundingTimeMs: e.eventTimeMs, amountUsdt: usdt.balanceChange }, "stream");
    const p = e.positions.find((x) => x.symbol === symbol);
    if (p) await journal.recordPosition({ qty: p.qty, entryPrice: p.entryPrice, isolatedMarginUsdt: p.isolatedWalletUsdt, liquidationPrice: NaN, markPrice: NaN, unrealizedPnlUsdt: p.unrealizedPnlUsdt }, `stream ${e.reason}`);
    if (usdt) await journal.recordBalance({ walletUsdt: usdt.walletBalance, availableUsdt: NaN, equityUsdt: usdt.walletBalance + (p?.unrealizedPnlUsdt ?? 0) }, `stream ${e.reason}`);
  }

  protected async applyAlgoReport(a: AlgoReport, source: string): Promise<void> {
    const cur = this.orders.get(a.clientAlgoId);
    if (!cur) return;
    if (cur.status === a.status && (cur.triggeredOrderId ?? undefined) === (a.triggeredOrderId ?? undefined)) return;
    await this.patch(a.clientAlgoId, { status: a.status, venueOrderId: a.algoId, triggeredOrderId: a.triggeredOrderId }, `${source}: algo ${a.status}`);
    const early = a.triggeredOrderId ? this.unmatched.filter((u) => u.t.orderId === a.triggeredOrderId) : [];
    if (early.length) this.unmatched = this.unmatched.filter((u) => !early.includes(u));
    for (const u of early) await this.applyFill({ ...u.t, clientId: a.clientAlgoId }, u.source);
  }

  /** Journal a venue execution once; the position follows. Returns whether it was new. */
  async applyFill(t: TradeReport & { clientId?: string }, source: JournalFill["source"]): Promise<boolean> {
    if (this.tradeIds.has(t.tradeId)) return false;
    const clientId = t.clientId && this.orders.has(t.clientId) ? t.clientId : this.byVenueId.get(t.orderId);
    if (!clientId) {
      // perhaps a triggered stop's child order whose ALGO_UPDATE (naming it) has not been applied yet
      if (this.unmatched.length >= MAX_UNMATCHED) this.unmatched.shift();
      this.unmatched.push({ t, source });
      return false;
    }
    this.tradeIds.add(t.tradeId);
    const fill: JournalFill = { ...t, clientId, source };
    if (!(await this.o.journal.recordFill(fill))) return false;
    this.positionQtyValue = roundQty(this.positionQtyValue + sideSign(t.side) * t.qty);
    this.filled.set(clientId, roundQty((this.filled.get(clientId) ?? 0) + t.qty));
    this.o.onEvent?.({ kind: "fill", fill, positionQty: this.positionQtyValue });
    this.wake();
    // a stop or take-profit closed the position: its sibling must not outlive it
    if (this.positionQtyValue === 0 || this.orders.get(clientId)?.kind === "algo") void this.exclusive(() => this.cleanupProtection("position closed")).catch((err) => this.reportError("protection cleanup", err));
    return true;
  }


  protected waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }

}
