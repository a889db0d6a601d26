// Which searched parameters the objective depends on, for the tune's report: permutation importance
// (Breiman 2001, "Random Forests", §10) on a random-forest surrogate fitted to the finished trials,
// measured on each tree's out-of-bag rows so a tree is never scored on the trials it was grown from.
import { Rng } from "../core/random.ts";
import { canonicalJson, specKind } from "./space.ts";
import type { Observation, SearchSpace } from "./types.ts";

export type ImportanceResult = { method: string; params: { name: string; importance: number }[] } | { method: string; reason: string };

/** Below this many finished trials the surrogate is fitted to noise. */
export const MIN_TRIALS_FOR_IMPORTANCE = 8;
const TREES = 50;
/** Permutations of a column per tree, averaged: one shuffle of a dozen out-of-bag rows is noisy. */
const PERMUTATIONS = 5;
/** Leaves of at least 2 trials and depth 10: a search has tens of trials, not thousands. */
const MIN_LEAF = 2;
const MAX_DEPTH = 10;

export const IMPORTANCE_METHOD = `permutation importance on a random-forest surrogate (${TREES} trees, out-of-bag, ${PERMUTATIONS} permutations per tree)`;

/**
 * The importance of each parameter (normalised to sum to 1, negative increases clipped to 0), or why
 * there is none. Log ranges enter the trees as log(x); choices as categories (a split sends a subset of
 * them left: Breiman's ordering of the categories by their mean objective, optimal for squared error).
 */
export function parameterImportance(space: SearchSpace, observations: Observation[], seed: number): ImportanceResult {
  const names = Object.keys(space);
  const kinds = names.map((n) => specKind(space[n], n));
  const categorical = kinds.map((k) => k.kind === "choice");
  const rows: number[][] = [];
  const y: number[] = [];
  for (const o of observations) {
    if (o.objective === null || !Number.isFinite(o.objective)) continue;
    const row = kinds.map((k, j) => {
      const v = o.params[names[j]];
      if (k.kind === "choice") {
        const i = k.values.findIndex((c) => canonicalJson(c) === canonicalJson(v));
        return i < 0 ? k.values.length : i; // a value no longer in the space: a category of its own
      }
      if (typeof v !== "number") return NaN;
      return k.kind === "log" ? Math.log(v) : v;
    });
    if (row.some((x) => !Number.isFinite(x))) continue;
    rows.push(row);
    y.push(o.objective);
  }
  if (rows.length < MIN_TRIALS_FOR_IMPORTANCE) return { method: IMPORTANCE_METHOD, reason: `needs at least ${MIN_TRIALS_FOR_IMPORTANCE} finished trials, has ${rows.length}` };
  if (y.every((v) => v === y[0])) return { method: IMPORTANCE_METHOD, reason: `all ${y.length} finished trials have the same objective: no parameter explains it` };

  const rng = new Rng(seed);
  const n = rows.length;
  const increase = new Array<number>(names.length).fill(0);
  let scored = 0;
  for (let t = 0; t < TREES; t++) {
    const inBag = new Array<boolean>(n).fill(false);
    const bag = Array.from({ length: n }, () => {
      const i = Math.floor(rng.next() * n);
      inBag[i] = true;
      return i;
    });
    const oob = inBag.flatMap((b, i) => (b ? [] : [i]));
    if (oob.length < 2) continue;
    const tree = grow(rows, y, bag, categorical, 0);
    const base = meanSquaredError(tree, oob.map((i) => rows[i]), oob.map((i) => y[i]));
    for (let j = 0; j < names.length; j++) {
      for (let r = 0; r < PERMUTATIONS; r++) {
        const column = shuffle(oob.map((i) => rows[i][j]), rng);
        const permuted = oob.map((i, m) => rows[i].map((x, c) => (c === j ? column[m] : x)));
        increase[j] += meanSquaredError(tree, permuted, oob.map((i) => y[i])) - base;
      }
    }
    scored++;
  }
  const clipped = increase.map((s) => Math.max(0, scored > 0 ? s / (scored * PERMUTATIONS) : 0));
  const total = clipped.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return { method: IMPORTANCE_METHOD, reason: "no parameter explains the objective: permuting any of them leaves the surrogate's out-of-bag error as it was" };
  return { method: IMPORTANCE_METHOD, params: names.map((name, j) => ({ name, importance: clipped[j] / total })) };
}

