// Reconciliation at start and after every reconnect: the journal's position, open orders and algo orders
// against the venue's. What the venue's own records explain (our orders that filled, a stop that
// triggered, a take-profit that filled while we were away) is applied and journaled; anything else
// (a position the journal cannot account for, an order that is not ours) stops the session with what
// differs, unless `adopt` takes the venue's state. No fill is ever made up: fills come from venue records.
import { killPoint } from "../core/kill-point.ts";
import { RltError } from "../core/errors.ts";
import type { AlgoReport, OrderReport, Venue } from "../venue/types.ts";
import { type Journal, type JournalOrder, isLive, roundQty } from "./journal.ts";
import { isSessionId } from "./order-ids.ts";
import type { OrderManager } from "./orders.ts";
import type { Health } from "./health.ts";

export interface ReconcileOptions {
  venue: Venue;
  journal: Journal;
  manager: OrderManager;
  symbol: string;
  session: string;
  /** Take the venue's position and foreign orders as the session's (the --adopt flag). */
  adopt?: boolean;
  /** What led here: "start", "reconnect", "gap: <reason>". */
  trigger: string;
  /** The session's connection health: a difference found is reported there (absent: not reported). */
  health?: Health;
}

export interface ReconcileReport {
  trigger: string;
  outcome: "in-sync" | "applied" | "adopted";
  /** Venue records applied to the journal (fills of our orders while we were away, triggered stops). */
  applied: string[];
  /** Differences the venue's records did not explain (adopted, or the reason the start stopped). */
  differences: string[];
  positionQty: number;
  openOrders: number;
  openAlgoOrders: number;
}

/** The journal and the venue disagree in a way the venue's records do not explain. */
export class ReconcileMismatch extends RltError {
  constructor(
    readonly differences: string[],
    symbol: string,
  ) {
    super(`the journal and the exchange disagree on ${symbol}:\n  - ${differences.join("\n  - ")}`, {
      hint: "nothing was sent. Resolve it on the exchange (close the position, cancel the orders), or pass --adopt to take the exchange's state as this session's",
    });
  }
}

export async function reconcile(o: ReconcileOptions): Promise<ReconcileReport> {
  const { venue, journal, manager, symbol } = o;
  const fillsBefore = await journal.tradeIds();
  const statusBefore = new Map((await journal.orders()).map((x) => [x.clientId, x.status]));
  await manager.resync();
  await manager.readMissingFills();
  killPoint("reconcile");

  const applied: string[] = [];
  for (const f of await journal.fills()) {
    if (!fillsBefore.has(f.tradeId)) applied.push(`fill ${f.tradeId} of ${f.clientId}: ${f.side} ${f.qty} at ${f.price} (from the exchange's trades)`);
  }
  for (const x of await journal.orders()) {
    const was = statusBefore.get(x.clientId);
    if (was !== undefined && was !== x.status) applied.push(`${x.kind === "algo" ? "algo order" : "order"} ${x.clientId}: ${was} → ${x.status}`);
  }

  const [position, venueOrders, venueAlgos] = await Promise.all([venue.position(symbol), venue.openOrders(symbol), venue.openAlgoOrders(symbol)]);
  const live = manager.liveOrders();
  const liveIds = new Set(live.map((x) => x.clientId));
  const differences: string[] = [];
  const foreign: JournalOrder[] = [];

  const journalQty = manager.positionQty;
  if (roundQty(position.qty - journalQty) !== 0) {
    differences.push(`the exchange holds ${position.qty} ${symbol} (entry ${position.entryPrice}), the journal's fills add up to ${journalQty}`);
  }
  for (const v of venueOrders) {
    if (liveIds.has(v.clientId)) continue;
    differences.push(`open order ${v.clientId} (${v.side} ${v.qty} ${v.type}) is ${isSessionId(o.session, v.clientId) ? "this session's but not open in its journal" : "not this session's"}`);
    foreign.push(adoptedOrder(v, symbol));
  }
  for (const a of venueAlgos) {
    if (liveIds.has(a.clientAlgoId)) continue;
    differences.push(`open algo order ${a.clientAlgoId} (${a.type} ${a.side} at ${a.triggerPrice}) is ${isSessionId(o.session, a.clientAlgoId) ? "this session's but not open in its journal" : "not this session's"}`);
    foreign.push(adoptedAlgo(a, symbol));
  }
  const openIds = new Set([...venueOrders.map((v) => v.clientId), ...venueAlgos.map((a) => a.clientAlgoId)]);
  for (const x of live) {
    if (!openIds.has(x.clientId) && isLive(x) && x.status !== "pending" && x.status !== "unknown") differences.push(`the journal has ${x.clientId} open (${x.status}); the exchange does not`);
  }

  let outcome: ReconcileReport["outcome"] = applied.length ? "applied" : "in-sync";
  if (differences.length) {
    o.health?.reconcileDifference(o.trigger, differences);
    if (!o.adopt) {
      await journal.recordReconciliation(o.trigger, "mismatch", { applied, differences });
      throw new ReconcileMismatch(differences, symbol);
    }
    await manager.adopt(roundQty(position.qty - journalQty), foreign, `adopted at ${o.trigger}: the exchange held ${position.qty}, the journal ${journalQty}`);
    outcome = "adopted";
  }
  await journal.recordPosition(position, `reconcile ${o.trigger}`);
  const report: ReconcileReport = { trigger: o.trigger, outcome, applied, differences, positionQty: position.qty, openOrders: venueOrders.length, openAlgoOrders: venueAlgos.length };
  await journal.recordReconciliation(o.trigger, outcome, report);
  return report;
}

function adoptedOrder(v: OrderReport, symbol: string): JournalOrder {
  return {
    clientId: v.clientId, kind: "order", symbol, leg: "adopted", barOpenMs: 0, revision: 0, side: v.side, type: v.type, qty: v.qty, triggerPrice: 0, reduceOnly: v.reduceOnly,
    status: v.status, venueOrderId: v.orderId, executedQty: v.executedQty, avgPrice: v.avgPrice, sends: 0, createdMs: v.updateTimeMs, updatedMs: v.updateTimeMs, adopted: true,
  };
}

function adoptedAlgo(a: AlgoReport, symbol: string): JournalOrder {
  // an adopted stop or take-profit keeps its role, so the session moves and cancels it like its own
  const leg = a.type === "STOP_MARKET" ? "stop" : a.type === "TAKE_PROFIT_MARKET" ? "tp" : "adopted";
  return {
    clientId: a.clientAlgoId, kind: "algo", symbol, leg, barOpenMs: 0, revision: 0, side: a.side, type: a.type, qty: 0, triggerPrice: a.triggerPrice, reduceOnly: true,
    status: a.status, venueOrderId: a.algoId, triggeredOrderId: a.triggeredOrderId, executedQty: 0, avgPrice: 0, sends: 0, createdMs: a.updateTimeMs, updatedMs: a.updateTimeMs, adopted: true,
  };
}
