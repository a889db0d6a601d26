// The performance alert's reference (§9.3): what the backtest says a live session of k bars could have
// returned. The run's test-range evaluation (rlt eval) wrote the agent's equity per bar; its per-bar
// returns are block-bootstrapped (src/eval/bootstrap.ts) into paths of k bars, and the live session's
// cumulative return is held against the tails of their total returns.
import path from "node:path";
import { quantile } from "../core/sorted.ts";
import { bootstrapTotalReturns } from "../eval/bootstrap.ts";
import { EVAL_FILES } from "../eval/run.ts";
import type { TrainingRun } from "../rl/run-dir.ts";
import { barReturns } from "../sim/metrics.ts";
import { otherModel, testEvaluation } from "./test-evaluation.ts";

const AGENT_COLUMN = "equity_agent";
/** Paths per band: 500 put a 5 % quantile within about ±1 % (in probability) of the true one. */
const BAND_SAMPLES = 500;
/** One hour of minute bars, rlt eval's default block: keeps the volatility clustering of minute returns. */
const BLOCK_BARS = 60;
/** Bar counts up to this get their own band; above it, bands are shared on a grid of 1/16 octave. */
const EXACT_BARS = 64;

export interface Band {
  bars: number;
  low: number;
  high: number;
}

/** The backtest's per-bar returns of the agent (the model this session trades), or why there are none. */
export async function backtestReturns(run: TrainingRun, model: string): Promise<{ returns: Float64Array; file: string } | { reason: string }> {
  const evaluation = testEvaluation(run, EVAL_FILES.equity, "to compare the live return with");
  if ("reason" in evaluation) return evaluation;
  const other = otherModel(evaluation, model);
  if (other) return { reason: other };
  const file = path.join(evaluation.dir, EVAL_FILES.equity);
  const { lit, openDuck, queryFloat64Columns } = await import("../data/duck.ts");
  const { instance, conn } = await openDuck();
  try {
    const cols = await queryFloat64Columns(conn, `SELECT ${AGENT_COLUMN} FROM read_parquet(${lit(file)}) ORDER BY open_time`);
    const returns = barReturns(cols[AGENT_COLUMN]);
    if (returns.length < 2) return { reason: `${file} has fewer than 3 bars of the agent's equity: rerun rlt eval on a longer range` };
    // compounding in logs needs every bar's growth positive: an account wiped out in the backtest has no band
    if (returns.some((r) => !(r > -1))) return { reason: `the agent's equity in ${file} reaches zero (or is missing) in the backtest: there is no distribution of returns to hold the session against` };
    return { returns, file };
  } catch (err) {
    return { reason: `${file} is not readable (${(err as Error).message}): rerun rlt eval` };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export class PerformanceBand {
  private readonly cache = new Map<number, Band>();

  constructor(
    private readonly returns: Float64Array,
    /** Two-sided tail: 0.05 → the 5 % and 95 % quantiles. */
    private readonly tail: number,
    private readonly opts: { samples?: number; blockBars?: number; seed?: number } = {},
  ) {}

  /** The band of the total return over `bars` bars (computed once per grid point, on first use). */
  band(bars: number): Band {
    const k = gridBars(bars);
    let b = this.cache.get(k);
    if (!b) {
      const totals = bootstrapTotalReturns(this.returns, k, { samples: this.opts.samples ?? BAND_SAMPLES, blockBars: this.opts.blockBars ?? BLOCK_BARS, seed: this.opts.seed ?? 1 });
      b = { bars: k, low: quantile(totals, this.tail), high: quantile(totals, 1 - this.tail) };
      this.cache.set(k, b);
    }
    return b;
  }
}

/** Exact up to EXACT_BARS, then rounded to 16 steps per doubling: a band a few % of bars off is the same band. */
export function gridBars(bars: number): number {
  if (bars <= EXACT_BARS) return Math.max(1, Math.round(bars));
  const step = 2 ** (Math.floor(Math.log2(bars)) - 4);
  return Math.round(bars / step) * step;
}
