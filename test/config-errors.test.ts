// Configs, flags, environment and URLs a user got wrong, through the real CLI: each refusal names
// what is wrong and where, exits with its code, and leaves what was stored byte-for-byte as it was.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { stringify as toYaml } from "yaml";
import { ROOT } from "./helpers/cli.ts";
import { tempDir, treeHashes } from "./helpers/files.ts";

const BIN = path.join(ROOT, "bin/rlt.js");
/** The outer environment without rlt's own variables, so a developer's RLT_* cannot change a result. */
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("RLT_")));

function rlt(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const res = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, encoding: "utf8", env: { ...CLEAN_ENV, ...opts.env }, timeout: 60_000 });
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr };
}

/** A port on 127.0.0.1 nothing listens on (just released by the system). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A folder with something stored in it, to prove a refusal touched nothing. */
function storedDir(): string {
  const dir = tempDir("rlt-cfgerr-");
  mkdirSync(path.join(dir, "data/klines"), { recursive: true });
  writeFileSync(path.join(dir, "data/klines/kept.txt"), "stored before\n");
  mkdirSync(path.join(dir, "runs/old"), { recursive: true });
  writeFileSync(path.join(dir, "runs/old/config.yaml"), "name: old\n");
  return dir;
}

describe("a misspelled key in each config", () => {
  it("rlt.yaml: every level, path and closest key, exit 2", () => {
    const dir = storedDir();
    writeFileSync(path.join(dir, "rlt.yaml"), "dataDri: data\nfetch:\n  maxRetry: 1\nrecord:\n  topn: 5\nendpoints:\n  local:\n    reset: http://127.0.0.1:1\n");
    const before = treeHashes(dir);
    const res = rlt(["data", "status"], { cwd: dir });
    expect(res.status).toBe(2);
    const lines = res.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`error: invalid config ${path.join(dir, "rlt.yaml")}:`);
    expect(lines.slice(1, -1).sort()).toEqual(
      [
        "  dataDri: unknown key; did you mean dataDir?",
        "  endpoints.local.reset: unknown key; did you mean endpoints.local.rest?",
        "  fetch.maxRetry: unknown key; did you mean fetch.maxRetries?",
        "  record.topn: unknown key; did you mean record.topN?",
      ].sort(),
    );
    expect(lines.at(-1)).toBe("  hint: see configs/rlt.example.yaml for every key and its default");
    expect(treeHashes(dir)).toEqual(before);
  });

  it("a training config: maxUpdate is refused, not trained as the default 50 updates; exit 2", () => {
    const dir = storedDir();
    writeFileSync(path.join(dir, "x.yaml"), toYaml({ features: "features/none", ppo: { numEnv: 2 }, env: { positionInObservation: false }, sim: { leverag: 2 }, reward: { w: 1 }, training: { maxUpdate: 1, split: { gap: 0 } } }));
    const before = treeHashes(dir);
    const res = rlt(["train", "--config", "x.yaml", "--runs-dir", "runs"], { cwd: dir });
    expect(res.status).toBe(2);
    const lines = res.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("error: invalid training config x.yaml:");
    expect(lines.slice(1, -1).sort()).toEqual(
      [
        "  env.positionInObservation: unknown key; did you mean env.positionInObs?",
        "  ppo.numEnv: unknown key; did you mean ppo.numEnvs?",
        "  reward.w: unknown key; did you mean reward.w1?",
        "  sim.leverag: unknown key; did you mean sim.leverage?",
        "  training.maxUpdate: unknown key; did you mean training.maxUpdates?",
        "  training.split.gap: unknown key (valid here: train, validation, gapBars)",
      ].sort(),
    );
    expect(treeHashes(dir)).toEqual(before);
  });

  it("a run's saved config.yaml (rlt eval --run): exit 2, naming the file", () => {
    const dir = storedDir();
    const run = path.join(dir, "runs/old");
    writeFileSync(path.join(run, "config.yaml"), toYaml({ name: "old", features: "features/none", training: { maxUpdate: 1 } }));
    writeFileSync(path.join(run, "run.json"), JSON.stringify({ symbol: "BTCUSDT", splitMs: {} }));
    writeFileSync(path.join(run, "feature-manifest.json"), "{}");
    const before = treeHashes(dir);
    const res = rlt(["eval", "--run", "runs/old"], { cwd: dir });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(`error: invalid training config ${path.join(run, "config.yaml")}:\n  training.maxUpdate: unknown key; did you mean training.maxUpdates?\n`);
    expect(treeHashes(dir)).toEqual(before);
  });
});

