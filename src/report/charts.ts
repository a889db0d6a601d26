// The report's charts, built from ReportData with the primitives in svg.ts. The HTML page inlines
// them; `renderChartSvgs` writes the same charts as standalone SVG documents.
import type { ReportData, ReportSeries } from "./data.ts";
import {
  type Box,
  COLORS,
  MAX_POINTS,
  type LineSeries,
  downsampleIndices,
  escapeXml,
  finiteExtent,
  formatFixed,
  formatPctTick,
  lineChart,
  lineChartPanel,
  linePath,
  markerPath,
  padDomain,
  renderAxes,
  renderLegend,
  renderMarks,
  standaloneSvg,
  svgOpen,
  utcDateTime,
} from "./svg.ts";

const WIDTH = 1000;

/** Color of the i-th strategy: the agent (index 0) in the accent color, baselines from the palette. */
export function strategyColor(i: number): string {
  return i === 0 ? COLORS.agent : COLORS.baselines[(i - 1) % COLORS.baselines.length];
}

function strategySeries(list: ReportSeries[], timeMs: number[], opts: { fillAgent?: boolean } = {}): LineSeries[] {
  return list.map((s, i) => ({
    name: s.name,
    x: timeMs,
    y: s.values,
    color: strategyColor(i),
    width: i === 0 ? 2.4 : 1.3,
    opacity: i === 0 ? 1 : 0.85,
    fillToZero: i === 0 && opts.fillAgent === true,
  }));
}

export function equityChart(data: ReportData): string {
  return lineChart({
    id: "chart-equity",
    marks: data.marks,
    label: "Equity: agent vs baselines (USDT)",
    series: strategySeries(data.equity, data.timeMs),
    width: WIDTH,
    height: 380,
    xKind: "time",
    yLabel: "USDT",
  });
}

export function drawdownChart(data: ReportData): string {
  return lineChart({
    id: "chart-drawdown",
    marks: data.marks,
    label: "Drawdown (underwater, fraction of peak equity)",
    series: strategySeries(data.drawdown, data.timeMs, { fillAgent: true }),
    width: WIDTH,
    height: 280,
    xKind: "time",
    yTickLabel: formatPctTick,
    yInclude: [0],
    yMax: 0,
  });
}

export function rollingSharpeChart(data: ReportData): string {
  const window = data.rollingSharpeWindowBars ? ` (${data.rollingSharpeWindowBars}-bar window)` : "";
  return lineChart({
    id: "chart-rolling-sharpe",
    marks: data.marks,
    label: `Rolling Sharpe ratio${window}`,
    series: strategySeries(data.rollingSharpe, data.timeMs),
    width: WIDTH,
    height: 280,
    xKind: "time",
    zeroLine: true,
    yInclude: [0],
    emptyText: "rolling Sharpe undefined (too few bars)",
  });
}

const PRICE_COLOR = "#374151";

/**
 * Price with the agent's position: shaded bands (green long, red short) behind the price, entry
 * markers (▲ long, ▼ short) and exit rings (green win, red loss), and a lower panel with the side
 * per bar.
 */
