import { describe, expect, it } from "vitest";
import { BAR_MS } from "../core/time.ts";
import { CLIENT_ID_PATTERN, LEGS, clientOrderId, isSessionId, parseClientOrderId, sessionTag } from "./order-ids.ts";

describe("client order ids", () => {
  it("are unique per (session, bar, leg, revision), at most 36 allowed characters, and parse back", () => {
    const seen = new Set<string>();
    const sessions = ["a", "b", "2026-12-02T15-00-00Z-btc", "x".repeat(200)];
    const bars = [0, BAR_MS, 1_733_000_000_000 - (1_733_000_000_000 % BAR_MS), 32_503_680_000_000 - BAR_MS]; // up to the year 3000
    for (const s of sessions)
      for (const bar of bars)
        for (const leg of LEGS)
          for (const rev of [0, 1, 35, 36, 1000]) {
            const id = clientOrderId(s, bar, leg, rev);
            expect(id.length).toBeLessThanOrEqual(36);
            expect(id).toMatch(CLIENT_ID_PATTERN);
            expect(seen.has(id)).toBe(false);
            seen.add(id);
            expect(parseClientOrderId(id)).toEqual({ sessionTag: sessionTag(s), barOpenTimeMs: bar, leg, revision: rev });
            expect(isSessionId(s, id)).toBe(true);
          }
    expect(seen.size).toBe(sessions.length * bars.length * LEGS.length * 5);
  });

  it("are deterministic and name the leg", () => {
    expect(clientOrderId("s", 1_733_000_040_000, "open")).toBe(clientOrderId("s", 1_733_000_040_000, "open"));
    expect(clientOrderId("s", 1_733_000_040_000, "tp", 2)).toMatch(/^rlt-[0-9a-z]{6}-[0-9a-z]+-t2$/);
    expect(clientOrderId("s", 1_733_000_040_000, "stop")).toMatch(/-s$/);
  });

  it("reject what is not ours or not on a bar", () => {
    expect(parseClientOrderId("web_abc123")).toBeUndefined();
    expect(parseClientOrderId("x-cvBPrNm9abcdef")).toBeUndefined();
    expect(isSessionId("other", clientOrderId("s", 0, "open"))).toBe(false);
    expect(() => clientOrderId("s", 1234, "open")).toThrow(RangeError);
  });
});
