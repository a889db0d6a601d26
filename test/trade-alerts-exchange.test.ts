// Technical alerts of a session with real orders on the local exchange (its manual replay clock stepped
// bar by bar): the exchange clock is the replay's, far from the local one (clock offset); the exchange
// expires the listenKey (listenKey expiry); an order sent by someone else on the same account leaves the
// exchange's position apart from the journal's (a reconciliation difference); the market clock stops
// for a few seconds (stream silence). Each is journaled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MonitorConfigSchema } from "../src/core/monitor-config.ts";
import { openDuck } from "../src/data/duck.ts";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { journalPath } from "../src/trade/journal.ts";
import { runTrade } from "../src/live/run.ts";
import type { SessionEvent } from "../src/trade/session.ts";
import { BinanceVenue } from "../src/venue/binance.ts";
import { EXCHANGE_RISK, trainTinyRun, writeKeyFile } from "./helpers/trade-run.ts";

const KEY = { apiKey: "rltAlertTestKey0001", apiSecret: "rltAlertTestSecretABCDEFGH0123" };
const BARS = 24;
const EXPIRE_AT_BAR = 5;
const FOREIGN_ORDER_AT_BAR = 12;
/** Here the market clock stops for SILENCE_MS (the exchange sends nothing): longer than streamSilentSec. */
const SILENT_AT_BAR = 18;
const SILENCE_MS = 2500;

let runDir: string;
let dataDir: string;
let keyFile: string;
let ex: RunningExchange | undefined;

beforeAll(async () => {
  const t = await trainTinyRun("rlt-trade-alx-", "alx", EXCHANGE_RISK);
  ({ runDir, dataDir } = t);
  keyFile = writeKeyFile(t.work, KEY);
}, 240_000);

afterAll(async () => {
  await ex?.close();
});

describe("technical alerts of an exchange session", () => {
  it("clock offset, listenKey expiry, a reconciliation difference and stream silence, journaled with their levels", async () => {
    const fromMs = readRun(runDir).info.splitMs.test.fromMs;
    const exchange = await startExchange({ dataDir, replay: { fromMs, barsPerSecond: 1, manual: true }, trading: { keys: [KEY] } });
    ex = exchange;
    // someone else on the same account (another bot, a person in the web UI)
    const other = new BinanceVenue({ exchange: "local", restUrl: exchange.restUrl, wsUrl: exchange.wsUrl, ...KEY });
    await other.serverTimeMs();
    let bars = 0;
    let foreign: Promise<unknown> | undefined;
    const onEvent = (e: SessionEvent) => {
      if (e.type !== "equity") return;
      bars++;
      if (bars === EXPIRE_AT_BAR) exchange.expireListenKeys();
      if (bars === FOREIGN_ORDER_AT_BAR) foreign = other.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "MARKET", qty: 0.01, reduceOnly: false, clientId: "someone-else-1" });
      // the trader has acted on this bar (and the foreign order is in): let the market move on
      void Promise.resolve(foreign).then(() => setTimeout(() => exchange.step(1), bars === SILENT_AT_BAR ? SILENCE_MS : 20));
    };
    const monitor = MonitorConfigSchema.parse({ alerts: { clockOffsetMs: 1000, streamSilentSec: 1 }, suppressMinutes: 15 });
    const trading = runTrade({ runDir, model: "best", exchange: "local", endpoint: { rest: exchange.restUrl, ws: exchange.wsUrl, vision: exchange.restUrl }, paper: false, mainnetFlag: false, allowMainnet: false, session: "alerts-ex", dataDir, keyFile, onExit: "flatten", maxBars: BARS, onEvent, onInfo: () => {}, monitor });
    let failed = false;
    trading.catch(() => (failed = true));
    while (exchange.stats().wsConnections < 2 && !failed) await new Promise((r) => setTimeout(r, 20));
    exchange.step(1);
    await trading;
    await exchange.close();
    ex = undefined;

    const { instance, conn } = await openDuck(journalPath(runDir, "alerts-ex"));
    let alerts: Record<string, unknown>[];
    try {
      alerts = (await conn.runAndReadAll("SELECT * FROM alerts ORDER BY ts_ms")).getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    const byKind = (k: string) => alerts.filter((a) => a.kind === k);
    console.log(`exchange session alerts: ${alerts.map((a) => `${a.level} ${a.kind}: ${a.message}`).join(" | ")}`);
    const clock = byKind("clock-offset");
    expect(clock.length).toBe(1);
    expect(clock[0]).toMatchObject({ level: "warning", category: "technical" });
    // the replay's clock is years behind this machine's
    expect(clock[0].message).toMatch(/^the exchange clock is \d+ ms behind the local one \(more than 1000 ms\)/);
    expect(byKind("listen-key-expired")).toMatchObject([{ level: "warning", category: "technical" }]);
    const diff = byKind("reconcile-difference");
    expect(diff.length).toBeGreaterThan(0);
    expect(diff[0]).toMatchObject({ level: "critical", category: "technical" });
    // the foreign 0.01 BTC buy is what sets the two apart
    const [, venueQty, journalQty] = /the exchange holds (-?[\d.]+), the journal (-?[\d.]+)/.exec(diff[0].message as string) ?? [];
    expect(Number(venueQty) - Number(journalQty)).toBeCloseTo(0.01, 9);
    // the stopped market: /market silent (the user stream, quiet by nature, is not watched)
    const silent = byKind("stream-silent");
    expect(silent.map((a) => a.subject)).toEqual(["/market"]);
    expect(silent[0]).toMatchObject({ level: "warning", category: "technical" });
    expect(silent[0].message).toMatch(/^no \/market stream event for \d+ s \(connected; more than 1 s\)$/);
  }, 180_000);
});
