// The exactly-once order manager: every order and protective algo order of a session goes through here.
// The intent is journaled (pending) before it is sent; an unknown outcome is resolved by querying the
// deterministic client id, never by sending blind (orders-once.ts); fills are taken only from venue
// records (user-stream executions, or GET order / userTrades after a gap) and journaled once per trade
// id. After an entry fills, its stop-loss and take-profit go to the venue as closePosition algo orders;
// they are cancelled when the position closes, so none is left behind.
//
// Moving a take-profit cancels the old one first, then places the new one: Binance allows one
// closePosition order per type and direction (-4130), so "place, then cancel" cannot work, and the
// stop-loss stays on the venue throughout, so the position is never unprotected, only briefly without
// a take-profit. Exactly one take-profit is live before and after every move.
import { killPoint } from "../core/kill-point.ts";
import { RltError, TemporaryError } from "../core/errors.ts";
import { KeysRejected, UnknownOutcome } from "../venue/errors.ts";
import { marketOrderProblem, roundMarketQty, roundTriggerPrice } from "../venue/filters.ts";
import type { AlgoReport, AlgoType, OrderReport, OrderRequest, OrderSide } from "../venue/types.ts";
import { FINAL_ORDER_STATUSES, opposite } from "../venue/types.ts";
import { type JournalOrder, type Protection, isLive, roundQty } from "./journal.ts";
import { type Leg, clientOrderId } from "./order-ids.ts";
import { Once, type OnceResult } from "./orders-once.ts";
import { type ManagerEvent, type OrderManagerOptions, OrderState } from "./orders-state.ts";

export interface OrderIntent {
  leg: Extract<Leg, "open" | "close" | "flatten">;
  side: OrderSide;
  qty: number;
  reduceOnly: boolean;
  barOpenMs: number;
  /** About the price the order will fill at, for the minimum-notional check. */
  refPrice: number;
  reason: string;
  /** For an entry: the stop-loss (and take-profit) to place once it fills. */
  protection?: Protection;
  revision?: number;
}

export type SubmitStatus = "filled" | "open" | "rejected" | "refused" | "never-sent";
export interface SubmitResult {
  clientId: string;
  status: SubmitStatus;
  order?: JournalOrder;
  message?: string;
}

/** An order that did not settle: its fills neither arrived nor could be read back. */
export class OrderNotSettled extends RltError {}

export class OrderManager extends OrderState {
  /** A manager over the journal's orders and fills (a reopened session continues where it stopped). */
  static async create(o: OrderManagerOptions): Promise<OrderManager> {
    const m = new OrderManager(o);
    await m.load();
    return m;
  }

  // ---- orders ----

  submit(intent: OrderIntent): Promise<SubmitResult> {
    return this.exclusive(() => this.submitNow(intent));
  }

  protected async submitNow(i: OrderIntent): Promise<SubmitResult> {
    const { venue, journal, symbol, filters } = this.o;
    const clientId = clientOrderId(this.o.session, i.barOpenMs, i.leg, i.revision ?? 0);
    const existing = this.orders.get(clientId);
    if (existing) return this.settle(existing, existing.status === "pending" || existing.status === "unknown" ? await this.resolveOrder(existing, false) : undefined);
    const qty = roundMarketQty(i.qty, filters);
    const base = { clientId, kind: "order" as const, symbol, leg: i.leg, barOpenMs: i.barOpenMs, revision: i.revision ?? 0, side: i.side, type: "MARKET", qty, triggerPrice: 0, reduceOnly: i.reduceOnly };
    const problem = marketOrderProblem(qty, i.refPrice, i.reduceOnly, filters);
    await journal.recordIntent(base, i.reason, i.protection, { sending: !problem });
    this.remember({ ...base, status: "pending", executedQty: 0, avgPrice: 0, sends: problem ? 0 : 1, createdMs: Date.now(), updatedMs: Date.now(), adopted: false });
    if (problem) {
      const order = await this.patch(clientId, { status: "rejected" }, `not sent: ${problem.message} (would be code ${problem.code})`);
      return { clientId, status: "refused", order, message: problem.message };
    }
    killPoint("intent-before-send");
    const req = { symbol, side: i.side, type: "MARKET" as const, qty, reduceOnly: i.reduceOnly, clientId, refPrice: i.refPrice };
    let first = true; // the first send was journaled with the intent
    const result = await new Once<OrderReport>(this.once, {
      send: async () => {
        const report = await (first ? ((first = false), venue.placeOrder(req)) : this.sendOrder(req));
        killPoint("send-before-ack");
        return report;
      },
      query: () => venue.queryOrder(symbol, clientId),
      known: () => this.knownOrder(clientId),
      note: (ev, detail) => this.noteOrder(clientId, ev, detail),
    }).run();
    return this.settle(this.orders.get(clientId)!, result);
  }

