// Every alert kind from scripted session and health events through SessionMonitor, each just past its
// threshold and not just below it; the gate's suppression and its journal rows; the webhook payloads and
// a failing webhook said once (a fake fetch here; test/trade-alerts.test.ts sends over real HTTP).
import { describe, expect, it } from "vitest";
import { AlertThresholdsSchema, MonitorConfigSchema } from "../core/monitor-config.ts";
import type { Trade } from "../sim/account.ts";
import type { AccountState } from "../trade/execution.ts";
import { Health } from "../trade/health.ts";
import type { SessionEvent, SessionState } from "../trade/session.ts";
import { AlertDispatch, type AlertRow, webhookPayload } from "./alert-dispatch.ts";
import { AlertWatch } from "./alerts.ts";
import { SessionMonitor } from "./monitor.ts";
import { ScriptedSession } from "./scripted-session.ts";
import type { Alert } from "./types.ts";

const T0 = Date.UTC(2024, 0, 2, 12, 0);

function setup(over: Partial<ReturnType<typeof AlertThresholdsSchema.parse>> = {}, suppressMinutes = 15) {
  const clock = { now: T0 };
  const nowMs = () => clock.now;
  const s = new ScriptedSession();
  const health = new Health(nowMs);
  const m = new SessionMonitor({ session: s, health, exchange: "local", run: "runs/x", nowMs });
  const rows: AlertRow[] = [];
  const dispatch = new AlertDispatch({ suppressMinutes, session: { id: "s1", symbol: "BTCUSDT" }, journal: { recordAlert: async (r) => void rows.push(r) } });
  dispatch.attach(m);
  const watch = new AlertWatch(AlertThresholdsSchema.parse(over), nowMs);
  m.use(watch);
  const alerts: Alert[] = [];
  m.onAlert((a) => alerts.push(a));
  const kinds = () => alerts.map((a) => `${a.level} ${a.kind}${a.subject ? `/${a.subject}` : ""}`);
  let bar = 0;
  const equity = (equityUsdt: number, position?: AccountState["position"], close = 100) => {
    const openTime = T0 + bar++ * 60_000;
    s.emit({ type: "bar", bar: { openTime, open: close, high: close, low: close, close, spreadBps: 1 }, index: bar });
    s.emit({ type: "equity", timeMs: openTime, account: { balanceUsdt: equityUsdt, equityUsdt, position } });
  };
  return { clock, s, health, m, rows, watch, alerts, kinds, equity, dispatch };
}

const position = (marginUsdt: number, liquidationPrice: number): NonNullable<AccountState["position"]> => ({ side: 1, qty: 1, entryPrice: 100, marginUsdt, liquidationPrice, entryTimeMs: T0, entryBar: 0, feesUsdt: 0, fundingUsdt: 0 });
const trade = (pnlUsdt: number): Trade => ({ side: 1, entryTimeMs: T0, exitTimeMs: T0 + 60_000, entryPrice: 100, exitPrice: 101, qty: 1, feesUsdt: 0.1, fundingUsdt: 0, pnlUsdt, holdingBars: 1, exitReason: "signal" });

