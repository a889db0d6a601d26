// What a refusal threw, for unit tests that assert its message and hint.
import { expect } from "vitest";
import { ConfigError } from "../../src/core/errors.ts";

/** The ConfigError `fn` throws, checked to exit 2; a failure when `fn` throws nothing. */
export function configRefusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    return err as ConfigError;
  }
  throw new Error("accepted: no ConfigError was thrown");
}
