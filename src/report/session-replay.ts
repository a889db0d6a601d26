// The backtest over a session's own bars: the journal's recorded bars (OHLC and the normalized features
// the session decided on) replayed through the kernel's replayPolicy, the code `rlt eval` runs, under the
// run's costs and risk engine. Then both sides as per-bar tracks (session-compare.ts) for the comparison.
import { upperBound } from "../core/sorted.ts";
import { FEATURE_COUNT, FEATURE_NAMES } from "../features/definitions.ts";
import { type PolicyRun, replayPolicy } from "../kernel/replay.ts";
import type { Policy } from "../kernel/policy.ts";
import type { TrainingRun } from "../rl/run-dir.ts";
import type { Trade } from "../sim/account.ts";
import type { FundingSchedule, MarketColumns } from "../sim/simulator.ts";
import { DataError } from "../core/errors.ts";
import { tradesTable } from "../monitor/journal-view.ts";
import type { JournalDump } from "../monitor/socket-protocol.ts";
import type { BarTrack, TrackFill } from "./session-compare.ts";
import { num, rows } from "./session-data.ts";

export interface SessionBars {
  market: MarketColumns;
  /** Row-major n × 30, as journaled (NaN = masked). */
  features: Float64Array;
}

/** The journal's bars as the simulator's columns, with the book spread the session filled at (NULL in version 1 journals: the config's default applies). */
export function sessionBars(dump: JournalDump): SessionBars {
  const bars = rows(dump, "bars");
  const n = bars.length;
  if (n < 2) throw new DataError(`the session journaled ${n} bar${n === 1 ? "" : "s"}: a backtest needs at least 2`, { hint: "report a session that traded two bars or more" });
  const col = () => new Float64Array(n);
  const market: MarketColumns = { openTime: col(), open: col(), high: col(), low: col(), close: col(), spreadBps: col() };
  const features = new Float64Array(n * FEATURE_COUNT);
  bars.forEach((b, i) => {
    market.openTime[i] = num(b.open_time_ms);
    market.open[i] = num(b.open);
    market.high[i] = num(b.high);
    market.low[i] = num(b.low);
    market.close[i] = num(b.close);
    market.spreadBps![i] = num(b.spread_bps);
    const f = b.features as unknown[] | null;
    if (!f || f.length !== FEATURE_COUNT) throw new DataError(`bar ${market.openTime[i]} of the journal has ${f?.length ?? 0} features, not ${FEATURE_COUNT}`, { hint: "the journal was read without its feature vectors, or written by another rlt" });
    for (let j = 0; j < FEATURE_COUNT; j++) features[i * FEATURE_COUNT + j] = num(f[j]);
  });
  return { market, features };
}

/** replayPolicy over every journaled bar, with the run's costs, risk engine and action meaning. */
export function replaySession(policy: Policy, run: TrainingRun, bars: SessionBars, funding: FundingSchedule | undefined, symbol: string): PolicyRun {
  const data = { features: bars.features, market: bars.market, funding, symbol };
  return replayPolicy(policy, run.cfg.env.actions, data, { from: 0, to: bars.market.openTime.length }, run.cfg.sim, run.cfg.env.positionInObs, run.cfg.risk);
}

/** The bar (index into openTime) a fill at timeMs belongs to: the last bar opened at or before it. */
function barOf(openTime: Float64Array, timeMs: number): number {
  return Math.max(0, upperBound(openTime, timeMs) - 1);
}

function tradeFills(openTime: Float64Array, trades: Trade[], out: TrackFill[][]): void {
  for (const t of trades) {
    out[barOf(openTime, t.entryTimeMs)].push({ side: t.side, qty: t.qty, priceUsdt: t.entryPrice, what: "entry" });
    out[barOf(openTime, t.exitTimeMs)].push({ side: t.side === 1 ? -1 : 1, qty: t.qty, priceUsdt: t.exitPrice, what: t.exitReason });
  }
  // within a bar: exits before entries (a reversal closes first), as the simulator executes them
  for (const fills of out) fills.sort((a, b) => Number(a.what === "entry") - Number(b.what === "entry"));
}

