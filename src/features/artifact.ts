// The feature artifact: features/<name>/features.parquet (open_time, filled flag, 30 normalized
// features, 30 masks, 30 raw values) and manifest.json (definitions version, normalization parameters,
// source ranges and content hashes, config). Training, evaluation and live trading read it back
// through loadFeatureArtifact, which refuses an artifact that is not what they expect.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DataError, TemporaryError } from "../core/errors.ts";
import { writeDirLocked } from "../core/staging.ts";
import { sha256File } from "../data/checksum.ts";
import { type Duck, lit, queryFloat64Columns, writeColumnsParquet } from "../data/duck.ts";
import { FEATURE_DEFINITION_VERSION, FEATURES, FEATURE_COUNT, type FeatureDef } from "./definitions.ts";
import type { FeatureDeciles } from "./deciles.ts";
import type { NormParams } from "./normalize.ts";

export const MANIFEST_SCHEMA = "rlt.features/1";
export const ARTIFACT_FILE = "features.parquet";
export const MANIFEST_FILE = "manifest.json";

export interface SourceManifest {
  kind: string;
  rows: number;
  firstMs?: number;
  lastMs?: number;
  /** sha256 of every source Parquet file read, relative to the data directory. */
  files: { path: string; sha256: string }[];
}

export interface FeatureManifest {
  schema: typeof MANIFEST_SCHEMA;
  definitionVersion: string;
  symbol: string;
  createdAt: string;
  rows: number;
  range: { fromMs: number; toMs: number };
  /** Bars the normalization was fitted on. */
  trainRange: { fromMs: number; toMs: number };
  /**
   * `deciles`: the normalized values' decile edges over trainRange, the drift monitor's reference
   * (deciles.ts). Absent in manifests written before drift monitoring; the schema stays rlt.features/1
   * because every reader of /1 ignores the extra field, while a /2 would be refused by checkManifest.
   */
  features: (Pick<FeatureDef, "name" | "group" | "unit"> & { norm: NormParams; deciles?: FeatureDeciles })[];
  /** Rows with any feature masked missing / proxied, per feature. */
  maskCounts: Record<string, { proxy: number; missing: number }>;
  filledBars: number;
  sources: SourceManifest[];
  config: Record<string, unknown>;
  /** sha256 of features.parquet. */
  contentSha256: string;
}

export interface FeatureColumns {
  openTime: Float64Array;
  filled: Uint8Array;
  /** Row-major n × 30. */
  normalized: Float64Array;
  raw: Float64Array;
  mask: Uint8Array;
}

export interface WriteArtifactOptions {
  /** Told once when another writer holds the artifact's lock. */
  onWait?: (message: string) => void;
  /** More files built into the same staging folder after the Parquet and the manifest (the selection report). */
  alsoWrite?: (stagingDir: string) => Promise<void>;
}

/**
 * Build the artifact in a staging folder beside `dir` and swap it in whole, under the artifact's lock:
 * a reader sees the old artifact or the new one, never a mix; a failure (a full disk) leaves the old
 * one byte for byte and removes the partial files.
 */
export async function writeFeatureArtifact(
  db: Duck,
  dir: string,
  cols: FeatureColumns,
  manifest: Omit<FeatureManifest, "contentSha256" | "schema">,
  opts: WriteArtifactOptions = {},
): Promise<FeatureManifest> {
  const n = cols.openTime.length;
  const columns: Record<string, Float64Array | Uint8Array> = { open_time: cols.openTime, filled: cols.filled };
  FEATURES.forEach((f, j) => (columns[f.name] = strided(cols.normalized, n, j)));
  FEATURES.forEach((f, j) => (columns[`m_${f.name}`] = stridedMask(cols.mask, n, j)));
  FEATURES.forEach((f, j) => (columns[`raw_${f.name}`] = strided(cols.raw, n, j)));
  return writeDirLocked(dir, { what: `feature artifact ${dir}`, onWait: opts.onWait }, async (staging) => {
    await writeColumnsParquet(db, path.join(staging, ARTIFACT_FILE), columns);
    const full: FeatureManifest = { schema: MANIFEST_SCHEMA, ...manifest, contentSha256: await sha256File(path.join(staging, ARTIFACT_FILE)) };
    writeFileSync(path.join(staging, MANIFEST_FILE), `${JSON.stringify(full, null, 2)}\n`);
    await opts.alsoWrite?.(staging);
    return full;
  });
}

export interface ArtifactExpectation {
  definitionVersion?: string;
  featureNames?: readonly string[];
  /** Normalization parameters a model was trained with: the artifact must carry the same. */
  norm?: NormParams[];
}

/** What a model trained on `m` needs of any artifact it reads: the same definitions, names, order and normalization. */
export function expectationFrom(m: FeatureManifest): ArtifactExpectation {
  return { definitionVersion: m.definitionVersion, featureNames: m.features.map((f) => f.name), norm: m.features.map((f) => f.norm) };
}

/** Reads that find the folder swapped under them are retried this many times before giving up. */
const SWAPPED_WHILE_READING_ATTEMPTS = 3;

/**
 * Read an artifact back, refusing one whose manifest does not match what the caller expects. Readers
 * take no lock: a writer may swap the folder in while this reads it (manifest from one, Parquet from
 * the other), so a read during which the folder was replaced is done again on the new folder.
 */