  /** An order's report as the stream told it (status past pending/unknown), for Once to stop querying. */
  protected knownOrder(clientId: string): OrderReport | undefined {
    const o = this.orders.get(clientId);
    if (!o || o.status === "pending" || o.status === "unknown" || !o.venueOrderId) return undefined;
    return { symbol: o.symbol, clientId, orderId: o.venueOrderId, side: o.side, type: o.type, status: o.status as OrderReport["status"], qty: o.qty, executedQty: o.executedQty, avgPrice: o.avgPrice, reduceOnly: o.reduceOnly, updateTimeMs: o.updatedMs };
  }

  protected async noteOrder(clientId: string, ev: string, detail: string): Promise<void> {
    if (ev === "sent") return; // the ack is journaled with its status
    if (ev === "unknown") await this.patch(clientId, { status: "unknown" }, detail);
    else await this.o.journal.updateOrder(clientId, {}, `${ev}: ${detail}`);
  }

  /** Every send is journaled as it leaves: a crash after this line may have sent, and the restart queries. */
  protected async sendOrder(req: OrderRequest): Promise<OrderReport> {
    await this.patch(req.clientId, { sent: true }, `send ${req.side} ${req.qty}${req.reduceOnly ? " reduce-only" : ""}`);
    return this.o.venue.placeOrder(req);
  }

  /** Resolve an order left pending or unknown (by a crash, or a lost answer): query, never resend. */
  protected resolveOrder(o: JournalOrder, mayResend: boolean): Promise<OnceResult<OrderReport>> {
    const { venue, symbol } = this.o;
    const req = { symbol, side: o.side, type: "MARKET" as const, qty: o.qty, reduceOnly: o.reduceOnly, clientId: o.clientId };
    return new Once<OrderReport>(this.once, {
      send: () => this.sendOrder(req),
      query: () => venue.queryOrder(symbol, o.clientId),
      known: () => this.knownOrder(o.clientId),
      note: (ev, detail) => this.noteOrder(o.clientId, ev, detail),
    }).resolve(o.updatedMs, mayResend);
  }

  /** Journal the outcome; for an acknowledged order, wait until its fills are journaled. */
  protected async settle(order: JournalOrder, result: OnceResult<OrderReport> | undefined): Promise<SubmitResult> {
    const clientId = order.clientId;
    if (result?.kind === "rejected") {
      const o = await this.patch(clientId, { status: "rejected" }, `${result.error.message}`);
      return { clientId, status: "rejected", order: o, message: result.error.message };
    }
    if (result?.kind === "never-sent") {
      const o = await this.patch(clientId, { status: "rejected" }, `never applied: ${result.error.message}`);
      return { clientId, status: "never-sent", order: o, message: result.error.message };
    }
    if (result?.kind === "done") {
      const r = result.report;
      const cur = this.orders.get(clientId)!;
      if (cur.status !== r.status || !cur.venueOrderId) await this.patch(clientId, { status: FINAL_ORDER_STATUSES.has(cur.status) ? cur.status : r.status, venueOrderId: r.orderId, executedQty: Math.max(cur.executedQty, r.executedQty), avgPrice: r.avgPrice || cur.avgPrice }, "acknowledged");
      killPoint("ack-before-fill");
    }
    const now = this.orders.get(clientId)!;
    if (now.status === "rejected") return { clientId, status: "rejected", order: now };
    await this.awaitFills(clientId);
    const settled = this.orders.get(clientId)!;
    const status: SubmitStatus = settled.status === "FILLED" ? "filled" : isLive(settled) ? "open" : "rejected";
    return { clientId, status, order: settled };
  }