/** The closed trades the journal recorded (none in a version 1 journal: it kept no trades table). */
export function journalTrades(dump: JournalDump): Trade[] {
  return tradesTable(dump) ?? [];
}

/** Per bar: the last equity row of each bar (a restart may write two). */
function lastByBar(list: Record<string, unknown>[], key: string): Map<number, Record<string, unknown>> {
  const m = new Map<number, Record<string, unknown>>();
  for (const r of list) m.set(num(r[key]), r);
  return m;
}

/** The live side as tracks: decisions, fills (the trades' and the position still open at the end), equity, denials. */
export function liveTracks(dump: JournalDump, openTime: Float64Array, features: Float64Array): BarTrack[] {
  const n = openTime.length;
  const fills: TrackFill[][] = Array.from({ length: n }, () => []);
  tradeFills(openTime, journalTrades(dump), fills);
  const equity = lastByBar(rows(dump, "equity"), "bar_open_ms");
  const decisions = lastByBar(rows(dump, "decisions"), "bar_open_ms");
  // a position open at the end has no trade row yet: its entry is the first bar of the run of equal rows
  const lastEq = equity.get(openTime[n - 1]);
  if (lastEq && num(lastEq.position_side) !== 0) {
    const same = (r: Record<string, unknown> | undefined) => r && num(r.position_side) === num(lastEq.position_side) && num(r.entry_price) === num(lastEq.entry_price);
    let t = n - 1;
    while (t > 0 && same(equity.get(openTime[t - 1]))) t--;
    fills[t].push({ side: num(lastEq.position_side) > 0 ? 1 : -1, qty: num(lastEq.position_qty), priceUsdt: num(lastEq.entry_price), what: "entry" });
  }
  const denials = new Map<number, string[]>();
  for (const r of rows(dump, "risk_events")) {
    if (r.kind !== "denial") continue;
    const bar = num(r.bar_open_ms);
    denials.set(bar, [...(denials.get(bar) ?? []), String(r.reason)]);
  }
  let side = 0;
  return Array.from({ length: n }, (_, t) => {
    const d = decisions.get(openTime[t]);
    const e = equity.get(openTime[t]);
    const track: BarTrack = {
      openTimeMs: openTime[t],
      fills: fills[t],
      ...(d ? { action: num(d.action), target: num(d.target_side), ...(d.note ? { note: String(d.note) } : {}) } : {}),
      sideBefore: e ? num(e.position_side) : side,
      equityUsdt: e ? num(e.equity_usdt) : Number.NaN,
      denials: denials.get(openTime[t]) ?? [],
      masked: maskedAt(features, t),
    };
    side = track.sideBefore;
    return track;
  });
}

/**
 * The backtest as tracks. Its end-of-data close at the last close is the replay's convention; a live
 * session that kept its position has no such fill, so it is left out unless live closed there too.
 */
export function backtestTracks(run: PolicyRun, features: Float64Array, liveClosedAtEnd: boolean): BarTrack[] {
  const n = run.openTime.length;
  const fills: TrackFill[][] = Array.from({ length: n }, () => []);
  tradeFills(run.openTime, run.trades, fills);
  if (!liveClosedAtEnd) fills[n - 1] = fills[n - 1].filter((f) => f.what !== "end-of-data");
  const denials = new Map<number, string[]>();
  for (const d of run.risk?.denials ?? []) {
    // raised when the fill is attempted at a bar's open: live journals it under that bar too
    const bar = barOf(run.openTime, d.timeMs);
    denials.set(bar, [...(denials.get(bar) ?? []), d.reason]);
  }
  return Array.from({ length: n }, (_, t) => ({
    openTimeMs: run.openTime[t],
    fills: fills[t],
    action: run.actions?.[t],
    target: run.target[t],
    sideBefore: run.position[t],
    equityUsdt: run.equity[t],
    denials: denials.get(t) ?? [],
    masked: maskedAt(features, t),
  }));
}

function maskedAt(features: Float64Array, t: number): string[] {
  const out: string[] = [];
  for (let j = 0; j < FEATURE_COUNT; j++) if (!Number.isFinite(features[t * FEATURE_COUNT + j])) out.push(FEATURE_NAMES[j]);
  return out;
}
