import { describe, expect, it } from "vitest";
import { DAY_MS } from "../core/time.ts";
import { bulkUrl, monthsAndDays, wholeDays } from "./bulk.ts";

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

describe("bulk periods", () => {
  it("keeps only whole UTC days of a range", () => {
    const days = wholeDays({ fromMs: day("2023-08-14") + 3_600_000, toMs: day("2023-08-17") + 60_000 });
    expect(days.map((d) => d.label)).toEqual(["2023-08-15", "2023-08-16"]);
    expect(days[0]).toMatchObject({ fromMs: day("2023-08-15"), toMs: day("2023-08-15") + DAY_MS, monthly: false });
  });

  it("uses a monthly file for each whole calendar month and daily files around it", () => {
    const periods = monthsAndDays({ fromMs: day("2023-06-29"), toMs: day("2023-08-03") });
    expect(periods.map((p) => p.label)).toEqual(["2023-06-29", "2023-06-30", "2023-07", "2023-08-01", "2023-08-02"]);
    expect(periods[2]).toMatchObject({ monthly: true, fromMs: day("2023-07-01"), toMs: day("2023-08-01") });
  });

  it("handles February and a range that is exactly one month", () => {
    expect(monthsAndDays({ fromMs: day("2024-02-01"), toMs: day("2024-03-01") }).map((p) => p.label)).toEqual(["2024-02"]);
  });

  it("builds data.binance.vision URLs", () => {
    const [m] = monthsAndDays({ fromMs: day("2023-07-01"), toMs: day("2023-08-01") });
    expect(bulkUrl("https://data.binance.vision", "aggtrades", "BTCUSDT", m)).toBe(
      "https://data.binance.vision/data/futures/um/monthly/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2023-07.zip",
    );
    const [d] = wholeDays({ fromMs: day("2023-08-15"), toMs: day("2023-08-16") });
    expect(bulkUrl("http://127.0.0.1:9", "bookdepth", "BTCUSDT", d)).toBe("http://127.0.0.1:9/data/futures/um/daily/bookDepth/BTCUSDT/BTCUSDT-bookDepth-2023-08-15.zip");
  });
});
