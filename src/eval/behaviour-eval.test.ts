// What the agent does, as `rlt eval` writes and prints it, over a two-day generated market: metrics.json
// carries the behaviour (its shares recomputed from equity.parquet's position column), the terminal shows
// the block, and an agent that is buy & hold says so instead of a 0 % chance of beating it.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../core/random.ts";
import { MINUTE_MS } from "../core/time.ts";
import { openDuck, queryFloat64Columns } from "../data/duck.ts";
import { FEATURE_COUNT } from "../features/definitions.ts";
import { BUY, HOLD, SELL } from "../kernel/actions.ts";
import { type ReplayData, replayActions, replayTargets } from "../kernel/replay.ts";
import { RiskConfigSchema } from "../risk/index.ts";
import { SimConfigSchema } from "../sim/config.ts";
import { buyAndHold, flat, momentum, randomPolicy } from "./baselines.ts";
import { formatEval } from "./format.ts";
import { foldBehaviour } from "./behaviour.ts";
import { EVAL_FILES, type StrategyRuns, behaviourAgainstBaselines, summarize, writeArtifacts } from "./run.ts";

const BARS = 2 * 1440 + 1;
const sim = SimConfigSchema.parse({});
const risk = RiskConfigSchema.parse({});
const opts = { randomRepeats: 3, momentumBars: 60, bootstrapSamples: 50, blockBars: 60, seed: 1, model: "best" as const };

/** A seeded random walk around 30,000 with 1-minute bars. */
function market(): ReplayData {
  const rng = new Rng(3);
  const close = new Float64Array(BARS);
  let p = 30_000;
  for (let i = 0; i < BARS; i++) close[i] = p *= 1 + 0.0008 * (rng.next() - 0.5);
  const open = Float64Array.from(close, (c, i) => (i === 0 ? c : close[i - 1]));
  return {
    features: new Float64Array(BARS * FEATURE_COUNT),
    market: { openTime: Float64Array.from(close, (_, i) => Date.UTC(2024, 0, 1) + i * MINUTE_MS), open, high: Float64Array.from(close, (c, i) => Math.max(c, open[i])), low: Float64Array.from(close, (c, i) => Math.min(c, open[i])), close },
  };
}

const data = market();
const rows = { from: 0, to: BARS };

function runsWith(actions: Uint8Array): StrategyRuns {
  const replay = (rule: Parameters<typeof replayTargets>[4]) => replayTargets(data, rows, sim, false, rule, risk);
  return {
    agent: replayActions(data, rows, sim, "long-short-keep", actions, risk),
    bh: replay(buyAndHold),
    none: replay(flat),
    mom: replay(momentum(data.market, rows, opts.momentumBars)),
    randoms: [0, 1, 2].map((k) => replay(randomPolicy(opts.seed + k))),
  };
}

const meta = (outDir: string) => ({ run: "runs/x", model: "best" as const, backend: "cpu", symbol: "BTCUSDT", label: "test", overlap: { train: false, validation: false }, warnings: [], outDir });

