// `rlt features SYMBOL`: stored data → 30 features → normalization fitted on the training range →
// artifact (Parquet + manifest), with a printable summary.
import { barCloseMs } from "../core/time.ts";
import path from "node:path";
import { UsageError } from "../core/errors.ts";
import { sha256File } from "../data/checksum.ts";
import { Store } from "../data/store.ts";
import { type FeatureManifest, type WriteArtifactOptions, writeFeatureArtifact } from "./artifact.ts";
import { computeFeatures } from "./batch.ts";
import { fitDeciles } from "./deciles.ts";
import { FEATURES, FEATURE_COUNT, FEATURE_DEFINITION_VERSION, MASK, type NormMethod } from "./definitions.ts";
import { fitNormalization, normalizeMatrix } from "./normalize.ts";
import { loadBars } from "./sources.ts";
import { lowerBound } from "../core/sorted.ts";

export interface FeaturesOptions {
  dataDir: string;
  symbol: string;
  /** Output folder; default <cwd>/features/<SYMBOL>-1m. */
  outDir: string;
  fromMs?: number;
  toMs?: number;
  /** Fit normalization on bars before this time... */
  trainToMs?: number;
  /** ...or on this leading fraction of the bars (default 0.7). */
  trainFraction: number;
  /** Per-feature normalization overrides. */
  norm: Record<string, NormMethod>;
  rollingWindow: number;
  fillGaps: boolean;
  /** Lock wait line and extra files of the same artifact (see writeFeatureArtifact). */
  write?: WriteArtifactOptions;
}

export interface FeatureSummary {
  outDir: string;
  manifest: FeatureManifest;
  stats: { name: string; min: number; max: number; proxy: number; missing: number }[];
  /** Said with the summary: e.g. bars stored marked invalid inside the range. */
  warnings?: string[];
}

export async function buildFeatures(opts: FeaturesOptions): Promise<FeatureSummary> {
  for (const name of Object.keys(opts.norm)) {
    if (!FEATURES.some((f) => f.name === name)) throw new UsageError(`--norm: unknown feature "${name}"`, { hint: `features are: ${FEATURES.map((f) => f.name).join(", ")}` });
  }
  if (!(opts.trainFraction > 0 && opts.trainFraction <= 1)) throw new UsageError(`--train-fraction must be in (0, 1], got ${opts.trainFraction}`);
  const store = await Store.open(opts.dataDir);
  try {
    const { cols, filled, sources } = await loadBars(store, opts.symbol, { fromMs: opts.fromMs, toMs: opts.toMs, fillGaps: opts.fillGaps });
    const m = computeFeatures(cols);
    const n = m.n;
    const trainRows = opts.trainToMs !== undefined ? lowerBound(cols.openTime, opts.trainToMs) : Math.floor(n * opts.trainFraction);
    if (trainRows < 100) throw new UsageError(`the training range holds ${trainRows} bars; normalization needs at least 100`, { hint: "move --train-to later or raise --train-fraction" });
    const methods = FEATURES.map((f) => opts.norm[f.name] ?? f.norm);
    const params = fitNormalization(m.values, 0, trainRows, methods, opts.rollingWindow);
    const normalized = normalizeMatrix(m.values, n, params);
    // drift's reference covers the rows the normalization was fitted on (trainRange), the only range
    // known here: rlt train picks its own split later, by default the same leading 70 % of these rows
    const deciles = fitDeciles(normalized, 0, trainRows);
    const maskCounts: FeatureManifest["maskCounts"] = {};
    const stats: FeatureSummary["stats"] = [];
    FEATURES.forEach((f, j) => {
      let proxy = 0;
      let missing = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        const code = m.mask[i * FEATURE_COUNT + j];
        if (code === MASK.proxy) proxy++;
        if (code === MASK.missing) missing++;
        const x = m.values[i * FEATURE_COUNT + j];
        if (Number.isFinite(x)) {
          if (x < min) min = x;
          if (x > max) max = x;
        }
      }
      maskCounts[f.name] = { proxy, missing };
      stats.push({ name: f.name, min, max, proxy, missing });
    });
    const sourceManifests = [];
    for (const s of sources) {
      const files = [];
      for (const file of s.files) files.push({ path: path.relative(store.dir, file), sha256: await sha256File(file) });
      sourceManifests.push({ kind: s.kind, rows: s.rows, firstMs: s.firstMs, lastMs: s.lastMs, files });
    }
    const manifest = await writeFeatureArtifact(
      store.db,
      opts.outDir,
      { openTime: cols.openTime, filled, normalized, raw: m.values, mask: m.mask },
      {
        definitionVersion: FEATURE_DEFINITION_VERSION,
        symbol: opts.symbol,
        createdAt: new Date().toISOString(),
        rows: n,
        range: { fromMs: cols.openTime[0], toMs: barCloseMs(cols.openTime[n - 1]) },
        trainRange: { fromMs: cols.openTime[0], toMs: barCloseMs(cols.openTime[trainRows - 1]) },
        features: FEATURES.map((f, j) => ({ name: f.name, group: f.group, unit: f.unit, norm: params[j], deciles: deciles[j] })),
        maskCounts,
        filledBars: filled.reduce((a, b) => a + b, 0),
        sources: sourceManifests,
        config: { fromMs: opts.fromMs, toMs: opts.toMs, trainToMs: opts.trainToMs, trainFraction: opts.trainFraction, norm: opts.norm, rollingWindow: opts.rollingWindow, fillGaps: opts.fillGaps },
      },
      opts.write,
    );
    const warnings = sources
      .filter((s) => s.invalidRows)
      .map((s) => `${s.invalidRows} ${s.kind} row(s) in this range are marked invalid (stored with rlt import --allow-invalid-rows): features over them are computed from impossible values`);
    return { outDir: opts.outDir, manifest, stats, ...(warnings.length ? { warnings } : {}) };
  } finally {
    store.close();
  }
}

export function formatFeatureSummary(s: FeatureSummary): string {
  const m = s.manifest;
  const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace("T", " ");
  const lines = [
    `wrote ${s.outDir} (${m.rows.toLocaleString("en-US")} bars, ${iso(m.range.fromMs)} → ${iso(m.range.toMs)} UTC; normalization fitted on ${iso(m.trainRange.fromMs)} → ${iso(m.trainRange.toMs)})`,
    `sources: ${m.sources.map((x) => `${x.kind} (${x.rows.toLocaleString("en-US")} rows)`).join(", ")}${m.filledBars ? `; ${m.filledBars} gap bars filled` : ""}`,
    "",
    `${"feature".padEnd(22)} ${"norm".padEnd(8)} ${"min".padStart(12)} ${"max".padStart(12)} ${"proxy".padStart(7)} ${"missing".padStart(8)}`,
  ];
  const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4)) : "—");
  s.stats.forEach((st, j) => {
    lines.push(`${st.name.padEnd(22)} ${m.features[j].norm.method.padEnd(8)} ${fmt(st.min).padStart(12)} ${fmt(st.max).padStart(12)} ${String(st.proxy).padStart(7)} ${String(st.missing).padStart(8)}`);
  });
  for (const w of s.warnings ?? []) lines.push(`warning: ${w}`);
  return `${lines.join("\n")}\n`;
}
