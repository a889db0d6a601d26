// The view of a session that is not running, from journal rows: the replay puts each decision at its
// bar's close, carries the risk state machine, keeps the account of the last equity row, and reads a
// version 1 journal (no equity or trades tables) by folding its fills into trades.
import { describe, expect, it } from "vitest";
import { journalView } from "./journal-view.ts";
import type { JournalDump } from "./socket-protocol.ts";

const T = Date.UTC(2024, 0, 5, 10, 0);
const M = 60_000;
const session = { session: "s", run: "runs/x", model: "best", exchange: "local", mode: "exchange", symbol: "BTCUSDT", started_ms: T - M, stopped_ms: null, stop_reason: null, starts: 1 };
const bars = [0, 1, 2].map((i) => ({ open_time_ms: T + i * M, open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i }));
const decisions = [
  { bar_open_ms: T, ts_ms: T + M, action: 0, probs: [0.6, 0.3, 0.1], target_side: 1, target_qty: null, note: null },
  { bar_open_ms: T + M, ts_ms: T + 2 * M, action: 2, probs: [0.2, 0.2, 0.6], target_side: 1, target_qty: null, note: null },
  { bar_open_ms: T + 2 * M, ts_ms: T + 3 * M, action: 1, probs: [0.1, 0.8, 0.1], target_side: 0, target_qty: null, note: "entries paused" },
];
const fill = (id: string, side: string, price: number, timeMs: number, leg: string, pnl: number) => ({ trade_id: id, client_id: `rlt-abcdef-1-${leg}`, venue_order_id: id, symbol: "BTCUSDT", side, qty: 0.5, price, commission: 0.02, commission_asset: "USDT", realized_pnl_usdt: pnl, maker: false, fill_time_ms: timeMs, source: "stream" });

describe("journalView", () => {
  it("replays a version 2 journal into the view the running session showed", () => {
    const dump: JournalDump = {
      version: 2,
      tables: {
        session: [{ ...session, stopped_ms: T + 4 * M, stop_reason: "finished" }],
        bars,
        decisions,
        risk_events: [
          { ts_ms: T + 2 * M, bar_open_ms: T + M, kind: "halt", state: "halted", reason: "daily-loss", detail: '"lost 1.5 % today"' },
          { ts_ms: T + 2 * M, bar_open_ms: T + M, kind: "denial", state: "", reason: "halted", detail: "no entries while halted" },
        ],
        equity: [
          { bar_open_ms: T, equity_usdt: 1000, balance_usdt: 1000, position_side: 1, position_qty: 0.5, entry_price: 100, liquidation_price: 60, margin_usdt: 10, stop_price: 98, tp_price: null, realized_pnl_usdt: 0, fees_usdt: 0.02, funding_usdt: 0, trades: 0 },
          { bar_open_ms: T + 2 * M, equity_usdt: 1001.2, balance_usdt: 1001.2, position_side: 0, position_qty: 0, entry_price: null, liquidation_price: null, margin_usdt: null, stop_price: null, tp_price: null, realized_pnl_usdt: 1.2, fees_usdt: 0.04, funding_usdt: 0, trades: 1 },
        ],
        trades: [{ exit_time_ms: T + 2 * M + 30_000, side: 1, qty: 0.5, entry_time_ms: T + M, entry_price: 100, exit_price: 102.48, pnl_usdt: 1.2, fees_usdt: 0.04, funding_usdt: 0, holding_bars: 2, exit_reason: "signal" }],
        alerts: [{ ts_ms: T + 2 * M, bar_open_ms: T + M, level: "critical", category: "risk", kind: "halted", subject: null, message: "trading halted", suppressed: 0 }],
      },
    };
    const v = journalView(dump);
    expect(v).toMatchObject({ session: "s", mode: "exchange", status: "stopped", statusMessage: "stopped (finished)", bars: 3, lastClose: 102.5, equityUsdt: 1001.2, startEquityUsdt: 1000, realizedPnlUsdt: 1.2, trades: 1, position: undefined, startedMs: T - M });
    expect(v.recentDecisions.map((d) => [d.action, d.current, d.target, d.close, d.limitedBy])).toEqual([
      ["buy", 0, 1, 100.5, undefined],
      ["hold", 1, 1, 101.5, undefined],
      ["sell", 1, 0, 102.5, "entries paused"],
    ]);
    expect(v.risk).toMatchObject({ state: "halted", reason: "daily-loss", denials: 1 });
    expect(v.risk.recent.map((r) => r.message)).toEqual(["lost 1.5 % today", "no entries while halted"]);
    expect(v.recentTrades).toEqual([{ side: 1, qty: 0.5, entryTimeMs: T + M, exitTimeMs: T + 2 * M + 30_000, entryPrice: 100, exitPrice: 102.48, pnlUsdt: 1.2, feesUsdt: 0.04, fundingUsdt: 0, exitReason: "signal" }]);
    expect(v.alerts.map((a) => [a.level, a.kind, a.message])).toEqual([["critical", "halted", "trading halted"]]);
    expect(v.equity.map((e) => e.equityUsdt)).toEqual([1000, 1001.2]);
    expect(v.drift).toMatchObject({ enabled: false, reason: "this journal has no drift table (written by an rlt before drift monitoring)" });
  });

  it("reads a version 1 journal: trades from its fills, and says it ended without stopping", () => {
    const dump: JournalDump = {
      version: 1,
      tables: {
        session: [session],
        bars,
        decisions,
        fills: [fill("1", "BUY", 100, T + M + 1000, "o", 0), fill("2", "SELL", 98, T + 2 * M + 5000, "stop", -1)],
      },
    };
    const v = journalView(dump);
    expect(v.statusMessage).toMatch(/^ended without stopping: the trader was killed or crashed/);
    expect(v.recentTrades).toEqual([{ side: 1, qty: 0.5, entryTimeMs: T + M + 1000, exitTimeMs: T + 2 * M + 5000, entryPrice: 100, exitPrice: 98, pnlUsdt: -1.04, feesUsdt: 0.04, fundingUsdt: 0, exitReason: "stop-loss" }]);
    expect(v).toMatchObject({ trades: 1, feesUsdt: 0.04 });
    expect(v.realizedPnlUsdt).toBeCloseTo(-1.04, 12);
  });
});
