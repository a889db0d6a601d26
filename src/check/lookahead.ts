// `rlt check lookahead`: does anything the agent sees at bar t depend on data after t? For a set of cut
// points t, every input after t is replaced by a wild future, everything is recomputed, and the raw
// features, normalized values and masks of bars ≤ t must be bit-identical — and, given a trained
// policy, so must its deterministic decisions up to and including the one at bar t. A check that
// only reads the code can be fooled; one that changes the future and watches the past cannot.
import { DataError } from "../core/errors.ts";
import type { BarColumns } from "../features/bar-input.ts";
import { type FeatureMatrix, computeFeatures } from "../features/batch.ts";
import { DEFAULT_NORM_TRAIN_FRACTION, DEFAULT_ROLLING_WINDOW, FEATURES, FEATURE_COUNT } from "../features/definitions.ts";
import { type NormParams, fitNormalization, normalizeMatrix } from "../features/normalize.ts";
import { type EnvData, TradingEnv } from "../rl/env.ts";
import type { ActionScheme } from "../kernel/actions.ts";
import { type Policy, decide } from "../kernel/policy.ts";
import type { SimConfig } from "../sim/config.ts";
import { type RewardConfig, rewardScale } from "../rl/reward.ts";
import { isoMinute } from "../core/time.ts";

export interface PolicyUnderCheck {
  policy: Policy;
  positionInObs: boolean;
  actions: ActionScheme;
  sim: SimConfig;
  reward: RewardConfig;
  /** Decisions are compared over this many bars before each cut point (a full run per cut is slow). */
  window: number;
}

export interface LookaheadOptions {
  /** Number of cut points (default 12). */
  points?: number;
  /** Normalization to apply (a run's); default: fitted on the first 70 % of the bars, like rlt features. */
  norm?: NormParams[];
  /** The feature computation under test; tests inject a leaking one. */
  compute?: (cols: BarColumns) => FeatureMatrix;
  policy?: PolicyUnderCheck;
}

export interface Leak {
  cut: number;
  bar: number;
  /** What changed: a raw feature, its normalized value, its mask, the policy's observation or its action. */
  kind: "raw" | "normalized" | "mask" | "observation" | "decision";
  feature?: string;
  before: number;
  after: number;
}

export interface CutResult {
  cut: number;
  openTimeMs: number;
  /** Values compared per kind (raw, normalized, mask): (cut + 1) × 30. */
  featuresCompared: number;
  decisionsCompared: number;
  leak?: Leak;
}

export interface LookaheadResult {
  bars: number;
  /** Whether a policy's decisions were compared too. */
  decisions: boolean;
  cuts: CutResult[];
  /** The leak at the earliest cut point, if any. */
  leak?: Leak;
  seconds: number;
}

/** The future every cut point gets: far from any real value, so a feature that reads it must change. */
export const alterValue = (v: number): number => v * 1.5 + 7;

/**
 * K cut points: the edges first (bar 0, the last bar that still has a future), then the bars where
 * windows fill — RSI 14 / ret_15m (14, 15), the 30 values a rolling z-score needs (29, 30), MACD's
 * 26 + 9 (33, 34), a day of rolling normalization (1439, 1440) — in that order of priority, up to
 * two thirds of K; the rest spread evenly over the bars after the first day (over all bars when short).
 */
export function cutPoints(n: number, k: number): number[] {
  const last = n - 2;
  if (last < 0) return [];
  const anchors = [0, last, 14, 1440, 15, 1, 33, 1439, 29, 30, 34, 2];
  const maxAnchors = Math.min(k, Math.max(4, Math.ceil((2 * k) / 3)));
  const out = new Set<number>();
  for (const a of anchors) if (out.size < maxAnchors && a <= last) out.add(a);
  const spread = k - out.size;
  const from = last > 1440 ? 1440 : 0;
  for (let s = 1; s <= spread; s++) out.add(Math.round(from + ((last - from) * s) / (spread + 1)));
  return [...out].filter((t) => t >= 0 && t <= last).sort((a, b) => a - b);
}

