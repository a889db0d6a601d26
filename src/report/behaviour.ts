// The report's Behaviour section: what the agent does before what it earned — its action mix, the
// share of bars long / short / flat and trades per day beside every baseline's, the degenerate
// warning and whether its return is told apart from zero. An evaluation written before rlt eval
// recorded behaviour has no section (its metrics.json lacks the fields).
import { degenerateLine, returnVsZeroLine } from "../eval/behaviour.ts";
import type { EvalResult } from "../eval/run.ts";
import type { WalkForwardResult } from "../eval/walk-forward.ts";
import type { ReportBehaviour } from "./data.ts";
import { strategyColor } from "./charts.ts";
import { escapeXml as escapeHtml, formatFixed } from "./svg.ts";

/** The section's data from an evaluation's metrics.json; undefined for one written before behaviour was recorded. */
export function reportBehaviour(result: Pick<EvalResult, "behaviour" | "strategies" | "bootstrap"> & { folds?: WalkForwardResult["folds"] }): ReportBehaviour | undefined {
  const b = result.behaviour;
  if (!b) return undefined;
  const rows: ReportBehaviour["rows"] = result.strategies.flatMap((s) => {
    const sb = s.name === "agent" ? b : s.behaviour;
    if (!sb) return [];
    const p = sb.positions;
    return [{ name: s.name, long: p.long, short: p.short, flat: p.flat, tradesPerDay: sb.tradesPerDay, meanHoldBars: sb.meanHoldBars, ...(s.name === "agent" ? { degenerate: b.verdict.degenerate } : {}) }];
  });
  for (const f of result.folds ?? []) {
    if (!f.behaviour) continue;
    const p = f.behaviour.positions;
    rows.push({ name: `agent, fold ${f.fold}`, long: p.long, short: p.short, flat: p.flat, tradesPerDay: f.behaviour.tradesPerDay, meanHoldBars: null, degenerate: f.behaviour.degenerate });
  }
  return {
    ...(b.actions ? { actions: b.actions } : {}),
    bars: b.positions.bars,
    rows,
    ...(b.verdict.degenerate ? { degenerate: degenerateLine(b) } : {}),
    returnVsZero: returnVsZeroLine(result.bootstrap.totalReturn),
  };
}

const share = (x: number) => (Number.isFinite(x) ? `${formatFixed(100 * x, 1)}%` : "—");
/** A share cell, muted at zero. */
const shareCell = (x: number) => `<td${x === 0 ? ` class="zero"` : ""}>${share(x)}</td>`;

export function renderBehaviour(b: ReportBehaviour | undefined): string {
  if (!b) return `<p class="empty" id="no-behaviour">not recorded: this evaluation was written before rlt eval recorded what the agent does (run rlt eval again)</p>`;
  const verdict = b.degenerate
    ? `<p class="degenerate" id="degenerate" role="alert">${escapeHtml(b.degenerate)}</p>`
    : `<p class="verdict" id="not-degenerate">Not degenerate: no position on more than 95 % of bars, and no baseline matched bar for bar.</p>`;
  const zero = `<p class="verdict" id="return-vs-zero">Agent: ${escapeHtml(b.returnVsZero)}.</p>`;
  const a = b.actions;
  const actions = a
    ? `<p class="verdict" id="actions">Actions: buy ${share(a.buy)}, sell ${share(a.sell)}, hold ${share(a.hold)} of ${formatFixed(a.decisions, 0)} decisions.</p>`
    : "";
  const head = `<tr><th scope="col">Strategy</th><th scope="col">Long</th><th scope="col">Short</th><th scope="col">Flat</th><th scope="col">Trades / day</th><th scope="col">Mean hold</th></tr>`;
  const body = b.rows
    .map((r, i) => {
      // the metrics table's colours; a walk-forward fold's agent row is grey as in the risk table
      const color = r.name.startsWith("agent,") ? "#9ca3af" : strategyColor(i);
      const hold = r.meanHoldBars === null ? "—" : `${formatFixed(r.meanHoldBars, r.meanHoldBars >= 100 ? 0 : 1)} bars`;
      return (
        `<tr${i === 0 ? ` class="agent"` : ""}><td><span class="swatch" style="background:${color}"></span>${escapeHtml(r.name)}${r.degenerate ? ` <span class="flag">degenerate</span>` : ""}</td>` +
        shareCell(r.long) + shareCell(r.short) + shareCell(r.flat) +
        `<td>${formatFixed(r.tradesPerDay, 2)}</td><td>${hold}</td></tr>`
      );
    })
    .join("");
  return `${verdict}${zero}${actions}<div class="scroll"><table id="behaviour"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}
