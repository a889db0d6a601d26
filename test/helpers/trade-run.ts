// Test fixture for the trading tests: a run trained for two short updates on the bundled sample. An
// agent that far from converged changes its mind often, so fills, fees, funding and the exits inside a
// bar are all exercised. `over` sets the run's sim and risk sections.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { stringify as toYaml } from "yaml";
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
  const features = path.join(work, "features");
  expect(rlt(["features", "BTCUSDT", "--data-dir", dataDir, "--out", features]).status).toBe(0);
  const cfg = path.join(work, "ppo.yaml");
  writeFileSync(cfg, toYaml({ name, features, dataDir, seed: 5, ppo: { numEnvs: 2, numSteps: 256, updateEpochs: 2 }, ...over, training: { maxUpdates: 2, evalEvery: 1, earlyStopPatience: 0 } }));
  const trained = rlt(["train", "--config", cfg, "--runs-dir", path.join(work, "runs"), "-q"]);
  expect(trained.status, trained.stderr).toBe(0);
  return { work, dataDir, runDir: path.join(work, "runs", name) };
}

/** A key file for the local exchange's test key. */
export function writeKeyFile(work: string, key: { apiKey: string; apiSecret: string }): string {
  const file = path.join(work, "keys");
  writeFileSync(file, `${key.apiKey}\n${key.apiSecret}\n`);
  return file;
}