export function positionChart(data: ReportData, id = "chart-position"): string {
  const width = WIDTH;
  const height = 440;
  const margin = { left: 68, right: 18 };
  const out: string[] = [];
  const legend = renderLegend(
    [
      { label: "close price", color: PRICE_COLOR, width: 1.6 },
      { label: "long", color: COLORS.long, kind: "area" },
      { label: "short", color: COLORS.short, kind: "area" },
      { label: "long entry", color: COLORS.long, kind: "up" },
      { label: "short entry", color: COLORS.short, kind: "down" },
      { label: "exit (win)", color: COLORS.long, kind: "ring" },
      { label: "exit (loss)", color: COLORS.short, kind: "ring" },
    ],
    margin.left,
    10,
    width - margin.left - margin.right,
  );
  out.push(legend.body);
  const top = 10 + legend.height + 10;
  const posH = 54;
  const gap = 16;
  const bottomAxis = 36;
  const pricePlot: Box = { x: margin.left, y: top, w: width - margin.left - margin.right, h: height - top - bottomAxis - posH - gap };
  const posPlot: Box = { x: margin.left, y: pricePlot.y + pricePlot.h + gap, w: pricePlot.w, h: posH };

  const n = Math.min(data.timeMs.length, data.price.length);
  const t = data.timeMs.slice(0, n);
  const price = data.price.slice(0, n);
  const idx = downsampleIndices(price, MAX_POINTS);
  const xs = idx.map((i) => t[i]);
  const ys = idx.map((i) => price[i]);
  const xExt = finiteExtent([t]);
  const tradePrices = data.trades.flatMap((tr) => [tr.entryPrice, tr.exitPrice]);
  const yExt = finiteExtent([ys, tradePrices]);
  if (!xExt || !yExt) {
    const axes = renderAxes({ plot: pricePlot, xDomain: [0, 1], yDomain: [0, 1], xKind: "time", yTicks: [], xLabels: false });
    out.push(axes.body);
    out.push(
      `<text x="${pricePlot.x + pricePlot.w / 2}" y="${pricePlot.y + pricePlot.h / 2}" text-anchor="middle" fill="${COLORS.axis}" font-size="13">no price data</text>`,
    );
    return svgOpen({ width, height, points: 0, label: "Position over price", id }) + out.join("") + "</svg>";
  }
  const xDomain: [number, number] = xExt[0] === xExt[1] ? padDomain(xExt, 0) : xExt;
  const priceAxes = renderAxes({
    plot: pricePlot,
    xDomain,
    yDomain: padDomain(yExt, 0.06),
    xKind: "time",
    xLabels: false,
    yTarget: Math.max(2, Math.round(pricePlot.h / 50)),
    yLabel: "price",
  });
  const posAxes = renderAxes({
    plot: posPlot,
    xDomain,
    yDomain: [-1.25, 1.25],
    xKind: "time",
    yTicks: [-1, 0, 1],
    yTickLabel: (v) => (v > 0 ? "long" : v < 0 ? "short" : "flat"),
  });
  const sx = priceAxes.sx;
  const sy = priceAxes.sy;

  // Runs of equal position → bands (price panel) and bars (position panel), as one path per side.
  const pos = data.position.slice(0, n);
  const bandPaths: Record<string, string[]> = { long: [], short: [] };
  const barPaths: Record<string, string[]> = { long: [], short: [] };
  const edge = (i: number) => {
    if (i <= 0) return sx(t[0]);
    if (i >= n) return sx(t[n - 1]);
    return sx((t[i - 1] + t[i]) / 2);
  };
  const y0 = posAxes.sy(0);
  for (let i = 0; i < pos.length; ) {
    const side = Math.sign(pos[i] || 0);
    let j = i + 1;
    while (j < pos.length && Math.sign(pos[j] || 0) === side) j++;
    if (side !== 0 && Number.isFinite(t[i])) {
      const x0 = edge(i);
      const x1 = Math.max(edge(j), x0 + 0.6);
      const w = (x1 - x0).toFixed(1);
      const key = side > 0 ? "long" : "short";
      bandPaths[key].push(`M${x0.toFixed(1)} ${pricePlot.y}h${w}v${pricePlot.h}h-${w}Z`);
      const yv = posAxes.sy(side);
      barPaths[key].push(`M${x0.toFixed(1)} ${y0.toFixed(1)}h${w}V${yv.toFixed(1)}h-${w}Z`);
    }
    i = j;
  }
  out.push(priceAxes.body);
  for (const key of ["long", "short"] as const) {
    const color = key === "long" ? COLORS.long : COLORS.short;
    if (bandPaths[key].length > 0) out.push(`<path d="${bandPaths[key].join("")}" fill="${color}" fill-opacity="0.09"/>`);
  }
  let points = 0;
  const pricePath = linePath(
    xs.map((v) => sx(v)),
    ys.map((v) => (Number.isFinite(v) ? sy(v) : NaN)),
  );
  points += ys.filter((v) => Number.isFinite(v)).length;
  out.push(
    `<path d="${pricePath}" fill="none" stroke="${PRICE_COLOR}" stroke-width="1.4" stroke-linejoin="round" stroke-linecap="round"><title>close price</title></path>`,
  );

  // Trades: connector, entry triangle (tip at the entry price), exit ring.
  const marks: string[] = [];
  for (const tr of data.trades) {
    const ex = sx(tr.entryTimeMs);
    const ey = sy(tr.entryPrice);
    const xx = sx(tr.exitTimeMs);
    const xy = sy(tr.exitPrice);
    if (![ex, ey, xx, xy].every(Number.isFinite)) continue;
    const win = tr.pnlUsdt >= 0;
    const pnlColor = win ? COLORS.long : COLORS.short;
    const sideName = tr.side > 0 ? "long" : "short";
    const tip = `${sideName} ${formatFixed(tr.qty, 4)} @ ${formatFixed(tr.entryPrice, 2)} (${utcDateTime(tr.entryTimeMs)}) → ${formatFixed(tr.exitPrice, 2)} (${utcDateTime(tr.exitTimeMs)}), PnL ${formatFixed(tr.pnlUsdt, 2)} USDT, ${tr.exitReason}`;
    marks.push(
      `<path d="M${ex.toFixed(1)} ${ey.toFixed(1)}L${xx.toFixed(1)} ${xy.toFixed(1)}" stroke="${pnlColor}" stroke-width="1.2" stroke-dasharray="3 2" stroke-opacity="0.8" fill="none"/>`,
    );
    const entry =
      tr.side > 0
        ? markerPath("up", ex, ey + 8, 5.5)
        : markerPath("down", ex, ey - 8, 5.5);
    marks.push(
      `<g><title>${escapeXml(tip)}</title><path d="${entry}" fill="${tr.side > 0 ? COLORS.long : COLORS.short}" stroke="#ffffff" stroke-width="0.8"/>` +
        `<circle cx="${xx.toFixed(1)}" cy="${xy.toFixed(1)}" r="4" fill="#ffffff" stroke="${pnlColor}" stroke-width="1.8"/></g>`,
    );
    points += 2;
  }
  out.push(marks.join(""));

  out.push(renderMarks(data.marks, sx, pricePlot));
  out.push(posAxes.body);
  for (const key of ["long", "short"] as const) {
    const color = key === "long" ? COLORS.long : COLORS.short;
    if (barPaths[key].length > 0) out.push(`<path d="${barPaths[key].join("")}" fill="${color}" fill-opacity="0.7"/>`);
  }
  out.push(
    `<path d="M${posPlot.x} ${y0.toFixed(1)}h${posPlot.w}" stroke="${COLORS.zero}" stroke-width="1" fill="none"/>`,
  );
  return svgOpen({ width, height, points, label: "Position over price with trade entries and exits", id }) + out.join("") + "</svg>";
}

