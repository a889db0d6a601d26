// Headless alert lines: the plain line a log or cron mail shows, and the --json object.
import { describe, expect, it } from "vitest";
import { alertJson, alertLine } from "./alert-text.ts";

const AT = Date.UTC(2026, 11, 3, 6, 10, 42);

describe("alert lines", () => {
  it("prints time, level, category, kind, subject and the suppressed repeats", () => {
    expect(alertLine({ atMs: AT, level: "warning", category: "risk", kind: "drawdown", message: "drawdown 3.1% from the peak 10,000.00" })).toBe("2026-12-03 06:10 ALERT warning risk drawdown: drawdown 3.1% from the peak 10,000.00");
    expect(alertLine({ atMs: AT, level: "critical", category: "technical", kind: "stream-silent", subject: "/market", message: "no event for 30 s", suppressed: 2 })).toBe("2026-12-03 06:10 ALERT critical technical stream-silent /market: no event for 30 s (2 repeats suppressed)");
  });

  it("is one JSON object of type alert, NaN as null", () => {
    const o = JSON.parse(alertJson({ atMs: AT, barOpenTimeMs: Number.NaN, level: "info", category: "drift", kind: "feature-drift", subject: "rsi_14", message: "PSI 0.41" }));
    expect(o).toEqual({ type: "alert", atMs: AT, barOpenTimeMs: null, level: "info", category: "drift", kind: "feature-drift", subject: "rsi_14", message: "PSI 0.41", at: "2026-12-03T06:10:42.000Z" });
  });
});
