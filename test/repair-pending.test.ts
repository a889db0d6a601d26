// rlt data repair when the exchange cannot be reached: the damaged files are moved aside, the repair
// exits 75 (try later) after one fetch attempt rather than one per file, and what it could not bring
// back is kept in the quarantine folder's pending.json, so that the next repair tries it again (and
// drops it once it is back, however it came back).
import { cpSync, existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExchange } from "../src/exchange/server.ts";
import type { RunningExchange } from "../src/exchange/types.ts";
import { expectNoStackTrace, spawnRlt } from "./helpers/cli.ts";
import { sampleDataDir, tempDir } from "./helpers/sample-store.ts";

let pristine: string;
let ex: RunningExchange;
beforeAll(async () => {
  pristine = await sampleDataDir();
  ex = await startExchange({ dataDir: pristine, freezeClock: true });
}, 180_000);
afterAll(() => ex?.close());

const rlt = (args: string[]) => spawnRlt(args).done;
const dayFile = (dataDir: string, day: string) => path.join(dataDir, "klines", "symbol=BTCUSDT", `date=${day}`, "data.parquet");

describe("rlt data repair with the exchange out of reach", () => {
  it("moves the files aside, exits 75 after one attempt, and the next repair brings them back", async () => {
    const work = tempDir("rlt-repair-pending-");
    const dataDir = path.join(work, "data");
    cpSync(pristine, dataDir, { recursive: true });
    // no retries: a refused connection is temporary, and the test should not wait out the back-off
    const config = path.join(work, "rlt.yaml");
    writeFileSync(config, "fetch:\n  maxRetries: 0\n");
    truncateSync(dayFile(dataDir, "2023-07-19"), 20_000);
    truncateSync(dayFile(dataDir, "2023-07-25"), 20_000);
    const dead = ["--exchange", "local", "--rest-url", "http://127.0.0.1:47213", "--vision-url", "http://127.0.0.1:47213"];

    const first = await rlt(["--config", config, "data", "repair", "BTCUSDT", "--data-dir", dataDir, ...dead]);
    expect(first.code, first.stderr).toBe(75);
    expectNoStackTrace(first.stderr);
    expect(first.stderr).toContain("error: 2 of 2 damaged files were moved aside but their rows are not back: the exchange could not be reached");
    expect(first.stderr).toContain("hint: run rlt data repair again later");
    // the second day was not fetched after the first failed: one attempt, not one per file
    expect(first.stdout).toContain("fetching it again failed: not tried: ");
    expect(first.stdout).toContain("rlt fetch BTCUSDT --kinds klines --from 2023-07-25 --to 2023-07-26");
    const [stamp] = readdirSync(path.join(dataDir, ".quarantine"));
    const pendingFile = path.join(dataDir, ".quarantine", stamp, "pending.json");
    const pending = JSON.parse(readFileSync(pendingFile, "utf8")) as { day: string; recordedRows: number }[];
    expect(pending.map((p) => [p.day, p.recordedRows])).toEqual([["2023-07-19", 1440], ["2023-07-25", 1440]]);
    expect(existsSync(dayFile(dataDir, "2023-07-19"))).toBe(false);

    // still out of reach: the earlier repair's files are tried again, and still pending
    const second = await rlt(["--config", config, "data", "repair", "BTCUSDT", "--data-dir", dataDir, ...dead]);
    expect(second.code, second.stderr).toBe(75);
    expect(second.stdout).toContain("none damaged\n2 files moved aside by an earlier repair are not back yet: trying again");
    expect(existsSync(pendingFile)).toBe(true);

    // the exchange is back: both days are fetched again and nothing is pending any more
    const local = ["--exchange", "local", "--rest-url", ex.restUrl, "--vision-url", ex.restUrl];
    const third = await rlt(["data", "repair", "BTCUSDT", "--data-dir", dataDir, ...local]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout.match(/ {4}fetched again: 1,440 rows \(the damaged file held 1,440\)\n/g)).toHaveLength(2);
    expect(existsSync(pendingFile)).toBe(false);
    // the moved files stay in the quarantine folder: nothing is ever deleted
    expect(existsSync(path.join(dataDir, ".quarantine", stamp, "klines", "symbol=BTCUSDT", "date=2023-07-19", "data.parquet"))).toBe(true);
    const verify = await rlt(["data", "verify", "BTCUSDT", "--data-dir", dataDir]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 180_000);
});
