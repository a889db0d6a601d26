import { describe, expect, it } from "vitest";
import { configRefusal as refusal } from "../../test/helpers/errors.ts";
import { envChoice, envNonNegativeInt, envValue } from "./env.ts";

describe("environment variables", () => {
  it("reads unset as undefined and refuses set-but-empty", () => {
    expect(envValue("RLT_X", {})).toBeUndefined();
    expect(envValue("RLT_X", { RLT_X: "a" })).toBe("a");
    expect(refusal(() => envValue("RLT_X", { RLT_X: "" })).message).toBe("RLT_X is set but empty");
  });

  it("refuses a value outside the accepted set, listing them", () => {
    expect(envChoice("RLT_TF_BACKEND", ["wasm", "cpu", "node"], { RLT_TF_BACKEND: "cpu" })).toBe("cpu");
    const err = refusal(() => envChoice("RLT_TF_BACKEND", ["wasm", "cpu", "node"], { RLT_TF_BACKEND: "gpu" }));
    expect(err.message).toBe('RLT_TF_BACKEND: "gpu" is not one of wasm, cpu, node');
    expect(err.hint).toBe("set RLT_TF_BACKEND to one of wasm, cpu, node, or unset it");
  });

  it("reads non-negative integers and refuses anything else", () => {
    expect(envNonNegativeInt("RLT_LOCK_TIMEOUT_MS", { RLT_LOCK_TIMEOUT_MS: "0" })).toBe(0);
    expect(envNonNegativeInt("RLT_LOCK_TIMEOUT_MS", { RLT_LOCK_TIMEOUT_MS: "1500" })).toBe(1500);
    for (const bad of ["abc", "-1", "1.5"]) {
      expect(refusal(() => envNonNegativeInt("RLT_LOCK_TIMEOUT_MS", { RLT_LOCK_TIMEOUT_MS: bad })).message).toBe(`RLT_LOCK_TIMEOUT_MS: "${bad}" is not a non-negative integer`);
    }
  });
});
