// The crash test of `rlt trade` with real orders on the local exchange: the trader is SIGKILLed at each
// of ten points of its order path (src/core/kill-point.ts, RLT_TEST_KILL_AT), then the same --session
// is started again without the kill; the last start trades a few bars and flattens on exit. Checked:
// every restart continues the session and its reconciliation passes (after it nothing is orphaned, and
// a position has both its stop-loss and its take-profit on the exchange); the last start exits 0; no
// client order id reached the exchange twice and no (bar, leg) filled twice; at the end nothing is open
// (no order, no algo order, no position) and the journal's position equals the exchange's.
// Short form (npm test): one session killed at the ten points in turn. Long form, each point alone on a
// fresh exchange at 3 passages or bars: RLT_CRASH_REPEAT=3 npx vitest run test/trade-crash.test.ts
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KILL_AT_ENV, KILL_POINTS, type KillPoint } from "../src/core/kill-point.ts";
import { startExchange } from "../src/exchange/server.ts";
import { sign } from "../src/exchange/trading/signing.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { Journal, journalPath } from "../src/trade/journal.ts";
import { parseClientOrderId } from "../src/trade/order-ids.ts";
import { spawnRlt } from "./helpers/cli.ts";
import { rlt } from "./helpers/cli.ts";
import { EXCHANGE_RISK, trainTinyRun, writeKeyFile } from "./helpers/trade-run.ts";

const KEY = { apiKey: "rltCrashTestKey0001", apiSecret: "rltCrashTestSecretABCDEFGH0123" };
const SYMBOL = "BTCUSDT";
const REPEAT = Number(process.env.RLT_CRASH_REPEAT ?? 1);
/** Bars the killed trader may run before its point is reached (it trades every ~20 bars). */
const KILLED_BARS = 150;
/** Bars the restarted trader runs before it flattens and stops. */
const RESTART_BARS = 6;

/**
 * How each point is reached: killed at its `nth` passage; `expireEveryBars` expires the listen key each
 * time the trader has decided on that many more bars (a user-stream gap, then a reconnect);
 * `interruptWhenHoldingAfter` sends Ctrl-C at the first bar past that many that ends with a position,
 * so the exit flattens it; `bars` is the --bars of the killed start (the shutdown comes after them).
 */
interface Scenario {
  point: KillPoint;
  nth: number;
  expireEveryBars?: number;
  interruptWhenHoldingAfter?: number;
  bars?: number;
}
/** The short form: one session through all ten points; the restart after each kill is killed at the next. */
const CHAIN: Scenario[] = [
  { point: "decision-before-journal", nth: 3 },
  { point: "intent-before-send", nth: 1 },
  { point: "send-before-ack", nth: 1 },
  { point: "ack-before-fill", nth: 1 },
  { point: "fill-before-stop", nth: 1 },
  { point: "tp-move", nth: 1 },
  { point: "reconnect", nth: 1, expireEveryBars: 3 },
  // the start's reconciliation, repairing what the kill at the reconnect left
  { point: "reconcile", nth: 1 },
  { point: "flatten", nth: 1, interruptWhenHoldingAfter: 1 },
  { point: "shutdown", nth: 1, bars: RESTART_BARS },
];
/** The long form's k-th run of each point (k from 0): a later passage, or a later bar. */
function scenario(point: KillPoint, k: number): Scenario {
  switch (point) {
    case "decision-before-journal":
      return { point, nth: 3 + 7 * k };
    case "reconnect":
      return { point, nth: k + 1, expireEveryBars: 5 };
    case "reconcile":
      // the first reconciliation is the start's; the next ones follow the gaps
      return { point, nth: k + 2, expireEveryBars: 5 };
    case "flatten":
      return { point, nth: 1, interruptWhenHoldingAfter: 1 + 25 * k };
    case "shutdown":
      return { point, nth: 1, bars: RESTART_BARS + 10 * k };
    default:
      return { point, nth: k + 1 };
  }
}
const SCENARIOS = KILL_POINTS.flatMap((p) => Array.from({ length: REPEAT }, (_, k) => ({ name: `${p}-${k + 1}`, s: scenario(p, k) })));

let work: string;
let runDir: string;
let dataDir: string;
let keyFile: string;
let testFromMs: number;
let ex: RunningExchange | undefined;

beforeAll(async () => {
  // each entry with a stop-loss and a take-profit on the exchange (moved to the fill's levels right after it)
  ({ work, dataDir, runDir } = await trainTinyRun("rlt-trade-crash-", "crash", EXCHANGE_RISK));
  testFromMs = readRun(runDir).info.splitMs.test.fromMs;
  keyFile = writeKeyFile(work, KEY);
}, 240_000);

