// The session's features: the run's own normalization over the live feature code (features/live.ts),
// warmed up on history before the first decision, with that warm-up checked bar for bar against the
// batch driver that built the training data. A difference means live and backtest would not see the
// same inputs, so the session refuses to trade (a bug in rlt, not in the data).
import { BAR_MS } from "../core/time.ts";
import { type BarColumns, type BarInput, barAt, emptyBar } from "../features/bar-input.ts";
import type { FeatureManifest } from "../features/artifact.ts";
import { computeFeatures } from "../features/batch.ts";
import { FEATURES, FEATURE_COUNT } from "../features/definitions.ts";
import { LiveFeatures } from "../features/live.ts";
import { normalizeMatrix } from "../features/normalize.ts";
import { barsToColumns } from "./bars.ts";

/** The parity test's tolerance between the two drivers (features/parity.test.ts). */
export const FEATURE_PARITY_TOLERANCE = 1e-9;
const SPREAD_INDEX = FEATURES.findIndex((f) => f.name === "spread_bps");

export interface WarmUpReport {
  bars: number;
  /** Largest difference between live and batch over every raw and normalized value. */
  maxDifference: number;
  /** Features still masked missing at the last warm-up bar (their source or window is not there yet). */
  maskedAtEnd: string[];
}

export class SessionFeatures {
  private readonly live: LiveFeatures;
  private readonly params;

  constructor(manifest: FeatureManifest) {
    const names = manifest.features.map((f) => f.name);
    if (names.length !== FEATURE_COUNT || names.some((n, j) => n !== FEATURES[j].name)) {
      throw new Error(`internal: the run's feature manifest lists ${names.length} features that are not this rlt's ${FEATURE_COUNT}`);
    }
    this.params = manifest.features.map((f) => f.norm);
    this.live = new LiveFeatures(this.params);
  }

  get normalized(): Float64Array {
    return this.live.normalized;
  }

  get raw(): Float64Array {
    return this.live.raw;
  }

  get mask(): Uint8Array {
    return this.live.mask;
  }

  /** Book spread at the last bar's close in bps (NaN without a book). */
  get spreadBps(): number {
    return this.live.raw[SPREAD_INDEX];
  }

  push(bar: BarInput): void {
    this.live.push(bar);
  }

  /** Push history through the live driver and hold it against the batch driver over the same bars. */
  warmUp(cols: BarColumns): WarmUpReport {
    const n = cols.openTime.length;
    const batch = computeFeatures(cols);
    const normalized = normalizeMatrix(batch.values, n, this.params);
    let maxDifference = 0;
    let worst = "";
    for (let i = 0; i < n; i++) {
      this.live.push(barAt(cols, i));
      for (let j = 0; j < FEATURE_COUNT; j++) {
        const k = i * FEATURE_COUNT + j;
        for (const [a, b] of [[this.live.raw[j], batch.values[k]], [this.live.normalized[j], normalized[k]]]) {
          const d = difference(a, b);
          if (d > maxDifference) {
            maxDifference = d;
            worst = `${FEATURES[j].name} at ${new Date(cols.openTime[i]).toISOString()}: live ${a}, batch ${b}`;
          }
        }
        if (this.live.mask[j] !== batch.mask[k]) throw new Error(`internal: live and batch feature masks differ for ${FEATURES[j].name} at ${new Date(cols.openTime[i]).toISOString()}`);
      }
    }
    if (maxDifference > FEATURE_PARITY_TOLERANCE) throw new Error(`internal: live features differ from the batch features the model was trained on (${worst})`);
    const maskedAtEnd = n ? FEATURES.filter((_, j) => !Number.isFinite(this.live.normalized[j])).map((f) => f.name) : [];
    return { bars: n, maxDifference, maskedAtEnd };
  }
}

/**
 * The features a klines-only session cannot compute (their source is aggTrades or the order book): the
 * ones still missing after a few hundred OHLCV bars, once every window is full. Asked of the feature
 * engine itself rather than listed by hand, so the answer follows the definitions.
 */
export function featuresNeedingStreams(): string[] {
  const n = 400;
  const bars = Array.from({ length: n }, (_, i) => {
    const b = emptyBar(i * BAR_MS);
    const p = 100 + Math.sin(i / 7);
    Object.assign(b, { open: p, high: p + 0.5, low: p - 0.5, close: p + 0.1, volume: 10 + (i % 5), quoteVolume: (10 + (i % 5)) * p, klineTrades: 50 + (i % 3), takerBuyVolume: 5 });
    return b;
  });
  const m = computeFeatures(barsToColumns(bars));
  return FEATURES.filter((_, j) => !Number.isFinite(m.values[(n - 1) * FEATURE_COUNT + j])).map((f) => f.name);
}

/** Relative difference (absolute below 1); NaN equals NaN, NaN against a number is infinitely different. */
function difference(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(a - b) / Math.max(1, Math.abs(a));
}
