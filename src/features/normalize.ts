// Feature normalization (§4.2): z-score and min-max with parameters fitted on the training range only,
// and causal rolling-window z-scores. The same Normalizer instance logic runs over history and live.
import { FEATURE_COUNT, type NormMethod } from "./definitions.ts";

export interface NormParams {
  method: NormMethod;
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  /** Rolling window in bars. */
  window?: number;
}

/** Rolling z-scores need this many finite values in the window before they say anything. */
export const ROLLING_MIN_VALUES = 30;

/** Fit per-feature parameters on rows [fromRow, toRow) of a row-major n × 30 matrix, ignoring NaN. */
export function fitNormalization(values: Float64Array, fromRow: number, toRow: number, methods: NormMethod[], window: number): NormParams[] {
  return methods.map((method, j) => {
    if (method === "none") return { method };
    if (method === "rolling") return { method, window };
    let n = 0;
    let mean = 0;
    let m2 = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = fromRow; i < toRow; i++) {
      const x = values[i * FEATURE_COUNT + j];
      if (!Number.isFinite(x)) continue;
      n++;
      const d = x - mean; // Welford: stable for price-sized values
      mean += d / n;
      m2 += d * (x - mean);
      if (x < min) min = x;
      if (x > max) max = x;
    }
    if (n === 0) return method === "zscore" ? { method, mean: Number.NaN, std: Number.NaN } : { method, min: Number.NaN, max: Number.NaN };
    return method === "zscore" ? { method, mean, std: Math.sqrt(m2 / n) } : { method, min, max };
  });
}

/** Rolling mean/std over the last `window` values, from sums shifted by an anchor (and re-anchored exactly once per window). */
class RollingZ {
  private readonly buf: Float64Array;
  private i = 0;
  private count = 0;
  private finite = 0;
  private anchor = Number.NaN;
  private sum = 0;
  private sumSq = 0;
  private sinceReanchor = 0;

  constructor(readonly window: number) {
    this.buf = new Float64Array(window).fill(Number.NaN);
  }

  push(x: number): number {
    const old = this.buf[this.i];
    if (Number.isFinite(old)) this.remove(old);
    this.buf[this.i] = x;
    this.i = (this.i + 1) % this.window;
    if (this.count < this.window) this.count++;
    if (Number.isFinite(x)) {
      if (Number.isNaN(this.anchor)) this.anchor = x;
      const d = x - this.anchor;
      this.sum += d;
      this.sumSq += d * d;
      this.finite++;
    }
    if (++this.sinceReanchor >= this.window) this.reanchor();
    if (!Number.isFinite(x) || this.finite < ROLLING_MIN_VALUES) return Number.NaN;
    const mean = this.sum / this.finite;
    const variance = Math.max(0, this.sumSq / this.finite - mean * mean);
    const std = Math.sqrt(variance);
    return std > 0 ? (x - this.anchor - mean) / std : 0;
  }

  private remove(x: number): void {
    const d = x - this.anchor;
    this.sum -= d;
    this.sumSq -= d * d;
    this.finite--;
  }

  /** Recompute the sums around the window's latest value: bounds floating-point drift. */
  private reanchor(): void {
    this.sinceReanchor = 0;
    const latest = this.buf[(this.i - 1 + this.window) % this.window];
    if (!Number.isFinite(latest)) return;
    this.anchor = latest;
    this.sum = 0;
    this.sumSq = 0;
    for (let k = 0; k < this.window; k++) {
      const v = this.buf[k];
      if (!Number.isFinite(v)) continue;
      const d = v - this.anchor;
      this.sum += d;
      this.sumSq += d * d;
    }
  }
}

export class Normalizer {
  private readonly rolling: (RollingZ | undefined)[];

  constructor(readonly params: NormParams[]) {
    this.rolling = params.map((p) => (p.method === "rolling" ? new RollingZ(p.window!) : undefined));
  }

  /** Normalize one bar's raw features; NaN in, NaN out. */
  push(raw: Float64Array, out: Float64Array): void {
    for (let j = 0; j < this.params.length; j++) {
      const p = this.params[j];
      const x = raw[j];
      switch (p.method) {
        case "none":
          out[j] = x;
          break;
        case "zscore":
          out[j] = p.std! > 0 ? (x - p.mean!) / p.std! : x - p.mean!;
          break;
        case "minmax":
          out[j] = p.max! > p.min! ? (x - p.min!) / (p.max! - p.min!) : 0;
          break;
        case "rolling":
          out[j] = this.rolling[j]!.push(x);
          break;
      }
      if (!Number.isFinite(x)) out[j] = Number.NaN;
    }
  }
}

/** Normalize a whole row-major matrix with a fresh Normalizer (the history driver). */
export function normalizeMatrix(values: Float64Array, n: number, params: NormParams[]): Float64Array {
  const norm = new Normalizer(params);
  const out = new Float64Array(values.length);
  for (let i = 0; i < n; i++) norm.push(values.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), out.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
  return out;
}