/** Fit like `rlt features` does by default: each feature's method on the first 70 % of the bars. */
export function defaultNormalization(m: FeatureMatrix, window = DEFAULT_ROLLING_WINDOW): NormParams[] {
  return fitNormalization(m.values, 0, Math.floor(m.n * DEFAULT_NORM_TRAIN_FRACTION), FEATURES.map((f) => f.norm), window);
}

export function checkLookahead(cols: BarColumns, opts: LookaheadOptions = {}): LookaheadResult {
  const started = Date.now();
  const compute = opts.compute ?? computeFeatures;
  const base = compute(cols);
  const n = base.n;
  if (n < 3) throw new DataError(`${n} bars are too few to check for look-ahead`);
  // the normalization is fixed up front, as in a trained run: it is fitted once, never on the altered future
  const norm = opts.norm ?? defaultNormalization(base);
  const baseNorm = normalizeMatrix(base.values, n, norm);
  const cuts: CutResult[] = [];
  for (const t of cutPoints(n, opts.points ?? 12)) {
    const altered = alterAfter(cols, t);
    const m = compute(altered);
    const mNorm = normalizeMatrix(m.values, n, norm);
    const cut: CutResult = { cut: t, openTimeMs: cols.openTime[t], featuresCompared: (t + 1) * FEATURE_COUNT, decisionsCompared: 0 };
    cut.leak = firstFeatureChange(t, base, baseNorm, m, mNorm);
    // a future that changed nothing proves nothing: the alteration must be visible after t
    if (!cut.leak && !changedAfter(t, base, m)) throw new DataError(`altering the bars after ${t} changed no feature after it: the check cannot see anything`);
    if (!cut.leak && opts.policy) {
      const d = compareDecisions(opts.policy, t, envData(cols, base, baseNorm), envData(altered, m, mNorm));
      cut.decisionsCompared = d.compared;
      cut.leak = d.leak;
    }
    cuts.push(cut);
  }
  return { bars: n, decisions: Boolean(opts.policy), cuts, leak: cuts.find((c) => c.leak)?.leak, seconds: (Date.now() - started) / 1000 };
}

function alterAfter(cols: BarColumns, t: number): BarColumns {
  const out = {} as BarColumns;
  for (const [k, v] of Object.entries(cols) as [keyof BarColumns, Float64Array][]) {
    const c = Float64Array.from(v);
    // open times stay: the grid itself is not data a feature could peek at
    if (k !== "openTime") for (let i = t + 1; i < c.length; i++) c[i] = alterValue(c[i]);
    out[k] = c;
  }
  return out;
}

/** Bit-identical, with NaN equal to NaN (missing stays missing). */
const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

function firstFeatureChange(t: number, a: FeatureMatrix, aNorm: Float64Array, b: FeatureMatrix, bNorm: Float64Array): Leak | undefined {
  for (let i = 0; i <= t; i++) {
    for (let j = 0; j < FEATURE_COUNT; j++) {
      const k = i * FEATURE_COUNT + j;
      const leak = (kind: Leak["kind"], before: number, after: number): Leak => ({ cut: t, bar: i, kind, feature: FEATURES[j].name, before, after });
      if (!same(a.values[k], b.values[k])) return leak("raw", a.values[k], b.values[k]);
      if (!same(aNorm[k], bNorm[k])) return leak("normalized", aNorm[k], bNorm[k]);
      if (a.mask[k] !== b.mask[k]) return leak("mask", a.mask[k], b.mask[k]);
    }
  }
  return undefined;
}

function changedAfter(t: number, a: FeatureMatrix, b: FeatureMatrix): boolean {
  for (let k = (t + 1) * FEATURE_COUNT; k < a.values.length; k++) if (!same(a.values[k], b.values[k])) return true;
  return false;
}

/** What the environment reads, as training builds it: normalized features, raw OHLC and spread. */
function envData(cols: BarColumns, m: FeatureMatrix, normalized: Float64Array): EnvData {
  const spread = FEATURES.findIndex((f) => f.name === "spread_bps");
  const spreadBps = new Float64Array(m.n);
  for (let i = 0; i < m.n; i++) spreadBps[i] = m.values[i * FEATURE_COUNT + spread];
  // funding is left out: it is the same schedule on both sides, and charged only at times ≤ the bar
  return { features: normalized, market: { openTime: cols.openTime, open: cols.open, high: cols.high, low: cols.low, close: cols.close, spreadBps } };
}