export async function loadFeatureArtifact(db: Duck, dir: string, expect: ArtifactExpectation = {}): Promise<{ manifest: FeatureManifest; cols: FeatureColumns }> {
  for (let attempt = 1; ; attempt++) {
    const before = folderIdentity(dir);
    let loaded: Awaited<ReturnType<typeof loadOnce>> | undefined;
    let failure: unknown;
    try {
      loaded = await loadOnce(db, dir, expect);
    } catch (err) {
      failure = err;
    }
    if (folderIdentity(dir) === before) {
      if (failure !== undefined) throw failure;
      return loaded!;
    }
    if (attempt >= SWAPPED_WHILE_READING_ATTEMPTS) {
      throw new TemporaryError(`feature artifact ${dir} was replaced ${attempt} times while being read`, {
        cause: failure,
        hint: "another process keeps rewriting it (rlt features): run the command again when it is done",
      });
    }
  }
}

/** The folder's inode and change time: a swap puts a different folder at the same path (and renaming sets ctime, should an inode number be reused). */
function folderIdentity(dir: string): string | undefined {
  try {
    const st = statSync(dir, { bigint: true });
    return `${st.dev}:${st.ino}:${st.ctimeNs}`;
  } catch {
    return undefined;
  }
}

async function loadOnce(db: Duck, dir: string, expect: ArtifactExpectation): Promise<{ manifest: FeatureManifest; cols: FeatureColumns }> {
  const manifestFile = path.join(dir, MANIFEST_FILE);
  const dataFile = path.join(dir, ARTIFACT_FILE);
  if (!existsSync(manifestFile) || !existsSync(dataFile)) {
    throw new DataError(`${dir} is not a feature artifact: ${existsSync(manifestFile) ? ARTIFACT_FILE : MANIFEST_FILE} is missing`, { hint: "build it with: rlt features SYMBOL" });
  }
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as FeatureManifest;
  // test-only: widens the window between reading the manifest and the data, for the swap-while-reading test
  const pauseMs = Number(process.env.RLT_TEST_ARTIFACT_READ_PAUSE_MS ?? 0);
  if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  const problems = checkManifest(manifest, {
    definitionVersion: FEATURE_DEFINITION_VERSION,
    featureNames: FEATURES.map((f) => f.name),
    ...expect,
  });
  const actualSha = await sha256File(dataFile);
  if (actualSha !== manifest.contentSha256) problems.push(`${ARTIFACT_FILE} changed after it was written (sha256 ${actualSha.slice(0, 12)}…, manifest says ${manifest.contentSha256.slice(0, 12)}…)`);
  if (problems.length) {
    throw new DataError(`feature artifact ${dir} does not match:\n  ${problems.join("\n  ")}`, { hint: "rebuild it with rlt features (or use the artifact the model was trained on)" });
  }
  const names = manifest.features.map((f) => f.name);
  const c = await queryFloat64Columns(
    db,
    `SELECT open_time, filled, ${names.map((x) => `"${x}"`).join(", ")}, ${names.map((x) => `"m_${x}"`).join(", ")}, ${names.map((x) => `"raw_${x}"`).join(", ")} FROM read_parquet(${lit(dataFile)}) ORDER BY open_time`,
  );
  const n = c.open_time.length;
  const k = names.length;
  const normalized = new Float64Array(n * k);
  const raw = new Float64Array(n * k);
  const mask = new Uint8Array(n * k);
  names.forEach((name, j) => {
    for (let i = 0; i < n; i++) {
      normalized[i * k + j] = c[name][i];
      raw[i * k + j] = c[`raw_${name}`][i];
      mask[i * k + j] = c[`m_${name}`][i];
    }
  });
  return { manifest, cols: { openTime: c.open_time, filled: Uint8Array.from(c.filled), normalized, raw, mask } };
}

export function checkManifest(m: FeatureManifest, expect: ArtifactExpectation): string[] {
  const problems: string[] = [];
  if (m.schema !== MANIFEST_SCHEMA) problems.push(`schema is ${m.schema}, expected ${MANIFEST_SCHEMA}`);
  if (expect.definitionVersion && m.definitionVersion !== expect.definitionVersion) {
    problems.push(`feature definitions version ${m.definitionVersion}, expected ${expect.definitionVersion}`);
  }
  if (expect.featureNames) {
    const names = m.features.map((f) => f.name);
    if (names.length !== expect.featureNames.length) problems.push(`${names.length} features, expected ${expect.featureNames.length}`);
    const missing = expect.featureNames.filter((x) => !names.includes(x));
    const extra = names.filter((x) => !expect.featureNames!.includes(x));
    if (missing.length) problems.push(`missing features: ${missing.join(", ")}`);
    if (extra.length) problems.push(`unexpected features: ${extra.join(", ")}`);
    if (!missing.length && !extra.length && names.some((x, i) => x !== expect.featureNames![i])) problems.push("features are in a different order");
  }
  if (expect.norm) {
    m.features.forEach((f, j) => {
      if (JSON.stringify(f.norm) !== JSON.stringify(expect.norm![j])) problems.push(`normalization of ${f.name} differs: ${JSON.stringify(f.norm)} vs ${JSON.stringify(expect.norm![j])}`);
    });
  }
  return problems;
}

function strided(m: Float64Array, n: number, j: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = m[i * FEATURE_COUNT + j];
  return out;
}

function stridedMask(m: Uint8Array, n: number, j: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = m[i * FEATURE_COUNT + j];
  return out;
}
