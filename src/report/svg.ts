// Chart primitives for the report: pure functions from numbers to SVG strings, rendered server-side
// so that the page shows its charts without JavaScript and the same charts can be written as
// standalone .svg files. Styling uses presentation attributes only (no CSS classes), so an SVG looks
// the same inline in the HTML page and opened on its own.

export const FONT_STACK =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', sans-serif";

export const COLORS = {
  agent: "#2563eb",
  baselines: ["#f59e0b", "#10b981", "#8b5cf6", "#ec4899", "#64748b", "#0891b2", "#a16207"],
  long: "#059669",
  short: "#dc2626",
  grid: "#eef0f3",
  axis: "#9ca3af",
  text: "#4b5563",
  title: "#111827",
  zero: "#6b7280",
} as const;

/** Default cap of plotted points per series. */
export const MAX_POINTS = 2000;

const XML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for use in XML/HTML text and attribute values. */
export function escapeXml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

/**
 * Indices of the points to plot so that a series of any length becomes at most `maxPoints` finite
 * points: the index range is cut into maxPoints/2 buckets and each bucket keeps the index of its
 * minimum and of its maximum (in index order), so spikes survive. A bucket that holds a non-finite
 * value also keeps the index of the first one, so gaps still break the line. Short series are kept
 * whole.
 */
export function downsampleIndices(values: ArrayLike<number>, maxPoints: number = MAX_POINTS): number[] {
  const n = values.length;
  const out: number[] = [];
  if (n <= maxPoints) {
    for (let i = 0; i < n; i++) out.push(i);
    return out;
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    let mn = -1;
    let mx = -1;
    let gap = -1;
    for (let i = lo; i < hi; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (mn < 0 || v < values[mn]) mn = i;
      if (mx < 0 || v > values[mx]) mx = i;
    }
    const keep = [mn, mx, gap].filter((i) => i >= 0).sort((a, c) => a - c);
    for (let k = 0; k < keep.length; k++) if (k === 0 || keep[k] !== keep[k - 1]) out.push(keep[k]);
  }
  return out;
}

/** A "nice" step (1, 2 or 5 times a power of ten) that cuts `span` into about `target` pieces. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  const nice = m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10;
  return nice * p;
}

/** Tick values at multiples of a nice step inside [min, max]. */
export function linearTicks(min: number, max: number, target = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const step = niceStep(max - min, target);
  const ticks: number[] = [];
  const start = Math.ceil(min / step - 1e-9);
  const end = Math.floor(max / step + 1e-9);
  for (let k = start; k <= end && ticks.length < 100; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

const numberFormats = new Map<number, Intl.NumberFormat>();
function fixed(digits: number): Intl.NumberFormat {
  let f = numberFormats.get(digits);
  if (!f) {
    f = new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(digits, f);
  }
  return f;
}

/** Formats a number with a fixed number of decimals and thousands separators ("—" when not finite). */
export function formatFixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return "—";
  const s = fixed(Math.max(0, Math.min(20, digits))).format(v);
  return s === "-0" || /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

/** Tick label for a value on an axis whose ticks are `step` apart. */
export function formatTick(v: number, step: number): string {
  if (!Number.isFinite(v)) return "";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e9 || (step > 0 && step < 1e-4)) return v.toExponential(1);
  const digits = step > 0 ? Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) : 2;
  return formatFixed(v, digits);
}

