// The report's risk table: per strategy, the entries the risk engine denied (by reason), its halts
// (by reason, with first and last times), the bars spent halted and the trades closed by a stop-loss,
// take-profit, risk halt or liquidation. The counts behind an equity curve that otherwise looks unexplained.
import type { ReportData } from "./data.ts";
import { escapeXml as escapeHtml, formatFixed } from "./svg.ts";
import { strategyColor } from "./charts.ts";

const count = (x: number) => formatFixed(x, 0);
const zeroCls = (x: number) => (x === 0 ? ` class="zero"` : "");
const MINUTE_STAMP = /\d{4}-\d\d-\d\d \d\d:\d\d/g;

/** A detail in words: one line per reason ("; " apart), never broken inside a time. */
function detailCell(text: string): string {
  if (!text) return `<td class="text detail">—</td>`;
  const lines = text.split("; ").map((part) => `<div>${escapeHtml(part).replace(MINUTE_STAMP, (t) => `<span class="nw">${t}</span>`)}</div>`);
  return `<td class="text detail">${lines.join("")}</td>`;
}

/** The table, or a line saying the evaluation did not record the engine. */
export function renderRiskTable(data: ReportData): string {
  const risk = data.risk;
  if (!risk) return `<p class="empty" id="no-risk">not recorded: this evaluation was written before rlt eval recorded the risk engine (run rlt eval again)</p>`;
  // reducing is set by an operator (Ctrl-C live): a replay never enters it, so its column shows only when it happened
  const reducing = risk.rows.some((r) => r.barsReducing > 0);
  // two header rows: what each group counts, then its columns
  const head =
    `<tr><th scope="col" rowspan="2">Strategy</th><th scope="colgroup" colspan="2" class="group">Entries denied</th>` +
    `<th scope="colgroup" colspan="${reducing ? 4 : 3}" class="group">Halts</th><th scope="colgroup" colspan="${risk.exitColumns.length}" class="group">Trades closed by</th></tr>` +
    `<tr><th scope="col">all</th><th scope="col" class="text">by reason</th><th scope="col">all</th><th scope="col" class="text">by reason</th><th scope="col">bars halted</th>` +
    (reducing ? `<th scope="col">bars reducing</th>` : "") +
    risk.exitColumns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("") +
    `</tr>`;
  const body = risk.rows
    .map((r, i) => {
      const color = i < data.equity.length ? strategyColor(i) : "#9ca3af";
      const exits = risk.exitColumns.map((c) => r.exits[c] ?? 0);
      return (
        `<tr${i === 0 ? ` class="agent"` : ""}><td><span class="swatch" style="background:${color}"></span>${escapeHtml(r.name)}</td>` +
        `<td${zeroCls(r.denials)}>${count(r.denials)}</td>${detailCell(r.denialDetail)}` +
        `<td${zeroCls(r.halts)}>${count(r.halts)}</td>${detailCell(r.haltDetail)}` +
        `<td${zeroCls(r.barsHalted)}>${count(r.barsHalted)}</td>` +
        (reducing ? `<td${zeroCls(r.barsReducing)}>${count(r.barsReducing)}</td>` : "") +
        exits.map((x) => `<td${zeroCls(x)}>${count(x)}</td>`).join("") +
        `</tr>`
      );
    })
    .join("");
  return `<div class="scroll"><table id="risk"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}
