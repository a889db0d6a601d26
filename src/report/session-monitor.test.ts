import { describe, expect, it } from "vitest";
import type { JournalDump } from "../monitor/socket-protocol.ts";
import { alertsSection, driftSection } from "./session-monitor.ts";

const T0 = Date.UTC(2023, 7, 15, 1, 0);
// bars of a replayed market (2023) journaled at wall-clock times (2026)
const WALL = Date.UTC(2026, 11, 3, 6, 0);
const bars = [0, 1, 2].map((i) => ({ open_time_ms: T0 + i * 60_000, ts_ms: WALL + i * 1000 }));
const timeMs = bars.map((b) => b.open_time_ms + 60_000);

describe("the session report's alerts and drift", () => {
  it("says so when the journal has no alerts or drift table, instead of failing", () => {
    const old: JournalDump = { version: 1, tables: { bars } };
    expect(alertsSection(old, timeMs, [])).toContain("no alerts table in this journal");
    expect(driftSection(old, [])).toContain("no drift table in this journal");
    expect(alertsSection({ version: 2, tables: { bars, alerts: [] } }, timeMs, [])).toContain("no alerts were raised in this session");
  });

  it("puts an alert on its bar, or on the last bar journaled before its wall-clock time", () => {
    const alerts = [
      { ts_ms: WALL + 1500, bar_open_ms: null, level: "warning", kind: "losing-streak", message: "5 losing trades in a row" },
      { ts_ms: WALL + 2500, bar_open_ms: T0, level: "warning", kind: "margin-ratio", message: "margin 50.04 % of equity" },
    ];
    const html = alertsSection({ version: 2, tables: { bars, alerts } }, timeMs, []);
    // bar columns: the streak after bar 1 (journaled at WALL+1000), the margin alert on bar 0
    expect(html.match(/<td class="text">2023-08-15 01:0\d<\/td>/g)).toEqual(['<td class="text">2023-08-15 01:01</td>', '<td class="text">2023-08-15 01:00</td>']);
    expect(html).toContain('id="chart-alerts"');
    expect(html).toContain("5 losing trades in a row");
  });
});