/** Color of a training series by its metric group. */
function trainingColor(name: string): string {
  if (/episodic_return|return/i.test(name)) return COLORS.agent;
  if (name.startsWith("reward/")) return "#0d9488";
  if (/loss/i.test(name)) return "#7c3aed";
  if (/kl|clip/i.test(name)) return "#ea580c";
  if (/entropy/i.test(name)) return "#db2777";
  return "#475569";
}

const SMALL = { width: 340, height: 210, margin: { top: 6, right: 14, bottom: 32, left: 58 } };

function trainingOptions(x: number[], s: ReportSeries) {
  return {
    label: `Training: ${s.name}`,
    caption: s.name,
    series: [{ name: s.name, x, y: s.values, color: trainingColor(s.name), width: 1.8 }],
    legend: false,
    xKind: "linear" as const,
    xLabel: "update",
    width: SMALL.width,
    height: SMALL.height,
    margin: SMALL.margin,
  };
}

/** One small chart per training series (empty when there is no training data). */
export function trainingCharts(data: ReportData): string[] {
  const tr = data.training;
  if (!tr || tr.series.length === 0 || tr.x.length === 0) return [];
  return tr.series.map((s) => lineChart(trainingOptions(tr.x, s)));
}

/** All training series as small multiples in one SVG (undefined when there is no training data). */
export function trainingGridChart(data: ReportData, columns = 3): string | undefined {
  const tr = data.training;
  if (!tr || tr.series.length === 0 || tr.x.length === 0) return undefined;
  const cols = Math.max(1, Math.min(columns, tr.series.length));
  const rows = Math.ceil(tr.series.length / cols);
  const width = cols * SMALL.width;
  const height = rows * SMALL.height;
  let points = 0;
  const body: string[] = [];
  tr.series.forEach((s, i) => {
    const box = { x: (i % cols) * SMALL.width, y: Math.floor(i / cols) * SMALL.height, w: SMALL.width, h: SMALL.height };
    const panel = lineChartPanel(trainingOptions(tr.x, s), box);
    points += panel.points;
    body.push(`<g>${panel.body}</g>`);
  });
  return svgOpen({ width, height, points, label: "Training curves" }) + body.join("") + "</svg>";
}

/**
 * The report's charts as standalone SVG documents, by file name: equity.svg, drawdown.svg,
 * rolling-sharpe.svg, position.svg and, when the data has training curves, training.svg.
 */
export function renderChartSvgs(data: ReportData): Record<string, string> {
  const files: Record<string, string> = {
    "equity.svg": standaloneSvg(equityChart(data)),
    "drawdown.svg": standaloneSvg(drawdownChart(data)),
    "rolling-sharpe.svg": standaloneSvg(rollingSharpeChart(data)),
    "position.svg": standaloneSvg(positionChart(data)),
  };
  const training = trainingGridChart(data);
  if (training) files["training.svg"] = standaloneSvg(training);
  return files;
}
