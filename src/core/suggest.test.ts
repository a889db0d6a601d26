import { describe, expect, it } from "vitest";
import { closest, editDistance } from "./suggest.ts";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps as one edit each", () => {
    expect(editDistance("maxUpdate", "maxUpdates")).toBe(1);
    expect(editDistance("topn", "topN")).toBe(1);
    expect(editDistance("trian", "train")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});

describe("closest", () => {
  const training = ["maxUpdates", "evalEvery", "earlyStopPatience", "split"];
  it("names the valid key a typo was meant to be", () => {
    expect(closest("maxUpdate", training)).toBe("maxUpdates");
    expect(closest("MaxUpdates", training)).toBe("maxUpdates");
    expect(closest("evalEvry", training)).toBe("evalEvery");
    expect(closest("nmae", ["name", "features", "seed"])).toBe("name");
    expect(closest("takerFee", ["takerFeeRate", "makerFeeRate"])).toBe("takerFeeRate");
    expect(closest("maxRetry", ["weightBudget", "maxRetries"])).toBe("maxRetries");
    expect(closest("positionInObservation", ["episodeBars", "positionInObs"])).toBe("positionInObs");
  });

  it("suggests nothing when nothing is close", () => {
    expect(closest("zzzzzz", training)).toBeUndefined();
    expect(closest("learning", training)).toBeUndefined();
    expect(closest("fee", ["takerFeeRate"])).toBeUndefined();
    expect(closest("x", [])).toBeUndefined();
  });

  it("breaks ties by candidate order", () => {
    expect(closest("w7", ["w1", "w2"])).toBe("w1");
  });
});
