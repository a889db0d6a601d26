// Feature selection (§4.3) as a readable report: correlated pairs, a model-based importance (ridge
// regression of the 15-minute forward return, with permutation importance on the bars after the
// training range), and optional PCA. Written to selection.json / selection.md beside the artifact.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { openDuck } from "../data/duck.ts";
import { loadFeatureArtifact } from "./artifact.ts";
import { Rng } from "../core/random.ts";

export interface SelectionOptions {
  corrThreshold: number;
  dropCorrelated: boolean;
  pcaComponents?: number;
  /** Forward-return horizon of the importance model, bars. */
  horizon?: number;
  seed?: number;
}

export interface SelectionReport {
  rowsUsed: { train: number; validation: number };
  correlatedPairs: { a: string; b: string; r: number }[];
  dropped: string[];
  importance: { name: string; coefficient: number; permutationDeltaMse: number; hasData: boolean }[];
  pca?: { explained: number[]; components: { name: string; loading: number }[][] };
}

const RIDGE_LAMBDA = 1;

export async function selectionReport(dir: string, opts: SelectionOptions): Promise<SelectionReport> {
  const { instance, conn } = await openDuck();
  let loaded;
  try {
    loaded = await loadFeatureArtifact(conn, dir);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  const { manifest, cols } = loaded;
  const names = manifest.features.map((f) => f.name);
  const k = names.length;
  const n = cols.openTime.length;
  const x = (i: number, j: number) => cols.normalized[i * k + j];
  const hasData = names.map((_, j) => {
    for (let i = 0; i < n; i++) if (Number.isFinite(x(i, j))) return true;
    return false;
  });

  // pairwise correlation over rows where both are present
  const corr: number[][] = names.map(() => names.map(() => Number.NaN));
  const correlatedPairs: SelectionReport["correlatedPairs"] = [];
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      const r = pearson(n, (i) => x(i, a), (i) => x(i, b));
      corr[a][b] = corr[b][a] = r;
      if (a !== b && Math.abs(r) >= opts.corrThreshold) correlatedPairs.push({ a: names[a], b: names[b], r });
    }
  }
  correlatedPairs.sort((p, q) => Math.abs(q.r) - Math.abs(p.r));
  const dropped: string[] = [];
  if (opts.dropCorrelated) for (const p of correlatedPairs) if (!dropped.includes(p.a) && !dropped.includes(p.b)) dropped.push(p.b);

  // ridge regression of the forward log return on the normalized features (missing → 0, as the model sees them)
  const horizon = opts.horizon ?? 15;
  const closeIdx = names.indexOf("close");
  const rawClose = (i: number) => cols.raw[i * k + closeIdx];
  const trainEnd = cols.openTime.findIndex((t) => t >= manifest.trainRange.toMs);
  const split = trainEnd < 0 ? Math.floor(n * 0.7) : trainEnd;
  const rows = (from: number, to: number) => {
    const out: number[] = [];
    for (let i = from; i < Math.min(to, n - horizon); i++) if (Number.isFinite(Math.log(rawClose(i + horizon) / rawClose(i)))) out.push(i);
    return out;
  };
  const train = rows(0, split);
  const valid = rows(split, n);
  const feat = (i: number, j: number) => (Number.isFinite(x(i, j)) ? x(i, j) : 0);
  const target = (i: number) => Math.log(rawClose(i + horizon) / rawClose(i));
  const coef = ridge(train, k, feat, target, RIDGE_LAMBDA);
  const mse = (perm?: { j: number; order: number[] }) => {
    let s = 0;
    valid.forEach((i, r) => {
      let yhat = coef[k];
      for (let j = 0; j < k; j++) yhat += coef[j] * (perm && perm.j === j ? feat(perm.order[r], j) : feat(i, j));
      s += (target(i) - yhat) ** 2;
    });
    return valid.length ? s / valid.length : Number.NaN;
  };
  const base = mse();
  const random = new Rng(opts.seed ?? 1).next;
  const importance = names.map((name, j) => {
    const order = [...valid];
    for (let a = order.length - 1; a > 0; a--) {
      const b = Math.floor(random() * (a + 1));
      [order[a], order[b]] = [order[b], order[a]];
    }
    return { name, coefficient: coef[j], permutationDeltaMse: hasData[j] ? mse({ j, order }) - base : 0, hasData: hasData[j] };
  });

  let pca: SelectionReport["pca"];
  if (opts.pcaComponents) {
    const usable = names.map((_, j) => j).filter((j) => hasData[j] && corr[j].some((r, b) => b !== j && Number.isFinite(r)));
    const sub = usable.map((a) => usable.map((b) => (Number.isFinite(corr[a][b]) ? corr[a][b] : a === b ? 1 : 0)));
    const { values, vectors } = jacobiEigen(sub);
    const order = values.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]);
    const total = values.reduce((s, v) => s + Math.max(0, v), 0);
    const kk = Math.min(opts.pcaComponents, order.length);
    pca = {
      explained: order.slice(0, kk).map(([v]) => v / total),
      components: order.slice(0, kk).map(([, c]) => usable.map((j, r) => ({ name: names[j], loading: vectors[r][c] })).sort((p, q) => Math.abs(q.loading) - Math.abs(p.loading)).slice(0, 5)),
    };
  }
  const report: SelectionReport = { rowsUsed: { train: train.length, validation: valid.length }, correlatedPairs, dropped, importance, pca };
  writeFileSync(path.join(dir, "selection.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(dir, "selection.md"), formatSelection(report));
  return report;
}

export function formatSelection(r: SelectionReport): string {
  const lines = [`feature selection (${r.rowsUsed.train} training rows, ${r.rowsUsed.validation} validation rows)`, "", "correlated pairs:"];
  if (r.correlatedPairs.length === 0) lines.push("  none above the threshold");
  for (const p of r.correlatedPairs) lines.push(`  ${p.a.padEnd(22)} ${p.b.padEnd(22)} r = ${p.r.toFixed(4)}`);
  if (r.dropped.length) lines.push(`dropped (the later of each pair): ${r.dropped.join(", ")}`);
  lines.push("", "importance (ridge on the 15-minute forward return; permutation ΔMSE on validation rows):");
  const ranked = [...r.importance].sort((a, b) => b.permutationDeltaMse - a.permutationDeltaMse);
  for (const f of ranked) lines.push(`  ${f.name.padEnd(22)} ${f.hasData ? `ΔMSE ${f.permutationDeltaMse.toExponential(3).padStart(11)}  coef ${f.coefficient.toExponential(3)}` : "no data (source absent)"}`);
  if (r.pca) {
    lines.push("", "principal components (correlation matrix):");
    r.pca.explained.forEach((e, i) => lines.push(`  PC${i + 1}: ${(100 * e).toFixed(1)} % — ${r.pca!.components[i].map((c) => `${c.name} ${c.loading.toFixed(2)}`).join(", ")}`));
  }
  return `${lines.join("\n")}\n`;
}

function pearson(n: number, a: (i: number) => number, b: (i: number) => number): number {
  let m = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    const x = a(i);
    const y = b(i);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    m++;
    sa += x;
    sb += y;
  }
  if (m < 3) return Number.NaN;
  const ma = sa / m;
  const mb = sb / m;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const x = a(i);
    const y = b(i);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    cov += (x - ma) * (y - mb);
    va += (x - ma) ** 2;
    vb += (y - mb) ** 2;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : Number.NaN;
}

