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

/** The market streams a session can open beside the klines. */
export type MarketStream = "aggTrade" | "bookTicker" | "depth";
export const MARKET_STREAMS: readonly MarketStream[] = ["aggTrade", "bookTicker", "depth"];

/**
 * The BarInput fields each stream fills (what LiveBarBuilder and the synced book write), and the store
 * kinds that are the same source in history (sources.ts): a stream is opened only for a model whose
 * training data had that source, else live values would come from a source training never saw.
 */
export const STREAM_SOURCES: Record<MarketStream, { fields: readonly (keyof BarInput)[]; kinds: readonly string[] }> = {
  aggTrade: { fields: ["aggCount", "fills", "buyVolume", "sellVolume", "largeVolume"], kinds: ["aggtrades", "trades"] },
  bookTicker: { fields: ["ofi"], kinds: ["book_ticker"] },
  depth: {
    fields: ["levelIncreases", "levelDecreases", "spreadBps", "bookImbalance", "bookDepth", "priceImpactBps", "bookPressure", "liquidityNearShare", "bookSlope", "micropriceDevBps"],
    kinds: ["depth_updates", "book_snapshots"],
  },
};

/** A few hundred bars with every source present: every window full at the last one. */
function probeBars(): BarInput[] {
  return Array.from({ length: PROBE_BARS }, (_, i) => {
    const b = emptyBar(i * BAR_MS);
    const p = 100 + Math.sin(i / 7);
    Object.assign(b, { open: p, high: p + 0.5, low: p - 0.5, close: p + 0.1, volume: 10 + (i % 5), quoteVolume: (10 + (i % 5)) * p, klineTrades: 50 + (i % 3), takerBuyVolume: 5 });
    Object.assign(b, { aggCount: 20 + (i % 4), fills: 40 + (i % 6), buyVolume: 6 + (i % 3), sellVolume: 4 + (i % 2), largeVolume: 1 + (i % 2), ofi: Math.cos(i), levelIncreases: 30 + (i % 7), levelDecreases: 50 + (i % 5) });
    Object.assign(b, { spreadBps: 0.2 + (i % 3) / 10, bookImbalance: Math.sin(i) / 2, bookDepth: 100 + i, priceImpactBps: 1 + (i % 4) / 10, bookPressure: Math.cos(i) / 3, liquidityNearShare: 0.4, bookSlope: 2 + (i % 3), micropriceDevBps: 0.01 * (i % 5) });
    return b;
  });
}
const PROBE_BARS = 400;

/** The last probe bar's features (value and mask) with the given streams' fields unknown. */
function probe(without: readonly MarketStream[]): { values: Float64Array; mask: Uint8Array } {
  const bars = probeBars();
  for (const s of without) for (const b of bars) for (const f of STREAM_SOURCES[s].fields) (b[f] as number) = Number.NaN;
  const m = computeFeatures(barsToColumns(bars));
  const at = (PROBE_BARS - 1) * FEATURE_COUNT;
  return { values: m.values.subarray(at, at + FEATURE_COUNT), mask: m.mask.subarray(at, at + FEATURE_COUNT) };
}

/**
 * For each feature, the streams whose absence changes its value or mask (missing, or a proxy instead
 * of the primary source), asked of the feature engine itself rather than listed by hand, so the answer
 * follows the definitions.
 */
export function featureStreams(): Map<string, MarketStream[]> {
  const all = probe([]);
  const out = new Map<string, MarketStream[]>(FEATURES.map((f) => [f.name, []]));
  for (const s of MARKET_STREAMS) {
    const without = probe([s]);
    FEATURES.forEach((f, j) => {
      const same = without.mask[j] === all.mask[j] && (without.values[j] === all.values[j] || (Number.isNaN(without.values[j]) && Number.isNaN(all.values[j])));
      if (!same) out.get(f.name)!.push(s);
    });
  }
  return out;
}

/** The features a klines-only session cannot compute: missing once every stream is absent. */
export function featuresNeedingStreams(): string[] {
  const k = probe(MARKET_STREAMS);
  return FEATURES.filter((_, j) => !Number.isFinite(k.values[j])).map((f) => f.name);
}

export interface StreamPlan {
  /** Streams to open beside the klines. */
  streams: MarketStream[];
  /** Features the model uses, by the stream that feeds them. */
  featuresByStream: Record<MarketStream, string[]>;
  /** Used features that no opened stream and no kline can produce (the session refuses them). */
  unproducible: string[];
}

/**
 * What the run's model needs streamed: the features it was trained with (not missing on every row of
 * its data, per the manifest's maskCounts) whose value depends on a stream whose source the training
 * data had. A feature that needs a source the training data lacked was the klines' proxy or missing
 * there, and stays so live.
 */
export function planStreams(manifest: FeatureManifest): StreamPlan {
  const deps = featureStreams();
  const kinds = new Set(manifest.sources.filter((s) => s.rows > 0).map((s) => s.kind));
  const used = FEATURES.filter((f) => (manifest.maskCounts[f.name]?.missing ?? manifest.rows) < manifest.rows).map((f) => f.name);
  const featuresByStream = { aggTrade: [], bookTicker: [], depth: [] } as Record<MarketStream, string[]>;
  for (const name of used) for (const s of deps.get(name)!) if (STREAM_SOURCES[s].kinds.some((k) => kinds.has(k))) featuresByStream[s].push(name);
  const streams = MARKET_STREAMS.filter((s) => featuresByStream[s].length > 0);
  // a used feature that is missing with klines and the opened streams alone cannot be produced live
  const live = probe(MARKET_STREAMS.filter((s) => !streams.includes(s)));
  const needsStreams = new Set(featuresNeedingStreams());
  const unproducible = used.filter((name) => needsStreams.has(name) && !Number.isFinite(live.values[FEATURES.findIndex((f) => f.name === name)]));
  return { streams, featuresByStream, unproducible };
}

/** Relative difference (absolute below 1); NaN equals NaN, NaN against a number is infinitely different. */
function difference(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(a - b) / Math.max(1, Math.abs(a));
}
