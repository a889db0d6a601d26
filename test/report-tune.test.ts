// `rlt report --tune tunes/<name>` on a hand-written tune folder (no training): the page written
// whole into the folder, its path printed, importance computed from the records; bad folders refused.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expectNoStackTrace, rlt } from "./helpers/cli.ts";
import { tempDir } from "./helpers/files.ts";
import { failedTrial, okTrial, writeTuneFolder } from "./helpers/tune-records.ts";

describe("rlt report --tune", () => {
  it("writes <dir>/report.html from tune.json and trials/*.json and prints its path", () => {
    const dir = path.join(tempDir("rlt-tune-report-"), "tpe-demo");
    // ten ok trials (enough for the surrogate's importance) whose objective is 0.2 · id: trial 10 is best
    const records = [...Array.from({ length: 10 }, (_, i) => okTrial(i + 1, 0.2 * (i + 1))), failedTrial(11, "out of memory <oom>")];
    writeTuneFolder(dir, records);
    writeFileSync(path.join(dir, "trials", "12.json.tmp-99999"), "{"); // a record being written is not read
    writeFileSync(path.join(dir, "best.yaml"), "name: tpe-demo-best\n");

    const r = rlt(["report", "--tune", dir]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const html = path.join(dir, "report.html");
    expect(r.stdout).toBe(`report: ${html}\ntrials: 11\n`);
    expect(readdirSync(dir).sort()).toEqual(["best.yaml", "report.html", "trials", "tune.json"]);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("<title>tune tpe-demo</title>");
    expect(page).toContain(`id="best-line">Best: trial 10, validation Sharpe 2.00`);
    expect(page).toContain(`Its config: <code>${path.join(dir, "best.yaml")}</code>.`);
    expect(page).toContain("the best of 10 trials is optimistically biased on validation");
    expect(page).toContain("out of memory &lt;oom&gt;");
    // importance.ts ran on the ten ok trials: its method is named and every parameter has a bar
    expect(page).toContain("Method: permutation importance on a random-forest surrogate");
    expect([...page.matchAll(/<tr data-param="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(["ppo.hidden", "ppo.learningRate", "reward.w2"]);
    // every unit's buy & hold (2 %) beats the agent's 0.5 %
    expect(page).toContain("Trial 10 does not beat buy &amp; hold after costs on test");
  });

  it("refuses a folder that is not a tune's, with a hint; a damaged record names its file", () => {
    const missing = rlt(["report", "--tune", path.join(tempDir(), "nope")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/is not a folder/);
    expect(missing.stderr).toContain("rlt report --tune tunes/<name>");
    expectNoStackTrace(missing.stderr);

    const empty = tempDir();
    const noTune = rlt(["report", "--tune", empty]);
    expect(noTune.status).toBe(2);
    expect(noTune.stderr).toContain("has no tune.json");
    expectNoStackTrace(noTune.stderr);

    const damaged = writeTuneFolder(tempDir(), [okTrial(1, 1)]);
    writeFileSync(path.join(damaged, "trials", "2.json"), '{"id": 2, "sta');
    const bad = rlt(["report", "--tune", damaged]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(path.join(damaged, "trials", "2.json"));
    expect(existsSync(path.join(damaged, "report.html"))).toBe(false);
    expectNoStackTrace(bad.stderr);

    const both = rlt(["report", "--tune", damaged, "--run", "runs/x"]);
    expect(both.status).toBe(2);
    expectNoStackTrace(both.stderr);
  });
});
