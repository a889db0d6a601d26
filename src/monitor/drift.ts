// Drift of a live session (§8.1): per feature, the population stability index of the live normalized
// values over a rolling window against the training range's deciles (stored in the feature manifest by
// `rlt features`), and the same index of the live buy/sell/hold mix against the policy's in `rlt eval`.
// Shown in the view, journaled (the drift table), and alerted past the threshold.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { DriftConfig } from "../core/monitor-config.ts";
import { EVAL_FILES } from "../eval/run.ts";
import { type FeatureManifest, MANIFEST_FILE, checkManifest, expectationFrom } from "../features/artifact.ts";
import { DECILE_BINS, MIN_FINITE_SHARE, baselineFor, decileBin } from "../features/deciles.ts";
import { ACTIONS, NUM_ACTIONS } from "../kernel/actions.ts";
import type { TrainingRun } from "../rl/run-dir.ts";
import type { Journal } from "../trade/journal.ts";
import type { SessionEvent } from "../trade/session.ts";
import type { MonitorContext } from "./context.ts";
import type { MonitorPlugin, SessionMonitor } from "./monitor.ts";
import { psi } from "../features/psi.ts";
import { otherModel, testEvaluation } from "./test-evaluation.ts";
import type { DriftView } from "./types.ts";


export const OLD_MANIFEST_REASON = "the feature manifest predates drift monitoring: rerun rlt features (and rlt train on it)";

export interface FeatureReference {
  name: string;
  /** Position in the session's normalized vector. */
  index: number;
  edges: Float64Array;
  shares: Float64Array;
  /** The largest index of the training range's own windows of about the live window's length (deciles.ts baselines). */
  baselinePsi?: number;
}

/** What live drift is measured against, or why it cannot be. */
export interface DriftReference {
  /** Features with training deciles (those with no finite value over the training range have none). */
  features: FeatureReference[];
  reason?: string;
  /** Buy, sell, hold shares in evaluation. */
  actions?: Float64Array;
  actionReason?: string;
}

/**
 * The reference of a run: the deciles of its own manifest copy, or, for a run trained before they
 * existed, of the artifact it was trained on when that has been rebuilt with the same normalization;
 * the action mix of its test-range evaluation of the model this session trades.
 */
export function driftReference(run: TrainingRun, model: string, window: number): DriftReference {
  const out: DriftReference = { features: [] };
  const manifest = withDeciles(run);
  if (!manifest) out.reason = OLD_MANIFEST_REASON;
  else {
    manifest.features.forEach((f, index) => {
      if (f.deciles && f.deciles.edges.length === DECILE_BINS - 1) out.features.push({ name: f.name, index, edges: Float64Array.from(f.deciles.edges), shares: Float64Array.from(f.deciles.shares), baselinePsi: baselineFor(f.deciles, window) });
    });
    if (!out.features.length) out.reason = "no feature had a finite value over the training range";
  }
  const evaluation = testEvaluation(run, EVAL_FILES.metrics, "to compare the live actions with");
  const shares = "reason" in evaluation ? undefined : evaluation.metrics.actionShares;
  const why = "reason" in evaluation ? evaluation.reason : !shares ? `the evaluation predates drift monitoring (${path.join(evaluation.dir, EVAL_FILES.metrics)} has no action distribution): rerun rlt eval` : otherModel(evaluation, model);
  if (why) out.actionReason = why;
  else out.actions = Float64Array.from(ACTIONS.map((a) => shares![a]));
  return out;
}

