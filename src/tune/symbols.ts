// The artifacts a search trains on, one per symbol, each with the expectation a worker's copy must meet.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { DataError } from "../core/errors.ts";
import { type FeatureManifest, MANIFEST_FILE, expectationFrom } from "../features/artifact.ts";
import type { TuneConfig } from "./config.ts";
import type { TrialJob } from "./types.ts";

export function readJobSymbols(cfg: TuneConfig): TrialJob["symbols"] {
  return cfg.symbolsResolved.map(({ symbol, features }) => {
    const manifestFile = path.resolve(features, MANIFEST_FILE);
    if (!existsSync(manifestFile)) {
      throw new DataError(`the feature artifact ${features}${symbol ? ` of ${symbol}` : ""} is missing (${manifestFile})`, { hint: `build it with: rlt features ${symbol || "SYMBOL"}${symbol ? ` --out ${features}` : ""}` });
    }
    let manifest: FeatureManifest;
    try {
      manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as FeatureManifest;
    } catch (err) {
      throw new DataError(`${manifestFile} cannot be read: ${(err as Error).message}`, { cause: err, hint: "rebuild the artifact with rlt features" });
    }
    if (symbol && manifest.symbol !== symbol) throw new DataError(`${features} holds features of ${manifest.symbol}, not ${symbol}`, { hint: "check featuresPattern in the tune config" });
    return { symbol: manifest.symbol, features, expect: expectationFrom(manifest) };
  });
}
