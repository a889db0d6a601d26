// The monitor's view from a scripted stream of session events: position and unrealized PnL at the last
// close, today's realized PnL (UTC day), the risk state machine, the equity window, and the alert gate.
import { describe, expect, it } from "vitest";
import type { Trade } from "../sim/account.ts";
import type { AccountState } from "../trade/execution.ts";
import { Health } from "../trade/health.ts";
import type { SessionEvent, SessionState } from "../trade/session.ts";
import { SessionMonitor } from "./monitor.ts";
import { ScriptedSession } from "./scripted-session.ts";
import { EQUITY_POINTS } from "./types.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2, 23, 0); // an hour before a UTC midnight

const trade = (exitTimeMs: number, pnlUsdt: number): Trade => ({ side: 1, entryTimeMs: exitTimeMs - 60_000, exitTimeMs, entryPrice: 100, exitPrice: 101, qty: 1, feesUsdt: 0.1, fundingUsdt: 0, pnlUsdt, holdingBars: 1, exitReason: "signal" });

describe("SessionMonitor", () => {
  it("shows the position at the last close, today's PnL, the risk state and a capped equity window", () => {
    let now = T0;
    const s = new ScriptedSession();
    const m = new SessionMonitor({ session: s, health: new Health(() => now), exchange: "local", run: "runs/x", nowMs: () => now });
    const account: AccountState = { balanceUsdt: 990, equityUsdt: 1010, position: { side: -1, qty: 2, entryPrice: 105, marginUsdt: 101, liquidationPrice: 150, stopPrice: 107, entryTimeMs: T0, entryBar: 0, feesUsdt: 0, fundingUsdt: 0 } };
    s.st = { ...s.st, bars: 3, lastBar: { openTime: T0, open: 100, high: 101, low: 99, close: 100, spreadBps: 1 }, account, realizedPnlUsdt: 7 };
    s.emit({ type: "trade", trade: trade(T0 - 30 * 60_000, 5) });
    now = T0 + 2 * 3_600_000; // past midnight: the 5 USDT trade was yesterday's
    s.emit({ type: "trade", trade: trade(now - 60_000, 2) });
    for (let i = 0; i < EQUITY_POINTS + 5; i++) s.emit({ type: "equity", timeMs: T0 + i * 60_000, account: { ...account, equityUsdt: 1000 + i } });
    s.emit({ type: "risk", barOpenTimeMs: T0, kind: "denial", reason: "max-position", message: "too big" });
    s.emit({ type: "risk", barOpenTimeMs: T0, kind: "halt", reason: "daily-loss", message: "halted" });
    const v = m.snapshot();
    expect(v.position).toMatchObject({ side: -1, qty: 2, markPrice: 100, unrealizedPnlUsdt: 10, stopPrice: 107, liquidationPrice: 150 });
    expect(v.marginUse).toBeCloseTo(101 / 1010, 12);
    expect(v.todayRealizedPnlUsdt).toBe(2);
    expect(v.recentTrades.map((t) => t.pnlUsdt)).toEqual([5, 2]);
    expect(v.equity.length).toBe(EQUITY_POINTS);
    expect(v.equity[0].equityUsdt).toBe(1005);
    expect(v.startEquityUsdt).toBe(1000);
    expect(v.risk).toMatchObject({ state: "halted", reason: "daily-loss", denials: 1 });
    s.emit({ type: "risk", barOpenTimeMs: T0 + DAY, kind: "resume", reason: "new-day", message: "a new day" });
    expect(m.snapshot().risk).toMatchObject({ state: "active", reason: undefined, denials: 1 });
    expect(m.snapshot().risk.recent.map((r) => r.kind)).toEqual(["denial", "halt", "resume"]);
  });

  it("passes alerts through the gate, tells alert listeners, and serves a JSON-clean view", () => {
    const s = new ScriptedSession();
    const health = new Health(() => 5);
    const m = new SessionMonitor({ session: s, health, exchange: "local", run: "runs/x", nowMs: () => 5 });
    const heard: string[] = [];
    m.onAlert((a) => heard.push(a.kind));
    let views = 0;
    m.subscribe(() => views++);
    m.setAlertGate((a) => a.subject !== "muted");
    m.raise({ level: "warning", category: "technical", kind: "stream-silent", subject: "/market", message: "no klines" });
    m.raise({ level: "warning", category: "technical", kind: "stream-silent", subject: "muted", message: "no klines" });
    health.streamUp("/market");
    health.restCall("GET /fapi/v1/klines", 40, { message: "HTTP 503" });
    const v = m.snapshot();
    expect(heard).toEqual(["stream-silent"]);
    expect(v.alerts).toEqual([{ atMs: 5, level: "warning", category: "technical", kind: "stream-silent", subject: "/market", message: "no klines" }]);
    expect(v.health.streams).toEqual([{ route: "/market", up: true, connections: 1, downReason: undefined }]);
    expect(v.health.rest).toMatchObject({ requests: 1, errors: 1, lastLatencyMs: 40, meanLatencyMs: 40 });
    expect(views).toBe(3);
    expect(v.drift.enabled).toBe(false);
    expect(JSON.parse(JSON.stringify(v)).session).toBe("s1");
  });
});