/** Ridge regression with intercept (not penalized): returns k coefficients then the intercept. */
export function ridge(rows: number[], k: number, x: (i: number, j: number) => number, y: (i: number) => number, lambda: number): number[] {
  const d = k + 1;
  const a = Array.from({ length: d }, () => new Array(d).fill(0));
  const b = new Array(d).fill(0);
  const v = new Array(d).fill(0);
  for (const i of rows) {
    for (let j = 0; j < k; j++) v[j] = x(i, j);
    v[k] = 1;
    const yi = y(i);
    for (let p = 0; p < d; p++) {
      b[p] += v[p] * yi;
      for (let q = 0; q < d; q++) a[p][q] += v[p] * v[q];
    }
  }
  for (let j = 0; j < k; j++) a[j][j] += lambda;
  return solve(a, b);
}

/** Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    [b[c], b[p]] = [b[p], b[c]];
    if (a[c][c] === 0) continue;
    for (let r = c + 1; r < n; r++) {
      const f = a[r][c] / a[c][c];
      for (let q = c; q < n; q++) a[r][q] -= f * a[c][q];
      b[r] -= f * b[c];
    }
  }
  const out = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let q = r + 1; q < n; q++) s -= a[r][q] * out[q];
    out[r] = a[r][r] === 0 ? 0 : s / a[r][r];
  }
  return out;
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations; eigenvectors are columns. */
export function jacobiEigen(m: number[][]): { values: number[]; vectors: number[][] } {
  const n = m.length;
  const a = m.map((r) => [...r]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < n; r++) {
          const arp = a[r][p];
          const arq = a[r][q];
          a[r][p] = c * arp - s * arq;
          a[r][q] = s * arp + c * arq;
        }
        for (let r = 0; r < n; r++) {
          const apr = a[p][r];
          const aqr = a[q][r];
          a[p][r] = c * apr - s * aqr;
          a[q][r] = s * apr + c * aqr;
        }
        for (let r = 0; r < n; r++) {
          const vrp = v[r][p];
          const vrq = v[r][q];
          v[r][p] = c * vrp - s * vrq;
          v[r][q] = s * vrp + c * vrq;
        }
      }
    }
  }
  return { values: a.map((r, i) => r[i]), vectors: v };
}

