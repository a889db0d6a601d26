// The tree-structured Parzen estimator (Bergstra, Bardenet, Bengio & Kégl 2011, "Algorithms for
// Hyper-Parameter Optimization", NeurIPS; details after Optuna's univariate TPESampler): split the
// finished trials into a good and a bad group at the gamma quantile of the objective, model each group
// with one Parzen estimator per parameter, and propose the candidate drawn from the good model l(x)
// that maximises l(x) / g(x). The objective is maximised.
import { gaussian } from "../core/random.ts";
import { canonicalJson, paramKey, specKind, type SpecKind } from "./space.ts";
import type { Observation, Params, SearchSpace } from "./types.ts";

export interface TpeOptions {
  /** The good group is the best ceil(gamma · n) finished trials (at least one). */
  gamma: number;
  /** Candidates drawn from l(x) per parameter. */
  candidates: number;
  /** Weight of the prior (uniform over the space) as one more kernel; 1 = add-one smoothing for choices. */
  priorWeight: number;
}

/** Bergstra et al.'s gamma 0.25 and Optuna's 24 candidates and prior weight 1. */
export const TPE_DEFAULTS: TpeOptions = { gamma: 0.25, candidates: 24, priorWeight: 1 };

/** The narrowest kernel is (hi − lo) / min(MAX_KERNELS_FOR_MIN_SIGMA, 1 + kernels): Optuna's "magic clip". */
const MAX_KERNELS_FOR_MIN_SIGMA = 100;

/** Draws of a truncated Gaussian by rejection before falling back to clamping (never reached in practice). */
const MAX_REJECTIONS = 64;

/**
 * The TPE proposal for `space` given the finished `observations` and the `pending` (running) trials;
 * undefined when no trial has finished with a value yet (the caller samples the prior then).
 */
export function tpePropose(space: SearchSpace, observations: Observation[], pending: Params[], random: () => number, opts: TpeOptions = TPE_DEFAULTS): Params | undefined {
  const { good, bad } = splitObservations(observations, pending, opts.gamma);
  if (good.length === 0) return undefined;
  const params: Params = {};
  // The model factorises over parameters, so log l(x) − log g(x) is a sum of per-parameter terms: choosing
  // each parameter's best of its own candidates maximises the sum over every combination of the candidates
  // drawn (Optuna's univariate TPE does the same).
  for (const path of Object.keys(space)) {
    const k = specKind(space[path], path);
    const dim = k.kind === "choice" ? categoricalDimension(k.values, path, good, bad, opts.priorWeight) : numericDimension(k, path, good, bad, opts.priorWeight);
    let best: unknown = undefined;
    let bestScore = -Infinity;
    for (let c = 0; c < opts.candidates; c++) {
      const { value, score } = dim.candidate(random);
      if (score > bestScore || best === undefined) {
        best = value;
        bestScore = score;
      }
    }
    params[path] = best;
  }
  return params;
}

/**
 * The good group: the best ceil(gamma · n) of the n trials that finished with a value. The bad group:
 * the rest, plus
 * - failed trials (objective null): their region is worth avoiding, and there is no value to rank them by;
 * - pending trials, as a "constant liar" that says they turned out bad. The tuner proposes while other
 *   trials run; without the lie every free worker would be sent to the same promising spot, while with
 *   it g(x) rises around the running trials and concurrent proposals spread out. Lying "good" instead
 *   would pull proposals towards unverified points. Once a trial finishes, its real value replaces the lie.
 * Sorted by objective then by key, so the split does not depend on the order trials were delivered in.
 */
export function splitObservations(observations: Observation[], pending: Params[], gamma: number): { good: Params[]; bad: Params[] } {
  const finished = observations
    .filter((o) => o.objective !== null && Number.isFinite(o.objective))
    .map((o) => ({ params: o.params, objective: o.objective as number, key: paramKey(o.params) }))
    .sort((a, b) => b.objective - a.objective || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (finished.length === 0) return { good: [], bad: [] };
  const nGood = Math.min(finished.length, Math.max(1, Math.ceil(gamma * finished.length)));
  const failed = observations.filter((o) => !(o.objective !== null && Number.isFinite(o.objective))).map((o) => o.params);
  return {
    good: finished.slice(0, nGood).map((f) => f.params),
    bad: [...finished.slice(nGood).map((f) => f.params), ...failed, ...pending],
  };
}

interface Dimension {
  /** One draw from l with its score log l − log g. */
  candidate(random: () => number): { value: unknown; score: number };
}

/** A choice: l and g are categorical with `priorWeight` added to every value's count. */
function categoricalDimension(values: unknown[], path: string, good: Params[], bad: Params[], priorWeight: number): Dimension {
  const index = new Map(values.map((v, i) => [canonicalJson(v), i]));
  const probabilities = (group: Params[]) => {
    const counts = new Array<number>(values.length).fill(priorWeight);
    for (const p of group) {
      const i = index.get(canonicalJson(p[path]));
      if (i !== undefined) counts[i] += 1; // a value no longer in the space says nothing about this one
    }
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => c / total);
  };
  const l = probabilities(good);
  const g = probabilities(bad);
  return {
    candidate(random) {
      let u = random();
      let i = 0;
      while (i < l.length - 1 && u >= l[i]) u -= l[i++];
      return { value: values[i], score: Math.log(l[i]) - Math.log(g[i]) };
    },
  };
}