/** Tick label in percent for fractional values (0.05 → "5%"). */
export function formatPctTick(v: number, step: number): string {
  return formatTick(v * 100, step * 100) + "%";
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const pad2 = (n: number) => String(n).padStart(2, "0");

/** "2024-03-05" (UTC). */
export function utcDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** "2024-03-05 14:00" (UTC). */
export function utcDateTime(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  const d = new Date(ms);
  return `${utcDate(ms)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

/** Ticks for a time axis (UTC): about `target` ticks at round times, each with a label. */
export function timeTicks(min: number, max: number, target = 6): { value: number; label: string }[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) {
    return Number.isFinite(min) ? [{ value: min, label: utcDate(min) }] : [];
  }
  const span = max - min;
  const fixedSteps = [
    MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
    DAY, 2 * DAY, 7 * DAY, 14 * DAY,
  ];
  const step = fixedSteps.find((s) => span / s <= target);
  if (step !== undefined) {
    // Weeks start on Monday: the epoch was a Thursday, Monday is 4 days later.
    const offset = step >= 7 * DAY ? 4 * DAY : 0;
    const ticks: { value: number; label: string }[] = [];
    for (let t = Math.ceil((min - offset) / step) * step + offset; t <= max; t += step) {
      const d = new Date(t);
      const label =
        step < DAY
          ? `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`
          : utcDate(t);
      ticks.push({ value: t, label });
    }
    return ticks;
  }
  // Calendar months, then years.
  const months = span / (30.44 * DAY);
  const monthStep = [1, 2, 3, 6, 12, 24, 60, 120].find((m) => months / m <= target) ?? 240;
  const start = new Date(min);
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth();
  const ticks: { value: number; label: string }[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const t = Date.UTC(y, m, 1);
    if (t > max) break;
    const index = y * 12 + m;
    if (t >= min && index % monthStep === 0) {
      ticks.push({ value: t, label: monthStep >= 12 ? String(y) : `${y}-${pad2(m + 1)}` });
    }
    m++;
    if (m === 12) {
      m = 0;
      y++;
    }
  }
  return ticks;
}

/** Min and max of the finite values (undefined when there are none). */
export function finiteExtent(arrays: ArrayLike<number>[]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Widens a domain a little (and a constant one to a visible range). */
export function padDomain([lo, hi]: [number, number], fraction = 0.05): [number, number] {
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.01;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * fraction;
  return [lo - d, hi + d];
}

const r1 = (v: number) => (Math.round(v * 10) / 10).toString();

/** An SVG path through the points; a non-finite y ends the current piece (a gap in the line). */
export function linePath(px: ArrayLike<number>, py: ArrayLike<number>): string {
  const parts: string[] = [];
  let open = false;
  let pieceLen = 0;
  for (let i = 0; i < px.length; i++) {
    const x = px[i];
    const y = py[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (open && pieceLen === 1) parts.push("h0.01");
      open = false;
      continue;
    }
    parts.push(`${open ? "L" : "M"}${r1(x)} ${r1(y)}`);
    pieceLen = open ? pieceLen + 1 : 1;
    open = true;
  }
  if (open && pieceLen === 1) parts.push("h0.01");
  return parts.join("");
}

/** A closed area between the line and y = baseY, one piece per run of finite points. */
export function areaPath(px: ArrayLike<number>, py: ArrayLike<number>, baseY: number): string {
  const parts: string[] = [];
  let run: string[] = [];
  let firstX = 0;
  let lastX = 0;
  const flush = () => {
    if (run.length > 0) parts.push(`M${r1(firstX)} ${r1(baseY)}${run.join("")}L${r1(lastX)} ${r1(baseY)}Z`);
    run = [];
  };
  for (let i = 0; i < px.length; i++) {
    const x = px[i];
    const y = py[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      flush();
      continue;
    }
    if (run.length === 0) firstX = x;
    run.push(`L${r1(x)} ${r1(y)}`);
    lastX = x;
  }
  flush();
  return parts.join("");
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Scale = (v: number) => number;

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1_] = range;
  const k = d1 === d0 ? 0 : (r1_ - r0) / (d1 - d0);
  return (v: number) => r0 + (v - d0) * k;
}

export interface AxesSpec {
  /** Plot area (axes labels are drawn outside it). */
  plot: Box;
  xDomain: [number, number];
  yDomain: [number, number];
  xKind: "time" | "linear";
  /** Draw x tick labels (false for an upper panel sharing the x axis with a lower one). */
  xLabels?: boolean;
  yTicks?: number[];
  yTickLabel?: (v: number, step: number) => string;
  yTarget?: number;
  xTarget?: number;
  /** Draw a darker line at y = 0 when 0 is inside the domain. */
  zeroLine?: boolean;
  yLabel?: string;
  xLabel?: string;
}

export interface Axes {
  body: string;
  sx: Scale;
  sy: Scale;
  plot: Box;
}

/** Grid, axis lines, ticks and tick labels for one plot area. */
export function renderAxes(spec: AxesSpec): Axes {
  const { plot } = spec;
  const sx = linearScale(spec.xDomain, [plot.x, plot.x + plot.w]);
  const sy = linearScale(spec.yDomain, [plot.y + plot.h, plot.y]);
  const out: string[] = [];
  const grid: string[] = [];
  const bottom = plot.y + plot.h;

  const yTicks = spec.yTicks ?? linearTicks(spec.yDomain[0], spec.yDomain[1], spec.yTarget ?? 5);
  const yStep = yTicks.length > 1 ? Math.abs(yTicks[1] - yTicks[0]) : niceStep(Math.abs(spec.yDomain[1] - spec.yDomain[0]), 5);
  const yLabel = spec.yTickLabel ?? formatTick;
  const yText: string[] = [];
  for (const t of yTicks) {
    const y = sy(t);
    if (y < plot.y - 0.5 || y > bottom + 0.5) continue;
    grid.push(`M${r1(plot.x)} ${r1(y)}H${r1(plot.x + plot.w)}`);
    yText.push(
      `<text x="${r1(plot.x - 6)}" y="${r1(y)}" dy="0.32em" text-anchor="end">${escapeXml(yLabel(t, yStep))}</text>`,
    );
  }

  const xText: string[] = [];
  const xTicks: { value: number; label: string }[] =
    spec.xKind === "time"
      ? timeTicks(spec.xDomain[0], spec.xDomain[1], spec.xTarget ?? Math.max(2, Math.round(plot.w / 150)))
      : (() => {
          const ticks = linearTicks(spec.xDomain[0], spec.xDomain[1], spec.xTarget ?? Math.max(2, Math.round(plot.w / 90)));
          const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
          return ticks.map((v) => ({ value: v, label: formatTick(v, step) }));
        })();
  const tickMarks: string[] = [];
  for (const t of xTicks) {
    const x = sx(t.value);
    if (x < plot.x - 0.5 || x > plot.x + plot.w + 0.5) continue;
    grid.push(`M${r1(x)} ${r1(plot.y)}V${r1(bottom)}`);
    tickMarks.push(`M${r1(x)} ${r1(bottom)}v4`);
    if (spec.xLabels !== false) {
      xText.push(`<text x="${r1(x)}" y="${r1(bottom + 17)}" text-anchor="middle">${escapeXml(t.label)}</text>`);
    }
  }

  out.push(`<path d="${grid.join("")}" stroke="${COLORS.grid}" stroke-width="1" fill="none"/>`);
  if (spec.zeroLine && spec.yDomain[0] < 0 && spec.yDomain[1] > 0) {
    const y0 = sy(0);
    out.push(
      `<path d="M${r1(plot.x)} ${r1(y0)}H${r1(plot.x + plot.w)}" stroke="${COLORS.zero}" stroke-width="1" stroke-dasharray="4 3" fill="none"/>`,
    );
  }
  out.push(
    `<path d="M${r1(plot.x)} ${r1(plot.y)}V${r1(bottom)}H${r1(plot.x + plot.w)}${tickMarks.join("")}" stroke="${COLORS.axis}" stroke-width="1" fill="none"/>`,
  );
  out.push(`<g fill="${COLORS.text}" font-size="11">${yText.join("")}${xText.join("")}</g>`);
  if (spec.xKind === "time" && spec.xLabels !== false) {
    out.push(
      `<text x="${r1(plot.x + plot.w)}" y="${r1(bottom + 30)}" text-anchor="end" fill="${COLORS.axis}" font-size="10">${escapeXml(spec.xLabel ?? "UTC")}</text>`,
    );
  } else if (spec.xLabel && spec.xLabels !== false) {
    out.push(
      `<text x="${r1(plot.x + plot.w)}" y="${r1(bottom + 30)}" text-anchor="end" fill="${COLORS.axis}" font-size="10">${escapeXml(spec.xLabel)}</text>`,
    );
  }
  if (spec.yLabel) {
    out.push(
      `<text x="${r1(plot.x - 6)}" y="${r1(plot.y - 8)}" text-anchor="end" fill="${COLORS.axis}" font-size="10">${escapeXml(spec.yLabel)}</text>`,
    );
  }
  return { body: out.join(""), sx, sy, plot };
}

export interface LegendItem {
  label: string;
  color: string;
  /** "line" (default), "area", "up" (▲), "down" (▼), "ring" (○). */
  kind?: "line" | "area" | "up" | "down" | "ring";
  width?: number;
}

/** Estimated width of a text in px at font size 12. */
export function textWidth(text: string, fontSize = 12): number {
  return text.length * fontSize * 0.56;
}

/** Legend items laid out left to right from (x, y), wrapping at maxWidth. */
export function renderLegend(items: LegendItem[], x: number, y: number, maxWidth: number): { body: string; height: number } {
  if (items.length === 0) return { body: "", height: 0 };
  const rowH = 18;
  let cx = x;
  let cy = y;
  const out: string[] = [];
  for (const it of items) {
    const label = it.label.length > 48 ? it.label.slice(0, 47) + "…" : it.label;
    const w = 24 + textWidth(label) + 18;
    if (cx > x && cx + w > x + maxWidth) {
      cx = x;
      cy += rowH;
    }
    const my = cy + rowH / 2;
    let mark: string;
    switch (it.kind) {
      case "area":
        mark = `<rect x="${r1(cx)}" y="${r1(my - 5)}" width="16" height="10" rx="2" fill="${it.color}" fill-opacity="0.35" stroke="${it.color}"/>`;
        break;
      case "up":
        mark = `<path d="${markerPath("up", cx + 8, my, 5)}" fill="${it.color}"/>`;
        break;
      case "down":
        mark = `<path d="${markerPath("down", cx + 8, my, 5)}" fill="${it.color}"/>`;
        break;
      case "ring":
        mark = `<circle cx="${r1(cx + 8)}" cy="${r1(my)}" r="4" fill="#fff" stroke="${it.color}" stroke-width="1.6"/>`;
        break;
      default:
        mark = `<path d="M${r1(cx)} ${r1(my)}h18" stroke="${it.color}" stroke-width="${it.width ?? 2}" stroke-linecap="round"/>`;
    }
    out.push(
      `<g>${mark}<text x="${r1(cx + 24)}" y="${r1(my)}" dy="0.34em" fill="${COLORS.text}" font-size="12">${escapeXml(label)}</text></g>`,
    );
    cx += w;
  }
  return { body: out.join(""), height: cy - y + rowH };
}

/** A triangle marker path centered at (x, y). */
export function markerPath(kind: "up" | "down", x: number, y: number, size: number): string {
  const h = size * 1.15;
  return kind === "up"
    ? `M${r1(x)} ${r1(y - h)}L${r1(x + size)} ${r1(y + h * 0.7)}L${r1(x - size)} ${r1(y + h * 0.7)}Z`
    : `M${r1(x)} ${r1(y + h)}L${r1(x + size)} ${r1(y - h * 0.7)}L${r1(x - size)} ${r1(y - h * 0.7)}Z`;
}

/** Opening tag of a chart: class "chart", data-points, viewBox-based responsive size, font. */
export function svgOpen(opts: { width: number; height: number; points: number; label: string; id?: string }): string {
  const id = opts.id ? ` id="${escapeXml(opts.id)}"` : "";
  return (
    `<svg xmlns="http://www.w3.org/2000/svg"${id} class="chart" role="img" aria-label="${escapeXml(opts.label)}" ` +
    `viewBox="0 0 ${opts.width} ${opts.height}" width="${opts.width}" height="${opts.height}" ` +
    `preserveAspectRatio="xMidYMid meet" data-points="${opts.points}" font-family="${escapeXml(FONT_STACK)}" font-size="12">` +
    `<title>${escapeXml(opts.label)}</title>` +
    `<rect x="0" y="0" width="${opts.width}" height="${opts.height}" fill="#ffffff"/>`
  );
}

/** Turns an inline chart (`<svg xmlns=…>…</svg>`) into a standalone SVG document. */
export function standaloneSvg(svg: string): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n${svg}\n`;
}

export interface LineSeries {
  name: string;
  /** x values (time ms or numbers), same length as y. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
  width?: number;
  opacity?: number;
  /** Fill between the line and y = 0 (underwater area). */
  fillToZero?: boolean;
  dash?: string;
}

export interface LineChartOptions {
  label: string;
  id?: string;
  series: LineSeries[];
  width?: number;
  height?: number;
  xKind: "time" | "linear";
  yTickLabel?: (v: number, step: number) => string;
  /** Values the y domain must include (e.g. 0). */
  yInclude?: number[];
  /** Clamp the padded y domain (e.g. max 0 for drawdowns). */
  yMax?: number;
  zeroLine?: boolean;
  legend?: boolean;
  maxPoints?: number;
  margin?: { top: number; right: number; bottom: number; left: number };
  /** Text shown in the plot area when there is nothing to plot. */
  emptyText?: string;
  xLabel?: string;
  yLabel?: string;
  /** Caption drawn at the top left (used by small multiples). */
  caption?: string;
  /** Vertical lines at x values (a session report's first differing bar), drawn over the series. */
  marks?: ChartMark[];
}

export interface ChartMark {
  x: number;
  label: string;
  color?: string;
}

const MARK_COLOR = "#db2777";

/** Vertical dashed lines with a caption, each a <g data-mark> a page test can find. */
export function renderMarks(marks: ChartMark[] | undefined, sx: Scale, plot: Box): string {
  return (marks ?? [])
    .filter((m) => Number.isFinite(sx(m.x)))
    .map((m) => {
      const x = sx(m.x);
      const color = m.color ?? MARK_COLOR;
      const anchor = x > plot.x + plot.w * 0.7 ? "end" : "start";
      const tx = anchor === "end" ? x - 4 : x + 4;
      return (
        `<g data-mark="${escapeXml(m.label)}"><title>${escapeXml(m.label)}</title>` +
        `<path d="M${r1(x)} ${r1(plot.y)}V${r1(plot.y + plot.h)}" stroke="${color}" stroke-width="1.6" stroke-dasharray="5 3" fill="none"/>` +
        `<text x="${r1(tx)}" y="${r1(plot.y + 12)}" text-anchor="${anchor}" fill="${color}" font-size="11" font-weight="600">${escapeXml(m.label)}</text></g>`
      );
    })
    .join("");
}

export interface Panel {
  body: string;
  points: number;
}

/** Body of a multi-line chart laid out inside `box` (no <svg> wrapper), and the number of points it plots. */
export function lineChartPanel(o: LineChartOptions, box: Box): Panel {
  const margin = o.margin ?? { top: 10, right: 18, bottom: 36, left: 68 };
  const out: string[] = [];
  let top = box.y + margin.top;
  if (o.caption) {
    out.push(
      `<text x="${r1(box.x + 8)}" y="${r1(top + 4)}" dy="0.7em" fill="${COLORS.title}" font-size="13" font-weight="600">${escapeXml(o.caption)}</text>`,
    );
    top += 24;
  }
  if (o.legend !== false && o.series.length > 0) {
    const legend = renderLegend(
      o.series.map((s) => ({ label: s.name, color: s.color, width: s.width, kind: s.fillToZero ? "area" : "line" })),
      box.x + margin.left,
      top,
      box.w - margin.left - margin.right,
    );
    out.push(legend.body);
    top += legend.height + 10;
  }
  const plot: Box = {
    x: box.x + margin.left,
    y: top,
    w: box.w - margin.left - margin.right,
    h: Math.max(20, box.y + box.h - margin.bottom - top),
  };

  // Downsample each series, then take the domains from what is plotted (min/max survive).
  const maxPoints = o.maxPoints ?? MAX_POINTS;
  const sampled = o.series.map((s) => {
    const n = Math.min(s.x.length, s.y.length);
    const y = Array.from({ length: n }, (_, i) => s.y[i]);
    const idx = downsampleIndices(y, maxPoints);
    return { s, xs: idx.map((i) => s.x[i]), ys: idx.map((i) => y[i]) };
  });
  // The x domain spans every x (not only where y is defined) so that charts over the same bars align.
  const xExt = finiteExtent(o.series.map((s) => s.x));
  const yExt = finiteExtent([...sampled.map((d) => d.ys), o.yInclude ?? []]);
  if (!xExt || !yExt || sampled.every((d) => d.ys.every((v) => !Number.isFinite(v)))) {
    const axes = renderAxes({
      plot,
      xDomain: xExt ? padDomain(xExt, 0) : [0, 1],
      yDomain: [0, 1],
      xKind: o.xKind,
      yTicks: [],
      xLabels: xExt !== undefined,
    });
    out.push(axes.body);
    out.push(
      `<text x="${r1(plot.x + plot.w / 2)}" y="${r1(plot.y + plot.h / 2)}" text-anchor="middle" fill="${COLORS.axis}" font-size="13">${escapeXml(o.emptyText ?? "no data")}</text>`,
    );
    return { body: out.join(""), points: 0 };
  }
  const xDomain: [number, number] = xExt[0] === xExt[1] ? padDomain(xExt, 0) : xExt;
  let yDomain = padDomain(yExt, 0.06);
  if (o.yMax !== undefined && yExt[1] <= o.yMax && yDomain[1] > o.yMax) yDomain = [yDomain[0], o.yMax];
  const axes = renderAxes({
    plot,
    xDomain,
    yDomain,
    xKind: o.xKind,
    yTickLabel: o.yTickLabel,
    yTarget: Math.max(2, Math.round(plot.h / 50)),
    zeroLine: o.zeroLine,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
  });
  out.push(axes.body);

  let points = 0;
  // Draw emphasized (wider) series last so they sit on top.
  const order = sampled.map((d, i) => i).sort((a, b) => (sampled[a].s.width ?? 1.5) - (sampled[b].s.width ?? 1.5));
  for (const i of order) {
    const { s, xs, ys } = sampled[i];
    const px = xs.map((v) => axes.sx(v));
    const py = ys.map((v) => (Number.isFinite(v) ? axes.sy(v) : NaN));
    points += ys.filter((v) => Number.isFinite(v)).length;
    if (s.fillToZero) {
      const base = axes.sy(Math.min(Math.max(0, yDomain[0]), yDomain[1]));
      out.push(`<path d="${areaPath(px, py, base)}" fill="${s.color}" fill-opacity="0.18" stroke="none"/>`);
    }
    const d = linePath(px, py);
    if (d === "") continue;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    out.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}" stroke-opacity="${s.opacity ?? 1}" stroke-linejoin="round" stroke-linecap="round"${dash}><title>${escapeXml(s.name)}</title></path>`,
    );
  }
  out.push(renderMarks(o.marks, axes.sx, plot));
  return { body: out.join(""), points };
}

/** A complete multi-line chart as an `<svg class="chart">` element. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 1000;
  const height = o.height ?? 320;
  const panel = lineChartPanel(o, { x: 0, y: 0, w: width, h: height });
  return svgOpen({ width, height, points: panel.points, label: o.label, id: o.id }) + panel.body + "</svg>";
}
