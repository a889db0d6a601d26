// A run trained by the wasm-simd learner evaluates and trades without TF.js: rlt eval and rlt trade
// resolve no @tensorflow/* module at all (a resolve hook records every one). The same run told that
// its learner is tfjs does load it, so the hook sees what it is meant to.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { startExchange } from "../src/exchange/server.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { ROOT, spawnRlt } from "./helpers/cli.ts";
import { tempDir } from "./helpers/sample-store.ts";
import { EXCHANGE_RISK, trainTinyRun } from "./helpers/trade-run.ts";

let runDir: string;
let dataDir: string;

beforeAll(async () => {
  ({ runDir, dataDir } = await trainTinyRun("rlt-no-tfjs-", "notf", EXCHANGE_RISK));
}, 240_000);

/** rlt with the resolve hook; returns the result and the @tensorflow/* modules it resolved. */
async function withHook(args: string[]): Promise<{ code: number | null; stderr: string; tf: string[] }> {
  const marker = path.join(tempDir("rlt-tfjs-marker-"), "resolved.txt");
  const hook = path.join(ROOT, "test/fixtures/record-tfjs-imports.mjs");
  const res = await spawnRlt(args, { NODE_OPTIONS: `--import=${hook}`, RLT_TEST_TFJS_MARKER: marker }).done;
  return { code: res.code, stderr: res.stderr, tf: existsSync(marker) ? readFileSync(marker, "utf8").trim().split("\n") : [] };
}

describe("commands on a wasm-simd run", () => {
  it("rlt eval and rlt trade --paper never load TF.js; the run told its learner is tfjs does", async () => {
    expect(readFileSync(path.join(runDir, "config.yaml"), "utf8")).toMatch(/learner: wasm-simd/);
    const evaluated = await withHook(["eval", "--run", runDir, "--data-dir", dataDir]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.tf).toEqual([]);

    const test = readRun(runDir).info.splitMs.test;
    const ex = await startExchange({ dataDir, klineReplay: { fromMs: test.fromMs, barsPerSecond: 400 } });
    try {
      const traded = await withHook(["trade", "--run", runDir, "--paper", "--exchange", "local", "--rest-url", ex.restUrl, "--ws-url", ex.wsUrl, "--data-dir", dataDir, "--bars", "3", "--session", "notf"]);
      expect(traded.code, traded.stderr).toBe(0);
      expect(traded.tf).toEqual([]);
    } finally {
      await ex.close();
    }

    const cfgFile = path.join(runDir, "config.yaml");
    writeFileSync(cfgFile, readFileSync(cfgFile, "utf8").replace("learner: wasm-simd", "learner: tfjs"));
    const onTf = await withHook(["eval", "--run", runDir, "--data-dir", dataDir]);
    expect(onTf.code, onTf.stderr).toBe(0);
    expect(onTf.tf).toContain("@tensorflow/tfjs");
  }, 120_000);
});