  /**
   * Wait for the stream's fills of a market order; past fillWaitMs read the order and its trades by
   * REST, the same venue records the stream would have carried.
   */
  protected async awaitFills(clientId: string): Promise<void> {
    const { venue, symbol } = this.o;
    const done = () => {
      const o = this.orders.get(clientId)!;
      return FINAL_ORDER_STATUSES.has(o.status) && roundQty(this.filled.get(clientId) ?? 0) >= roundQty(o.executedQty);
    };
    const deadline = Date.now() + (this.o.fillWaitMs ?? 2000);
    while (!done() && Date.now() < deadline) await this.waitForChange(deadline - Date.now());
    for (let attempt = 0; !done(); attempt++) {
      if (attempt >= this.once.maxQueries) throw new OrderNotSettled(`order ${clientId}: its fills could not be read after ${attempt} tries`, { hint: "the journal keeps it open; a restart reads it again" });
      try {
        const q = await venue.queryOrder(symbol, clientId);
        if (q.found) {
          const cur = this.orders.get(clientId)!;
          if (cur.status !== q.report.status || cur.executedQty !== q.report.executedQty) await this.patch(clientId, { status: q.report.status, venueOrderId: q.report.orderId, executedQty: q.report.executedQty, avgPrice: q.report.avgPrice }, "rest: order");
          const orderId = q.report.orderId;
          for (const t of await venue.userTrades(symbol, { orderId })) await this.applyFill({ ...t, clientId }, "rest");
        }
      } catch (err) {
        if (err instanceof KeysRejected || !(err instanceof TemporaryError)) throw err;
      }
      if (!done()) await this.once.sleep(this.once.queryBackoffMs[Math.min(attempt, this.once.queryBackoffMs.length - 1)]);
    }
  }

  // ---- protective algo orders ----

  /** Place the stop-loss (and take-profit) for the position held, unless live ones already guard it. */
  placeProtection(barOpenMs: number, p: Protection): Promise<void> {
    return this.exclusive(() => this.placeProtectionNow(barOpenMs, p));
  }

  protected async placeProtectionNow(barOpenMs: number, p: Protection): Promise<void> {
    if (this.positionQtyValue === 0) return;
    const side: OrderSide = this.positionQtyValue > 0 ? "SELL" : "BUY";
    const live = this.liveProtection();
    if (!live.stop) await this.placeAlgo(barOpenMs, "stop", this.nextRevision(barOpenMs, "stop"), side, "STOP_MARKET", p.stopPrice);
    if (p.takeProfitPrice !== undefined && !live.takeProfit) await this.placeAlgo(barOpenMs, "tp", this.nextRevision(barOpenMs, "tp"), side, "TAKE_PROFIT_MARKET", p.takeProfitPrice);
  }

  /** The first revision of a leg on a bar not used yet (a final order's id is never reused). */
  protected nextRevision(barOpenMs: number, leg: Leg): number {
    let rev = 0;
    while (this.orders.has(clientOrderId(this.o.session, barOpenMs, leg, rev))) rev++;
    return rev;
  }

  protected async placeAlgo(barOpenMs: number, leg: "stop" | "tp", revision: number, side: OrderSide, type: AlgoType, price: number): Promise<JournalOrder> {
    const { venue, journal, symbol, filters } = this.o;
    const clientAlgoId = clientOrderId(this.o.session, barOpenMs, leg, revision);
    const existing = this.orders.get(clientAlgoId);
    if (existing && existing.status !== "pending" && existing.status !== "unknown") return existing;
    const triggerPrice = roundTriggerPrice(price, side, type, filters);
    if (!existing) {
      const base = { clientId: clientAlgoId, kind: "algo" as const, symbol, leg, barOpenMs, revision, side, type, qty: 0, triggerPrice, reduceOnly: true };
      await journal.recordIntent(base, `${leg} for the position of ${this.positionQtyValue}`);
      this.remember({ ...base, status: "pending", executedQty: 0, avgPrice: 0, sends: 0, createdMs: Date.now(), updatedMs: Date.now(), adopted: false });
    }
    const req = { symbol, side, type, triggerPrice, workingType: this.o.workingType ?? "MARK_PRICE", closePosition: true as const, clientAlgoId };
    const hooks = {
      send: async () => {
        await this.patch(clientAlgoId, { sent: true }, `send ${type} ${side} at ${triggerPrice}`);
        return venue.placeAlgo(req);
      },
      query: () => venue.queryAlgo(symbol, clientAlgoId),
      known: () => undefined,
      note: async (ev: string, detail: string) => {
        if (ev === "unknown") await this.patch(clientAlgoId, { status: "unknown", sent: true }, detail);
        else if (ev !== "sent") await journal.updateOrder(clientAlgoId, {}, `${ev}: ${detail}`);
      },
    };
    const once = new Once<AlgoReport>(this.once, hooks);
    const result = existing ? await once.resolve(existing.updatedMs, true) : await once.run();
    if (result.kind === "done") await this.applyAlgoReport(result.report, "ack");
    else await this.patch(clientAlgoId, { status: "rejected" }, result.error.message);
    return this.orders.get(clientAlgoId)!;
  }

