// The report page in a real headless Chromium (Debian's, driven by playwright-core): it opens
// offline with no console errors and no requests beyond file:/data:, every chart has a size and
// something drawn, the metrics table has a row per strategy, the trade journal sorts by PnL, the
// warning is visible, and a full-page screenshot is written (report.png in the temp dir).
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderChartSvgs } from "../src/report/charts.ts";
import { renderReportHtml } from "../src/report/html.ts";
import { sampleReportData } from "../src/report/sample-data.ts";
import { type OpenedPage, chromiumTool, openInChromium } from "./helpers/browser.ts";

describe.skipIf(!chromiumTool.available)("report in headless Chromium", () => {
  const data = sampleReportData();
  const dir = mkdtempSync(path.join(tmpdir(), "rlt-report-"));
  const htmlPath = path.join(dir, "report.html");
  let opened: OpenedPage | undefined;
  let page: Page;
  let consoleErrors: string[] = [];
  let pageErrors: string[] = [];
  let foreignRequests: string[] = [];

  beforeAll(async () => {
    writeFileSync(htmlPath, renderReportHtml(data));
    for (const [name, svg] of Object.entries(renderChartSvgs(data))) writeFileSync(path.join(dir, name), svg);
    opened = await openInChromium(htmlPath);
    ({ page, consoleErrors, pageErrors, foreignRequests } = opened);
  });

  afterAll(async () => {
    await opened?.browser.close();
  });

  it("loads offline without errors or outside requests", async () => {
    expect(await page.title()).toBe(data.title);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it("shows the warning on the first screen", async () => {
    const warning = page.getByText("evaluation range overlaps training: --allow-overlap");
    await expect(warning.isVisible()).resolves.toBe(true);
    const box = await warning.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y + box!.height).toBeLessThan(900);
  });

  it("draws every chart with a size and a non-empty path", async () => {
    const charts = await page.$$eval("svg.chart", (svgs) =>
      svgs.map((svg) => {
        const r = svg.getBoundingClientRect();
        const drawn = [...svg.querySelectorAll("path, polyline")].some(
          (el) => (el.getAttribute("d") ?? el.getAttribute("points") ?? "").trim().length > 0,
        );
        return { label: svg.getAttribute("aria-label"), w: r.width, h: r.height, drawn, points: Number(svg.getAttribute("data-points")) };
      }),
    );
    // equity, drawdown, rolling Sharpe, position, one per training series.
    expect(charts.length).toBe(4 + data.training!.series.length);
    for (const c of charts) {
      expect(c.w, String(c.label)).toBeGreaterThan(0);
      expect(c.h, String(c.label)).toBeGreaterThan(0);
      expect(c.drawn, String(c.label)).toBe(true);
      expect(c.points, String(c.label)).toBeGreaterThan(0);
    }
    // Downsampled: no more than 2000 points per series.
    const equity = charts.find((c) => c.label?.startsWith("Equity"))!;
    expect(equity.points).toBeLessThanOrEqual(2000 * data.equity.length);
  });

  it("has one metrics row per strategy", async () => {
    const rows = await page.$$eval("#metrics tbody tr", (trs) => trs.length);
    expect(rows).toBe(data.metrics.rows.length);
    expect(rows).toBe(5);
  });

  it("sorts the trade journal by PnL when its header is clicked", async () => {
    const pnlCol = await page.$$eval("#trades thead th", (ths) => ths.findIndex((th) => th.getAttribute("data-key") === "pnl"));
    expect(pnlCol).toBeGreaterThan(0);
    const pnls = () =>
      page.$$eval(
        "#trades tbody tr",
        (trs, col) => trs.map((tr) => Number((tr as HTMLTableRowElement).cells[col].getAttribute("data-v"))),
        pnlCol,
      );
    const firstCells = () =>
      page.$$eval("#trades tbody tr", (trs) => trs.map((tr) => Number((tr as HTMLTableRowElement).cells[0].textContent)));
    const before = await pnls();
    expect(before.length).toBe(data.trades.length);
    const ascending = [...before].sort((a, b) => a - b);
    expect(before).not.toEqual(ascending);

    await page.click('#trades thead th[data-key="pnl"]');
    const asc = await pnls();
    expect(asc).toEqual(ascending);
    // The rows moved, not just the cells: the "#" column is now the rank order by PnL.
    const order = await firstCells();
    const expectedOrder = data.trades
      .map((t, i) => ({ pnl: t.pnlUsdt, n: i + 1 }))
      .sort((a, b) => a.pnl - b.pnl)
      .map((x) => x.n);
    expect(order).toEqual(expectedOrder);

    await page.click('#trades thead th[data-key="pnl"]');
    expect(await pnls()).toEqual([...ascending].reverse());
    expect(await page.getAttribute('#trades thead th[data-key="pnl"]', "aria-sort")).toBe("descending");
  });

  it("writes a full-page screenshot", async () => {
    const png = path.join(dir, "report.png");
    await page.screenshot({ path: png, fullPage: true });
    expect(existsSync(png)).toBe(true);
    expect(statSync(png).size).toBeGreaterThan(10_000);
    console.log(`report screenshot: ${png}`);
  });
});
