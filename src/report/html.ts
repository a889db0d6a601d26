// `rlt report` as one self-contained HTML file: inline CSS, inline SVG charts rendered here (they
// show without JavaScript), and a few lines of inline script that only sort the trade journal. No
// external fonts, scripts, styles or images: the file opens offline.
import {
  drawdownChart,
  equityChart,
  positionChart,
  rollingSharpeChart,
  strategyColor,
  trainingCharts,
} from "./charts.ts";
import type { MetricFormat, ReportData, ReportTrade } from "./data.ts";
import { renderBehaviour } from "./behaviour.ts";
import { renderRiskTable } from "./risk-table.ts";
import { escapeXml, formatFixed, utcDateTime } from "./svg.ts";

/** Escapes text for HTML text and attribute values. */
export const escapeHtml = escapeXml;

/** A metric value as shown in the metrics table ("—" when not finite). */
export function formatMetric(value: number, format: MetricFormat): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  switch (format) {
    case "pct":
      return `${formatFixed(value * 100, 2)}%`;
    case "usdt":
      return formatFixed(value, 2);
    case "int":
      return formatFixed(Math.round(value), 0);
    case "bars":
      return formatFixed(value, Math.abs(value) >= 100 ? 0 : 1);
    case "num":
    default:
      return formatFixed(value, Math.abs(value) >= 1000 ? 0 : Math.abs(value) >= 1 ? 2 : 3);
  }
}

type MetricColumn = ReportData["metrics"]["columns"][number];

function signClass(value: number, column: MetricColumn): string {
  const colored = column.signColor ?? /return|pnl|profit|drawdown/i.test(`${column.key} ${column.label}`);
  if (!colored || !Number.isFinite(value) || value === 0) return "";
  return value > 0 ? "pos" : "neg";
}

const CSS = `
:root{--fg:#1f2937;--muted:#6b7280;--bg:#f5f6f8;--card:#fff;--border:#e5e7eb;--accent:#2563eb;--pos:#047857;--neg:#b91c1c}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
.wrap{max-width:1180px;margin:0 auto;padding:20px 20px 48px}
header h1{font-size:22px;line-height:1.3;margin:0 0 2px;font-weight:650;letter-spacing:-.01em;overflow-wrap:anywhere}
header .gen{color:var(--muted);font-size:12.5px;margin:0 0 14px}
.warnings{background:#fef2f2;border:1px solid #fca5a5;border-left:6px solid #dc2626;color:#7f1d1d;border-radius:8px;padding:10px 16px;margin:0 0 16px}
.warnings strong{display:block;color:#b91c1c;font-size:13px;text-transform:uppercase;letter-spacing:.04em;margin-bottom:2px}
.warnings ul{margin:0;padding-left:20px}
.warnings li{font-weight:600;overflow-wrap:anywhere}
.degenerate{background:#fef2f2;border:1px solid #fca5a5;border-left:6px solid #dc2626;color:#7f1d1d;border-radius:8px;padding:8px 14px;margin:0 0 10px;font-weight:650}
p.verdict{margin:0 0 8px}
.flag{color:#b91c1c;font-size:11.5px;font-weight:650;text-transform:uppercase;letter-spacing:.04em;margin-left:4px}
.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px;margin:0}
.summary div{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:8px 12px;min-width:0}
.summary dt{color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.04em}
.summary dd{margin:0;font-weight:600;overflow-wrap:anywhere;font-variant-numeric:tabular-nums}
nav.toc{display:flex;flex-wrap:wrap;gap:6px 14px;margin:16px 0 0;font-size:13px}
nav.toc a{color:var(--accent);text-decoration:none}
nav.toc a:hover{text-decoration:underline}
section.card{background:var(--card);border:1px solid var(--border);border-radius:10px;padding:16px 18px;margin:18px 0;box-shadow:0 1px 2px rgba(0,0,0,.03)}
section.card h2{font-size:16px;margin:0 0 4px;font-weight:650}
section.card p.sub{color:var(--muted);margin:0 0 10px;font-size:12.5px}
svg.chart{display:block;width:100%;height:auto;max-width:100%}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:6px 10px;border-bottom:1px solid var(--border);text-align:right;white-space:nowrap}
th{font-weight:600;color:#374151;background:#f9fafb}
th:first-child,td:first-child{text-align:left}
td.text,th.text{text-align:left}
sup.ref{color:var(--muted);font-weight:400;margin-left:2px}
ol.notes{color:var(--muted);font-size:12.5px;margin:8px 0 0;padding-left:22px}
tr.agent td{background:#eff6ff;font-weight:600}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:7px;vertical-align:baseline}
td.zero{color:var(--muted)}
td.detail{white-space:normal;min-width:170px}
#risk th,#risk td{padding:6px 7px}
.nw{white-space:nowrap}
th.group{text-align:center;border-bottom:1px solid #d1d5db}
.pos{color:var(--pos)}
.neg{color:var(--neg)}
.side-long{color:var(--pos);font-weight:600}
.side-short{color:var(--neg);font-weight:600}
.journal{max-height:560px;overflow:auto;border:1px solid var(--border);border-radius:8px}
.journal th,.journal td{padding:6px 8px}
.journal table thead th{position:sticky;top:0;z-index:1;box-shadow:0 1px 0 var(--border)}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:hover{background:#eef2ff}
table.sortable th::after{content:"\\2195";color:#c0c4cc;margin-left:4px;font-size:11px}
table.sortable th[aria-sort=ascending]::after{content:"\\25B2";color:var(--accent)}
table.sortable th[aria-sort=descending]::after{content:"\\25BC";color:var(--accent)}
.empty{color:var(--muted);font-style:italic;padding:8px 0}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.multiples>div{border:1px solid var(--border);border-radius:8px;overflow:hidden}
.uncertainty{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:12px 0 0;font-size:13px}
.uncertainty dt{color:var(--muted)}
.uncertainty dd{margin:0;font-variant-numeric:tabular-nums}
pre.config{background:#0f172a;color:#e2e8f0;border-radius:8px;padding:14px 16px;overflow:auto;max-height:600px;font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;margin:0}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media (max-width:640px){.wrap{padding:12px}section.card{padding:12px}th,td{padding:5px 7px}}
@media print{body{background:#fff}section.card{break-inside:avoid;box-shadow:none}.journal{max-height:none}}
`;