function withDeciles(run: TrainingRun): FeatureManifest | undefined {
  if (run.manifest.features.some((f) => f.deciles)) return run.manifest;
  // the run's copy predates deciles; the artifact may have been rebuilt since, with the same normalization
  const file = path.join(run.info.features, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  let m: FeatureManifest;
  try {
    m = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  const same = checkManifest(m, expectationFrom(run.manifest)).length === 0 && JSON.stringify(m.trainRange) === JSON.stringify(run.manifest.trainRange);
  return same && m.features.some((f) => f.deciles) ? m : undefined;
}

export interface DriftOptions {
  reference: DriftReference;
  config: DriftConfig;
  /** The session's normalized feature vector after the bar's push (SessionFeatures.normalized). */
  normalized: () => Float64Array;
  journal?: Journal;
}

/**
 * Rolling-window drift as a monitor plugin. Each feature's window is kept as bin indices with per-bin
 * counts updated as a bar enters and the oldest leaves, so a bar costs one binary search per feature
 * and the index is computed from ten counts. Measured at the bar's "equity" event, after its orders are
 * out: nothing here runs on the send path.
 */
export class DriftMonitor implements MonitorPlugin {
  private readonly window: number;
  private readonly k: number;
  /** window × k bin indices, -1 for a masked value. */
  private readonly bins: Int8Array;
  /** k × DECILE_BINS counts over the window, and the finite values per feature. */
  private readonly counts: Float64Array;
  private readonly finite: Int32Array;
  private filled = 0;
  private next = 0;
  private readonly actionRing: Int8Array;
  private readonly actionCounts = new Float64Array(NUM_ACTIONS);
  private actionsFilled = 0;
  private actionNext = 0;
  private pendingBar?: number;
  /** Subjects past the threshold whose alert has been raised: raised again only after falling back below. */
  private readonly above = new Set<string>();

  constructor(private readonly o: DriftOptions) {
    this.window = o.config.window;
    this.k = o.reference.features.length;
    this.bins = new Int8Array(this.window * this.k).fill(-1);
    this.counts = new Float64Array(this.k * DECILE_BINS);
    this.finite = new Int32Array(this.k);
    this.actionRing = new Int8Array(this.window).fill(-1);
  }

  onEvent(e: SessionEvent, monitor: SessionMonitor): void {
    if (e.type === "bar") {
      this.pushFeatures(this.o.normalized());
      this.pendingBar = e.bar.openTime;
    } else if (e.type === "decision") this.pushAction(ACTIONS.indexOf(e.decision.action));
    else if (e.type === "equity" && this.pendingBar !== undefined) {
      const bar = this.pendingBar;
      this.pendingBar = undefined;
      this.publish(bar, monitor);
    }
  }

  view(): DriftView {
    const r = this.o.reference;
    const t = this.o.config.threshold;
    const features = r.features.map((f, j) => ({ name: f.name, psi: this.featurePsi(j), threshold: Math.max(t, f.baselinePsi ?? 0) }));
    const actionPsi = r.actions && this.actionsFilled === this.window ? psi(r.actions, this.actionCounts) : undefined;
    return {
      enabled: r.reason === undefined,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      window: this.window,
      filled: this.filled,
      threshold: t,
      features,
      ...(r.actions ? { actionPsi: actionPsi ?? Number.NaN } : {}),
      ...(r.actionReason !== undefined ? { actionReason: r.actionReason } : {}),
    };
  }

  private featurePsi(j: number): number {
    if (this.filled < this.window || this.finite[j] < MIN_FINITE_SHARE * this.window) return Number.NaN;
    return psi(this.o.reference.features[j].shares, this.counts.subarray(j * DECILE_BINS, (j + 1) * DECILE_BINS));
  }

  private pushFeatures(x: Float64Array): void {
    const row = this.next * this.k;
    this.o.reference.features.forEach((f, j) => {
      const old = this.bins[row + j];
      if (old >= 0) {
        this.counts[j * DECILE_BINS + old]--;
        this.finite[j]--;
      }
      const v = x[f.index];
      const bin = Number.isFinite(v) ? decileBin(f.edges, v) : -1;
      this.bins[row + j] = bin;
      if (bin >= 0) {
        this.counts[j * DECILE_BINS + bin]++;
        this.finite[j]++;
      }
    });
    this.next = (this.next + 1) % this.window;
    if (this.filled < this.window) this.filled++;
  }

  private pushAction(a: number): void {
    const old = this.actionRing[this.actionNext];
    if (old >= 0) this.actionCounts[old]--;
    this.actionRing[this.actionNext] = a;
    this.actionCounts[a]++;
    this.actionNext = (this.actionNext + 1) % this.window;
    if (this.actionsFilled < this.window) this.actionsFilled++;
  }

  private publish(barOpenTimeMs: number, monitor: SessionMonitor): void {
    const v = this.view();
    monitor.setDrift(v);
    const actionPsi = v.actionPsi;
    const anyValue = v.features.some((f) => Number.isFinite(f.psi)) || Number.isFinite(actionPsi ?? Number.NaN);
    if (anyValue && this.o.journal) {
      const j = this.o.journal;
      j.recordDrift({ barOpenMs: barOpenTimeMs, window: v.window, filled: v.filled, threshold: v.threshold, features: v.features.map((f) => f.name), psi: v.features.map((f) => f.psi), actionPsi })
        .catch((err) => j.recordError("drift journal", err).catch(() => undefined));
    }
    const t = v.threshold;
    for (const f of v.features) {
      const ft = f.threshold ?? t;
      this.edge(f.name, f.psi, ft, () =>
        monitor.raise({ barOpenTimeMs, level: "warning", category: "drift", kind: "feature-drift", subject: f.name, message: `feature drift: ${f.name} PSI ${f.psi.toFixed(3)} over the last ${v.window} bars against the training range (alerting past ${ft.toFixed(3)}${ft > t ? ", the most any window of training showed" : ""})` }),
      );
    }
    if (actionPsi !== undefined) {
      this.edge("\u0000actions", actionPsi, t, () => {
        const live = ACTIONS.map((a, i) => `${a} ${pct(this.actionCounts[i] / this.actionsFilled)}`).join(", ");
        const ref = ACTIONS.map((a, i) => `${a} ${pct(this.o.reference.actions![i])}`).join(", ");
        monitor.raise({ barOpenTimeMs, level: "warning", category: "drift", kind: "action-drift", message: `action drift: PSI ${actionPsi.toFixed(3)} (threshold ${t}): the last ${v.window} decisions were ${live}; in evaluation ${ref}` });
      });
    }
  }

  /** Raise once when an index goes past the threshold; re-arm when it is back at or below it. */
  private edge(subject: string, value: number, threshold: number, raise: () => void): void {
    if (value > threshold) {
      if (!this.above.has(subject)) {
        this.above.add(subject);
        raise();
      }
    } else if (Number.isFinite(value)) this.above.delete(subject);
  }
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)} %`;
}

/** The session's drift monitor (install.ts): the reference, the view it starts with, and why a part is off. */
export function installDrift(monitor: SessionMonitor, ctx: MonitorContext): DriftMonitor {
  const reference = driftReference(ctx.run, ctx.journal.session.model, ctx.config.drift.window);
  const drift = new DriftMonitor({ reference, config: ctx.config.drift, normalized: () => ctx.features.normalized, journal: ctx.journal });
  monitor.setDrift(drift.view());
  if (reference.reason) ctx.onInfo(`drift: off (${reference.reason})`);
  else ctx.onInfo(`drift: ${reference.features.length} features against the training range's deciles over a ${ctx.config.drift.window}-bar window, alerting past PSI ${ctx.config.drift.threshold} or, where higher, the most a training window of that length showed`);
  if (reference.actionReason) ctx.onInfo(`action drift: off (${reference.actionReason})`);
  monitor.use(drift);
  return drift;
}
