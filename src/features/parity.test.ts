// One implementation, two drivers: the history (batch) driver and the live (bar-at-a-time) driver give
// the same features on the real sample; and no feature of bar t depends on anything after bar t.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleDataDir } from "../../test/helpers/sample-store.ts";
import { Store } from "../data/store.ts";
import { type BarColumns, barAt } from "./bar-input.ts";
import { computeFeatures } from "./batch.ts";
import { FEATURES, FEATURE_COUNT } from "./definitions.ts";
import { LiveFeatures } from "./live.ts";
import { fitNormalization, normalizeMatrix } from "./normalize.ts";
import { loadBars } from "./sources.ts";

let cols: BarColumns;
beforeAll(async () => {
  const store = await Store.open(await sampleDataDir());
  cols = (await loadBars(store, "BTCUSDT")).cols;
  store.close();
});

function same(a: number, b: number, tol: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tol * Math.max(1, Math.abs(a));
}

describe("history and live drivers", () => {
  it("agree to 1e-9 on every feature, normalized value and mask of the real sample", () => {
    const batch = computeFeatures(cols);
    const params = fitNormalization(batch.values, 0, Math.floor(batch.n * 0.7), FEATURES.map((f) => f.norm), 1440);
    const normalized = normalizeMatrix(batch.values, batch.n, params);
    const live = new LiveFeatures(params);
    let mismatches = 0;
    for (let i = 0; i < batch.n; i++) {
      live.push(barAt(cols, i));
      for (let j = 0; j < FEATURE_COUNT; j++) {
        const k = i * FEATURE_COUNT + j;
        if (!same(live.raw[j], batch.values[k], 1e-9) || !same(live.normalized[j], normalized[k], 1e-9) || live.mask[j] !== batch.mask[k]) mismatches++;
      }
    }
    expect(batch.n).toBe(43_199);
    expect(mismatches).toBe(0);
    // rolling normalization is defined for the price features once 30 bars are in
    expect(Number.isFinite(normalized[100 * FEATURE_COUNT + 3])).toBe(true);
  });
});

describe("no look-ahead", () => {
  it("changing every input after bar t leaves all features up to t unchanged, for many t", () => {
    const base = computeFeatures(cols);
    const params = fitNormalization(base.values, 0, 30_000, FEATURES.map((f) => f.norm), 1440);
    const baseNorm = normalizeMatrix(base.values, base.n, params);
    const n = cols.openTime.length;
    for (const t of [0, 1, 14, 15, 33, 100, 1439, 1440, 5000, 20_000, 43_000, n - 2]) {
      const altered = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Float64Array.from(v)])) as BarColumns;
      for (let i = t + 1; i < n; i++) {
        for (const [k, v] of Object.entries(altered)) if (k !== "openTime") v[i] = v[i] * 1.5 + 7; // wild future
      }
      const m = computeFeatures(altered);
      const norm = normalizeMatrix(m.values, m.n, params);
      for (let i = 0; i <= t; i++) {
        for (let j = 0; j < FEATURE_COUNT; j++) {
          const k = i * FEATURE_COUNT + j;
          if (!same(m.values[k], base.values[k], 0) || !same(norm[k], baseNorm[k], 0) || m.mask[k] !== base.mask[k]) {
            throw new Error(`feature ${FEATURES[j].name} of bar ${i} changed when bars after ${t} changed`);
          }
        }
      }
      // and the future really did change
      if (t < n - 2) expect(same(m.values[(t + 1) * FEATURE_COUNT + 3], base.values[(t + 1) * FEATURE_COUNT + 3], 0)).toBe(false);
    }
  });
});

afterAll(() => undefined);
