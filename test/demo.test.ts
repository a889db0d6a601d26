// The README's main command on a fresh checkout, offline: the bundled real sample's coverage through
// the local exchange, then features → a short training → evaluation → the report.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rlt } from "./helpers/cli.ts";
import { tempDir } from "./helpers/sample-store.ts";

describe("rlt demo", () => {
  it("fetches the bundled real BTCUSDT month from the local exchange (43,199 one-minute bars, no gaps), trains, evaluates and reports", () => {
    const work = tempDir("rlt-demo-");
    const res = rlt(["demo", "--work-dir", work, "--record-seconds", "2", "--updates", "2"]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/klines\s+BTCUSDT\s+43,199 rows\s+2023-07-18 11:13 → 2023-08-17 11:11 UTC\s+no gaps/);
    expect(res.stdout).toMatch(/funding\s+BTCUSDT\s+89 rows .* no gaps/);
    expect(res.stdout).toMatch(/klines: 43,199 rows, valid/);
    expect(res.stdout).toMatch(/in 29 requests/);
    expect(res.stdout).toMatch(/recorded [\d,]+ depth_updates/);
    expect(res.stdout).toMatch(/0 breaks/);
    expect(res.stdout).toMatch(/trained 2 updates \(4,096 steps/);
    expect(res.stdout).toMatch(/BTCUSDT test: 2023-08-14T23:11 → 2023-08-17T11:12 UTC, 3,601 bars, best model/);
    for (const name of ["agent", "buy & hold", "flat", "momentum 60", "random \\(median\\)"]) expect(res.stdout).toMatch(new RegExp(`^${name}\\s+-?\\d`, "m"));
    const report = path.join(work, "ppo", "eval", "test", "report.html");
    expect(res.stdout).toContain(`report: ${report}`);
    expect(existsSync(report)).toBe(true);
    expect(readFileSync(report, "utf8")).toMatch(/<svg[^>]*class="chart"/);
    // the paper replay of the test range ends in cash like the evaluation: its trades' PnL is the agent's
    const paper = res.stdout.match(/^paper session demo-paper: 3,601 bars, (\d+) trades?, equity ([\d,.]+) USDT/m);
    expect(paper, res.stdout).not.toBeNull();
    const agentReturn = Number(res.stdout.match(/^agent\s+(-?[\d.]+) %/m)![1]) / 100;
    expect(Number(paper![2].replace(/,/g, ""))).toBeCloseTo(10_000 * (1 + agentReturn), 0);
  });
});
