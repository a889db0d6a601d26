// Round trips from an exchange's fills: a trade opens with the first fill from flat and closes when the
// fills against it add up to its size. The exchange client builds its trades here as fills arrive, and a
// finished session's view (monitor/journal-view.ts) rebuilds them from the journal's fills the same way.
import type { ExitReason, Trade } from "../sim/account.ts";
import type { JournalFill } from "./journal.ts";
import { parseClientOrderId } from "./order-ids.ts";

/** The trade the fills are building: opened by the first fill from flat, closed when the position is flat again. */
export interface OpenTrade {
  side: 1 | -1;
  entryTimeMs: number;
  entryBar: number;
  qty: number;
  entryNotional: number;
  exitQty: number;
  exitNotional: number;
  feesUsdt: number;
  fundingUsdt: number;
  realizedUsdt: number;
}

export class FillTrades {
  private current?: OpenTrade;

  get open(): Readonly<OpenTrade> | undefined {
    return this.current;
  }

  /** A funding settlement: it belongs to the open trade (none when flat). */
  funding(usdt: number): void {
    if (this.current) this.current.fundingUsdt += usdt;
  }

  /** One fill on the bar clock `bar`; the trade it closes, if it closes one. */
  fill(f: JournalFill, bar: number): Trade | undefined {
    const sign = f.side === "BUY" ? 1 : -1;
    this.current ??= { side: sign, entryTimeMs: f.timeMs, entryBar: bar, qty: 0, entryNotional: 0, exitQty: 0, exitNotional: 0, feesUsdt: 0, fundingUsdt: 0, realizedUsdt: 0 };
    const t = this.current;
    t.feesUsdt += f.commission;
    t.realizedUsdt += f.realizedPnlUsdt;
    if (sign === t.side) {
      t.qty += f.qty;
      t.entryNotional += f.qty * f.price;
      return undefined;
    }
    t.exitQty += f.qty;
    t.exitNotional += f.qty * f.price;
    if (t.exitQty < t.qty - 1e-12) return undefined;
    this.current = undefined;
    return closeTrade(t, f, bar);
  }
}

function closeTrade(t: OpenTrade, last: JournalFill, bar: number): Trade {
  const leg = last.clientId ? parseClientOrderId(last.clientId)?.leg : undefined;
  const exitReason: ExitReason = leg === "stop" ? "stop-loss" : leg === "tp" ? "take-profit" : leg === undefined ? "liquidation" : "signal";
  return {
    side: t.side,
    entryTimeMs: t.entryTimeMs,
    exitTimeMs: last.timeMs,
    entryPrice: t.entryNotional / t.qty,
    exitPrice: t.exitNotional / t.exitQty,
    qty: t.qty,
    feesUsdt: t.feesUsdt,
    fundingUsdt: t.fundingUsdt,
    // the exchange's own realized PnL of the closing fills, net of the trade's fees and funding
    pnlUsdt: t.realizedUsdt - t.feesUsdt + t.fundingUsdt,
    holdingBars: bar - t.entryBar,
    exitReason,
  };
}
