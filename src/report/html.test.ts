// The report renderer without a browser: escaping, min/max downsampling, NaN gaps, edge cases and
// the standalone SVG documents.
import { describe, expect, it } from "vitest";
import { renderChartSvgs } from "./charts.ts";
import type { ReportData } from "./data.ts";
import { escapeHtml, formatMetric, renderReportHtml } from "./html.ts";
import { sampleReportData } from "./sample-data.ts";
import { downsampleIndices, lineChart, linePath, linearTicks, timeTicks } from "./svg.ts";

function minimalData(over: Partial<ReportData> = {}): ReportData {
  const timeMs = [0, 1, 2, 3, 4].map((i) => Date.UTC(2024, 0, 1) + i * 3_600_000);
  return {
    title: "t",
    generatedAt: "2024-01-01T00:00:00.000Z",
    warnings: [],
    summary: [],
    timeMs,
    price: [100, 101, 100, 102, 103],
    position: [0, 1, 1, 0, -1],
    equity: [{ name: "agent", values: [1, 1, 1, 1, 1] }],
    drawdown: [{ name: "agent", values: [0, 0, 0, 0, 0] }],
    rollingSharpe: [{ name: "agent", values: [NaN, NaN, NaN, NaN, NaN] }],
    trades: [],
    metrics: { columns: [{ key: "r", label: "Return", format: "pct" }], rows: [{ name: "agent", values: { r: 0 } }] },
    config: "",
    ...over,
  };
}

/** The markup without the inline sorter script (whose source mentions isNaN and -Infinity). */
function markup(html: string): string {
  return html.replace(/<script>[\s\S]*?<\/script>/g, "");
}

/** Non-finite numbers or "undefined" leaking into attributes (coordinates) or cell text. */
const LEAK = /NaN|Infinity|="[^"]*undefined|>undefined</;

/** All data-points attributes of the charts in an HTML/SVG string. */
function dataPoints(html: string): number[] {
  return [...html.matchAll(/data-points="(\d+)"/g)].map((m) => Number(m[1]));
}

describe("escaping", () => {
  it("escapes the five special characters", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  });

  it("shows hostile names, titles, warnings and config as text", () => {
    const evil = "<script>alert(1)</script>";
    const data = sampleReportData({ bars: 300, trades: 5 });
    data.title = evil;
    data.warnings = [evil];
    data.summary.push({ label: evil, value: evil });
    data.metrics.rows[1].name = evil;
    data.equity[1].name = evil;
    data.trades[0].exitReason = evil;
    data.training!.series[0].name = evil;
    data.config = `a: "${evil}"`;
    const html = renderReportHtml(data);
    // The only <script> is the sorter at the end of the body.
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    for (const svg of Object.values(renderChartSvgs(data))) expect(svg).not.toContain("<script");
  });
});

describe("downsampling", () => {
  it("keeps short series whole", () => {
    expect(downsampleIndices([3, 1, 2], 10)).toEqual([0, 1, 2]);
  });

  it("caps the points and keeps the global min and max (spikes survive)", () => {
    const n = 100_000;
    const values = Array.from({ length: n }, (_, i) => Math.sin(i / 500));
    values[12_345] = 50; // a one-bar spike up
    values[77_777] = -40; // and down
    const idx = downsampleIndices(values, 2000);
    expect(idx.length).toBeLessThanOrEqual(2000);
    expect(idx).toContain(12_345);
    expect(idx).toContain(77_777);
    const kept = idx.map((i) => values[i]);
    expect(Math.max(...kept)).toBe(50);
    expect(Math.min(...kept)).toBe(-40);
    // In index order, no duplicates.
    for (let k = 1; k < idx.length; k++) expect(idx[k]).toBeGreaterThan(idx[k - 1]);
  });

  it("keeps a gap marker where a bucket holds NaN", () => {
    const values = Array.from({ length: 10_000 }, (_, i) => (i >= 5000 && i < 5100 ? NaN : i));
    const idx = downsampleIndices(values, 200);
    const finite = idx.filter((i) => Number.isFinite(values[i]));
    expect(finite.length).toBeLessThanOrEqual(200);
    expect(idx.some((i) => Number.isNaN(values[i]))).toBe(true);
  });

  it("a long chart reports at most 2000 points per series", () => {
    const n = 50_000;
    const x = Array.from({ length: n }, (_, i) => i * 60_000);
    const svg = lineChart({
      label: "long",
      xKind: "time",
      series: [
        { name: "a", x, y: x.map((v) => Math.sin(v / 1e7)), color: "#000" },
        { name: "b", x, y: x.map((v) => Math.cos(v / 1e7)), color: "#111" },
      ],
    });
    const [points] = dataPoints(svg);
    expect(points).toBeGreaterThan(1000);
    expect(points).toBeLessThanOrEqual(4000);
  });
});