describe("rlt eval's behaviour figures", () => {
  it("are in metrics.json, match equity.parquet's position column, and print as a block", async () => {
    // flat for 300 bars, then long and short in turns of 240 bars
    const actions = Uint8Array.from({ length: BARS }, (_, t) => (t < 300 ? HOLD : Math.floor((t - 300) / 240) % 2 === 0 ? BUY : SELL));
    const runs = runsWith(actions);
    const outDir = path.join(mkdtempSync(path.join(tmpdir(), "rlt-behaviour-")), "eval", "test");
    const result = summarize(runs, opts, meta(outDir));
    await writeArtifacts(result, runs, opts);
    const written = JSON.parse(readFileSync(path.join(outDir, EVAL_FILES.metrics), "utf8"));
    const b = written.behaviour;
    expect(b.positions.bars).toBe(BARS - 1);
    expect(b.positions.long + b.positions.short + b.positions.flat).toBeCloseTo(1, 12);

    const { instance, conn } = await openDuck();
    let position: Float64Array;
    try {
      position = (await queryFloat64Columns(conn, `SELECT position FROM read_parquet('${path.join(outDir, EVAL_FILES.equity)}') ORDER BY open_time`)).position;
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    const lived = Array.from(position).slice(1);
    expect(b.positions.long).toBe(lived.filter((x) => x > 0).length / lived.length);
    expect(b.positions.short).toBe(lived.filter((x) => x < 0).length / lived.length);
    expect(b.positions.flat).toBe(lived.filter((x) => x === 0).length / lived.length);
    // the first decision's fill lands on bar 1: flat on bars 1..300, then 2,580 bars in the market
    expect(b.positions.flat).toBeCloseTo(300 / (BARS - 1), 12);
    // 11 turns of 240 bars after the first 300 (the last one cut at the range's end): 11 trades over two days
    expect(written.strategies[0].metrics.trades).toBe(11);
    expect(b.tradesPerDay).toBe(5.5);
    expect(b.actions).toEqual(written.actionShares);
    expect(b.actions.hold).toBeCloseTo(300 / (BARS - 1), 12);
    expect(b.verdict).toEqual({ degenerate: false, reasons: [] });
    expect(written.verdict.returnVsZero).toMatch(/^(indistinguishable|positive|negative)$/);
    // every strategy carries its own shares and trades per day; buy & hold's one trade over two days
    const bh = written.strategies[1].behaviour;
    expect(bh.positions).toEqual({ long: 1, short: 0, flat: 0, bars: BARS - 1 });
    expect(bh.tradesPerDay).toBe(0.5);
    expect(written.strategies[2].behaviour).toEqual({ positions: { long: 0, short: 0, flat: 1, bars: BARS - 1 }, tradesPerDay: 0, meanHoldBars: null });

    const text = formatEval(result);
    expect(text).toContain("What the agent does:\n");
    expect(text).toMatch(/^ {2}actions: buy \d+\.\d %, sell \d+\.\d %, hold 10\.4 % of 2,880 decisions/m);
    expect(text).toMatch(/^ {2}agent\s+\d+\.\d %\s+\d+\.\d %\s+10\.4 %\s+5\.50\s+\d+\.\d bars$/m);
    expect(text).toMatch(/^ {2}buy & hold\s+100\.0 %\s+0\.0 %\s+0\.0 %\s+0\.50\s+2879\.0 bars$/m);
    expect(text).toContain("not degenerate: no position on more than 95 % of bars");
    expect(text).not.toContain("DEGENERATE");
    expect(text).toMatch(/^agent: the return is (not distinguishable from zero|positive beyond noise|negative beyond noise) \(95 % interval /m);
    expect(text).toMatch(/P\(beats buy & hold\) \d+\.\d\d %/);
  });

  it("calls an agent that always buys identical to buy & hold, loudly, and not a 0 % chance of beating it", () => {
    const runs = runsWith(new Uint8Array(BARS).fill(BUY));
    const result = summarize(runs, opts, meta("/nowhere"));
    // the paired bootstrap cannot tell them apart: a tie is no win
    expect(result.bootstrap.probBeatsBenchmark).toBe(0);
    expect(result.behaviour!.verdict).toEqual({ degenerate: true, reasons: ["identical to buy & hold", "long on 100 % of bars"], identicalTo: "buy & hold" });
    const text = formatEval(result);
    const warning = "DEGENERATE: identical to buy & hold; long on 100 % of bars — this is buy & hold with extra steps";
    // the loud line comes first, before the metrics table, and again in the block
    expect(text.split("\n")[0]).toBe(warning);
    expect(text).toContain(`share of 2,880 bars; ${warning}`);
    expect(text).toContain("P(beats buy & hold) — identical to buy & hold");
    expect(text).not.toMatch(/P\(beats buy & hold\) 0\.00 %/);
  });

  it("prints each walk-forward fold's shares, trades per day and degenerate flag under its line", () => {
    const trading = runsWith(Uint8Array.from({ length: BARS }, (_, t) => (t < 300 ? HOLD : Math.floor((t - 300) / 240) % 2 === 0 ? BUY : SELL)));
    const buying = runsWith(new Uint8Array(BARS).fill(BUY));
    const fold = (k: number, runs: StrategyRuns) => ({ fold: k, trainMs: { fromMs: 0, toMs: 1 }, testMs: { fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2024, 0, 3) }, agentReturn: runs.agent.totalReturn, buyAndHoldReturn: runs.bh.totalReturn, risk: [], behaviour: foldBehaviour(behaviourAgainstBaselines(runs)) });
    const text = formatEval({ ...summarize(trading, opts, meta("/nowhere")), folds: [fold(1, trading), fold(2, buying)] } as Parameters<typeof formatEval>[0]);
    expect(text).toMatch(/^fold 1: test 2024-01-01T00:00 → 2024-01-03T00:00, agent -?\d+\.\d\d %, buy & hold -?\d+\.\d\d %\n {2}agent long 47\.9 % \/ short 41\.7 % \/ flat 10\.4 % of bars, 5\.50 trades\/day$/m);
    expect(text).toMatch(/^ {2}agent long 100\.0 % \/ short 0\.0 % \/ flat 0\.0 % of bars, 0\.50 trades\/day, DEGENERATE \(identical to buy & hold; long on 100 % of bars\)$/m);
  });
});
