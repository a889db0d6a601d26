// Drift through the trading core: paper sessions on the local exchange replaying the sample's test range,
// once as it was and once with its volatility multiplied (every price after the range's start raised to
// the 20th power about the last close before it: the same candles, twenty times the log returns). The
// shifted session's return features leave their training distribution, raise the index past their
// threshold and alert; the session as it was does not. A feature's threshold is the configured one or,
// when higher, the largest index a window of the training range itself showed (minute returns cluster:
// a 240-bar window of ret_5m reaches about 2.8 within the training range).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { MonitorConfigSchema } from "../src/core/monitor-config.ts";
import { openDuck } from "../src/data/duck.ts";
import { importFile } from "../src/data/import/index.ts";
import { Store } from "../src/data/store.ts";
import { startExchange } from "../src/exchange/server.ts";
import { driftReference } from "../src/monitor/drift.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { journalPath } from "../src/trade/journal.ts";
import { runTrade } from "../src/live/run.ts";
import { SAMPLE_FUNDING, SAMPLE_KLINES, tempDir } from "./helpers/sample-store.ts";
import { trainTinyRun } from "./helpers/trade-run.ts";

const BARS = 300;
const WINDOW = 240;
const THRESHOLD = 0.25;
const RETURN_FEATURES = ["ret_5m", "ret_15m", "price_velocity"];

let runDir: string;
let dataDir: string;
let fromMs: number;

/** The sample with every price from `fromMs` on mapped p → a·(p/a)^k, a the last close before it. */
async function volatileDataDir(k: number): Promise<string> {
  const dir = tempDir("rlt-drift-data-");
  const lines = gunzipSync(readFileSync(SAMPLE_KLINES)).toString("utf8").trimEnd().split("\n");
  let anchor = Number.NaN;
  const out = lines.map((line, i) => {
    if (i === 0) return line;
    const c = line.split(",");
    if (Number(c[0]) < fromMs) {
      anchor = Number(c[4]);
      return line;
    }
    for (const j of [1, 2, 3, 4]) c[j] = (anchor * (Number(c[j]) / anchor) ** k).toFixed(2);
    return c.join(",");
  });
  const csv = path.join(dir, path.basename(SAMPLE_KLINES).replace(/\.gz$/, ""));
  writeFileSync(csv, `${out.join("\n")}\n`);
  const store = await Store.open(path.join(dir, "data"));
  try {
    await importFile(store, { file: csv });
    await importFile(store, { file: SAMPLE_FUNDING });
  } finally {
    store.close();
  }
  return path.join(dir, "data");
}

interface DriftResult {
  /** Per feature, the largest index the session measured. */
  maxPsi: Map<string, number>;
  rows: number;
  alerts: { kind: string; subject: string; message: string }[];
}

async function driftSession(name: string, data: string): Promise<DriftResult> {
  const ex = await startExchange({ dataDir: data, klineReplay: { fromMs, barsPerSecond: 400 } });
  try {
    const monitor = MonitorConfigSchema.parse({ drift: { window: WINDOW, threshold: THRESHOLD } });
    await runTrade({ runDir, model: "best", exchange: "local", endpoint: { rest: ex.restUrl, ws: ex.wsUrl, vision: ex.restUrl }, paper: true, mainnetFlag: false, allowMainnet: false, session: name, dataDir: data, onExit: "keep", maxBars: BARS, onEvent: () => {}, onInfo: () => {}, monitor });
  } finally {
    await ex.close();
  }
  const { instance, conn } = await openDuck(journalPath(runDir, name));
  try {
    const rows = (await conn.runAndReadAll("SELECT features, psi FROM drift ORDER BY bar_open_ms")).getRowObjectsJS() as { features: string[]; psi: (number | null)[] }[];
    const maxPsi = new Map<string, number>();
    for (const r of rows) r.features.forEach((f, i) => maxPsi.set(f, Math.max(maxPsi.get(f) ?? 0, r.psi[i] ?? 0)));
    const alerts = (await conn.runAndReadAll("SELECT kind, subject, message FROM alerts WHERE category = 'drift' ORDER BY ts_ms")).getRowObjectsJS() as DriftResult["alerts"];
    return { maxPsi, rows: rows.length, alerts };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  ({ dataDir, runDir } = await trainTinyRun("rlt-trade-drift-", "dr", { sim: { stopLossPct: 0.004 }, risk: { riskPerTrade: 0.01 } }));
  fromMs = readRun(runDir).info.splitMs.test.fromMs;
}, 240_000);

describe("feature drift of a trading session", () => {
  it("alerts on return features whose volatility grew twentyfold, and not on the same bars as they were", async () => {
    const calm = await driftSession("as-was", dataDir);
    const wild = await driftSession("volatile", await volatileDataDir(20));
    const reference = driftReference(readRun(runDir), "best", WINDOW);
    const threshold = (f: string) => Math.max(THRESHOLD, reference.features.find((r) => r.name === f)?.baselinePsi ?? 0);
    const show = (r: DriftResult) => RETURN_FEATURES.map((f) => `${f} ${r.maxPsi.get(f)?.toFixed(2)}`).join(", ");
    console.log(`drift over ${BARS} bars, window ${WINDOW}: thresholds ${RETURN_FEATURES.map((f) => `${f} ${threshold(f).toFixed(2)}`).join(", ")}; as it was ${show(calm)}; volatility ×20 ${show(wild)}; drift alerts ${calm.alerts.length} vs ${wild.alerts.length} (${wild.alerts.map((a) => a.subject).join(", ")})`);
    // a row per bar once the window is full
    expect(calm.rows).toBe(BARS - WINDOW + 1);
    expect(wild.rows).toBe(BARS - WINDOW + 1);
    for (const f of RETURN_FEATURES) {
      expect(calm.maxPsi.get(f)!, f).toBeLessThan(threshold(f));
      expect(wild.maxPsi.get(f)!, f).toBeGreaterThan(threshold(f));
    }
    expect(calm.alerts.filter((a) => a.kind === "feature-drift")).toEqual([]);
    const drifted = wild.alerts.filter((a) => a.kind === "feature-drift");
    for (const f of RETURN_FEATURES) expect(drifted.map((a) => a.subject), f).toContain(f);
    expect(drifted.find((a) => a.subject === "ret_5m")?.message).toMatch(/ret_5m/);
  }, 240_000);
});