describe("risk alerts", () => {
  it("drawdown from the session's peak: not at 4.9 %, warning at 5 %, critical at 10 %, again only after recovering", () => {
    const t = setup({ drawdown: 0.05 });
    t.equity(1000);
    t.equity(1100); // the peak
    t.equity(1100 * 0.951);
    expect(t.kinds()).toEqual([]);
    t.equity(1100 * 0.9499);
    expect(t.kinds()).toEqual(["warning drawdown"]);
    expect(t.alerts[0].message).toContain("drawdown 5.01 % from the session's peak equity 1100.00 USDT");
    t.equity(1100 * 0.94); // still in it: no new alert
    t.equity(1100 * 0.8999);
    expect(t.kinds()).toEqual(["warning drawdown", "critical drawdown/critical"]);
    expect(t.alerts[1].barOpenTimeMs).toBe(T0 + 5 * 60_000);
    t.equity(1100 * 0.97); // recovered below both thresholds
    t.equity(1100 * 0.94);
    expect(t.kinds()).toEqual(["warning drawdown", "critical drawdown/critical"]); // suppressed within 15 minutes
    expect(t.rows.length).toBe(2);
  });

  it("margin ratio past the threshold and the mark near the liquidation price", () => {
    const t = setup({ marginRatio: 0.5, liquidationNear: 0.02 });
    t.equity(1000, position(500, 97.9)); // margin exactly 50 %: not past; the mark 2.1 % from liquidation
    expect(t.kinds()).toEqual([]);
    t.equity(1000, position(501, 98.1));
    expect(t.kinds()).toEqual(["warning margin-ratio", "critical liquidation-near"]);
    expect(t.alerts[1].message).toContain("1.90 % from the long's liquidation price 98.1");
  });

  it("a risk limit reached (denial), reducing, a halt, and the resume", () => {
    const t = setup();
    t.s.emit({ type: "risk", barOpenTimeMs: T0, kind: "denial", reason: "max-position", message: "too big" });
    t.s.emit({ type: "risk", barOpenTimeMs: T0, kind: "reducing", reason: "drawdown", message: "reducing" });
    t.s.emit({ type: "risk", barOpenTimeMs: T0, kind: "halt", reason: "daily-loss", message: "lost 1.5 % today" });
    t.s.emit({ type: "risk", barOpenTimeMs: T0, kind: "resume", reason: "new-day", message: "a new day" });
    expect(t.kinds()).toEqual(["info risk-limit/max-position", "warning risk-reducing/drawdown", "critical trading-halted/daily-loss", "info trading-resumed"]);
    expect(t.alerts.every((a) => a.category === "risk")).toBe(true);
  });
});

describe("performance alerts", () => {
  it("a losing streak at N losses in a row, not at N − 1, reset by a win", () => {
    const t = setup({ losingStreak: 3 });
    for (const pnl of [-1, -2, 5, -1, -1]) t.s.emit({ type: "trade", trade: trade(pnl) });
    expect(t.kinds()).toEqual([]);
    t.s.emit({ type: "trade", trade: trade(-0.5) });
    expect(t.kinds()).toEqual(["warning losing-streak"]);
    expect(t.alerts[0].message).toMatch(/^3 losing trades in a row/);
  });

  it("the cumulative return outside the backtest's bootstrap band over the same bars; inside it, nothing", () => {
    const t = setup({ performanceTail: 0.05, performanceMinBars: 10 });
    // a backtest that gained 0.01 % a bar with a little noise: 20 live bars should return about +0.2 %
    const returns = Float64Array.from({ length: 2000 }, (_, i) => 0.0001 + 0.0005 * Math.sin(i * 1.7));
    t.watch.setBacktest(t.m, { returns });
    t.equity(1000);
    for (let i = 1; i <= 20; i++) t.equity(1000 * (1 + 0.0001 * i));
    expect(t.kinds()).toEqual([]);
    for (let i = 0; i < 5; i++) t.equity(960);
    expect(t.kinds()).toEqual(["warning performance-band/below"]);
    expect(t.alerts[0].message).toMatch(/the session's return -4.00 % is below what the backtest makes likely: the backtest's 5 %–95 % band over 21 bars is/);
    t.equity(1100);
    expect(t.kinds()).toEqual(["warning performance-band/below", "info performance-band/above"]);
  });

  it("says once that the band is off when the run has no evaluation", () => {
    const t = setup();
    t.watch.setBacktest(t.m, { reason: "no evaluation on the test range" });
    for (let i = 0; i < 50; i++) t.equity(900);
    expect(t.kinds()).toEqual(["info performance-band-off"]);
  });
});

