import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FetchState, coverWindows, mergeRanges, missingRanges } from "./plan.ts";

const M = 60_000;
const times = (...minutes: number[]) => Float64Array.from(minutes, (m) => m * M);
const r = (from: number, to: number) => ({ fromMs: from * M, toMs: to * M });

describe("missingRanges", () => {
  it("finds the minutes without a stored bar, merged into ranges", () => {
    expect(missingRanges(times(0, 1, 2, 5, 6, 9), r(0, 10), M)).toEqual([r(3, 5), r(7, 9)]);
  });

  it("treats minutes the exchange does not have as present", () => {
    expect(missingRanges(times(0, 1, 2, 5, 6, 9), r(0, 10), M, [r(7, 8)])).toEqual([r(3, 5), r(8, 9)]);
    expect(missingRanges(new Float64Array(0), r(0, 10), M, [r(0, 4), r(3, 6)])).toEqual([r(6, 10)]);
  });

  it("is empty when everything is stored, and the whole range when nothing is", () => {
    expect(missingRanges(times(0, 1, 2), r(0, 3), M)).toEqual([]);
    expect(missingRanges(new Float64Array(0), r(0, 3), M)).toEqual([r(0, 3)]);
  });

  it("starts at the first whole minute of a range that starts mid-minute", () => {
    expect(missingRanges(new Float64Array(0), { fromMs: 30_000, toMs: 3 * M }, M)).toEqual([r(1, 3)]);
  });
});

describe("coverWindows", () => {
  it("pages one long gap into windows of the page size", () => {
    const w = coverWindows([r(0, 43_200)], 1500 * M);
    expect(w).toHaveLength(29);
    expect(w[0]).toEqual({ ...r(0, 1500), missing: [r(0, 1500)] });
    expect(w[28]).toEqual({ ...r(42_000, 43_200), missing: [r(42_000, 43_200)] });
  });

  it("covers several small gaps with one request when they fit in one page", () => {
    const w = coverWindows([r(10, 20), r(500, 510), r(1400, 1600), r(3000, 3001), r(3100, 3105)], 1500 * M);
    expect(w).toEqual([
      { ...r(10, 1510), missing: [r(10, 20), r(500, 510), r(1400, 1510)] },
      { ...r(1510, 3001), missing: [r(1510, 1600), r(3000, 3001)] },
      { ...r(3100, 3105), missing: [r(3100, 3105)] },
    ]);
  });

  it("uses no request when nothing is missing", () => {
    expect(coverWindows([], 1500 * M)).toEqual([]);
  });
});

describe("mergeRanges", () => {
  it("sorts, joins overlapping and touching ranges, drops empty ones", () => {
    expect(mergeRanges([r(5, 7), r(0, 2), r(2, 3), r(6, 9), r(4, 4)])).toEqual([r(0, 3), r(5, 9)]);
  });
});

describe("FetchState", () => {
  it("remembers absent ranges and done days per exchange, across instances", () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "rlt-state-")), "fetch-state.json");
    const a = new FetchState(file, "http://127.0.0.1:1");
    a.addAbsent("klines/BTCUSDT", [r(0, 5)]);
    a.addAbsent("klines/BTCUSDT", [r(5, 8), r(9, 9)]);
    a.markDayDone("aggtrades/BTCUSDT", "2023-08-15");
    const again = new FetchState(file, "http://127.0.0.1:1");
    expect(again.absent("klines/BTCUSDT")).toEqual([r(0, 8)]);
    expect(again.isDayDone("aggtrades/BTCUSDT", "2023-08-15")).toBe(true);
    // another exchange's gaps are not this one's
    const other = new FetchState(file, "https://fapi.binance.com");
    expect(other.absent("klines/BTCUSDT")).toEqual([]);
    expect(other.isDayDone("aggtrades/BTCUSDT", "2023-08-15")).toBe(false);
    expect(JSON.parse(readFileSync(file, "utf8")).absent).toHaveProperty(["http://127.0.0.1:1 klines/BTCUSDT"]);
  });

  it("starts empty when the file is missing or unreadable", () => {
    expect(new FetchState("/nonexistent/dir/fetch-state.json", "x").absent("klines/BTCUSDT")).toEqual([]);
  });
});