const POSITION_NAMES = ["side", "unrealized_pnl", "time_in_position"];

/**
 * The deterministic policy in the training environment from `window` bars before t through its decision
 * at bar t. Stepping to bar t reads the market up to bar t only, so nothing after t is touched unless
 * the environment or simulator peeks ahead — which is what this looks for. The observations are
 * compared too: a policy that happens to pick the same action either way would hide a leak.
 */
function compareDecisions(p: PolicyUnderCheck, t: number, original: EnvData, altered: EnvData): { compared: number; leak?: Leak } {
  const from = Math.max(0, t - p.window);
  const run = (data: EnvData) => {
    // the policy clips its own inputs (learnerPolicy); the reward is not compared, its scale is the window's
    const rewardScaleOfWindow = rewardScale(data.market.close, { from, to: t + 1 }, p.sim);
    const env = new TradingEnv(data, { episodeBars: t - from + 1, positionInObs: p.positionInObs, actions: p.actions, obsClip: null, episodeStarts: [from], rewardScale: rewardScaleOfWindow }, p.sim, p.reward, () => 0);
    let obs = env.reset(from);
    const out: { obs: Float32Array; action: number }[] = [];
    for (let bar = from; bar <= t; bar++) {
      const action = decide(p.policy, obs);
      out.push({ obs, action });
      if (bar === t) break;
      const step = env.step(action);
      if (step.terminated) break; // a blown account decides nothing more
      obs = step.obs;
    }
    return out;
  };
  const a = run(original);
  const b = run(altered);
  for (let s = 0; s < Math.max(a.length, b.length); s++) {
    const bar = from + s;
    if (!a[s] || !b[s]) return { compared: s, leak: { cut: t, bar, kind: "decision", before: a[s]?.action ?? Number.NaN, after: b[s]?.action ?? Number.NaN } };
    const j = a[s].obs.findIndex((x, k) => !same(x, b[s].obs[k]));
    if (j >= 0) return { compared: s, leak: { cut: t, bar, kind: "observation", feature: j < FEATURE_COUNT ? FEATURES[j].name : POSITION_NAMES[j - FEATURE_COUNT], before: a[s].obs[j], after: b[s].obs[j] } };
    if (a[s].action !== b[s].action) return { compared: s + 1, leak: { cut: t, bar, kind: "decision", before: a[s].action, after: b[s].action } };
  }
  return { compared: a.length };
}

export function formatLookahead(r: LookaheadResult, header: string): string {
  const lines = [header, "", `${"cut point".padStart(9)}  ${"bar time (UTC)".padEnd(16)}  ${"features compared".padStart(17)}  ${"decisions compared".padStart(18)}  result`];
  for (const c of r.cuts) {
    lines.push(`${String(c.cut).padStart(9)}  ${isoMinute(c.openTimeMs).padEnd(16)}  ${c.featuresCompared.toLocaleString("en-US").padStart(17)}  ${(r.decisions ? c.decisionsCompared.toLocaleString("en-US") : "—").padStart(18)}  ${c.leak ? `LEAK: ${describeLeak(c.leak)}` : "ok"}`);
  }
  lines.push("", r.leak ? `look-ahead found: ${describeLeak(r.leak)}` : `no look-ahead found in ${r.cuts.length} cut points (${r.seconds.toFixed(1)} s)`);
  return `${lines.join("\n")}\n`;
}

export function describeLeak(l: Leak): string {
  const kinds = { raw: "feature", normalized: "normalized feature", mask: "mask of", observation: "the policy's observation of" };
  const what = l.kind === "decision" ? "the policy's action" : `${kinds[l.kind]} ${l.feature}`;
  return `${what} at bar ${l.bar} changed (${l.before} → ${l.after}) when the bars after ${l.cut} were altered`;
}
