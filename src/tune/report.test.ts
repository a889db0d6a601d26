// The tune report on hand-built trial records (no training): every section, the best trial as the
// maximum objective, the selection-bias warning with N, escaped errors, and the test-vs-baselines verdict.
import { describe, expect, it } from "vitest";
import { failedTrial, okTrial, TUNE_SPACE, unit } from "../../test/helpers/tune-records.ts";
import { bestSoFar } from "./report-chart.ts";
import { type TuneReportInput, formatObjective, formatParam, renderTuneReport } from "./report.ts";
import type { TrialRecord } from "./types.ts";

function input(records: TrialRecord[], over: Partial<TuneReportInput> = {}): TuneReportInput {
  return {
    name: "tpe-demo",
    method: "tpe (20 startup trials)",
    metric: "sharpe",
    space: TUNE_SPACE,
    records,
    importance: { method: "permutation importance on a surrogate", params: [{ name: "reward.w2", importance: 0.25 }, { name: "ppo.learningRate", importance: 0.75 }] },
    generatedAt: "2024-01-02T03:04:05.000Z",
    bestConfigFile: "tunes/tpe-demo/best.yaml",
    ...over,
  };
}

/** The markup without the inline sorter script (its source holds isNaN and -Infinity). */
const markup = (html: string) => html.replace(/<script>[\s\S]*?<\/script>/g, "");
const LEAK = /NaN|Infinity|="[^"]*undefined|>undefined</;

