import { describe, expect, it } from "vitest";
import { interactiveUiBlocked, NOT_A_TERMINAL } from "./terminal.ts";

describe("interactiveUiBlocked", () => {
  it("allows the UI on a terminal, refuses it off one and under CI as ink's rule reads CI", () => {
    expect(interactiveUiBlocked({}, true, true)).toBeUndefined();
    expect(interactiveUiBlocked({}, false, true)).toBe(NOT_A_TERMINAL);
    expect(interactiveUiBlocked({}, true, false)).toBe(NOT_A_TERMINAL);
    expect(interactiveUiBlocked({ CI: "true" }, true, true)).toMatch(/^CI is set .*unset CI for the UI$/);
    expect(interactiveUiBlocked({ CI: "" }, true, true)).toMatch(/^CI is set/);
    expect(interactiveUiBlocked({ CONTINUOUS_INTEGRATION: "1" }, true, true)).toMatch(/^CONTINUOUS_INTEGRATION is set/);
    expect(interactiveUiBlocked({ CI: "false", CONTINUOUS_INTEGRATION: "0" }, true, true)).toBeUndefined();
  });
});
