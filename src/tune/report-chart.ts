// The tune report's two pictures, drawn with the eval report's primitives (svg.ts: axes, scales,
// legend, paths): the objective of each trial against its id with the best so far as a step line and
// failed trials marked on the axis, and parameter importance as horizontal bars.
import {
  COLORS,
  escapeXml,
  finiteExtent,
  formatFixed,
  formatPctTick,
  linePath,
  markerPath,
  padDomain,
  renderAxes,
  renderLegend,
  svgOpen,
} from "../report/svg.ts";

export interface ObjectivePoint {
  id: number;
  /** The validation objective; NaN when the trial failed or has no value. */
  objective: number;
  failed: boolean;
}

const WIDTH = 1000;
const HEIGHT = 340;
const MARGIN = { top: 10, right: 18, bottom: 40, left: 68 };
const BEST_COLOR = COLORS.baselines[0];
const FAILED_COLOR = COLORS.short;

/** The best value seen up to and including each point, in id order (NaN before the first value). */
export function bestSoFar(points: ObjectivePoint[]): { id: number; best: number }[] {
  let best = Number.NaN;
  return [...points]
    .sort((a, b) => a.id - b.id)
    .map((p) => {
      if (!p.failed && Number.isFinite(p.objective) && !(p.objective <= best)) best = p.objective;
      return { id: p.id, best };
    });
}

/** A path of horizontal steps: the best holds until the trial that improves it. */
function stepPath(steps: { x: number; y: number }[]): string {
  const px: number[] = [];
  const py: number[] = [];
  steps.forEach((s, i) => {
    if (i > 0) {
      px.push(s.x);
      py.push(steps[i - 1].y);
    }
    px.push(s.x);
    py.push(s.y);
  });
  return linePath(px, py);
}

/** Objective per trial: ok trials as rings, the best so far as a step line, failed trials as ▲ on the x axis. */
export function objectiveChart(points: ObjectivePoint[], metric: "sharpe" | "return"): string {
  const metricName = metric === "sharpe" ? "validation Sharpe (median over units)" : "validation total return (median over units)";
  const legend = renderLegend(
    [
      { label: `trial: ${metricName}`, color: COLORS.agent, kind: "ring" },
      { label: "best so far", color: BEST_COLOR, width: 2 },
      { label: "failed trial", color: FAILED_COLOR, kind: "up" },
    ],
    MARGIN.left,
    MARGIN.top,
    WIDTH - MARGIN.left - MARGIN.right,
  );
  const top = MARGIN.top + legend.height + 10;
  const plot = { x: MARGIN.left, y: top, w: WIDTH - MARGIN.left - MARGIN.right, h: HEIGHT - MARGIN.bottom - top };
  const scored = points.filter((p) => !p.failed && Number.isFinite(p.objective));
  const xExt = finiteExtent([points.map((p) => p.id)]);
  const yExt = finiteExtent([scored.map((p) => p.objective)]);
  const yTickLabel = metric === "return" ? formatPctTick : undefined;
  const label = `Objective per trial: ${metricName}`;
  const out: string[] = [legend.body];
  // a single trial id still gets a visible x range (padDomain widens a constant one)
  const xDomain = xExt ? padDomain(xExt, 0.03) : ([0, 1] as [number, number]);
  const axes = renderAxes({
    plot,
    xDomain,
    yDomain: yExt ? padDomain(yExt, 0.08) : [0, 1],
    xKind: "linear",
    xLabel: "trial id",
    // trial ids are integers: no more ticks than ids, so none falls between two
    xTarget: xExt ? Math.max(1, Math.min(8, xExt[1] - xExt[0])) : 1,
    yLabel: metric === "sharpe" ? "Sharpe" : "return",
    yTickLabel,
    yTicks: yExt ? undefined : [],
    yTarget: Math.max(2, Math.round(plot.h / 50)),
    zeroLine: true,
  });
  out.push(axes.body);
  if (!yExt) {
    out.push(
      `<text x="${formatFixed(plot.x + plot.w / 2, 1)}" y="${formatFixed(plot.y + plot.h / 2, 1)}" text-anchor="middle" fill="${COLORS.axis}" font-size="13">no trial has an objective yet</text>`,
    );
  } else {
    const steps = bestSoFar(points)
      .filter((s) => Number.isFinite(s.best))
      .map((s) => ({ x: axes.sx(s.id), y: axes.sy(s.best) }));
    // the last best holds to the right edge of the plot
    if (steps.length > 0) steps.push({ x: plot.x + plot.w, y: steps[steps.length - 1].y });
    out.push(`<path d="${stepPath(steps)}" fill="none" stroke="${BEST_COLOR}" stroke-width="2" stroke-linejoin="round" data-series="best-so-far"><title>best so far</title></path>`);
    for (const p of scored) {
      const shown = metric === "return" ? `${formatFixed(p.objective * 100, 2)}%` : formatFixed(p.objective, 2);
      out.push(
        `<circle data-trial="${p.id}" cx="${formatFixed(axes.sx(p.id), 1)}" cy="${formatFixed(axes.sy(p.objective), 1)}" r="4" fill="#fff" stroke="${COLORS.agent}" stroke-width="1.6"><title>trial ${p.id}: ${escapeXml(shown)}</title></circle>`,
      );
    }
  }
  const bottom = plot.y + plot.h;
  for (const p of points.filter((q) => q.failed)) {
    out.push(
      `<path data-failed="${p.id}" d="${markerPath("up", axes.sx(p.id), bottom - 6, 5)}" fill="${FAILED_COLOR}"><title>trial ${p.id} failed</title></path>`,
    );
  }
  const drawn = scored.length + points.filter((q) => q.failed).length;
  return svgOpen({ width: WIDTH, height: HEIGHT, points: drawn, label, id: "chart-objective" }) + out.join("") + "</svg>";
}

/** Importance as horizontal bars, largest first, each bar's length relative to the largest. */
export function importanceBars(params: { name: string; importance: number }[]): string {
  const rows = [...params].sort((a, b) => (b.importance || 0) - (a.importance || 0));
  const max = Math.max(0, ...rows.map((r) => (Number.isFinite(r.importance) ? r.importance : 0)));
  const body = rows
    .map((r) => {
      const share = max > 0 && Number.isFinite(r.importance) ? Math.max(0, r.importance / max) : 0;
      return (
        `<tr data-param="${escapeXml(r.name)}"><td class="text">${escapeXml(r.name)}</td><td>${escapeXml(formatFixed(r.importance, 3))}</td>` +
        `<td class="text bar"><div style="width:${formatFixed(share * 100, 1)}%;min-width:1px;height:12px;border-radius:2px;background:${COLORS.agent}"></div></td></tr>`
      );
    })
    .join("");
  return (
    `<div class="scroll"><table id="importance"><thead><tr><th scope="col">Parameter</th><th scope="col">Importance</th>` +
    `<th scope="col" class="text" style="width:55%">relative to the largest</th></tr></thead><tbody>${body}</tbody></table></div>`
  );
}
