// The performance band's pieces: bootstrap paths of k bars, the bar-count grid bands are shared on, and
// why a run without a usable evaluation has no band.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../core/random.ts";
import { bootstrapTotalReturns } from "../eval/bootstrap.ts";
import type { TrainingRun } from "../rl/run-dir.ts";
import { PerformanceBand, backtestReturns, gridBars } from "./performance-band.ts";

describe("the backtest's band of k-bar returns", () => {
  it("compounds k drawn bars: a constant return r gives (1 + r)^k − 1 on every path", () => {
    const totals = bootstrapTotalReturns(new Float64Array(500).fill(0.001), 37, { samples: 50, blockBars: 10, seed: 3 });
    expect(totals.length).toBe(50);
    for (const t of totals) expect(t).toBeCloseTo(1.001 ** 37 - 1, 12);
  });

  it("equals compounding the drawn bars one by one (circular blocks, the last truncated), to 1e-12", () => {
    const returns = Float64Array.from({ length: 997 }, (_, i) => 0.003 * Math.sin(i * 1.3) + 0.0001);
    const [bars, blockBars, samples, seed] = [250, 60, 40, 9];
    const direct = new Float64Array(samples);
    const rng = new Rng(seed);
    for (let s = 0; s < samples; s++) {
      let growth = 1;
      for (let k = 0; k < bars; ) {
        const start = Math.floor(rng.next() * returns.length);
        for (let j = 0; j < blockBars && k < bars; j++, k++) growth *= 1 + returns[(start + j) % returns.length];
      }
      direct[s] = growth - 1;
    }
    direct.sort();
    const fast = bootstrapTotalReturns(returns, bars, { samples, blockBars, seed });
    for (let s = 0; s < samples; s++) expect(Math.abs(fast[s] - direct[s])).toBeLessThan(1e-12);
  });

  it("widens with the number of bars and is repeatable for one seed", () => {
    const returns = Float64Array.from({ length: 3000 }, (_, i) => 0.001 * Math.sin(i * 0.37) * Math.cos(i * 0.011));
    const band = new PerformanceBand(returns, 0.05);
    const short = band.band(30);
    const long = band.band(600);
    expect(short.low).toBeLessThan(short.high);
    expect(long.high - long.low).toBeGreaterThan(2 * (short.high - short.low));
    expect(new PerformanceBand(returns, 0.05).band(600)).toEqual(long);
    expect(band.band(601)).toBe(band.band(600)); // the same grid point: computed once
  });

  it("shares bands on 16 steps per doubling above 64 bars", () => {
    expect([1, 64, 65, 100, 1000, 10_000].map(gridBars)).toEqual([1, 64, 64, 100, 992, 10_240]);
  });

  it("says why there is no band: no evaluation, or one of another model", async () => {
    const dir = path.join(tmpdir(), `rlt-band-${process.pid}-${Date.now()}`);
    const run = { dir } as TrainingRun;
    expect(await backtestReturns(run, "best")).toEqual({ reason: `no evaluation on the test range to compare the live return with (${path.join(dir, "eval", "test", "equity.parquet")} is missing): run rlt eval` });
    mkdirSync(path.join(dir, "eval", "test"), { recursive: true });
    writeFileSync(path.join(dir, "eval", "test", "equity.parquet"), "");
    writeFileSync(path.join(dir, "eval", "test", "metrics.json"), JSON.stringify({ model: "final" }));
    expect(await backtestReturns(run, "best")).toEqual({ reason: "the test-range evaluation is of the final model, this session trades the best one: rlt eval --checkpoint best" });
  });
});