  /** Cancel one algo order exactly once: an unknown cancel is resolved by querying it. */
  protected async cancelAlgo(o: JournalOrder, reason: string): Promise<void> {
    const { venue, symbol } = this.o;
    for (let attempt = 0; attempt < this.once.maxQueries; attempt++) {
      try {
        const r = await venue.cancelAlgo(symbol, o.clientId);
        if (r.found) await this.applyAlgoReport(r.report, `cancel (${reason})`);
        else {
          // gone already: read what became of it (triggered, or never placed)
          if (o.status === "pending" && o.sends === 0) {
            await this.patch(o.clientId, { status: "rejected" }, "never sent: the session stopped between the intent and the send");
            continue;
          }
          const q = await venue.queryAlgo(symbol, o.clientId);
          if (q.found) await this.applyAlgoReport(q.report, `cancel found it ${q.report.status}`);
          else await this.patch(o.clientId, { status: "rejected" }, `cancel: not on the venue (${reason})`);
        }
        return;
      } catch (err) {
        if (err instanceof KeysRejected || !(err instanceof TemporaryError)) throw err;
        await this.once.sleep(this.once.queryBackoffMs[Math.min(attempt, this.once.queryBackoffMs.length - 1)]);
        try {
          if (o.status === "pending" && o.sends === 0) {
            await this.patch(o.clientId, { status: "rejected" }, "never sent: the session stopped between the intent and the send");
            continue;
          }
          const q = await venue.queryAlgo(symbol, o.clientId);
          if (q.found && q.report.status !== "NEW") return void (await this.applyAlgoReport(q.report, `cancel resolved by query`));
        } catch {
          // keep trying the cancel
        }
      }
    }
    throw new UnknownOutcome(`cancel of ${o.clientId} is still unresolved`);
  }

  /** Move the take-profit: cancel the live one, then place the new price (see the module comment). */
  moveTakeProfit(price: number, barOpenMs: number): Promise<void> {
    return this.exclusive(async () => {
      if (this.positionQtyValue === 0) return;
      const { takeProfit } = this.liveProtection();
      const side: OrderSide = this.positionQtyValue > 0 ? "SELL" : "BUY";
      if (takeProfit) {
        if (roundTriggerPrice(price, side, "TAKE_PROFIT_MARKET", this.o.filters) === takeProfit.triggerPrice) return;
        await this.cancelAlgo(takeProfit, "take-profit moved");
        killPoint("tp-move");
        const after = this.orders.get(takeProfit.clientId)!;
        // it triggered while we cancelled: the position is closing, there is nothing to protect
        if (after.status !== "CANCELED" && after.status !== "rejected") return;
      }
      if (this.positionQtyValue === 0) return;
      await this.placeAlgo(barOpenMs, "tp", this.nextRevision(barOpenMs, "tp"), side, "TAKE_PROFIT_MARKET", price);
    });
  }

  /**
   * Move the stop-loss to `price` (the entry's levels recomputed from its actual fill price). Binance
   * allows one closePosition stop per direction (-4130), so the old one is cancelled first: the position
   * is without a stop for the length of one request; a crash there is repaired by resync, which places
   * the intent's journaled protection again.
   */
  moveStopLoss(price: number, barOpenMs: number): Promise<void> {
    return this.exclusive(async () => {
      if (this.positionQtyValue === 0) return;
      const { stop } = this.liveProtection();
      const side: OrderSide = this.positionQtyValue > 0 ? "SELL" : "BUY";
      if (stop) {
        if (roundTriggerPrice(price, side, "STOP_MARKET", this.o.filters) === stop.triggerPrice) return;
        await this.cancelAlgo(stop, "stop-loss moved to the entry's fill price");
        const after = this.orders.get(stop.clientId)!;
        if (after.status !== "CANCELED" && after.status !== "rejected") return;
      }
      if (this.positionQtyValue === 0) return;
      await this.placeAlgo(barOpenMs, "stop", this.nextRevision(barOpenMs, "stop"), side, "STOP_MARKET", price);
    });
  }

