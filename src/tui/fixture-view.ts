// The recorded MonitorViews under test/fixtures (scripts/record-monitor-view.ts, a real paper session),
// read as the socket reads a view: nulls are NaNs again. Used by the UI's tests and its snapshot script.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseMessage } from "../monitor/socket-protocol.ts";
import type { MonitorView } from "../monitor/types.ts";

export const FIXTURES = path.resolve(import.meta.dirname, "../../test/fixtures");

export function fixtureView(name: "position" | "halted"): MonitorView {
  const file = path.join(FIXTURES, `monitor-view-${name}.json`);
  const m = parseMessage(JSON.stringify({ type: "view", view: JSON.parse(readFileSync(file, "utf8")) }));
  if (m.type !== "view") throw new Error(`${file} is not a MonitorView`);
  return m.view;
}
