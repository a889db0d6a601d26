// `rlt features BTCUSDT` on the bundled real sample, and the artifact's guard against mismatches.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openDuck } from "../src/data/duck.ts";
import { loadFeatureArtifact } from "../src/features/artifact.ts";
import { FEATURE_NAMES } from "../src/features/definitions.ts";
import { rlt } from "./helpers/cli.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
let out: string;
let stdout: string;

beforeAll(async () => {
  const dataDir = await sampleDataDir();
  out = path.join(tempDir(), "BTCUSDT-1m");
  const res = rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", out, "--select", "--pca", "3"]);
  expect(res.status, res.stderr).toBe(0);
  stdout = res.stdout;
});

async function load(dir: string, expect = {}) {
  const { instance, conn } = await openDuck();
  try {
    return await loadFeatureArtifact(conn, dir, expect);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe("rlt features on the bundled real sample", () => {
  it("writes the artifact and prints rows, ranges and masked counts", async () => {
    expect(stdout).toMatch(/43,199 bars, 2023-07-18 11:13 → 2023-08-17 11:12 UTC/);
    expect(stdout).toMatch(/vwap\s+rolling\s+[\d.]+\s+[\d.]+\s+43199\s+0/); // proxied: the sample has no quote volume
    expect(stdout).toMatch(/spread_bps\s+zscore\s+—\s+—\s+0\s+43199/); // no book in the sample: masked, never zero
    expect(stdout).toMatch(/rsi_14\s+minmax\s+[\d.]+\s+[\d.]+\s+0\s+14/);
    expect(stdout).toMatch(/correlated pairs:/);
    const { manifest, cols } = await load(out);
    expect(manifest.rows).toBe(43_199);
    expect(manifest.features.map((f) => f.name)).toEqual(FEATURE_NAMES);
    expect(manifest.sources[0]).toMatchObject({ kind: "klines", rows: 43_199 });
    expect(manifest.sources[0].files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.trainRange.toMs).toBeLessThan(manifest.range.toMs);
    expect(manifest.features[15].norm).toMatchObject({ method: "minmax" });
    expect(cols.openTime.length).toBe(43_199);
    // z-scored on the training range: mean ≈ 0 there
    const j = FEATURE_NAMES.indexOf("ret_5m");
    let s = 0;
    let n = 0;
    for (let i = 0; i < cols.openTime.length && cols.openTime[i] < manifest.trainRange.toMs; i++) {
      const v = cols.normalized[i * 30 + j];
      if (Number.isFinite(v)) {
        s += v;
        n++;
      }
    }
    expect(Math.abs(s / n)).toBeLessThan(1e-9);
    expect(JSON.parse(readFileSync(path.join(out, "selection.json"), "utf8")).pca.explained).toHaveLength(3);
  });

  it("is refused, saying what differs, when it does not match what a model expects", async () => {
    await expect(load(out, { featureNames: FEATURE_NAMES.slice(0, 29) })).rejects.toThrow(/30 features, expected 29[\s\S]*unexpected features: microprice_dev_bps/);
    await expect(load(out, { definitionVersion: "0.9.0" })).rejects.toThrow(/feature definitions version 1\.0\.0, expected 0\.9\.0/);
    const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8"));
    const norm = manifest.features.map((f: { norm: unknown }) => f.norm);
    norm[7] = { method: "zscore", mean: 0, std: 1 };
    await expect(load(out, { norm })).rejects.toThrow(/normalization of ret_5m differs/);
    // a tampered data file is caught by its content hash
    const copy = path.join(tempDir(), "tampered");
    spawnSync("cp", ["-r", out, copy]);
    writeFileSync(path.join(copy, "features.parquet"), "not parquet");
    await expect(load(copy)).rejects.toThrow(/changed after it was written/);
  });

  it("refuses a gap without --fill-gaps and names the first missing minute", async () => {
    const dataDir = await sampleDataDir();
    const day = path.join(dataDir, "klines", "symbol=BTCUSDT", "date=2023-07-20");
    // upserts never delete: cut the 05:00 bar out of the stored day by rewriting its file
    const { instance, conn } = await openDuck();
    await conn.run(`COPY (SELECT * FROM read_parquet('${day}/data.parquet') WHERE open_time <> ${Date.UTC(2023, 6, 20, 5)}) TO '${day}/data.parquet.new' (FORMAT parquet)`);
    conn.closeSync();
    instance.closeSync();
    spawnSync("mv", [`${day}/data.parquet.new`, `${day}/data.parquet`]);
    // a file replaced by hand no longer matches its record (it would read as damaged): drop the record
    spawnSync("rm", [`${day}/data.parquet.json`]);
    const res = spawnSync(process.execPath, ["bin/rlt.js", "features", "BTCUSDT", "--data-dir", dataDir, "--out", path.join(tempDir(), "x")], { cwd: ROOT, encoding: "utf8" });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/1 missing minute\(s\), the first after 2023-07-20T04:59:00\.000Z/);
    expect(res.stderr).toMatch(/--fill-gaps/);
    const filled = spawnSync(process.execPath, ["bin/rlt.js", "features", "BTCUSDT", "--data-dir", dataDir, "--out", path.join(tempDir(), "y"), "--fill-gaps"], { cwd: ROOT, encoding: "utf8" });
    expect(filled.status, filled.stderr).toBe(0);
    expect(filled.stdout).toMatch(/1 gap bars filled/);
  });
});
