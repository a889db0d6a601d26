// Alerts through the trading core: real `runTrade` paper sessions on the local exchange replaying the
// bundled sample, with a webhook receiver on 127.0.0.1 per payload format (Slack, Discord, Telegram's
// sendMessage, rlt's JSON), the alerts in the journal's alerts table, a reconnect storm from the
// exchange's injected WebSocket drops, and webhooks that fail (refused, 500, hanging past timeoutMs)
// leaving the session's decisions and trades those of a session without a webhook.
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { MonitorConfigSchema } from "../src/core/monitor-config.ts";
import { openDuck } from "../src/data/duck.ts";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { readRun } from "../src/rl/run-dir.ts";
import type { Trade } from "../src/sim/account.ts";
import { journalPath } from "../src/trade/journal.ts";
import { runTrade } from "../src/live/run.ts";
import type { Decision, SessionEvent } from "../src/trade/session.ts";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { stringify as toYaml } from "yaml";
import { rlt, spawnRlt } from "./helpers/cli.ts";
import { trainTinyRun } from "./helpers/trade-run.ts";

const BARS = 120;
/** Thresholds low enough that a barely trained agent on a day of minute bars trips the risk alerts. */
const ALERTS = { drawdown: 0.002, losingStreak: 2, reconnects: 2, marginRatio: 0.4 };

let work: string;
let runDir: string;
let dataDir: string;
let fromMs: number;

interface Receiver {
  url: string;
  bodies: unknown[];
  close(): Promise<void>;
}