  /** Cancel every live protective order. */
  cancelProtection(reason: string): Promise<void> {
    return this.exclusive(async () => {
      for (const a of this.liveOrders().filter((x) => x.kind === "algo")) await this.cancelAlgo(a, reason);
    });
  }

  /** Cancel protective orders that no longer guard the position: all when flat, the wrong side's otherwise. */
  protected async cleanupProtection(reason: string): Promise<void> {
    const guardSide = this.positionQtyValue > 0 ? "SELL" : this.positionQtyValue < 0 ? "BUY" : undefined;
    for (const a of this.liveOrders().filter((x) => x.kind === "algo")) if (a.side !== guardSide) await this.cancelAlgo(a, reason);
  }

  // ---- targets ----

  /**
   * Move the position to `target` (signed quantity): a reduce-only close leg first, then the open leg
   * with its protection. `venueQty` is the venue's position now (read here when not given).
   */
  applyTarget(targetQty: number, ctx: { barOpenMs: number; refPrice: number; reason: string; protection?: Protection; venueQty?: number }): Promise<SubmitResult[]> {
    return this.exclusive(async () => {
      const out: SubmitResult[] = [];
      const cur = ctx.venueQty ?? (await this.o.venue.position(this.o.symbol)).qty;
      if (cur !== this.positionQtyValue) this.o.onEvent?.({ kind: "warning", message: `the venue holds ${cur}, the journal ${this.positionQtyValue}: acting on the venue's position` });
      const target = roundQty(targetQty);
      if (cur !== 0 && (Math.sign(target) !== Math.sign(cur) || Math.abs(target) < Math.abs(cur))) {
        const closeQty = Math.sign(target) === Math.sign(cur) ? roundQty(Math.abs(cur) - Math.abs(target)) : Math.abs(cur);
        const r = await this.submitNow({ leg: "close", side: cur > 0 ? "SELL" : "BUY", qty: closeQty, reduceOnly: true, barOpenMs: ctx.barOpenMs, refPrice: ctx.refPrice, reason: ctx.reason });
        out.push(r);
        if (r.status !== "filled") return out; // never open the new side while the old one may still be open
        await this.cleanupProtection("position closed");
      }
      const held = this.positionQtyValue;
      const openQty = roundMarketQty(Math.sign(target) === Math.sign(held) ? Math.abs(target) - Math.abs(held) : Math.abs(target), this.o.filters);
      if (target !== 0 && openQty > 0) {
        const r = await this.submitNow({ leg: "open", side: target > 0 ? "BUY" : "SELL", qty: openQty, reduceOnly: false, barOpenMs: ctx.barOpenMs, refPrice: ctx.refPrice, reason: ctx.reason, protection: ctx.protection });
        out.push(r);
        if (r.status === "filled") killPoint("fill-before-stop");
        if (ctx.protection && this.positionQtyValue !== 0) await this.placeProtectionNow(ctx.barOpenMs, ctx.protection);
      }
      return out;
    });
  }

  /** Close the whole position reduce-only, then cancel its protective orders. */
  flatten(reason: string, barOpenMs: number, refPrice: number): Promise<SubmitResult | undefined> {
    return this.exclusive(async () => {
      const cur = (await this.o.venue.position(this.o.symbol)).qty;
      let result: SubmitResult | undefined;
      if (cur !== 0) {
        const revision = this.nextRevision(barOpenMs, "flatten");
        result = await this.submitNow({ leg: "flatten", side: cur > 0 ? "SELL" : "BUY", qty: Math.abs(cur), reduceOnly: true, barOpenMs, refPrice, reason, revision });
        killPoint("flatten");
      }
      if (this.positionQtyValue === 0 || cur === 0) for (const a of this.liveOrders().filter((x) => x.kind === "algo")) await this.cancelAlgo(a, `flatten: ${reason}`);
      return result;
    });
  }

  // ---- restart and gaps ----

