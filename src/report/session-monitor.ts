// The session report's alerts and drift sections, from the journal's `alerts` and `drift` tables where
// the journal has them (older journals have neither: the section says so instead of failing).
import type { JournalDump } from "../monitor/socket-protocol.ts";
import { escapeHtml } from "./html.ts";
import { num } from "./session-data.ts";
import { type ChartMark, COLORS, formatFixed, lineChart, utcDateTime } from "./svg.ts";

const WIDTH = 1000;
const LEVEL_COLORS: Record<string, string> = { critical: COLORS.short, warning: "#f59e0b", info: COLORS.agent };

/**
 * Alerts per bar (cumulative count by level) and their table. An alert belongs to its bar_open_ms where
 * it has one, else to the last bar journaled before it (bars.ts_ms): alerts carry wall-clock times,
 * and a replayed market's bars do not.
 */
export function alertsSection(dump: JournalDump, timeMs: number[], marks: ChartMark[]): string {
  const alerts = dump.tables.alerts;
  if (!alerts) return `<p class="empty" id="no-alerts">no alerts table in this journal (written by an rlt before alerts were journaled)</p>`;
  if (!alerts.length) return `<p class="empty" id="no-alerts">no alerts were raised in this session</p>`;
  const bars = dump.tables.bars ?? [];
  const barOf = (r: Record<string, unknown>): number => {
    if (r.bar_open_ms != null) return num(r.bar_open_ms);
    let open = num(bars[0]?.open_time_ms);
    for (const b of bars) if (num(b.ts_ms) <= num(r.ts_ms)) open = num(b.open_time_ms);
    return open;
  };
  const level = (r: Record<string, unknown>) => String(r.level ?? "alert");
  const levels = [...new Set(alerts.map(level))];
  const series = levels.map((lv, i) => {
    const times = alerts.filter((r) => level(r) === lv).map((r) => barOf(r) + 60_000).sort((a, b) => a - b);
    let k = 0;
    const y = timeMs.map((t) => {
      while (k < times.length && times[k] <= t) k++;
      return k;
    });
    return { name: `${lv} (cumulative)`, x: timeMs, y, color: LEVEL_COLORS[lv] ?? COLORS.baselines[i % COLORS.baselines.length], width: 1.8 };
  });
  const chart = lineChart({ id: "chart-alerts", label: "Alerts over time (cumulative count by level)", series, width: WIDTH, height: 220, xKind: "time", yInclude: [0], marks });
  const cols = Object.keys(alerts[0]).filter((c) => c !== "ts_ms" && c !== "bar_open_ms");
  const head = `<tr><th scope="col" class="text">Time (UTC)</th><th scope="col" class="text">Bar (UTC)</th>${cols.map((c) => `<th scope="col" class="text">${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = alerts.map((r) => `<tr><td class="text">${escapeHtml(utcDateTime(num(r.ts_ms)))}</td><td class="text">${escapeHtml(utcDateTime(barOf(r)))}</td>${cols.map((c) => `<td class="text">${escapeHtml(cell(r[c]))}</td>`).join("")}</tr>`).join("");
  return `${chart}<div class="journal"><table id="alerts"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

/** The largest feature PSI and the action PSI per bar, against the threshold. */
export function driftSection(dump: JournalDump, marks: ChartMark[]): string {
  const drift = dump.tables.drift;
  if (!drift) return `<p class="empty" id="no-drift">no drift table in this journal</p>`;
  if (!drift.length) return `<p class="empty" id="no-drift">no drift measured yet (the rolling window never filled, or drift was off for this run's manifest)</p>`;
  const x = drift.map((r) => num(r.bar_open_ms) + 60_000);
  const maxPsi = drift.map((r) => Math.max(...((r.psi as unknown[] | null) ?? []).map(num).filter(Number.isFinite), Number.NaN));
  const worst = drift.map((r) => {
    const psi = ((r.psi as unknown[] | null) ?? []).map(num);
    const names = (r.features as unknown[] | null) ?? [];
    let j = -1;
    for (let i = 0; i < psi.length; i++) if (Number.isFinite(psi[i]) && (j < 0 || psi[i] > psi[j])) j = i;
    return j < 0 ? "" : String(names[j]);
  });
  const series = [
    { name: "largest feature PSI", x, y: maxPsi, color: COLORS.agent, width: 2 },
    { name: "action PSI", x, y: drift.map((r) => num(r.action_psi)), color: COLORS.baselines[0], width: 1.6 },
    { name: "threshold", x, y: drift.map((r) => num(r.threshold)), color: COLORS.short, width: 1.2, dash: "4 3" },
  ];
  const chart = lineChart({ id: "chart-drift", label: "Drift over time (population stability index)", series, width: WIDTH, height: 260, xKind: "time", yInclude: [0], marks });
  const last = drift.length - 1;
  const note = `<p class="sub">Last window (${num(drift[last].filled)} of ${num(drift[last].window_bars)} bars): largest feature PSI ${formatFixed(maxPsi[last], 3)} (${escapeHtml(worst[last])}), action PSI ${formatFixed(num(drift[last].action_psi), 3)}, threshold ${formatFixed(num(drift[last].threshold), 2)}.</p>`;
  return chart + note;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : formatFixed(v, 4);
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}