// Sorts a table.sortable by the clicked header: numeric when the header has data-type="num"
// (cells carry the raw value in data-v), text otherwise; clicking again reverses the order.
const SORT_SCRIPT = `
(function(){
  function val(cell,num){var v=cell.getAttribute("data-v");if(v===null)v=cell.textContent||"";if(!num)return v;var x=parseFloat(v);return isNaN(x)?-Infinity:x;}
  var tables=document.querySelectorAll("table.sortable");
  for(var t=0;t<tables.length;t++)(function(table){
    var head=table.tHead.rows[0].cells;
    for(var c=0;c<head.length;c++)(function(th,col){
      function sort(){
        var asc=th.getAttribute("aria-sort")!=="ascending";
        for(var k=0;k<head.length;k++)head[k].removeAttribute("aria-sort");
        th.setAttribute("aria-sort",asc?"ascending":"descending");
        var num=th.getAttribute("data-type")==="num";
        var body=table.tBodies[0];
        var rows=Array.prototype.slice.call(body.rows).map(function(r,i){return{r:r,i:i,v:val(r.cells[col],num)};});
        rows.sort(function(a,b){var d=num?(a.v===b.v?0:(a.v<b.v?-1:1)):String(a.v).localeCompare(String(b.v));if(!asc)d=-d;return d||a.i-b.i;});
        var frag=document.createDocumentFragment();
        rows.forEach(function(x){frag.appendChild(x.r);});
        body.appendChild(frag);
      }
      th.addEventListener("click",sort);
      th.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();sort();}});
    })(head[c],c);
  })(tables[t]);
})();
`;

export function section(id: string, title: string, body: string, sub?: string): string {
  return (
    `<section class="card" id="${id}"><h2>${escapeHtml(title)}</h2>` +
    (sub ? `<p class="sub">${escapeHtml(sub)}</p>` : "") +
    body +
    `</section>`
  );
}

function renderWarnings(warnings: string[]): string {
  if (warnings.length === 0) return "";
  const items = warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("");
  return `<div class="warnings" role="alert" id="warnings"><strong>Warning${warnings.length > 1 ? "s" : ""}</strong><ul>${items}</ul></div>`;
}

function renderSummary(summary: ReportData["summary"]): string {
  if (summary.length === 0) return "";
  return (
    `<dl class="summary" id="summary">` +
    summary.map((s) => `<div><dt>${escapeHtml(s.label)}</dt><dd>${escapeHtml(s.value)}</dd></div>`).join("") +
    `</dl>`
  );
}