/**
 * A range, log range or integer: l and g are mixtures of Gaussians truncated to the bounds, one kernel per
 * observation plus the prior (centred, as wide as the space), in log(x) for a log range. An integer is a
 * real on [lo − ½, hi + ½] rounded to the nearest integer, its score taken at the integer.
 */
function numericDimension(k: Exclude<SpecKind, { kind: "choice" }>, path: string, good: Params[], bad: Params[], priorWeight: number): Dimension {
  const toModel = (x: number) => (k.kind === "log" ? Math.log(x) : x);
  const lo = k.kind === "log" ? Math.log(k.lo) : k.kind === "int" ? k.lo - 0.5 : k.lo;
  const hi = k.kind === "log" ? Math.log(k.hi) : k.kind === "int" ? k.hi + 0.5 : k.hi;
  const modelValues = (group: Params[]) =>
    group
      .map((p) => p[path])
      .filter((x): x is number => typeof x === "number" && Number.isFinite(x) && (k.kind !== "log" || x > 0))
      .map((x) => Math.min(hi, Math.max(lo, toModel(x))));
  const l = parzen(modelValues(good), lo, hi, priorWeight);
  const g = parzen(modelValues(bad), lo, hi, priorWeight);
  return {
    candidate(random) {
      const z = l.sample(random);
      let value: number;
      let at: number;
      if (k.kind === "int") {
        value = Math.min(k.hi, Math.max(k.lo, Math.round(z)));
        at = value;
      } else if (k.kind === "log") {
        value = Math.min(k.hi, Math.max(k.lo, Math.exp(z)));
        at = z;
      } else {
        value = z;
        at = z;
      }
      return { value, score: l.logPdf(at) - g.logPdf(at) };
    },
  };
}

export interface Parzen {
  mus: number[];
  sigmas: number[];
  weights: number[];
  sample(random: () => number): number;
  logPdf(x: number): number;
}

/**
 * A Parzen estimator on [lo, hi]: a Gaussian kernel at each point whose width is the larger distance
 * to its neighbours (the bounds and the prior's centre count as neighbours; at the two ends only the
 * inner neighbour), clipped to [(hi − lo) / min(100, 1 + kernels), hi − lo], plus the prior kernel.
 */
export function parzen(points: number[], lo: number, hi: number, priorWeight: number): Parzen {
  const width = hi - lo;
  const priorMu = 0.5 * (lo + hi);
  const withPrior = [...points, priorMu];
  const order = withPrior.map((_, i) => i).sort((a, b) => withPrior[a] - withPrior[b]);
  const sorted = order.map((i) => withPrior[i]);
  const padded = [lo, ...sorted, hi];
  const sortedSigmas = sorted.map((_, j) => Math.max(padded[j + 1] - padded[j], padded[j + 2] - padded[j + 1]));
  if (sorted.length >= 2) {
    // The distance to a bound says nothing about the spread of the points: use the inner gap at the ends.
    sortedSigmas[0] = padded[2] - padded[1];
    sortedSigmas[sorted.length - 1] = padded[sorted.length] - padded[sorted.length - 1];
  }
  const kernels = withPrior.length;
  const minSigma = width / Math.min(MAX_KERNELS_FOR_MIN_SIGMA, 1 + kernels);
  const sigmas = new Array<number>(kernels);
  order.forEach((i, j) => (sigmas[i] = Math.min(width, Math.max(minSigma, sortedSigmas[j]))));
  sigmas[kernels - 1] = width; // the prior: as wide as the space
  const raw = [...points.map(() => 1), priorWeight];
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / total);
  // Each kernel's mass inside [lo, hi], which its truncated density is divided by.
  const logMass = withPrior.map((mu, i) => Math.log(normalCdf((hi - mu) / sigmas[i]) - normalCdf((lo - mu) / sigmas[i])));
  const logWeights = weights.map(Math.log);
  return {
    mus: withPrior,
    sigmas,
    weights,
    sample(random) {
      let u = random();
      let i = 0;
      while (i < kernels - 1 && u >= weights[i]) u -= weights[i++];
      for (let t = 0; t < MAX_REJECTIONS; t++) {
        const x = withPrior[i] + sigmas[i] * gaussian(random);
        if (x >= lo && x <= hi) return x;
      }
      return Math.min(hi, Math.max(lo, withPrior[i]));
    },
    logPdf(x) {
      const terms = withPrior.map((mu, i) => {
        const z = (x - mu) / sigmas[i];
        return logWeights[i] - 0.5 * z * z - Math.log(sigmas[i] * Math.sqrt(2 * Math.PI)) - logMass[i];
      });
      return logSumExp(terms);
    },
  };
}

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}

/** Φ(x), through erfc (Numerical Recipes' Chebyshev fit, fractional error below 1.2e-7). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}
