// A generated market in which a profitable policy exists: the drift of each bar follows a hidden
// regime (up or down, switching now and then), and feature 0 shows the regime of the NEXT bar. A
// learner that works finds "be long when feature 0 is positive"; one that is broken does not. Used by
// the learning test and the PPO benchmark, never by real runs.
import { DAY_MS } from "../core/time.ts";
import { MANIFEST_SCHEMA } from "../features/artifact.ts";
import { FEATURE_COUNT, FEATURE_DEFINITION_VERSION, FEATURES } from "../features/definitions.ts";
import type { TrainingData } from "./data.ts";
import { Rng, gaussian } from "../core/random.ts";

export interface SyntheticMarketOptions {
  bars: number;
  seed: number;
  /** Per-bar drift in the regime's direction (fraction of price). */
  drift?: number;
  /** Per-bar noise sd (fraction of price). */
  noise?: number;
  /** Chance per bar that the regime flips. */
  switchProbability?: number;
  /** Features other than the leading one: Gaussian noise (true) or zeros. */
  noiseFeatures?: boolean;
  /** A third, driftless regime between up and down (the regime then moves to one of the other two at a switch). */
  neutralRegime?: boolean;
  /** Per-bar noise sd in the driftless regime (default: noise). */
  neutralNoise?: number;
  /** false: feature 0 is noise like the others and nothing leads the market (a market with no signal). */
  leadingFeature?: boolean;
}

export function syntheticMarket(o: SyntheticMarketOptions): TrainingData {
  const { bars: n, drift = 0.001, noise = 0.0005, switchProbability = 0.05, noiseFeatures = true, neutralRegime = false, neutralNoise = noise, leadingFeature = true } = o;
  const rng = new Rng(o.seed);
  const gauss = () => gaussian(rng.next);
  const regime = new Int8Array(n);
  regime[0] = 1;
  for (let i = 1; i < n; i++) regime[i] = rng.next() < switchProbability ? nextRegime(regime[i - 1], neutralRegime, rng) : regime[i - 1];
  const t0 = Date.UTC(2024, 0, 1);
  const openTime = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const features = new Float64Array(n * FEATURE_COUNT);
  let price = 30_000;
  for (let i = 0; i < n; i++) {
    openTime[i] = t0 + i * 60_000;
    open[i] = price;
    price *= 1 + regime[i] * drift + (regime[i] === 0 ? neutralNoise : noise) * gauss();
    close[i] = price;
    // a quiet bar range: stops and liquidation stay out of the way
    high[i] = Math.max(open[i], close[i]) * 1.0001;
    low[i] = Math.min(open[i], close[i]) * 0.9999;
    // the decision at bar i's close trades bar i+1: feature 0 leads it
    features[i * FEATURE_COUNT] = !leadingFeature ? gauss() : i + 1 < n ? regime[i + 1] : regime[i];
    if (noiseFeatures) for (let j = 1; j < FEATURE_COUNT; j++) features[i * FEATURE_COUNT + j] = gauss();
  }
  return {
    openTime,
    features,
    market: { openTime, open, high, low, close },
    manifest: {
      schema: MANIFEST_SCHEMA,
      definitionVersion: FEATURE_DEFINITION_VERSION,
      symbol: "SYNTHETIC",
      createdAt: new Date(t0).toISOString(),
      rows: n,
      range: { fromMs: t0, toMs: t0 + n * 60_000 },
      trainRange: { fromMs: t0, toMs: t0 + DAY_MS },
      features: FEATURES.map((f) => ({ name: f.name, group: f.group, unit: f.unit, norm: { method: "none" as const } })),
      maskCounts: {},
      filledBars: 0,
      sources: [],
      config: { generator: "syntheticMarket", ...o },
      contentSha256: "",
    },
  };
}

/** The regime after a switch: the other of up and down, or with the neutral regime either of the two others. */
function nextRegime(current: number, neutral: boolean, rng: Rng): -1 | 0 | 1 {
  if (!neutral) return current > 0 ? -1 : 1;
  const others = ([-1, 0, 1] as const).filter((r) => r !== current);
  return others[rng.next() < 0.5 ? 0 : 1];
}
