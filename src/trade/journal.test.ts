// The journal survives kill -9 at any point: a child writes order lifecycles in a loop and is killed;
// the reopened file is consistent and continues the session.
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { IntentLog } from "./intent-log.ts";
import { Journal, journalPath } from "./journal.ts";
import { JOURNAL_VERSION } from "./journal-schema.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "rlt-journal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const info = (session: string) => ({ session, run: "r", model: "m", exchange: "local", mode: "exchange", symbol: "BTCUSDT", config: { writer: true } });

/** Start the writer, let it complete `atLeast` lifecycles, SIGKILL it mid-write; the last lifecycle it reported. */
function killWriter(file: string, session: string, start: number, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/trade/journal-kill-writer.ts", file, session, String(start)], { cwd: ROOT });
    let last = -1;
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d: Buffer) => {
      const lines = d.toString().trim().split("\n");
      last = Number(lines[lines.length - 1]);
      // kill a few ms later, at an arbitrary point inside the next lifecycle
      if (last >= start + atLeast) setTimeout(() => child.kill("SIGKILL"), 3);
    });
    child.on("exit", (code, signal) => (signal === "SIGKILL" ? resolve(last) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

/** Every order's row agrees with its last event, and every fill belongs to a journaled order. */
async function expectConsistent(j: Journal): Promise<void> {
  const bad = await j.query(`
    SELECT o.client_id, o.status, e.status AS last FROM orders o
    LEFT JOIN (SELECT client_id, arg_max(status, seq) AS status FROM order_events WHERE status NOT IN ('sent', 'update') GROUP BY client_id) e USING (client_id)
    -- a kill right after an order's row may leave it without its first event, never with a wrong one
    WHERE e.status IS DISTINCT FROM o.status AND NOT (e.status IS NULL AND o.status = 'pending')`);
  expect(bad).toEqual([]);
  expect(await j.query("SELECT trade_id FROM fills WHERE client_id NOT IN (SELECT client_id FROM orders)")).toEqual([]);
  expect(await j.query("SELECT client_id FROM intents WHERE client_id NOT IN (SELECT client_id FROM orders)")).toEqual([]);
  expect(await j.query("SELECT client_id FROM orders WHERE status = 'FILLED' AND client_id NOT IN (SELECT client_id FROM fills)")).toEqual([]);
}

describe("Journal", () => {
  it("opens consistent after kill -9 of a writer, and a reopened session continues", { timeout: 120_000 }, async () => {
    const file = journalPath(dir, "crash");
    const first = await killWriter(file, "crash", 0, 30);
    let j = await Journal.open(file, info("crash"));
    expect(j.resumed).toBe(true);
    await expectConsistent(j);
    const orders = await j.count("orders");
    // everything reported done is there; at most the lifecycle in progress is partial
    expect(orders).toBeGreaterThanOrEqual(first + 1);
    expect(orders).toBeLessThanOrEqual(first + 2);
    expect(await j.count("fills")).toBeGreaterThanOrEqual(first + 1);
    expect((await j.lastDecisions(2)).map((d) => d.probs)).toEqual([[0.2, 0.3, 0.5], [0.2, 0.3, 0.5]]);
    await j.close();
    // the same session again, killed again: it continues the file
    const second = await killWriter(file, "crash", orders + 1, 20);
    j = await Journal.open(file, info("crash"));
    await expectConsistent(j);
    expect(await j.count("orders")).toBeGreaterThanOrEqual(second + 1 - (orders + 1) + orders);
    const [s] = await j.query<{ starts: number; session: string; started_ms: number }>("SELECT * FROM session");
    expect(s.starts).toBe(4); // two writers and two test opens
    expect(await j.count("starts")).toBe(4);
    expect(await j.positionQty()).toBeCloseTo((await j.count("fills")) * 0.01, 9);
    await j.close();
  });

  it("writes an intent that a kill kept out of DuckDB from the intent log when it opens, once", async () => {
    const file = journalPath(dir, "log");
    let j = await Journal.open(file, info("log"));
    await j.recordIntent({ clientId: "rlt-log000-1-o", kind: "order", symbol: "BTCUSDT", leg: "open", barOpenMs: 60_000, revision: 0, side: "BUY", type: "MARKET", qty: 0.01, triggerPrice: 0, reduceOnly: false }, "committed");
    await j.close();
    // a clean close leaves the log empty: every intent in it is committed
    expect(readFileSync(`${file}.intents`, "utf8")).toBe("");
    // as a kill -9 right after the append leaves it: the line written, its row never committed, and a
    // second line cut short (its send never happened: it follows the append's return)
    const log = new IntentLog(`${file}.intents`);
    log.append({ v: 1, row: ["rlt-log000-2-s", "algo", "BTCUSDT", "stop", 120_000, 0, "SELL", "STOP_MARKET", Number.NaN, 95.5, true, null, null, 7, 1, "stop for the position of 0.01", null, null], event: { tsMs: 7, clientId: "rlt-log000-2-s", detail: "stop; sending" } });
    log.close();
    appendFileSync(`${file}.intents`, '{"v":1,"row":["rlt-log000-3-o","ord');
    j = await Journal.open(file, info("log"));
    const orders = (await j.orders()).sort((a, b) => a.clientId.localeCompare(b.clientId));
    expect(orders.map((o) => [o.clientId, o.status, o.sends])).toEqual([["rlt-log000-1-o", "pending", 0], ["rlt-log000-2-s", "pending", 1]]);
    const recovered = orders[1];
    expect([recovered.kind, recovered.leg, recovered.barOpenMs, recovered.triggerPrice, recovered.reduceOnly, recovered.createdMs]).toEqual(["algo", "stop", 120_000, 95.5, true, 7]);
    expect(recovered.qty).toBeNaN();
    expect((await j.orderEvents("rlt-log000-2-s")).map((e) => e.detail)).toEqual(["stop; sending (recovered from the intent log)"]);
    expect(readFileSync(`${file}.intents`, "utf8")).toBe("");
    await j.close();
    j = await Journal.open(file, info("log"));
    expect(await j.count("orders")).toBe(2);
    await j.close();
  });

  it("refuses to open another session's journal", async () => {
    const file = journalPath(dir, "one");
    const j = await Journal.open(file, info("one"));
    await j.close();
    await expect(Journal.open(file, info("two"))).rejects.toThrow("is the journal of session one, not two");
  });

  it("keeps reads for the session, the UI and the report", async () => {
    const j = await Journal.open(":memory:", info("reads"));
    await j.recordIntent({ clientId: "rlt-aaaaaa-1-o", kind: "order", symbol: "BTCUSDT", leg: "open", barOpenMs: 60_000, revision: 0, side: "BUY", type: "MARKET", qty: 0.01, triggerPrice: 0, reduceOnly: false }, "r", { stopPrice: 90, takeProfitPrice: 120 });
    await j.recordFill({ tradeId: "1", orderId: "9", clientId: "rlt-aaaaaa-1-o", symbol: "BTCUSDT", side: "BUY", qty: 0.01, price: 100, commission: 0, commissionAsset: "USDT", realizedPnlUsdt: 0, maker: false, timeMs: 5, source: "stream" });
    expect(await j.recordFill({ tradeId: "1", orderId: "9", clientId: "rlt-aaaaaa-1-o", symbol: "BTCUSDT", side: "BUY", qty: 0.01, price: 100, commission: 0, commissionAsset: "USDT", realizedPnlUsdt: 0, maker: false, timeMs: 5, source: "rest" })).toBe(false);
    expect((await j.lastFills(5)).map((f) => [f.tradeId, f.source])).toEqual([["1", "stream"]]);
    expect(await j.intentProtection("rlt-aaaaaa-1-o")).toEqual({ stopPrice: 90, takeProfitPrice: 120 });
    expect((await j.liveOrders()).map((o) => o.clientId)).toEqual(["rlt-aaaaaa-1-o"]);
    expect(await j.positionQty()).toBe(0.01);
    await j.close();
  });

  it("journals each bar's account and each closed trade in every mode", async () => {
    const j = await Journal.open(":memory:", info("equity"));
    await j.recordEquity(60_000, { balanceUsdt: 1000, equityUsdt: 998.5, position: { side: -1, qty: 0.02, entryPrice: 100, marginUsdt: 0.4, liquidationPrice: 150, stopPrice: 104 } as never }, { realizedPnlUsdt: 0, feesUsdt: 0.004, fundingUsdt: 0, trades: 0 });
    await j.recordEquity(120_000, { balanceUsdt: 1001, equityUsdt: 1001, position: undefined }, { realizedPnlUsdt: 0.088, feesUsdt: 0.01, fundingUsdt: -0.002, trades: 1 });
    await j.recordTrade({ side: -1, entryTimeMs: 60_000, exitTimeMs: 150_000, entryPrice: 100, exitPrice: 95, qty: 0.02, feesUsdt: 0.01, fundingUsdt: -0.002, pnlUsdt: 0.088, holdingBars: 1, exitReason: "signal" });
    expect(await j.query("SELECT bar_open_ms, equity_usdt, position_side, position_qty, stop_price, tp_price, realized_pnl_usdt, trades FROM equity ORDER BY bar_open_ms")).toEqual([
      { bar_open_ms: 60_000, equity_usdt: 998.5, position_side: -1, position_qty: 0.02, stop_price: 104, tp_price: null, realized_pnl_usdt: 0, trades: 0 },
      { bar_open_ms: 120_000, equity_usdt: 1001, position_side: 0, position_qty: 0, stop_price: null, tp_price: null, realized_pnl_usdt: 0.088, trades: 1 },
    ]);
    expect(await j.query("SELECT side, pnl_usdt, funding_usdt, exit_reason FROM trades")).toEqual([{ side: -1, pnl_usdt: 0.088, funding_usdt: -0.002, exit_reason: "signal" }]);
    await j.close();
  });

  it("brings a version 1 journal up to this version, and refuses one written by a newer rlt", async () => {
    const file = journalPath(dir, "versions");
    const j = await Journal.open(file, info("versions"));
    await j.query("DROP TABLE equity");
    await j.query("ALTER TABLE bars DROP COLUMN spread_bps");
    await j.query("UPDATE meta SET value = '1' WHERE key = 'version'");
    await j.close();
    const again = await Journal.open(file, info("versions"));
    expect(await again.query("SELECT value FROM meta WHERE key = 'version'")).toEqual([{ value: String(JOURNAL_VERSION) }]);
    expect(await again.count("equity")).toBe(0);
    await again.recordBar({ openTimeMs: 60_000, open: 1, high: 1, low: 1, close: 1, volume: 1, features: [0.5], spreadBps: 2.5 });
    expect(await again.query("SELECT spread_bps FROM bars")).toEqual([{ spread_bps: 2.5 }]);
    await again.query(`UPDATE meta SET value = '${JOURNAL_VERSION + 1}' WHERE key = 'version'`);
    await again.close();
    await expect(Journal.open(file, info("versions"))).rejects.toThrow(`version ${JOURNAL_VERSION + 1}, written by a newer rlt`);
  });
});