export function renderMetrics(data: ReportData): string {
  const { columns, rows } = data.metrics;
  if (rows.length === 0) return `<p class="empty">no metrics</p>`;
  // Notes become numbered footnotes below the table, so that a long note does not widen it.
  const notes: string[] = [];
  const noteRef = (note: string | undefined) => {
    if (!note) return "";
    notes.push(note);
    return `<sup class="ref">${notes.length}</sup>`;
  };
  const head =
    `<tr><th scope="col">Strategy</th>` +
    columns.map((c) => `<th scope="col">${escapeHtml(c.label)}</th>`).join("") +
    `</tr>`;
  const body = rows
    .map((r, i) => {
      const color = i < data.equity.length ? strategyColor(i) : "#9ca3af";
      const cells = columns
        .map((c) => {
          const v = r.values[c.key];
          const cls = signClass(v, c);
          return `<td${cls ? ` class="${cls}"` : ""}>${escapeHtml(formatMetric(v, c.format))}</td>`;
        })
        .join("");
      return (
        `<tr${i === 0 ? ` class="agent"` : ""}><td><span class="swatch" style="background:${color}"></span>${escapeHtml(r.name)}${noteRef(r.note)}</td>` +
        cells +
        `</tr>`
      );
    })
    .join("");
  const uncertainty =
    data.uncertainty && data.uncertainty.length > 0
      ? `<dl class="uncertainty" id="uncertainty">` +
        data.uncertainty.map((u) => `<dt>${escapeHtml(u.label)}</dt><dd>${escapeHtml(u.value)}</dd>`).join("") +
        `</dl>`
      : "";
  const footnotes =
    notes.length > 0
      ? `<ol class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ol>`
      : "";
  return `<div class="scroll"><table id="metrics"><thead>${head}</thead><tbody>${body}</tbody></table></div>${footnotes}${uncertainty}`;
}

interface TradeColumn {
  key: string;
  label: string;
  num: boolean;
  raw: (t: ReportTrade, i: number) => number | string;
  show: (t: ReportTrade, i: number) => string;
  cls?: (t: ReportTrade) => string;
}

const TRADE_COLUMNS: TradeColumn[] = [
  { key: "n", label: "#", num: true, raw: (_, i) => i + 1, show: (_, i) => String(i + 1) },
  {
    key: "side",
    label: "Side",
    num: false,
    raw: (t) => (t.side > 0 ? "long" : "short"),
    show: (t) => (t.side > 0 ? "▲ long" : "▼ short"),
    cls: (t) => (t.side > 0 ? "text side-long" : "text side-short"),
  },
  { key: "entryTime", label: "Entry (UTC)", num: true, raw: (t) => t.entryTimeMs, show: (t) => utcDateTime(t.entryTimeMs) },
  { key: "exitTime", label: "Exit (UTC)", num: true, raw: (t) => t.exitTimeMs, show: (t) => utcDateTime(t.exitTimeMs) },
  { key: "entryPrice", label: "Entry px", num: true, raw: (t) => t.entryPrice, show: (t) => formatFixed(t.entryPrice, 2) },
  { key: "exitPrice", label: "Exit px", num: true, raw: (t) => t.exitPrice, show: (t) => formatFixed(t.exitPrice, 2) },
  { key: "qty", label: "Qty", num: true, raw: (t) => t.qty, show: (t) => formatFixed(t.qty, 4) },
  { key: "fees", label: "Fees", num: true, raw: (t) => t.feesUsdt, show: (t) => formatFixed(t.feesUsdt, 2) },
  { key: "funding", label: "Funding", num: true, raw: (t) => t.fundingUsdt, show: (t) => formatFixed(t.fundingUsdt, 2) },
  {
    key: "pnl",
    label: "PnL",
    num: true,
    raw: (t) => t.pnlUsdt,
    show: (t) => formatFixed(t.pnlUsdt, 2),
    cls: (t) => (t.pnlUsdt > 0 ? "pos" : t.pnlUsdt < 0 ? "neg" : ""),
  },
  { key: "bars", label: "Bars", num: true, raw: (t) => t.holdingBars, show: (t) => formatFixed(t.holdingBars, 0) },
  { key: "exitReason", label: "Exit reason", num: false, raw: (t) => t.exitReason, show: (t) => t.exitReason, cls: () => "text" },
];

