// Test fixture for the trading tests: a run trained for two short updates on the bundled sample. An
// agent that far from converged changes its mind often, so fills, fees, funding and the exits inside a
// bar are all exercised. `over` sets the run's sim and risk sections.
import { createHash } from "node:crypto";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, inject } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { withLock } from "../../src/core/lock.ts";
import { rlt } from "./cli.ts";
import { sampleDataDir, tempDir } from "./sample-store.ts";

export interface TinyRun {
  work: string;
  dataDir: string;
  runDir: string;
}

/** Live trading needs a stop on every position; a fixed take-profit is an exchange-side order. */
export const EXCHANGE_RISK = { sim: { stopLossPct: 0.004, takeProfitPct: 0.008 }, risk: { riskPerTrade: 0.01 } };

export async function trainTinyRun(prefix: string, name: string, over: { sim?: object; risk?: object }): Promise<TinyRun> {
  const dataDir = await sampleDataDir();
  const work = tempDir(prefix);
  const runDir = path.join(work, "runs", name);
  const cache = sharedCache();
  if (!cache) {
    await train(work, dataDir, name, over);
    return { work, dataDir, runDir };
  }
  // training is the slow part and the same for every test with these settings: once per vitest run,
  // then a copy per test (it writes its sessions there) that reads this test's own data folder
  const key = createHash("sha256").update(JSON.stringify(over)).digest("hex").slice(0, 12);
  const trained = path.join(cache, `tiny-run-${key}`, "runs", "tiny");
  await withLock(path.join(cache, `tiny-run-${key}.lock`), { purpose: "training a tiny run for the trade tests", timeoutMs: 600_000 }, async () => {
    if (!existsSync(path.join(trained, "best"))) await train(path.join(cache, `tiny-run-${key}`), await sampleDataDir(), "tiny", over);
  });
  cpSync(trained, runDir, { recursive: true });
  const cfgFile = path.join(runDir, "config.yaml");
  writeFileSync(cfgFile, toYaml({ ...(parseYaml(readFileSync(cfgFile, "utf8")) as object), name, dataDir }));
  return { work, dataDir, runDir };
}

/** The run's shared folder when run by vitest with test/global-setup.ts (a script has none). */
function sharedCache(): string | undefined {
  try {
    return inject("sharedCacheDir");
  } catch {
    return undefined;
  }
}

async function train(work: string, dataDir: string, name: string, over: { sim?: object; risk?: object }): Promise<void> {
  const features = path.join(work, "features");
  expect(rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", features]).status).toBe(0);
  const cfg = path.join(work, "ppo.yaml");
  // seed 1: on the wasm-simd learner a policy that changes its mind often enough for every fault kind of the
  // soak (≈ 240 trades over the test range; seed 5 gives 15), and not so often that one trade's fees move the
  // live/backtest equity comparison past 0.1 % (seed 6: ≈ 600)
  writeFileSync(cfg, toYaml({ name, features, dataDir, seed: 1, ppo: { numEnvs: 2, numSteps: 256, updateEpochs: 2 }, ...over, training: { maxUpdates: 2, evalEvery: 1, earlyStopPatience: 0 } }));
  const trained = rlt(["train", "--config", cfg, "--runs-dir", path.join(work, "runs"), "-q"]);
  expect(trained.status, trained.stderr).toBe(0);
}

/** A key file for the local exchange's test key. */
export function writeKeyFile(work: string, key: { apiKey: string; apiSecret: string }): string {
  const file = path.join(work, "keys");
  writeFileSync(file, `${key.apiKey}\n${key.apiSecret}\n`);
  return file;
}