/** A webhook receiver that answers 200, 500, or never. */
async function receiver(mode: "ok" | "500" | "hang"): Promise<Receiver> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      bodies.push({ path: req.url, contentType: req.headers["content-type"], body: JSON.parse(body) });
      if (mode === "hang") return; // never answers: the sender's timeout must end it
      res.writeHead(mode === "ok" ? 200 : 500, { "content-type": "application/json" }).end(mode === "ok" ? '{"ok":true}' : '{"error":"boom"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on (bound, then released). */
async function refusedUrl(): Promise<string> {
  const r = await receiver("ok");
  await r.close();
  return r.url;
}

interface SessionResult {
  decisions: Decision[];
  trades: Trade[];
  alerts: Record<string, unknown>[];
  elapsedMs: number;
}

/** A paper session of BARS bars on a fresh local exchange; `during` sees each event with the exchange (to inject faults). */
async function journalAlerts(name: string): Promise<Record<string, unknown>[]> {
  const { instance, conn } = await openDuck(journalPath(runDir, name));
  try {
    return (await conn.runAndReadAll("SELECT * FROM alerts ORDER BY ts_ms")).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

async function session(name: string, webhook?: object, during?: (e: SessionEvent, ex: RunningExchange) => void, alerts: object = ALERTS): Promise<SessionResult> {
  const ex = await startExchange({ dataDir, klineReplay: { fromMs, barsPerSecond: 400 } });
  const decisions: Decision[] = [];
  const trades: Trade[] = [];
  const onEvent = (e: SessionEvent) => {
    if (e.type === "decision") decisions.push(e.decision);
    else if (e.type === "trade") trades.push(e.trade);
    during?.(e, ex);
  };
  const monitor = MonitorConfigSchema.parse({ alerts, webhook, suppressMinutes: 15 });
  const t0 = performance.now();
  try {
    await runTrade({ runDir, model: "best", exchange: "local", endpoint: { rest: ex.restUrl, ws: ex.wsUrl, vision: ex.restUrl }, paper: true, mainnetFlag: false, allowMainnet: false, session: name, dataDir, onExit: "keep", maxBars: BARS, onEvent, onInfo: () => {}, monitor });
  } finally {
    await ex.close();
  }
  const elapsedMs = performance.now() - t0;
  return { decisions, trades, alerts: await journalAlerts(name), elapsedMs };
}

let baseline: SessionResult;

beforeAll(async () => {
  ({ work, dataDir, runDir } = await trainTinyRun("rlt-trade-alerts-", "al", { sim: { stopLossPct: 0.004 }, risk: { riskPerTrade: 0.01, dailyLossLimit: 0.003 } }));
  fromMs = readRun(runDir).info.splitMs.test.fromMs;
  baseline = await session("baseline");
}, 240_000);

const kinds = (r: SessionResult) => [...new Set(r.alerts.map((a) => a.kind as string))].sort();

describe("alerts of a paper session on the local exchange", () => {
  it("journals every alert shown, with its level, category and what became of its send", () => {
    console.log(`baseline session: ${BARS} bars in ${Math.round(baseline.elapsedMs)} ms, ${baseline.trades.length} trades; alerts ${kinds(baseline).join(", ")}`);
    expect(baseline.decisions.length).toBe(BARS);
    // the risk and performance kinds a losing agent under a 0.3 % daily loss limit trips through the core
    expect(kinds(baseline)).toEqual(expect.arrayContaining(["drawdown", "losing-streak", "margin-ratio", "performance-band-off", "trading-halted"]));
    for (const a of baseline.alerts) {
      expect(a.sent).toBe("no webhook");
      expect(["info", "warning", "critical"]).toContain(a.level);
      expect(["risk", "performance", "technical", "drift"]).toContain(a.category);
      expect(typeof a.message).toBe("string");
    }
    const off = baseline.alerts.find((a) => a.kind === "performance-band-off")!;
    expect(off).toMatchObject({ level: "info", category: "performance" });
    expect(off.message).toMatch(/no evaluation on the test range .* run rlt eval/);
  });

  for (const format of ["slack", "discord", "telegram", "json"] as const) {
    it(`sends each alert at or above minLevel to a ${format} webhook in ${format}'s shape`, async () => {
      const r = await receiver("ok");
      let result: SessionResult;
      try {
        result = await session(`hook-${format}`, { url: r.url, format, minLevel: "info", timeoutMs: 2000, ...(format === "telegram" ? { chatId: -1001234 } : {}) });
      } finally {
        await r.close();
      }
      expect(r.bodies.length).toBe(result.alerts.length);
      expect(result.alerts.every((a) => a.sent === "sent (200)")).toBe(true);
      for (const got of r.bodies as { path: string; contentType: string; body: Record<string, unknown> }[]) {
        expect(got.path).toBe("/hook");
        expect(got.contentType).toBe("application/json");
        const b = got.body;
        if (format === "slack") expect(Object.keys(b)).toEqual(["text"]);
        if (format === "discord") expect(Object.keys(b)).toEqual(["content"]);
        if (format === "telegram") expect(Object.keys(b).sort()).toEqual(["chat_id", "text"]);
        if (format === "telegram") expect(b.chat_id).toBe(-1001234);
        const text = (b.text ?? b.content) as string | undefined;
        if (format === "json") expect(b).toMatchObject({ session: `hook-${format}`, symbol: "BTCUSDT", level: expect.any(String), category: expect.any(String), kind: expect.any(String), message: expect.any(String), atMs: expect.any(Number) });
        else expect(text).toMatch(new RegExp(`^\\[(INFO|WARNING|CRITICAL)\\] BTCUSDT hook-${format}: `));
      }
      expect(result.trades).toEqual(baseline.trades);
    }, 120_000);
  }

  it("a webhook that refuses, answers 500 or hangs past timeoutMs leaves the decisions and trades untouched", async () => {
    const failing = await receiver("500");
    const hanging = await receiver("hang");
    try {
      const cases = [
        { name: "refused", url: await refusedUrl(), sent: /^failed: fetch failed \(ECONNREFUSED\)/ },
        { name: "http500", url: failing.url, sent: /^failed: HTTP 500$/ },
        { name: "hanging", url: hanging.url, sent: /^failed: no answer within 300 ms$/ },
      ];
      for (const c of cases) {
        const r = await session(`fail-${c.name}`, { url: c.url, format: "json", minLevel: "info", timeoutMs: 300 });
        const failed = r.alerts.filter((a) => a.kind !== "webhook-failed");
        console.log(`webhook ${c.name}: ${failed.length} alerts, sends ${[...new Set(failed.map((a) => a.sent))].join(" | ")}; ${Math.round(r.elapsedMs)} ms (baseline ${Math.round(baseline.elapsedMs)} ms)`);
        expect(r.decisions.map((d) => [d.barOpenTimeMs, d.action, d.target])).toEqual(baseline.decisions.map((d) => [d.barOpenTimeMs, d.action, d.target]));
        expect(r.trades).toEqual(baseline.trades);
        expect(failed.length).toBeGreaterThan(0);
        for (const a of failed) expect(a.sent).toMatch(c.sent);
        // said once per outage, and never sent to the webhook that failed
        expect(r.alerts.filter((a) => a.kind === "webhook-failed").map((a) => a.sent)).toEqual(["not sent (about the webhook)"]);
      }
      expect(hanging.bodies.length).toBeGreaterThan(0);
    } finally {
      await failing.close();
      await hanging.close();
    }
  }, 180_000);

  it("rlt trade --paper prints each alert as a headless line and sends those at the config's minLevel", async () => {
    const r = await receiver("ok");
    const ex = await startExchange({ dataDir, klineReplay: { fromMs, barsPerSecond: 400 } });
    const cfg = path.join(work, "alerts.yaml");
    writeFileSync(cfg, toYaml({ monitor: { alerts: ALERTS, webhook: { url: r.url, format: "discord", minLevel: "critical" } } }));
    try {
      const res = await spawnRlt(["trade", "--run", runDir, "--paper", "--exchange", "local", "--rest-url", ex.restUrl, "--ws-url", ex.wsUrl, "--data-dir", dataDir, "--bars", String(BARS), "--session", "cli-alerts"], { RLT_CONFIG: cfg }).done;
      expect(res.code, res.stderr).toBe(0);
      const lines = res.stdout.split("\n").filter((l) => l.includes(" ALERT "));
      for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d ALERT (info|warning|critical) (risk|performance|technical|drift) [a-z-]+( \S+)?: /);
      const journaled = await journalAlerts("cli-alerts");
      expect(lines.length).toBe(journaled.length);
      expect(res.stdout).not.toMatch(/\x1b\[/);
      const critical = journaled.filter((a) => a.level === "critical");
      expect(critical.length).toBeGreaterThan(0);
      expect((r.bodies as { body: { content: string } }[]).map((b) => b.body.content)).toEqual(critical.map((a) => `[CRITICAL] BTCUSDT cli-alerts: ${a.message}${a.suppressed ? ` (${a.suppressed} repeat${a.suppressed === 1 ? "" : "s"} suppressed)` : ""}`));
      // a webhook that is not http(s) is refused before anything is traded
      writeFileSync(cfg, toYaml({ monitor: { webhook: { url: "ftp://example.com/hook" } } }));
      const bad = rlt(["trade", "--run", runDir, "--paper", "--exchange", "local", "--rest-url", ex.restUrl, "--bars", "1", "--session", "bad-hook"], { RLT_CONFIG: cfg });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/monitor\.webhook\.url: "ftp:\/\/example\.com\/hook" is not an http\(s\) URL/);
    } finally {
      await ex.close();
      await r.close();
    }
  }, 120_000);

  it("WebSocket drops injected by the exchange raise a reconnect storm, journaled and sent", async () => {
    const r = await receiver("ok");
    let result: SessionResult;
    try {
      // from the 20th bar, for 1.5 s, every WebSocket dies after its first message (the client reconnects after 0.1, 0.25, 0.5 … s)
      result = await session("ws-drops", { url: r.url, format: "json", minLevel: "warning", timeoutMs: 2000 }, (e, ex) => {
        if (e.type !== "bar" || e.index !== 20) return;
        ex.faults.dropWsAfterMessages = 1;
        setTimeout(() => (ex.faults.dropWsAfterMessages = 0), 1500);
      });
    } finally {
      await r.close();
    }
    const storm = result.alerts.find((a) => a.kind === "reconnect-storm");
    expect(storm, `alerts: ${kinds(result).join(", ")}`).toBeDefined();
    expect(storm).toMatchObject({ level: "warning", category: "technical", subject: "/market", sent: "sent (200)" });
    expect(storm!.message).toMatch(/\/market stream reconnected \d+ times within 600 s/);
    const sent = (r.bodies as { body: Record<string, unknown> }[]).map((b) => b.body);
    expect(sent.some((b) => b.kind === "reconnect-storm" && b.subject === "/market")).toBe(true);
    // below minLevel: journaled, not sent
    expect(result.alerts.filter((a) => a.level === "info").every((a) => a.sent === "below minLevel warning")).toBe(true);
  }, 120_000);
});

describe("the performance band through the trading core", () => {
  it("reads the run's test-range evaluation and alerts when the live return leaves the band (here a 45–55 % band)", async () => {
    // last in the file: the evaluation turns the band on for every later session of this run
    const evaluated = rlt(["eval", "--run", runDir, "--random-repeats", "2", "--bootstrap", "20"], { RLT_CONFIG: "" });
    expect(evaluated.status, evaluated.stderr).toBe(0);
    const r = await session("band", undefined, undefined, { ...ALERTS, performanceTail: 0.45, performanceMinBars: 10 });
    expect(kinds(r)).not.toContain("performance-band-off");
    const band = r.alerts.filter((a) => a.kind === "performance-band");
    console.log(`performance band: ${band.map((a) => `${a.level} ${a.subject}: ${a.message}`).join(" | ")}`);
    expect(band.length).toBeGreaterThan(0);
    expect(band[0].message).toMatch(/^the session's return -?\d+\.\d\d % is (below|above) what the backtest makes likely: the backtest's 45 %–55 % band over \d+ bars is -?\d+\.\d\d % … -?\d+\.\d\d %$/);
    expect(band[0].level).toBe(band[0].subject === "below" ? "warning" : "info");
    expect(r.trades).toEqual(baseline.trades);
  }, 120_000);
});