afterAll(async () => {
  await ex?.close();
});

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lines: Record<string, unknown>[];
}

/**
 * One `rlt trade` child against the exchange, its clock stepped one bar each time the child has acted
 * on the last one (its "equity" line), the first step once both its streams are connected.
 */
async function trade(exchange: RunningExchange, session: string, bars: number, env: NodeJS.ProcessEnv, s?: Scenario): Promise<ChildRun> {
  const wsBefore = exchange.stats().wsConnections;
  const c = spawnRlt(["trade", "--run", runDir, "--exchange", "local", "--rest-url", exchange.restUrl, "--ws-url", exchange.wsUrl, "--data-dir", dataDir, "--session", session, "--key-file", keyFile, "--bars", String(bars), "--on-exit", "flatten", "--json"], env);
  const lines: Record<string, unknown>[] = [];
  let signal: NodeJS.Signals | null = null;
  c.child.on("exit", (_code, sig) => (signal = sig));
  let exited = false;
  c.done.then(() => (exited = true));
  let partial = "";
  let decided = 0;
  let interrupted = false;
  c.child.stdout!.on("data", (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split("\n");
    partial = parts.pop()!;
    for (const text of parts) {
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(text);
      } catch {
        continue;
      }
      lines.push(e);
      if (e.type !== "equity") continue;
      decided++;
      const holding = Boolean((e.account as { position?: unknown }).position);
      if (s?.interruptWhenHoldingAfter !== undefined && holding && decided > s.interruptWhenHoldingAfter && !interrupted) {
        interrupted = true;
        c.child.kill("SIGINT"); // Ctrl-C: the exit flattens the position
        continue;
      }
      if (s?.expireEveryBars && decided % s.expireEveryBars === 0) {
        exchange.expireListenKeys();
        // the listenKeyExpired event and the reconnect come before the next bar closes
        setTimeout(() => !exited && exchange.step(1), 400);
        continue;
      }
      setImmediate(() => !exited && exchange.step(1));
    }
  });
  while (exchange.stats().wsConnections < wsBefore + 2 && !exited) await new Promise((r) => setTimeout(r, 20));
  if (!exited) exchange.step(1);
  const r = await c.done;
  return { ...r, signal, lines };
}