  /**
   * After a restart or a stream gap: settle every live order and algo order from the venue's records
   * (query by client id; fills by GET userTrades of the order), then put back protection an entry asked
   * for if a crash came between its fill and the stop. Orders left pending by a crash are looked up,
   * never sent again: the bar they were decided on has passed.
   */
  resync(): Promise<void> {
    return this.exclusive(async () => {
      const { venue, symbol } = this.o;
      for (const o of this.liveOrders()) {
        if (o.kind === "order") {
          if (o.status === "pending" && o.sends === 0) {
            await this.patch(o.clientId, { status: "rejected" }, "never sent: the session stopped between the intent and the send");
            continue;
          }
          const result = o.status === "pending" || o.status === "unknown" ? await this.resolveOrder(o, false) : undefined;
          if (result && result.kind !== "done") {
            await this.settle(o, result);
            continue;
          }
          if (result?.kind === "done" && !this.orders.get(o.clientId)!.venueOrderId) await this.patch(o.clientId, { status: result.report.status, venueOrderId: result.report.orderId, executedQty: result.report.executedQty, avgPrice: result.report.avgPrice }, "found by query");
          await this.awaitFillsQuick(o.clientId);
        } else {
          if (o.status === "pending" && o.sends === 0) {
            await this.patch(o.clientId, { status: "rejected" }, "never sent: the session stopped between the intent and the send");
            continue;
          }
          const q = await venue.queryAlgo(symbol, o.clientId).catch((err) => (err instanceof TemporaryError ? undefined : Promise.reject(err)));
          if (q?.found) await this.applyAlgoReport(q.report, "resync");
          else if (q && o.status !== "pending" && o.status !== "unknown") await this.patch(o.clientId, { status: "rejected" }, "resync: not on the venue");
          else if (q && this.once.nowMs() - o.updatedMs > venue.recvWindowMs) await this.patch(o.clientId, { status: "rejected" }, "resync: never applied");
        }
      }
      // fills the journal lacks: orders final without all their fills, stops that triggered while we were away
      await this.readMissingFillsNow();
      await this.cleanupProtection("resync");
      // a crash between the fill and the stop, or inside a take-profit move (cancelled, the new one not
      // placed yet): put back what the entry asked for and is not live
      const guard = this.liveProtection();
      if (this.positionQtyValue !== 0 && (!guard.stop || !guard.takeProfit)) {
        const entry = [...this.orders.values()].filter((x) => x.leg === "open" && x.status === "FILLED").sort((a, b) => b.barOpenMs - a.barOpenMs)[0];
        const p = entry && (await this.o.journal.intentProtection(entry.clientId));
        if (p && (!guard.stop || p.takeProfitPrice !== undefined)) await this.placeProtectionNow(entry.barOpenMs, p);
      }
    });
  }

  /**
   * Take the venue's state as this session's (reconciliation with --adopt): the position difference is
   * journaled as an adjustment (never as a fill), foreign open orders as adopted orders.
   */
  adopt(adjustQty: number, orders: JournalOrder[], reason: string): Promise<void> {
    return this.exclusive(async () => {
      if (adjustQty !== 0) {
        await this.o.journal.recordAdjustment(adjustQty, reason);
        this.positionQtyValue = roundQty(this.positionQtyValue + adjustQty);
      }
      for (const o of orders) {
        await this.o.journal.recordAdoptedOrder(o);
        this.remember({ ...o, adopted: true });
      }
    });
  }

  /** Fills the venue has for an order whose journaled fills fall short of its executed quantity. */
  readMissingFills(): Promise<void> {
    return this.exclusive(() => this.readMissingFillsNow());
  }

  protected async readMissingFillsNow(): Promise<void> {
    for (const o of [...this.orders.values()]) {
      const venueOrderId = o.kind === "algo" ? o.triggeredOrderId : o.venueOrderId;
      if (!venueOrderId || (o.kind === "order" && o.executedQty <= (this.filled.get(o.clientId) ?? 0))) continue;
      if (o.kind === "algo" && this.filled.has(o.clientId)) continue;
      for (const t of await this.o.venue.userTrades(this.o.symbol, { orderId: venueOrderId })) await this.applyFill({ ...t, clientId: o.clientId }, "reconcile");
    }
  }

  protected async awaitFillsQuick(clientId: string): Promise<void> {
    const { venue, symbol } = this.o;
    const q = await venue.queryOrder(symbol, clientId);
    if (!q.found) return;
    const cur = this.orders.get(clientId)!;
    if (cur.status !== q.report.status || cur.executedQty !== q.report.executedQty) await this.patch(clientId, { status: q.report.status, venueOrderId: q.report.orderId, executedQty: q.report.executedQty, avgPrice: q.report.avgPrice }, "resync: order");
    if (q.report.executedQty > (this.filled.get(clientId) ?? 0)) for (const t of await venue.userTrades(symbol, { orderId: q.report.orderId })) await this.applyFill({ ...t, clientId }, "reconcile");
  }
}

export { opposite };
export type { ManagerEvent, OrderManagerOptions };