describe("NaN handling", () => {
  it("breaks the line at NaN instead of drawing through it", () => {
    const d = linePath([0, 1, 2, 3, 4], [0, 1, NaN, 3, 4]);
    expect(d).toBe("M0 0L1 1M3 3L4 4");
    expect(d).not.toContain("NaN");
  });

  it("draws an isolated point as a dot", () => {
    expect(linePath([0, 1, 2], [NaN, 5, NaN])).toBe("M1 5h0.01");
  });

  it("renders all-NaN, constant and empty series without NaN in the output", () => {
    const data = minimalData();
    const html = markup(renderReportHtml(data));
    expect(html).not.toMatch(LEAK);
    expect(html).toContain("no trades");
    expect(html).toContain("no training curves");
    const svgs = renderChartSvgs(data);
    expect(Object.keys(svgs).sort()).toEqual(["drawdown.svg", "equity.svg", "position.svg", "rolling-sharpe.svg"]);
    for (const svg of Object.values(svgs)) expect(svg).not.toMatch(LEAK);
    // The rolling Sharpe chart says why it is empty.
    expect(svgs["rolling-sharpe.svg"]).toContain("rolling Sharpe undefined");
  });

  it("handles no bars at all", () => {
    const data = minimalData({ timeMs: [], price: [], position: [], equity: [], drawdown: [], rollingSharpe: [], metrics: { columns: [], rows: [] } });
    const html = markup(renderReportHtml(data));
    expect(html).not.toMatch(LEAK);
    expect(dataPoints(html).every((p) => p === 0)).toBe(true);
  });

  it("formats non-finite metric values as a dash", () => {
    expect(formatMetric(NaN, "num")).toBe("—");
    expect(formatMetric(0.1234, "pct")).toBe("12.34%");
    expect(formatMetric(-1234.5, "usdt")).toBe("-1,234.50");
    expect(formatMetric(41.6, "int")).toBe("42");
  });
});

describe("axes", () => {
  it("has nice linear ticks", () => {
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(-0.23, 0, 3)).toEqual([-0.2, -0.1, 0]);
    expect(linearTicks(41_000, 73_500, 5)).toEqual([45_000, 50_000, 55_000, 60_000, 65_000, 70_000]);
  });

  it("labels time ticks as UTC dates", () => {
    const from = Date.UTC(2024, 0, 1);
    const ticks = timeTicks(from, from + 125 * 86_400_000, 6);
    expect(ticks.map((t) => t.label)).toEqual(["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]);
    const days = timeTicks(from, from + 5 * 86_400_000, 6);
    expect(days[0].label).toBe("2024-01-01");
    expect(days[1].value - days[0].value).toBe(86_400_000);
  });
});

describe("renderChartSvgs", () => {
  const data = sampleReportData();
  const svgs = renderChartSvgs(data);

  it("returns standalone SVG documents for every chart", () => {
    expect(Object.keys(svgs).sort()).toEqual(["drawdown.svg", "equity.svg", "position.svg", "rolling-sharpe.svg", "training.svg"]);
    for (const [name, svg] of Object.entries(svgs)) {
      expect(svg.startsWith('<?xml version="1.0"'), name).toBe(true);
      expect(svg, name).toMatch(/<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* viewBox="0 0 \d+ \d+"/);
      expect(svg.trimEnd().endsWith("</svg>"), name).toBe(true);
      expect(svg.match(/<svg\b/g)?.length, name).toBe(1);
      expect(svg, name).toMatch(/<path d="M[^"]+"/);
      expect(svg, name).not.toMatch(LEAK);
      const [points] = dataPoints(svg);
      expect(points, name).toBeGreaterThan(0);
    }
  });

  it("plots the same charts the HTML page inlines", () => {
    const html = renderReportHtml(data);
    // No external references: the only URL is the SVG namespace.
    const urls = [...html.matchAll(/(?:https?:)?\/\/[\w.-]+[^\s"'<>)]*/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(["http://www.w3.org/2000/svg"]));
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg" id="chart-equity" class="chart"');
    const equity = svgs["equity.svg"].slice(svgs["equity.svg"].indexOf("<svg")).trimEnd();
    expect(html).toContain(equity);
  });
});
