// `rlt eval` and `rlt report` on the bundled real sample's test range: the metrics table with every
// baseline, the artifacts, the refusals, and the report page in headless Chromium.
import { cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { openDuck, queryFloat64Columns } from "../src/data/duck.ts";
import { type OpenedPage, chromiumTool, openInChromium } from "./helpers/browser.ts";
import { rlt } from "./helpers/cli.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";

let work: string;
let run: string;
let opened: OpenedPage | undefined;
let dataDir: string;

beforeAll(async () => {
  dataDir = await sampleDataDir();
  work = tempDir("rlt-eval-");
  const features = path.join(work, "features");
  expect(rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", features]).status).toBe(0);
  const cfg = path.join(work, "ppo.yaml");
  writeFileSync(cfg, toYaml({ name: "ev", features, dataDir, seed: 2, ppo: { numEnvs: 2, numSteps: 256, updateEpochs: 2 }, training: { maxUpdates: 2, evalEvery: 1, earlyStopPatience: 0 } }));
  const trained = rlt(["train", "--config", cfg, "--runs-dir", path.join(work, "runs"), "-q"]);
  expect(trained.status, trained.stderr).toBe(0);
  run = path.join(work, "runs", "ev");
});

afterAll(async () => {
  await opened?.browser.close();
});

describe("rlt eval on the sample's test range", () => {
  it("prints the agent and every baseline side by side and writes the artifacts", async () => {
    const res = rlt(["eval", "--run", run, "--random-repeats", "20", "--bootstrap", "200"]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/BTCUSDT test: 2023-08-14T23:11 → 2023-08-17T11:12 UTC, 3,601 bars, best model/);
    for (const name of ["agent", "buy & hold", "flat", "momentum 60", "random \\(median\\)"]) expect(res.stdout).toMatch(new RegExp(`^${name}\\s+-?\\d`, "m"));
    expect(res.stdout).toMatch(/random policy over 20 seeds: return/);
    expect(res.stdout).toMatch(/block bootstrap \(200 resamples of 60-bar blocks\): Sharpe -?[\d.]+ \[95 %: -?[\d.]+, -?[\d.]+\].*P\(beats buy & hold\)/);
    expect(res.stdout).toMatch(/^What the agent does:\n {2}actions: buy [\d.]+ %, sell [\d.]+ %, hold [\d.]+ % of 3,600 decisions/m);
    expect(res.stdout).toMatch(/^ {2}agent\s+[\d.]+ %\s+[\d.]+ %\s+[\d.]+ %\s+[\d.]+\s+/m);
    expect(res.stdout).toMatch(/^agent: the return is (not distinguishable from zero|positive beyond noise|negative beyond noise) \(95 % interval /m);

    const out = path.join(run, "eval", "test");
    const result = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8"));
    expect(result.strategies.map((s: { name: string }) => s.name)).toEqual(["agent", "buy & hold", "flat", "momentum 60", "random (median)"]);
    expect(result.range.bars).toBe(3601);
    expect(result.overlap).toEqual({ train: false, validation: false });
    const [, bh, none] = result.strategies;
    expect(none.metrics).toMatchObject({ totalReturn: 0, trades: 0, feesUsdt: 0, exposure: 0 });
    // buy & hold: one long from the second bar's open to the last close, two taker fees of 0.05 %
    expect(bh.metrics.trades).toBe(1);
    expect(bh.metrics.exposure).toBeCloseTo(3600 / 3600, 9);
    expect(bh.metrics.feesUsdt).toBeCloseTo(bh.metrics.turnoverUsdt * 0.0005, 6);
    // the random policy trades nearly every bar and pays for it
    expect(result.random.totalReturn.p95).toBeLessThan(-0.5);
    expect(result.bootstrap.sharpe.low).toBeLessThanOrEqual(result.bootstrap.sharpe.estimate);
    expect(result.bootstrap.sharpe.high).toBeGreaterThanOrEqual(result.bootstrap.sharpe.estimate);

    const { instance, conn } = await openDuck();
    try {
      const eq = await queryFloat64Columns(conn, `SELECT * FROM read_parquet('${path.join(out, "equity.parquet")}') ORDER BY open_time`);
      expect(eq.open_time.length).toBe(3601);
      expect(eq.equity_flat.every((x) => x === 10_000)).toBe(true);
      expect(eq.equity_agent[3600] / eq.equity_agent[0] - 1).toBeCloseTo(result.strategies[0].metrics.totalReturn, 12);
      const tr = await queryFloat64Columns(conn, `SELECT count(*) AS n FROM read_parquet('${path.join(out, "trades.parquet")}')`);
      expect(tr.n[0]).toBe(result.strategies[0].metrics.trades);
      // what the agent does: its shares are those of the position column's bars 1..3600
      const b = result.behaviour;
      const lived = Array.from(eq.position).slice(1);
      expect(b.positions.bars).toBe(3600);
      expect(b.positions.long + b.positions.short + b.positions.flat).toBeCloseTo(1, 12);
      expect(b.positions.long).toBe(lived.filter((x) => x > 0).length / 3600);
      expect(b.positions.short).toBe(lived.filter((x) => x < 0).length / 3600);
      expect(b.positions.flat).toBe(lived.filter((x) => x === 0).length / 3600);
      expect(1 - b.positions.flat).toBeCloseTo(result.strategies[0].metrics.exposure, 12);
      expect(b.tradesPerDay).toBeCloseTo(result.strategies[0].metrics.trades / 2.5, 12);
      expect(b.actions).toEqual(result.actionShares);
      expect(b.verdict.degenerate).toBe(b.verdict.reasons.length > 0);
      expect(result.strategies[1].behaviour.positions).toEqual({ long: 1, short: 0, flat: 0, bars: 3600 });
      const { low, high } = result.bootstrap.totalReturn;
      expect(result.verdict.returnVsZero).toBe(low > 0 ? "positive" : high < 0 ? "negative" : "indistinguishable");
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    expect(readFileSync(path.join(out, "trades.csv"), "utf8").split("\n")[0]).toBe("entry_time,exit_time,side,entry_price,exit_price,qty,fees_usdt,funding_usdt,pnl_usdt,holding_bars,exit_reason");

    const json = rlt(["eval", "--run", run, "--random-repeats", "5", "--bootstrap", "50", "--json"]);
    expect(JSON.parse(json.stdout).strategies).toHaveLength(5);
  });

  it("refuses a range that overlaps training unless --allow-overlap, and then says so in the report's first screen", async () => {
    const refused = rlt(["eval", "--run", run, "--from", "2023-07-25", "--to", "2023-07-27"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/overlaps the training range[\s\S]*--allow-overlap/);
    const allowed = rlt(["eval", "--run", run, "--from", "2023-07-25", "--to", "2023-07-27", "--allow-overlap", "--random-repeats", "5", "--bootstrap", "50"]);
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/WARNING: IN-SAMPLE/);
    const report = rlt(["report", "--run", run, "--eval", "20230725T0000_20230727T0000"]);
    expect(report.status, report.stderr).toBe(0);
    const html = readFileSync(path.join(run, "eval", "20230725T0000_20230727T0000", "report.html"), "utf8");
    expect(html.indexOf("IN-SAMPLE")).toBeGreaterThan(0);
    expect(html.indexOf("IN-SAMPLE")).toBeLessThan(html.indexOf("Metrics"));
  });

  it("names what is missing in a run directory", () => {
    const broken = path.join(work, "runs", "broken");
    cpSync(run, broken, { recursive: true });
    rmSync(path.join(broken, "feature-manifest.json"));
    const res = rlt(["eval", "--run", broken]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/is not a complete run: feature-manifest.json missing/);
    rmSync(path.join(broken, "best"), { recursive: true });
    cpSync(path.join(run, "feature-manifest.json"), path.join(broken, "feature-manifest.json"));
    const noBest = rlt(["eval", "--run", broken]);
    expect(noBest.stderr).toMatch(/has no best model: .*best\/policy\/model.json is missing/);
    // an artifact normalized on another training range is not what the model was trained on
    const other = path.join(work, "features-other");
    expect(rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", other, "--train-fraction", "0.5"]).status).toBe(0);
    const mismatch = rlt(["eval", "--run", run, "--features", other]);
    expect(mismatch.status).toBe(1);
    expect(mismatch.stderr).toMatch(/feature artifact .*features-other does not match:\n\s+normalization of \w+ differs/);
    const noEval = rlt(["report", "--run", broken, "--eval", "nowhere"]);
    expect(noEval.status).toBe(1);
    expect(noEval.stderr).toMatch(/lacks metrics.json, equity.parquet, trades.csv[\s\S]*rlt eval --run/);
  });
});

describe("rlt eval --walk-forward", () => {
  it("trains a fresh agent per fold on its own window, tests on the next, and chains the out-of-sample stretches", async () => {
    const res = rlt(["eval", "--run", run, "--walk-forward", "2", "--random-repeats", "5", "--bootstrap", "50", "--json"]);
    expect(res.status, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r.label).toBe("walk-forward-2");
    expect(r.folds).toHaveLength(2);
    for (const f of r.folds) expect(f.behaviour.positions.long + f.behaviour.positions.short + f.behaviour.positions.flat).toBeCloseTo(1, 12);
    for (const f of r.folds) expect(f.testMs.fromMs).toBeGreaterThanOrEqual(f.trainMs.toMs); // never tested on its own training rows
    expect(r.folds[1].trainMs.fromMs).toBeGreaterThan(r.folds[0].trainMs.fromMs); // a rolling window
    // 43,199 bars in 3 segments of 14,399: fold 1 tests 14,459 → 28,798, fold 2 tests 28,858 → 43,199
    expect(r.range.bars).toBe(28_798 - 14_459 + (43_199 - 28_858));
    expect(r.strategies.map((s: { name: string }) => s.name)).toEqual(["agent", "buy & hold", "flat", "momentum 60", "random (median)"]);
    // chained: the total return is the product of the folds' returns
    expect(1 + r.strategies[1].metrics.totalReturn).toBeCloseTo((1 + r.folds[0].buyAndHoldReturn) * (1 + r.folds[1].buyAndHoldReturn), 10);
    // normalization was refitted on each fold's training rows
    const fold2 = JSON.parse(readFileSync(path.join(run, "walk-forward", "fold-2", "feature-manifest.json"), "utf8"));
    expect(fold2.trainRange).toEqual(r.folds[1].trainMs);
    const report = rlt(["report", "--run", run, "--eval", "walk-forward-2"]);
    expect(report.status, report.stderr).toBe(0);
  });
});

describe("rlt check on a trained run", () => {
  it("lookahead: features and the run's decisions up to each cut are unchanged by altered future bars", () => {
    const res = rlt(["check", "lookahead", "--run", run, "--points", "3", "--window", "300"]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/normalization and model of .*, decisions over 300 bars before each cut/);
    expect(res.stdout).toMatch(/no look-ahead found in 3 cut points/);
  });

  it("repro: the run's config retrained twice with its seed gives the same weights and metrics", () => {
    const res = rlt(["check", "repro", "--config", path.join(work, "ppo.yaml"), "--updates", "1"]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/reproducible/);
  });
});

describe("rlt report on the sample's test range", () => {
  // `run` is set by the top-level beforeAll, after this body is collected
  let html = "";
  beforeAll(() => void (html = path.join(run, "eval", "test", "report.html")));
  it("writes the report and every chart", () => {
    expect(rlt(["eval", "--run", run, "--random-repeats", "20", "--bootstrap", "200"]).status).toBe(0);
    const res = rlt(["report", "--run", run]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain(html);
    const page = readFileSync(html, "utf8");
    expect(page).toContain(`<table id="behaviour">`);
    expect(page).toMatch(/<dt>return vs zero<\/dt><dd>the return is /);
    for (const svg of ["equity.svg", "drawdown.svg", "rolling-sharpe.svg", "position.svg", "training.svg"]) {
      const text = readFileSync(path.join(run, "eval", "test", "charts", svg), "utf8");
      expect(text, svg).toMatch(/^<\?xml|^<svg/);
      expect(text, svg).toMatch(/<path[^>]* d="M/);
    }
  });

  it.skipIf(!chromiumTool.available)("loads in headless Chromium with no console errors, every chart drawn, and a screenshot written", async () => {
    opened = await openInChromium(html);
    const { page } = opened;
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.pageErrors).toEqual([]);
    expect(opened.foreignRequests).toEqual([]);
    const charts = await page.locator("svg.chart").all();
    expect(charts.length).toBeGreaterThanOrEqual(5);
    for (const chart of charts) {
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(100);
      expect(box!.height).toBeGreaterThan(50);
      expect(Number(await chart.getAttribute("data-points"))).toBeGreaterThan(0);
    }
    // the metrics table: the agent and four baselines
    await expect(page.locator("text=random (median)").first().isVisible()).resolves.toBe(true);
    const shot = path.join(work, "report.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
    expect(statSync(shot).size).toBeGreaterThan(50_000);
  });
});