describe("flags are blamed, not the file they override", () => {
  /** The CLI in this process (no spawn: these refusals come before any work): exit code and stderr. */
  async function rltHere(args: string[]): Promise<{ status: number; stderr: string }> {
    const { main } = await import("../src/cli.ts");
    let stderr = "";
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      return { status: await main(["node", "rlt", ...args]), stderr };
    } finally {
      spy.mockRestore();
    }
  }

  it("--seed abc in rlt train, rlt check repro and rlt eval: exit 2 naming the flag", async () => {
    const dir = storedDir();
    // the config is wrong too: the flag is checked first and named
    const config = path.join(dir, "x.yaml");
    writeFileSync(config, "features: none\ntraining:\n  maxUpdate: 1\n");
    const before = treeHashes(dir);
    for (const args of [
      ["train", "--config", config, "--seed", "abc"],
      ["check", "repro", "--config", config, "--seed", "abc"],
      ["eval", "--run", path.join(dir, "runs/old"), "--seed", "abc"],
    ]) {
      expect(await rltHere(args), args.join(" ")).toEqual({ status: 2, stderr: 'error: --seed: "abc" is not a non-negative integer\n' });
    }
    expect(await rltHere(["train", "--config", config, "--max-updates", "x"])).toEqual({ status: 2, stderr: 'error: --max-updates: "x" is not a positive integer\n' });
    expect(await rltHere(["train", "--config", config, "--name", "a/b"])).toEqual({ status: 2, stderr: "error: --name: \"a/b\" is not a run name (letters, digits, '.', '_' and '-' only)\n" });
    expect(treeHashes(dir)).toEqual(before);
  });
});

describe("environment variables", () => {
  it("RLT_DATA_DIR=/proc/x: a clear error at once (it used to spin at full CPU forever), exit 1", () => {
    const res = rlt(["data", "status"], { env: { RLT_DATA_DIR: "/proc/x" } });
    expect(res.signal).toBeNull(); // not killed by the spawn timeout
    expect(res.status).toBe(1);
    expect(res.stderr).toBe("error: cannot create data directory /proc/x: ENOENT: no such file or directory, mkdir '/proc/x'\n  hint: pass a writable --data-dir or set RLT_DATA_DIR\n");
  });

  it("RLT_DATA_DIR set but empty, RLT_TF_BACKEND=gpu: refused naming the variable, exit 2", () => {
    const dir = storedDir();
    const before = treeHashes(dir);
    const empty = rlt(["data", "status"], { cwd: dir, env: { RLT_DATA_DIR: "" } });
    expect([empty.status, empty.stderr]).toEqual([2, "error: RLT_DATA_DIR is set but empty\n  hint: give it a value or unset it (unset RLT_DATA_DIR)\n"]);
    const backend = rlt(["train", "--config", path.join(ROOT, "configs/ppo.yaml"), "--runs-dir", "runs"], { cwd: dir, env: { RLT_TF_BACKEND: "gpu" } });
    expect([backend.status, backend.stderr]).toEqual([2, 'error: RLT_TF_BACKEND: "gpu" is not one of wasm, cpu, node\n  hint: set RLT_TF_BACKEND to one of wasm, cpu, node, or unset it\n']);
    expect(treeHashes(dir)).toEqual(before);
  });
});

describe("URLs", () => {
  it("a URL with credentials and a query is refused at once and never printed unmasked, exit 2", () => {
    const dir = storedDir();
    const before = treeHashes(dir);
    const res = rlt(["--data-dir", "data", "fetch", "BTCUSDT", "--days", "1", "--rest-url", "http://user:secret@127.0.0.1:1/x?apiKey=KEYKEY&signature=SIGSIG"], { cwd: dir });
    expect(res.status).toBe(2);
    expect(res.stderr).toBe(
      "error: invalid endpoint URL:\n" +
        '  --rest-url: "http://***:***@127.0.0.1:1/x?apiKey=***&signature=***": it carries credentials (user:password@): Binance never takes them in a URL; remove them\n' +
        "  hint: REST and bulk-data URLs are http(s)://host[:port][/path], the WebSocket root ws(s)://host[:port][/path]\n",
    );
    expect(`${res.stdout}${res.stderr}`).not.toMatch(/user:secret|secret@|KEYKEY|SIGSIG/);
    expect(treeHashes(dir)).toEqual(before);
  });

  it("a port fetch never connects to is refused at once, exit 2", () => {
    const res = rlt(["fetch", "BTCUSDT", "--days", "1", "--rest-url", "http://127.0.0.1:1"]);
    expect([res.status, res.stderr.split("\n")[1]]).toEqual([2, '  --rest-url: "http://127.0.0.1:1": the port 1 is one fetch never connects to (the Fetch standard\'s blocked "bad port" list); use another port']);
  });

  it("a refused connection stays temporary: retried, saying so, then exit 75", async () => {
    const dir = storedDir();
    writeFileSync(path.join(dir, "rlt.yaml"), "fetch:\n  maxRetries: 1\n");
    const port = await closedPort();
    const before = treeHashes(dir);
    const res = rlt(["--data-dir", "data", "fetch", "BTCUSDT", "--days", "1", "--rest-url", `http://127.0.0.1:${port}`], { cwd: dir });
    expect(res.status).toBe(75);
    const refused = `cannot reach http://127.0.0.1:${port}/fapi/v1/time: fetch failed (ECONNREFUSED: connection refused)`;
    expect(res.stderr).toMatch(new RegExp(`waiting \\d+\\.\\d s: ${refused.replace(/[().]/g, "\\$&")} \\(retry 1 of 1\\)\\n`));
    expect(res.stderr).toContain(`error: ${refused}\n`);
    expect(treeHashes(dir)).toEqual(before);
  });
});