type Tree = { leaf: number } | { feature: number; threshold: number; left: Tree; right: Tree } | { feature: number; leftSet: Set<number>; left: Tree; right: Tree };

/** A regression tree by exhaustive least-squares splits over every feature (bagging: no feature subsampling, the parameters are few). */
function grow(x: number[][], y: number[], rows: number[], categorical: boolean[], depth: number): Tree {
  const mean = rows.reduce((s, i) => s + y[i], 0) / rows.length;
  if (depth >= MAX_DEPTH || rows.length < 2 * MIN_LEAF || rows.every((i) => y[i] === y[rows[0]])) return { leaf: mean };
  let best: { sse: number; split: (i: number) => boolean; node: (l: Tree, r: Tree) => Tree } | undefined;
  for (let j = 0; j < categorical.length; j++) {
    // The order the sweep goes through: by value, or for a category by its mean objective in this node.
    let key: (i: number) => number;
    let categoryOrder: number[] = [];
    if (categorical[j]) {
      const sums = new Map<number, { s: number; n: number }>();
      for (const i of rows) {
        const e = sums.get(x[i][j]) ?? { s: 0, n: 0 };
        e.s += y[i];
        e.n += 1;
        sums.set(x[i][j], e);
      }
      categoryOrder = [...sums.entries()].sort((a, b) => a[1].s / a[1].n - b[1].s / b[1].n || a[0] - b[0]).map((e) => e[0]);
      const rank = new Map(categoryOrder.map((c, r) => [c, r]));
      key = (i) => rank.get(x[i][j]) as number;
    } else key = (i) => x[i][j];
    const sorted = [...rows].sort((a, b) => key(a) - key(b));
    let leftSum = 0;
    let leftSq = 0;
    const totalSum = sorted.reduce((s, i) => s + y[i], 0);
    const totalSq = sorted.reduce((s, i) => s + y[i] * y[i], 0);
    for (let m = 1; m < sorted.length; m++) {
      const yi = y[sorted[m - 1]];
      leftSum += yi;
      leftSq += yi * yi;
      if (m < MIN_LEAF || sorted.length - m < MIN_LEAF) continue;
      const a = key(sorted[m - 1]);
      const b = key(sorted[m]);
      if (a === b) continue;
      const rightSum = totalSum - leftSum;
      const sse = leftSq - (leftSum * leftSum) / m + (totalSq - leftSq) - (rightSum * rightSum) / (sorted.length - m);
      if (best === undefined || sse < best.sse - 1e-12) {
        if (categorical[j]) {
          const leftSet = new Set(categoryOrder.slice(0, a + 1));
          best = { sse, split: (i) => leftSet.has(x[i][j]), node: (left, right) => ({ feature: j, leftSet, left, right }) };
        } else {
          const threshold = 0.5 * (a + b);
          best = { sse, split: (i) => x[i][j] <= threshold, node: (left, right) => ({ feature: j, threshold, left, right }) };
        }
      }
    }
  }
  if (best === undefined) return { leaf: mean };
  const chosen = best;
  const left = rows.filter((i) => chosen.split(i));
  const right = rows.filter((i) => !chosen.split(i));
  return chosen.node(grow(x, y, left, categorical, depth + 1), grow(x, y, right, categorical, depth + 1));
}

function predict(tree: Tree, row: number[]): number {
  let node = tree;
  while (!("leaf" in node)) {
    // A category the node never saw goes right, with the categories of the higher mean objectives.
    const goLeft = "threshold" in node ? row[node.feature] <= node.threshold : node.leftSet.has(row[node.feature]);
    node = goLeft ? node.left : node.right;
  }
  return node.leaf;
}

function meanSquaredError(tree: Tree, rows: number[][], y: number[]): number {
  return rows.reduce((s, row, i) => s + (predict(tree, row) - y[i]) ** 2, 0) / rows.length;
}

function shuffle<T>(values: T[], rng: Rng): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}