/** A signed GET of the local exchange with the test key (what the venue layer does not expose: history). */
async function signedGet<T>(exchange: RunningExchange, route: string, params: Record<string, string>): Promise<T> {
  const query = new URLSearchParams({ ...params, timestamp: String(exchange.nowMs()), recvWindow: "60000" }).toString();
  const res = await fetch(`${exchange.restUrl}${route}?${query}&signature=${sign(query, KEY.apiSecret)}`, { headers: { "X-MBX-APIKEY": KEY.apiKey } });
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface ExOrder {
  orderId: number;
  clientOrderId: string;
  status: string;
  executedQty: string;
}
interface ExAlgo {
  clientAlgoId: string;
  algoStatus: string;
}

interface Link {
  point: KillPoint;
  sentOnExchange: number;
  reconciled: string;
}

/**
 * One session on a fresh exchange: killed at each scenario's point in turn (each start after a kill is
 * the restart of the one before), then a last start without the kill that trades RESTART_BARS bars and
 * flattens. Checked after every restart's reconciliation and at the end.
 */
async function crashChain(name: string, scenarios: Scenario[]): Promise<void> {
  const exchange = await startExchange({ dataDir, replay: { fromMs: testFromMs, barsPerSecond: 1, manual: true }, trading: { keys: [KEY] } });
  ex = exchange;
  const session = `crash-${name}`;
  const links: Link[] = [];
  let sentBefore = 0;
  try {
    for (const [i, s] of [...scenarios, undefined].entries()) {
      const last = s === undefined;
      const bars = last ? RESTART_BARS : (s.bars ?? KILLED_BARS);
      const r = await trade(exchange, session, bars, { [KILL_AT_ENV]: last ? undefined : `${s.point}:${s.nth}` }, s);
      const infos = r.lines.filter((e) => e.type === "info").map((e) => String(e.message));
      const reconciled = infos.find((m) => m.startsWith("reconciled (start)"));
      // a restart continues the session; its reconciliation passes (unless this start is killed in it)
      if (i > 0) expect(infos.some((m) => m.startsWith(`continuing session ${session}`)), r.stderr).toBe(true);
      const killedInStartReconcile = s?.point === "reconcile" && s.nth === 1;
      if (!killedInStartReconcile) expect(reconciled, `${r.stderr}\n${infos.join("\n")}`).toBeDefined();
      if (i > 0) links[i - 1].reconciled = reconciled ?? "was killed in its own reconciliation";
      if (reconciled) {
        // after the reconciliation nothing is orphaned and a position is guarded by its stop and take-profit
        const [, qty, open, algos] = /position (\S+), (\d+) open orders, (\d+) algo orders/.exec(reconciled)!;
        const after = `the start after ${i > 0 ? `the kill at ${scenarios[i - 1].point}` : "none"}: ${reconciled}`;
        expect(Number(open), after).toBe(0);
        expect(Number(algos), after).toBe(Number(qty) === 0 ? 0 : 2);
      }
      const sent = (await signedGet<ExOrder[]>(exchange, "/fapi/v1/allOrders", { symbol: SYMBOL, limit: "1000" })).length + (await signedGet<ExAlgo[]>(exchange, "/fapi/v1/allAlgoOrders", { symbol: SYMBOL, limit: "1000" })).length;
      if (last) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.lines.filter((e) => e.type === "decision").length).toBe(RESTART_BARS);
      } else {
        expect(r.stderr, `the trader was to die at ${s.point}:${s.nth}`).toContain(`killed at ${s.point} (passage ${s.nth})`);
        expect(r.signal).toBe("SIGKILL");
        links.push({ point: s.point, sentOnExchange: sent - sentBefore, reconciled: "" });
      }
      sentBefore = sent;
      await expectNoDuplicates(exchange);
      expect(r.lines.filter((e) => e.type === "warning" && /^position differs/.test(String(e.message)))).toEqual([]);
    }
    // the end: flat, nothing live on the exchange, the journal's position the exchange's
    const openAlgos = await signedGet<ExAlgo[]>(exchange, "/fapi/v1/openAlgoOrders", { symbol: SYMBOL });
    const openOrders = await signedGet<ExOrder[]>(exchange, "/fapi/v1/openOrders", { symbol: SYMBOL });
    const risk = await signedGet<{ positionAmt: string }[]>(exchange, "/fapi/v2/positionRisk", { symbol: SYMBOL });
    const exchangeQty = Number(risk[0]?.positionAmt ?? 0);
    const journal = await Journal.open(journalPath(runDir, session), { session, run: runDir, model: "best", exchange: "local", mode: "exchange", symbol: SYMBOL, config: {} });
    let journalQty: number;
    try {
      journalQty = await journal.positionQty();
    } finally {
      await journal.close();
    }
    for (const l of links) console.log(`${name} ${l.point}: ${l.sentOnExchange} orders sent before the kill; duplicates 0, orphans 0; the restart ${l.reconciled}`);
    console.log(`${name} end: ${sentBefore} orders and algo orders on the exchange, ${openOrders.length + openAlgos.length} left open, position exchange ${exchangeQty}, journal ${journalQty}`);
    expect(openAlgos).toEqual([]);
    expect(openOrders).toEqual([]);
    expect(exchangeQty).toBe(0);
    expect(journalQty).toBe(exchangeQty);
  } finally {
    await exchange.close();
    ex = undefined;
  }
}

/** The exchange's records: each client id one exchange order (and one algo order), each (bar, leg) filled once at most. */
async function expectNoDuplicates(exchange: RunningExchange): Promise<void> {
  const orders = await signedGet<ExOrder[]>(exchange, "/fapi/v1/allOrders", { symbol: SYMBOL, limit: "1000" });
  const algos = await signedGet<ExAlgo[]>(exchange, "/fapi/v1/allAlgoOrders", { symbol: SYMBOL, limit: "1000" });
  expect(orders.length).toBeLessThan(1000); // else a page was cut
  const twice = (keys: string[]) => [...countBy(keys)].filter(([, n]) => n > 1).map(([k]) => k);
  expect(twice(orders.map((o) => o.clientOrderId))).toEqual([]);
  expect(twice(algos.map((a) => a.clientAlgoId))).toEqual([]);
  const filledLegs = orders.filter((o) => Number(o.executedQty) > 0).map((o) => {
    const p = parseClientOrderId(o.clientOrderId);
    return p ? `${p.barOpenTimeMs}/${p.leg}` : o.clientOrderId;
  });
  expect(twice(filledLegs)).toEqual([]);
}

describe("rlt trade killed at each point and restarted", () => {
  it("one session killed at each of the ten points in turn: every restart resumes and reconciles, no order twice, nothing left behind", async () => {
    await crashChain("all", CHAIN);
  }, 300_000);

  // the long form: each point alone on a fresh exchange, at its 1st..RLT_CRASH_REPEAT-th passage
  if (REPEAT > 1) {
    // each its own session: a session's client ids are its own, on one exchange
    it.each(SCENARIOS.map(({ name, s }) => [name, s] as const))("%s alone: the restart resumes, reconciles, never duplicates an order, leaves nothing behind", async (name, s) => {
      await crashChain(name, [s]);
    }, 120_000);
  }
});

function countBy(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}
