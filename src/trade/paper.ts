// Paper execution: nothing is sent; each decision is filled by exactly the bar simulator's rule (next
// bar's open, half the spread, slippage; stops and take-profits from the bar's high and low; funding
// at its settlement), because it IS the bar simulator, run over the bars the session has seen. Paper
// therefore equals the backtest by construction.
import { barCloseMs } from "../core/time.ts";
import type { PositionView } from "../kernel/observation.ts";
import { nextHolding } from "../kernel/observation.ts";
import type { SimConfig } from "../sim/config.ts";
import type { Side } from "../sim/costs.ts";
import { FuturesSimulator, type MarketColumns, type SimOptions, type StepResult, type Trade } from "../sim/simulator.ts";

export interface ClosedBar {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Book spread at the close in bps (NaN = unknown: the config's default half spread applies). */
  spreadBps: number;
}

export interface FundingRate {
  timeMs: number;
  rate: number;
  /** Mark price at the settlement where known (NaN otherwise). */
  markPrice: number;
}

const INITIAL_CAPACITY = 4096;

export class PaperExecution {
  private cols: MarketColumns;
  private bars = 0;
  private fundingTime: number[] = [];
  private fundingRate: number[] = [];
  private fundingMark: number[] = [];
  private sim: FuturesSimulator;
  private pending: Side | undefined;
  private holding = 0;
  private started = false;

  constructor(
    private readonly cfg: SimConfig,
    private readonly opts: SimOptions,
  ) {
    this.cols = allocate(INITIAL_CAPACITY);
    this.sim = new FuturesSimulator(cfg, this.cols, undefined, opts);
  }

  /** Funding settlements known so far (added in time order, before the bar that holds them closes). */
  addFunding(rows: FundingRate[]): void {
    let added = false;
    for (const r of rows) {
      const last = this.fundingTime.at(-1);
      if (last !== undefined && r.timeMs <= last) continue;
      this.fundingTime.push(r.timeMs);
      this.fundingRate.push(r.rate);
      this.fundingMark.push(r.markPrice);
      added = true;
    }
    if (added && this.started) this.rebuild();
  }

  /**
   * Bar `openTime` closed. The decision pending from the previous close is filled at this bar's open
   * and lives through this bar, exactly as the simulator steps a replay; returns what happened.
   */
  barClosed(bar: ClosedBar): StepResult | undefined {
    if (this.bars === this.cols.open.length) this.grow();
    const i = this.bars++;
    this.cols.openTime[i] = bar.openTime;
    this.cols.open[i] = bar.open;
    this.cols.high[i] = bar.high;
    this.cols.low[i] = bar.low;
    this.cols.close[i] = bar.close;
    this.cols.spreadBps![i] = bar.spreadBps;
    if (i === 0) {
      this.rebuild();
      this.sim.reset(0);
      this.started = true;
      return undefined;
    }
    const target = this.pending ?? this.sim.side;
    this.pending = undefined;
    const before = this.sim.side;
    const r = this.sim.step(target);
    this.holding = nextHolding(this.holding, before, this.sim.side, r.closed.length);
    return r;
  }

  /** The decision at the close of the last bar: filled when the next bar closes. */
  decide(target: Side): void {
    this.pending = target;
  }

  /** Close what is open at the last close, as the simulator ends a replay (half spread, slippage, taker fee). */
  closeNow(): { trade: Trade; exitFeeUsdt: number } | undefined {
    this.pending = undefined;
    const entryFees = this.sim.position?.feesUsdt ?? 0;
    const trade = this.started ? this.sim.closeAtEnd() : undefined;
    return trade && { trade, exitFeeUsdt: trade.feesUsdt - entryFees };
  }

  /** What the observation reads: the account marked at the last close. */
  positionView(): PositionView {
    return { side: this.sim.side, unrealizedPnlUsdt: this.sim.unrealizedPnlUsdt(), equityUsdt: this.sim.equityAt(), holdingBars: this.holding };
  }

  get account() {
    return this.sim.account;
  }

  get equityUsdt(): number {
    return this.bars ? this.sim.equityAt() : this.cfg.initialEquityUsdt;
  }

  get lastCloseMs(): number {
    return this.bars ? barCloseMs(this.cols.openTime[this.bars - 1]) : Number.NaN;
  }

  private grow(): void {
    const bigger = allocate(this.cols.open.length * 2);
    for (const k of ["openTime", "open", "high", "low", "close", "spreadBps"] as const) bigger[k]!.set(this.cols[k]!);
    this.cols = bigger;
    this.rebuild();
  }

  /** A simulator over the current columns and funding, continuing from the current state. */
  private rebuild(): void {
    const state = this.started ? this.sim.snapshot() : undefined;
    // the same risk engine throughout: its state (day start, peak, halt) is the session's, not the rebuild's
    this.sim = new FuturesSimulator(this.cfg, this.cols, { timeMs: Float64Array.from(this.fundingTime), rate: Float64Array.from(this.fundingRate), markPrice: Float64Array.from(this.fundingMark) }, this.opts);
    if (state) this.sim.restore(state);
  }
}

function allocate(n: number): MarketColumns {
  return { openTime: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), spreadBps: new Float64Array(n).fill(Number.NaN) };
}
