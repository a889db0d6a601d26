import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

describe("configs/rlt.example.yaml", () => {
  it("is a valid config that says what the defaults are", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const cfg = loadConfig({ config: path.join(root, "configs/rlt.example.yaml") }, {}, root);
    const defaults = loadConfig({}, {}, "/");
    expect(cfg.fetch).toEqual(defaults.fetch);
    expect(cfg.record).toEqual(defaults.record);
    expect(cfg.exchange).toBe("mainnet");
  });
});
