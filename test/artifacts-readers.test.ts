// Readers take no lock: a feature artifact read while `rlt features` swaps a new one in is read again
// on the new folder, never returned as one artifact's manifest with another's rows, never refused as
// "changed after it was written".
import { cpSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeDirAtomically } from "../src/core/staging.ts";
import { openDuck } from "../src/data/duck.ts";
import { type FeatureColumns, loadFeatureArtifact, writeFeatureArtifact } from "../src/features/artifact.ts";
import { FEATURES, FEATURE_COUNT, FEATURE_DEFINITION_VERSION } from "../src/features/definitions.ts";
import { tempDir } from "./helpers/sample-store.ts";

/** A synthetic artifact of `n` bars whose every value is `n`, so a mix of two is visible. */
function columns(n: number): FeatureColumns {
  return {
    openTime: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 60_000),
    filled: new Uint8Array(n),
    normalized: new Float64Array(n * FEATURE_COUNT).fill(n),
    raw: new Float64Array(n * FEATURE_COUNT).fill(n),
    mask: new Uint8Array(n * FEATURE_COUNT),
  };
}

function manifest(n: number) {
  const fromMs = 1_700_000_000_000;
  return {
    definitionVersion: FEATURE_DEFINITION_VERSION,
    symbol: "BTCUSDT",
    createdAt: new Date(0).toISOString(),
    rows: n,
    range: { fromMs, toMs: fromMs + n * 60_000 },
    trainRange: { fromMs, toMs: fromMs + n * 60_000 },
    features: FEATURES.map((f) => ({ name: f.name, group: f.group, unit: f.unit, norm: { method: "none" as const } })),
    maskCounts: {},
    filledBars: 0,
    sources: [],
    config: {},
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => {
  delete process.env.RLT_TEST_ARTIFACT_READ_PAUSE_MS;
});

describe("reading a feature artifact while it is swapped", () => {
  it("returns one whole artifact every time, reading again when the folder was replaced mid-read", async () => {
    const root = tempDir("rlt-readers-");
    const { instance, conn } = await openDuck();
    try {
      const versions = [2_000, 3_000].map((n) => ({ n, dir: path.join(root, `v${n}`) }));
      for (const v of versions) await writeFeatureArtifact(conn, v.dir, columns(v.n), manifest(v.n));
      const target = path.join(root, "BTCUSDT-1m");
      cpSync(versions[0].dir, target, { recursive: true });
      // every read pauses 150 ms between the manifest and the data (test-only), so nearly every swap
      // lands inside a read; swaps 700 ms apart leave a retried read time to finish on the new folder
      // even on a loaded machine
      process.env.RLT_TEST_ARTIFACT_READ_PAUSE_MS = "150";
      const SWAPS = 3;
      let swaps = 0;
      const writer = (async () => {
        for (; swaps < SWAPS; ) {
          await sleep(700);
          const v = versions[(swaps + 1) % 2];
          await writeDirAtomically(target, "test artifact", async (staging) => cpSync(v.dir, staging, { recursive: true }));
          swaps++;
        }
      })();
      const seen = new Set<number>();
      let reads = 0;
      while (swaps < SWAPS) {
        const { manifest: m, cols } = await loadFeatureArtifact(conn, target);
        expect(cols.openTime.length).toBe(m.rows);
        expect(cols.normalized[0]).toBe(m.rows);
        expect(cols.raw[cols.raw.length - 1]).toBe(m.rows);
        seen.add(m.rows);
        reads++;
      }
      await writer;
      expect(reads).toBeGreaterThanOrEqual(SWAPS);
      expect([...seen].sort()).toEqual([2_000, 3_000]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
