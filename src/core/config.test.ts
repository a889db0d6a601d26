import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";

function dirWith(yaml?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rlt-cfg-"));
  if (yaml !== undefined) writeFileSync(path.join(dir, "rlt.yaml"), yaml);
  return dir;
}

describe("loadConfig", () => {
  it("defaults to mainnet endpoints and ./data", () => {
    const cwd = dirWith();
    const cfg = loadConfig({}, {}, cwd);
    expect(cfg.endpoint).toEqual({ rest: "https://fapi.binance.com", ws: "wss://fstream.binance.com", vision: "https://data.binance.vision" });
    expect(cfg.dataDirAbs).toBe(path.join(cwd, "data"));
    expect(cfg.fetch.weightBudget).toBe(0.8);
  });

  it("layers defaults < file < environment < flags", () => {
    const cwd = dirWith("dataDir: from-file\nexchange: demo\nrecord:\n  topN: 50\n");
    expect(loadConfig({}, {}, cwd)).toMatchObject({ dataDir: "from-file", exchange: "demo", record: { topN: 50 } });
    expect(loadConfig({}, {}, cwd).endpoint.rest).toBe("https://demo-fapi.binance.com");
    expect(loadConfig({}, { RLT_DATA_DIR: "from-env", RLT_EXCHANGE: "local" }, cwd)).toMatchObject({ dataDir: "from-env", exchange: "local" });
    const flagged = loadConfig({ dataDir: "from-flag", exchange: "local", restUrl: "http://127.0.0.1:9/" }, { RLT_DATA_DIR: "from-env" }, cwd);
    expect(flagged.dataDir).toBe("from-flag");
    expect(flagged.endpoint.rest).toBe("http://127.0.0.1:9");
    expect(flagged.endpoint.ws).toBe("ws://127.0.0.1:8765");
  });

  it("names the field path and the allowed values in errors", () => {
    const cwd = dirWith("record:\n  topN: 0\nfetch:\n  weightBudget: 3\n");
    let err: unknown;
    try {
      loadConfig({}, {}, cwd);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/record\.topN/);
    expect((err as Error).message).toMatch(/fetch\.weightBudget/);
    expect(() => loadConfig({ exchange: "binance" }, {}, dirWith())).toThrow(/not one of mainnet, demo, local/);
    expect(() => loadConfig({ restUrl: "not a url" }, {}, dirWith())).toThrow(/rest/);
    expect(() => loadConfig({ config: "/nonexistent/rlt.yaml" }, {}, cwd)).toThrow(/config file not found/);
  });
});
