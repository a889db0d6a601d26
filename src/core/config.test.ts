import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configRefusal } from "../../test/helpers/errors.ts";
import { tempDir } from "../../test/helpers/files.ts";
import { loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";

function dirWith(yaml?: string): string {
  const dir = tempDir("rlt-cfg-");
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
    const flagged = loadConfig({ dataDir: "from-flag", exchange: "local", restUrl: "http://127.0.0.1:9999/" }, { RLT_DATA_DIR: "from-env" }, cwd);
    expect(flagged.dataDir).toBe("from-flag");
    expect(flagged.endpoint.rest).toBe("http://127.0.0.1:9999");
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

/** The ConfigError loadConfig throws, or a failure when it does not throw. */
const refusal = (flags: Parameters<typeof loadConfig>[0], env: NodeJS.ProcessEnv, cwd: string) => configRefusal(() => loadConfig(flags, env, cwd));

describe("loadConfig strict keys", () => {
  it("refuses an unknown key at every level, naming its path and the closest valid key", () => {
    const cwd = dirWith(
      [
        "dataDri: x",
        "exchnage: local",
        "fetch:\n  weightBuget: 0.5\n  maxRetries: 2",
        "record:\n  topn: 10",
        "endpoints:\n  locl:\n    rest: http://127.0.0.1:1\n  local:\n    reset: http://127.0.0.1:1",
        "somethingElse: 1",
      ].join("\n"),
    );
    const err = refusal({}, {}, cwd);
    const lines = err.message.split("\n");
    expect(lines[0]).toBe(`invalid config ${path.join(cwd, "rlt.yaml")}:`);
    expect(lines.slice(1).sort()).toEqual(
      [
        "  dataDri: unknown key; did you mean dataDir?",
        "  exchnage: unknown key; did you mean exchange?",
        "  fetch.weightBuget: unknown key; did you mean fetch.weightBudget?",
        "  record.topn: unknown key; did you mean record.topN?",
        "  endpoints.locl: unknown key; did you mean endpoints.local?",
        "  endpoints.local.reset: unknown key; did you mean endpoints.local.rest?",
        "  somethingElse: unknown key (valid here: dataDir, exchange, endpoints, fetch, record, trade, monitor)",
      ].sort(),
    );
    expect(err.hint).toBe("see configs/rlt.example.yaml for every key and its default");
  });

  it("lets an endpoint entry override only some of its URLs", () => {
    const cfg = loadConfig({}, {}, dirWith("exchange: local\nendpoints:\n  local:\n    rest: http://127.0.0.1:9999/\n"));
    expect(cfg.endpoint).toEqual({ rest: "http://127.0.0.1:9999", ws: "ws://127.0.0.1:8765", vision: "http://127.0.0.1:8765" });
  });
});

describe("loadConfig environment", () => {
  it("refuses a set-but-empty RLT_DATA_DIR instead of using the current folder", () => {
    const err = refusal({}, { RLT_DATA_DIR: "" }, dirWith());
    expect(err.message).toBe("RLT_DATA_DIR is set but empty");
    expect(err.hint).toBe("give it a value or unset it (unset RLT_DATA_DIR)");
    expect(refusal({ dataDir: "" }, {}, dirWith()).message).toBe("--data-dir is empty");
    expect(refusal({}, { RLT_REST_URL: " " }, dirWith()).message).toBe("RLT_REST_URL is set but empty");
  });

  it("names the variable or flag an unknown exchange came from, with the closest name", () => {
    expect(refusal({}, { RLT_EXCHANGE: "mainet" }, dirWith()).message).toBe('RLT_EXCHANGE: "mainet" is not one of mainnet, demo, local; did you mean mainnet?');
    expect(refusal({ exchange: "binance" }, {}, dirWith()).message).toBe('--exchange: "binance" is not one of mainnet, demo, local');
  });

  it("reads an empty RLT_CONFIG as no config file at all, not even ./rlt.yaml", () => {
    const cwd = dirWith("dataDri: typo\n");
    expect(loadConfig({}, { RLT_CONFIG: "" }, cwd).dataDir).toBe("./data");
    expect(refusal({}, { RLT_CONFIG: path.join(cwd, "missing.yaml") }, cwd).message).toBe(`config file not found: ${path.join(cwd, "missing.yaml")} (from RLT_CONFIG)`);
  });
});

describe("loadConfig endpoint URLs", () => {
  it("refuses a URL that can never work at once, naming its source, masked", () => {
    const cwd = dirWith("exchange: local\nendpoints:\n  local:\n    vision: ftp://127.0.0.1:8765\n");
    const fromFile = refusal({}, {}, cwd);
    expect(fromFile.message).toBe(`invalid config ${path.join(cwd, "rlt.yaml")}:\n  endpoints.local.vision: "ftp://127.0.0.1:8765": the scheme ftp:// can never work here: use http:// or https://`);
    const err = refusal({ restUrl: "http://user:secret@127.0.0.1:1/x?apiKey=KEYK" }, { RLT_WS_URL: "ws://127.0.0.1:99999" }, dirWith());
    expect(err.message).toBe(
      [
        "invalid endpoint URL:",
        '  --rest-url: "http://***:***@127.0.0.1:1/x?apiKey=***": it carries credentials (user:password@): Binance never takes them in a URL; remove them',
        '  RLT_WS_URL: "ws://127.0.0.1:99999": the port 99999 is out of range 1–65535',
      ].join("\n"),
    );
    expect(err.message).not.toMatch(/secret|KEYK/);
  });
});