/** The inner HTML of the element with this id (the first closing tag of its kind ends it). */
function byId(html: string, id: string, tag: string): string {
  const m = new RegExp(`<${tag}[^>]*id="${id}"[^>]*>([\\s\\S]*?)</${tag}>`).exec(html);
  if (!m) throw new Error(`no <${tag} id="${id}">`);
  return m[1];
}
/** The body rows of the table with this id. */
function tbody(html: string, id: string): string {
  const m = new RegExp(`<table id="${id}"[^>]*><thead>[\\s\\S]*?</thead><tbody>([\\s\\S]*?)</tbody>`).exec(html);
  if (!m) throw new Error(`no <table id="${id}">`);
  return m[1];
}
/** The first cell of each body row of a table. */
const firstColumn = (html: string, id: string) => [...tbody(html, id).matchAll(/<tr><td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);

// ok objectives 0.5, 1.7, −0.2, 1.1, 0.9, 1.3, 0.1 (ids 1..7), two failures (ids 8, 9): the best is trial 2
const objectives = [0.5, 1.7, -0.2, 1.1, 0.9, 1.3, 0.1];
const records = [
  failedTrial(9, "worker lost"),
  ...objectives.map((o, i) => okTrial(i + 1, o)),
  failedTrial(8, `feature artifact <script>alert("x")</script> & co`),
];

describe("renderTuneReport", () => {
  const html = renderTuneReport(input(records));

  it("has every section, the page skeleton of the eval report, and no non-finite leaks", () => {
    for (const id of ["summary-section", "objective-section", "importance-section", "best-section", "baselines-section", "failed-section", "trials-section"]) {
      expect(html).toContain(`<section class="card" id="${id}">`);
    }
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<title>tune tpe-demo</title>");
    expect(html).toContain(`<h2>Objective per trial</h2>`);
    expect(html).toContain(`<h2>Best trials: validation against test</h2>`);
    expect(html).toContain(`<h2>Best trial on test beside the baselines</h2>`);
    expect(markup(html)).not.toMatch(LEAK);
    expect(byId(html, "trial-counts", "p")).toBe("9 trials recorded: 7 ok, 2 failed.");
    expect(html).toContain("tunes/tpe-demo/best.yaml");
  });

  it("names the best trial as the maximum objective and ranks the top 5 by it", () => {
    expect(byId(html, "best-line", "p")).toContain("Best: trial 2, validation Sharpe 1.70 (median over 2 units); test Sharpe 0.85.");
    expect(firstColumn(html, "best-trials")).toEqual(["2", "6", "4", "5", "1"]);
    // the best trial's parameters
    expect(byId(html, "best-params", "dl")).toBe("<dt>ppo.learningRate</dt><dd>0.0002</dd><dt>reward.w2</dt><dd>0.2</dd><dt>ppo.hidden</dt><dd>[64,64]</dd>");
  });

  it("warns that the best of N trials is biased on validation, N the ok trials", () => {
    const text = "the best of 7 trials is optimistically biased on validation: its validation figure was selected as the maximum of 7 noisy estimates; judge it on test";
    expect(byId(html, "selection-bias", "div")).toContain(text);
    expect(byId(html, "warnings", "div")).toContain(text);
  });

  it("plots each ok trial, the best so far, and each failed trial on the axis", () => {
    const chart = byId(html, "chart-objective", "svg");
    expect([...chart.matchAll(/data-trial="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect([...chart.matchAll(/data-failed="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([9, 8]);
    expect(chart).toContain(`data-series="best-so-far"`);
    expect(chart).toContain("validation Sharpe (median over units)");
    const steps = bestSoFar([
      { id: 3, objective: 2, failed: false },
      { id: 1, objective: 1, failed: false },
      { id: 2, objective: Number.NaN, failed: true },
      { id: 4, objective: 5, failed: false },
      { id: 5, objective: 4, failed: false },
    ]);
    expect(steps).toEqual([{ id: 1, best: 1 }, { id: 2, best: 1 }, { id: 3, best: 2 }, { id: 4, best: 5 }, { id: 5, best: 5 }]);
  });

  it("escapes a failed trial's error and lists id, worker and attempts", () => {
    const failed = tbody(html, "failed");
    expect(html).not.toContain(`<script>alert`);
    expect(failed).toContain("<tr><td>8</td><td class=\"text detail\">feature artifact &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</td><td class=\"text\">host-b:4242</td><td>2</td></tr>");
    expect(firstColumn(html, "failed")).toEqual(["8", "9"]);
  });

  it("lists every trial by id in the sortable table, failed ones without an objective", () => {
    expect(firstColumn(html, "trials")).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(html).toContain(`<table id="trials" class="sortable">`);
    const row8 = /<tr><td data-v="8">8<\/td>(.*?)<\/tr>/.exec(tbody(html, "trials"))![1];
    expect(row8).toContain(`<td class="text neg">failed</td><td data-v="">—</td><td data-v="">—</td><td data-v="20.5">20.5</td>`);
  });

  it("shows importance as bars, largest first, with the method named", () => {
    expect(html).toContain("Method: permutation importance on a surrogate.");
    expect([...tbody(html, "importance").matchAll(/data-param="([^"]+)"/g)].map((m) => m[1])).toEqual(["ppo.learningRate", "reward.w2"]);
    expect(html).toContain(`width:33.3%`);
    const none = renderTuneReport(input(records, { importance: { method: "permutation importance", reason: "7 finished trials, at least 8 needed" } }));
    expect(byId(none, "no-importance", "p")).toBe("not available: 7 finished trials, at least 8 needed");
  });

  it("says plainly when the best trial does not beat buy & hold after costs on test, and names degenerate units", () => {
    const best = okTrial(1, 2, {
      units: [
        unit({ symbol: "BTCUSDT", fold: 1, seed: 3, testReturn: -0.01, buyAndHold: 0.02, degenerate: true }),
        unit({ symbol: "BTCUSDT", fold: 2, seed: 3, testReturn: 0.03, buyAndHold: 0.01 }),
        unit({ symbol: "ETHUSDT", fold: 1, seed: 3, testReturn: -0.02, buyAndHold: 0.04 }),
      ],
    });
    const page = renderTuneReport(input([best, okTrial(2, 1)]));
    const verdict = "Trial 1 does not beat buy &amp; hold after costs on test: median test return -1.00% against buy &amp; hold&#39;s 2.00%, better on 1 of 3 units. It loses money where staying flat returns 0.00%.";
    expect(byId(page, "verdict-buy-and-hold", "p")).toBe(verdict);
    expect(byId(page, "warnings", "div")).toContain(verdict);
    expect(byId(page, "degenerate-units", "p")).toContain("BTCUSDT fold 1 seed 3.");
    expect(byId(page, "degenerate-units", "p")).not.toContain("fold 2");
    // the median row: agent return, Sharpe, buy & hold, flat, momentum, random
    expect(byId(page, "median-row", "tr")).toContain("<td>-1.00%</td><td>0.50</td><td>2.00%</td><td>0.00%</td><td>-1.00%</td><td>-0.40%</td><td class=\"text\">1 of 3</td>");

    const winner = okTrial(1, 2, { units: [unit({ testReturn: 0.05, buyAndHold: 0.02 })] });
    const good = renderTuneReport(input([winner]));
    expect(byId(good, "verdict-buy-and-hold", "p")).toBe("Trial 1 beats buy &amp; hold after costs on test: median test return 5.00% against buy &amp; hold&#39;s 2.00%, better on 1 of 1 unit.");
    expect(good).not.toContain("does not beat");
    expect(byId(good, "degenerate-units", "p")).toBe("No unit is degenerate on test.");
  });

  it("formats returns as %, Sharpe with 2 decimals and non-finite as —", () => {
    expect(formatObjective(0.01234, "return")).toBe("1.23%");
    expect(formatObjective(1.235, "sharpe")).toBe("1.24");
    expect(formatObjective(null, "sharpe")).toBe("—");
    expect(formatObjective(Number.NaN, "return")).toBe("—");
    expect(formatParam(0.000123456)).toBe("0.0001235");
    const page = renderTuneReport(input([okTrial(1, 0.042)], { metric: "return" }));
    expect(byId(page, "best-line", "p")).toContain("validation total return 4.20%");
  });

  it("says what is missing when no trial finished ok", () => {
    const page = renderTuneReport(input([failedTrial(1, "boom")], { importance: { method: "m", reason: "no finished trial" } }));
    expect(byId(page, "no-best", "p")).toBe("no trial has a validation objective yet");
    expect(byId(page, "no-best-trials", "p")).toBe("no trial finished ok");
    expect(page).not.toContain(`id="selection-bias"`);
    expect(byId(page, "chart-objective", "svg")).toContain("no trial has an objective yet");
    expect(markup(page)).not.toMatch(LEAK);
  });
});
