// The trade journal as CSV: one row per closed trade, times in ISO UTC, money in USDT.
import type { Trade } from "../sim/simulator.ts";

const COLUMNS = ["entry_time", "exit_time", "side", "entry_price", "exit_price", "qty", "fees_usdt", "funding_usdt", "pnl_usdt", "holding_bars", "exit_reason"] as const;

export function tradesCsv(trades: Trade[]): string {
  const rows = trades.map((t) =>
    [new Date(t.entryTimeMs).toISOString(), new Date(t.exitTimeMs).toISOString(), t.side === 1 ? "long" : "short", t.entryPrice, t.exitPrice, t.qty, t.feesUsdt, t.fundingUsdt, t.pnlUsdt, t.holdingBars, t.exitReason].join(","),
  );
  return `${COLUMNS.join(",")}\n${rows.map((r) => `${r}\n`).join("")}`;
}
