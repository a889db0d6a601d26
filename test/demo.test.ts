// The README's main command on a fresh checkout: offline, it shows the bundled real sample's coverage.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers/sample-store.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

describe("rlt demo", () => {
  it("fetches the bundled real BTCUSDT month from the local exchange: 43,199 one-minute bars, no gaps", () => {
    const work = tempDir("rlt-demo-");
    const res = spawnSync(process.execPath, ["bin/rlt.js", "demo", "--work-dir", work, "--record-seconds", "2"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, RLT_CONFIG: "" } });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/klines\s+BTCUSDT\s+43,199 rows\s+2023-07-18 11:13 → 2023-08-17 11:11 UTC\s+no gaps/);
    expect(res.stdout).toMatch(/funding\s+BTCUSDT\s+89 rows .* no gaps/);
    expect(res.stdout).toMatch(/klines: 43,199 rows, valid/);
    expect(res.stdout).toMatch(/in 29 requests/);
    expect(res.stdout).toMatch(/recorded [\d,]+ depth_updates/);
    expect(res.stdout).toMatch(/0 breaks/);
  });
});