export function renderTrades(trades: ReportTrade[]): string {
  if (trades.length === 0) return `<p class="empty" id="no-trades">no trades</p>`;
  const head =
    `<tr>` +
    TRADE_COLUMNS.map(
      (c) =>
        `<th scope="col" tabindex="0" data-key="${c.key}"${c.num ? ` data-type="num"` : ` class="text"`}>${escapeHtml(c.label)}</th>`,
    ).join("") +
    `</tr>`;
  const body = trades
    .map(
      (t, i) =>
        `<tr>` +
        TRADE_COLUMNS.map((c) => {
          const raw = c.raw(t, i);
          const v = typeof raw === "number" ? (Number.isFinite(raw) ? String(raw) : "") : raw;
          const cls = c.cls?.(t);
          return `<td${cls ? ` class="${cls}"` : ""} data-v="${escapeHtml(v)}">${escapeHtml(c.show(t, i))}</td>`;
        }).join("") +
        `</tr>`,
    )
    .join("");
  return `<div class="journal"><table id="trades" class="sortable"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

export function tradeStats(trades: ReportTrade[]): string {
  if (trades.length === 0) return "";
  const wins = trades.filter((t) => t.pnlUsdt > 0).length;
  const pnl = trades.reduce((a, t) => a + t.pnlUsdt, 0);
  const fees = trades.reduce((a, t) => a + t.feesUsdt, 0);
  return `${trades.length} trades, ${wins} winners (${formatFixed((wins / trades.length) * 100, 1)}%), net PnL ${formatFixed(pnl, 2)} USDT, fees ${formatFixed(fees, 2)} USDT. Fees, funding and PnL in USDT; PnL is net of fees and funding. Click a column header to sort.`;
}

/** The whole report as one self-contained HTML document. */
export function renderReportHtml(data: ReportData): string {
  const training = trainingCharts(data);
  const sections: PageSection[] = [
    { id: "metrics-section", title: "Metrics", html: renderMetrics(data), sub: "Agent (highlighted) and baselines over the same bars." },
    {
      id: "behaviour-section",
      title: "Behaviour",
      html: renderBehaviour(data.behaviour),
      sub: data.behaviour
        ? `What each strategy held over the ${data.behaviour.bars.toLocaleString("en-US")} bars and how often it traded. Degenerate: one position on more than 95 % of bars, or the same positions as a baseline bar for bar.`
        : undefined,
    },
    {
      id: "risk-section",
      title: "Risk engine",
      html: renderRiskTable(data),
      sub: "Per strategy over the same bars: entries the risk engine denied, its halts (daily loss limit, maximum drawdown), bars spent halted, and trades closed by each protective exit.",
    },
    { id: "equity-section", title: "Equity", html: equityChart(data), sub: "Account equity per bar, agent vs baselines." },
    { id: "drawdown-section", title: "Drawdown", html: drawdownChart(data), sub: "Underwater curve: fall from the running equity peak." },
    {
      id: "sharpe-section",
      title: "Rolling Sharpe",
      html: rollingSharpeChart(data),
      sub: data.rollingSharpeWindowBars ? `Annualized, over a ${data.rollingSharpeWindowBars}-bar window; gaps where undefined.` : "Gaps where undefined.",
    },
    {
      id: "position-section",
      title: "Position over price",
      html: positionChart(data),
      sub: "Shaded: agent side per bar. ▲ long entry, ▼ short entry, ○ exit (green win, red loss); hover a marker for the trade.",
    },
    { id: "trades-section", title: "Trade journal", html: renderTrades(data.trades), sub: tradeStats(data.trades) || undefined },
    {
      id: "training-section",
      title: "Training curves",
      html:
        training.length > 0
          ? `<div class="multiples">${training.map((svg) => `<div>${svg}</div>`).join("")}</div>`
          : `<p class="empty" id="no-training">no training curves</p>`,
      sub: training.length > 0 ? "From the run's metrics.csv, one chart per series; x = PPO update." : undefined,
    },
    { id: "config-section", title: "Config", html: `<pre class="config">${escapeHtml(data.config)}</pre>`, sub: "Resolved configuration." },
  ];
  return renderPage(data, sections);
}

export interface PageSection {
  id: string;
  title: string;
  html: string;
  sub?: string;
}

/** The page around its sections: header (title, warnings, summary, contents), sections, footer, the sort script. */
export function renderPage(data: Pick<ReportData, "title" | "generatedAt" | "warnings" | "summary">, sections: PageSection[]): string {
  const title = data.title || "rlt report";
  const toc = sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join("");
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="generator" content="rlt report">` +
    `<link rel="icon" href="data:,">` +
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body><div class="wrap">` +
    `<header><h1>${escapeHtml(title)}</h1><p class="gen">Generated ${escapeHtml(data.generatedAt)}</p>` +
    renderWarnings(data.warnings) +
    renderSummary(data.summary) +
    `<nav class="toc">${toc}</nav></header>` +
    `<main>` +
    sections.map((s) => section(s.id, s.title, s.html, s.sub)).join("") +
    `</main><footer>rlt report · self-contained, works offline</footer></div>` +
    `<script>${SORT_SCRIPT}</script></body></html>\n`
  );
}