describe("technical alerts", () => {
  it("a stream silent past streamSilentSec (not the quiet user stream), once until it speaks again", () => {
    const t = setup({ streamSilentSec: 90 });
    t.health.streamUp("/market");
    t.health.streamUp("user");
    t.health.streamEvent("/market");
    t.clock.now += 90_000;
    t.m.tick(t.clock.now);
    expect(t.kinds()).toEqual([]);
    t.clock.now += 1;
    t.m.tick(t.clock.now);
    t.m.tick(t.clock.now + 5000);
    expect(t.kinds()).toEqual(["warning stream-silent//market"]);
    t.health.streamEvent("/market");
    t.m.tick(t.clock.now);
    t.clock.now += 16 * 60_000;
    t.m.tick(t.clock.now);
    expect(t.kinds()).toEqual(["warning stream-silent//market", "warning stream-silent//market"]);
  });

  it("reconnect storms, REST errors in a window, clock offset, listenKey expiry, reconciliation differences", () => {
    const t = setup({ reconnects: 3, reconnectWindowSec: 600, restErrors: 2, restErrorWindowSec: 300, clockOffsetMs: 1000 });
    t.health.streamUp("/public"); // the first connection is no reconnect
    t.health.streamUp("/public");
    t.clock.now += 601_000; // that reconnect leaves the window
    t.health.streamUp("/public");
    t.health.streamUp("/public");
    expect(t.kinds()).toEqual([]);
    t.health.streamUp("/public");
    t.health.restCall("GET /fapi/v1/klines", 10, { message: "HTTP 503" });
    t.clock.now += 301_000;
    t.health.restCall("GET /fapi/v1/klines", 10, { message: "HTTP 503" });
    t.health.restCall("GET /fapi/v1/klines", 10); // a success is no error
    t.health.clockOffset(-1000);
    expect(t.kinds()).toEqual(["warning reconnect-storm//public"]);
    t.health.restCall("GET /fapi/v2/balance", 12, { message: "HTTP 502", code: -1001 });
    t.health.clockOffset(-1001);
    t.health.listenKeyExpired();
    t.health.reconcileDifference("gap: the user stream reconnected", ["the exchange holds 0.003 BTCUSDT, the journal's fills add up to 0"]);
    expect(t.kinds()).toEqual(["warning reconnect-storm//public", "warning rest-errors", "warning clock-offset", "warning listen-key-expired", "critical reconcile-difference"]);
    expect(t.alerts[2].message).toContain("1001 ms behind");
    expect(t.alerts[4].message).toContain("the journal's fills add up to 0");
  });
});

