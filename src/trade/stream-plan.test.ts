// Which streams a run's features need: derived from the feature engine (not a hand list), opened only
// for features the model used and sources its training data had.
import { describe, expect, it } from "vitest";
import type { FeatureManifest } from "../features/artifact.ts";
import { FEATURES } from "../features/definitions.ts";
import { featureStreams, featuresNeedingStreams, planStreams } from "./features.ts";

/** A manifest whose rows had the given sources, with the named features missing on every row. */
function manifest(kinds: string[], missingEverywhere: string[]): FeatureManifest {
  const rows = 1000;
  return {
    rows,
    maskCounts: Object.fromEntries(FEATURES.map((f) => [f.name, { proxy: 0, missing: missingEverywhere.includes(f.name) ? rows : 10 }])),
    sources: [{ kind: "klines", rows, files: [] }, ...kinds.map((kind) => ({ kind, rows: 50, files: [] }))],
  } as unknown as FeatureManifest;
}

describe("stream plan", () => {
  it("asks the engine which stream each feature depends on", () => {
    const deps = featureStreams();
    expect(deps.get("close")).toEqual([]);
    expect(deps.get("rsi_14")).toEqual([]);
    expect(deps.get("spread_bps")).toEqual(["depth"]);
    expect(deps.get("order_flow_imbalance")).toEqual(["bookTicker"]);
    // trade_frequency has a kline proxy (the kline's trade count) but counts aggTrade fills when streamed
    expect(deps.get("trade_frequency")).toEqual(["aggTrade"]);
    expect(deps.get("cancel_rate")).toEqual(["aggTrade", "depth"]);
    expect(featuresNeedingStreams()).toContain("market_order_rate");
    expect(featuresNeedingStreams()).not.toContain("trade_frequency");
  });

  it("opens nothing beside klines for a klines-only run", () => {
    const book = FEATURES.filter((f) => f.group === "book").map((f) => f.name);
    const plan = planStreams(manifest([], [...book, "large_trade_share"]));
    expect(plan.streams).toEqual([]);
    expect(plan.unproducible).toEqual([]);
  });

  it("opens aggTrade for recorded trades, and bookTicker and depth only for the book sources training had", () => {
    const plan = planStreams(manifest(["trades", "book_snapshots", "depth_updates"], ["order_flow_imbalance"]));
    expect(plan.streams).toEqual(["aggTrade", "depth"]);
    expect(plan.featuresByStream.aggTrade).toEqual(["trade_imbalance", "trade_size_mean", "trade_frequency", "large_trade_share", "trade_flow_imbalance", "cancel_rate", "market_order_rate"]);
    expect(plan.featuresByStream.depth).toContain("book_slope");
    expect(plan.featuresByStream.bookTicker).toEqual([]);
  });
});
