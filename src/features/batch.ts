// The history driver: the same FeatureEngine as live trading, run over stored bars in one pass.
import { type BarColumns, barAt, emptyBar } from "./bar-input.ts";
import { FEATURE_COUNT } from "./definitions.ts";
import { FeatureEngine } from "./engine.ts";

export interface FeatureMatrix {
  /** Bars (rows). */
  n: number;
  /** Row-major n × 30 raw feature values (NaN where masked missing). */
  values: Float64Array;
  /** Row-major n × 30 mask codes (MASK). */
  mask: Uint8Array;
}

export function computeFeatures(cols: BarColumns, engine = new FeatureEngine()): FeatureMatrix {
  const n = cols.openTime.length;
  const values = new Float64Array(n * FEATURE_COUNT);
  const mask = new Uint8Array(n * FEATURE_COUNT);
  const bar = emptyBar(0);
  for (let i = 0; i < n; i++) {
    barAt(cols, i, bar);
    engine.push(bar, values, mask, i * FEATURE_COUNT);
  }
  return { n, values, mask };
}

/** Column j of a row-major matrix. */
export function column(m: FeatureMatrix, j: number): Float64Array {
  const out = new Float64Array(m.n);
  for (let i = 0; i < m.n; i++) out[i] = m.values[i * FEATURE_COUNT + j];
  return out;
}