describe("the alert gate", () => {
  it("suppresses repeats of one kind and subject within suppressMinutes, counts them, and journals what it shows", () => {
    const t = setup({}, 15);
    const halt = () => t.s.emit({ type: "risk", barOpenTimeMs: T0, kind: "halt", reason: "daily-loss", message: "halted" });
    halt();
    t.clock.now += 60_000;
    halt();
    halt();
    t.s.emit({ type: "risk", barOpenTimeMs: T0, kind: "halt", reason: "drawdown", message: "halted" }); // another subject
    expect(t.kinds()).toEqual(["critical trading-halted/daily-loss", "critical trading-halted/drawdown"]);
    t.clock.now += 15 * 60_000;
    halt();
    expect(t.alerts.at(-1)).toMatchObject({ kind: "trading-halted", subject: "daily-loss", suppressed: 2 });
    expect(t.m.snapshot().alerts.map((a) => a.suppressed ?? 0)).toEqual([0, 0, 2]);
    expect(t.rows.map((r) => [r.alert.subject, r.alert.suppressed ?? 0, r.sent])).toEqual([["daily-loss", 0, "no webhook"], ["drawdown", 0, "no webhook"], ["daily-loss", 2, "no webhook"]]);
  });

  it("sends at or above minLevel in the configured shape; a failing webhook is said once and never breaks the caller", async () => {
    const bodies: unknown[] = [];
    let fail = false;
    const fetch = (async (_url: string, init: RequestInit) => {
      if (fail) throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
      bodies.push(JSON.parse(String(init.body)));
      return new Response("ok", { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    const rows: AlertRow[] = [];
    const s = new ScriptedSession();
    const m = new SessionMonitor({ session: s, health: new Health(), exchange: "local", run: "runs/x" });
    const d = new AlertDispatch({ suppressMinutes: 15, webhook: { url: "http://127.0.0.1:9/hook", format: "slack", minLevel: "warning", timeoutMs: 1000 }, session: { id: "s1", symbol: "BTCUSDT" }, journal: { recordAlert: async (r) => void rows.push(r) }, fetch });
    d.attach(m);
    m.raise({ level: "info", category: "risk", kind: "risk-limit", message: "denied" });
    m.raise({ level: "critical", category: "risk", kind: "trading-halted", message: "halted" });
    await d.close();
    expect(bodies).toEqual([{ text: "[CRITICAL] BTCUSDT s1: halted" }]);
    fail = true;
    m.raise({ level: "warning", category: "technical", kind: "rest-errors", message: "5 errors" });
    m.raise({ level: "warning", category: "technical", kind: "clock-offset", message: "skew" });
    await d.close();
    expect(d.failures).toBe(2);
    expect(m.snapshot().alerts.filter((a) => a.kind === "webhook-failed").map((a) => a.message)).toEqual([
      "the alert webhook http://127.0.0.1:9/… failed: fetch failed (ECONNREFUSED) (1 failed so far); alerts are still shown and journaled, trading is unaffected",
    ]);
    expect(rows.map((r) => `${r.alert.kind}: ${r.sent}`)).toEqual([
      "risk-limit: below minLevel warning",
      "trading-halted: sent (200)",
      "webhook-failed: not sent (about the webhook)",
      "rest-errors: failed: fetch failed (ECONNREFUSED)",
      "clock-offset: failed: fetch failed (ECONNREFUSED)",
    ]);
    const a: Alert = { atMs: 1, level: "warning", category: "risk", kind: "drawdown", message: "dd", suppressed: 3 };
    expect(webhookPayload({ format: "discord" }, a, { id: "s1", symbol: "BTCUSDT" })).toEqual({ content: "[WARNING] BTCUSDT s1: dd (3 repeats suppressed)" });
    expect(webhookPayload({ format: "telegram", chatId: 42 }, a, { id: "s1", symbol: "BTCUSDT" })).toEqual({ chat_id: 42, text: "[WARNING] BTCUSDT s1: dd (3 repeats suppressed)" });
    expect(webhookPayload({ format: "json" }, a, { id: "s1", symbol: "BTCUSDT" })).toEqual({ ...a, session: "s1", symbol: "BTCUSDT" });
  });

  it("drops the oldest queued send behind a webhook that never answers, and journals it as dropped", async () => {
    const pending: ((r: Response) => void)[] = [];
    const fetch = (() => new Promise<Response>((r) => pending.push(r))) as unknown as typeof globalThis.fetch;
    const rows: AlertRow[] = [];
    const m = new SessionMonitor({ session: new ScriptedSession(), health: new Health(), exchange: "local", run: "runs/x" });
    const d = new AlertDispatch({ suppressMinutes: 0, webhook: { url: "http://127.0.0.1:9/hook", format: "json", minLevel: "info", timeoutMs: 1000 }, session: { id: "s1", symbol: "BTCUSDT" }, journal: { recordAlert: async (r) => void rows.push(r) }, fetch });
    d.attach(m);
    // one in flight, 20 queued: the 22nd pushes the oldest queued one out
    for (let i = 0; i < 22; i++) m.raise({ level: "info", category: "risk", kind: "risk-limit", subject: String(i), message: `denial ${i}` });
    expect(rows.map((r) => `${r.alert.subject}: ${r.sent}`)).toEqual(["1: dropped: 20 sends queued behind a slow webhook"]);
    expect(d.failures).toBe(1);
    while (pending.length) {
      pending.shift()!(new Response("ok"));
      await new Promise((r) => setTimeout(r, 0));
    }
    await d.close();
    expect(rows.length).toBe(22);
    expect(rows.filter((r) => r.sent === "sent (200)").length).toBe(21);
  });

  it("refuses a telegram webhook without its chat, naming the key", () => {
    const r = MonitorConfigSchema.safeParse({ webhook: { url: "https://api.telegram.org/bot123:abc/sendMessage", format: "telegram" } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(["webhook.chatId: format telegram needs the chat to send to (chatId: the bot's chat id)"]);
  });
});
