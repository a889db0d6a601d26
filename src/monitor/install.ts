// What watches a trading session, installed on its monitor in one place: runTrade calls this once the
// session exists. Each watcher is a MonitorPlugin (monitor.ts) and owns its own configuration.
import { installAlertDispatch } from "./alert-dispatch.ts";
import { installAlerts } from "./alerts.ts";
import type { MonitorContext } from "./context.ts";
import { installDrift } from "./drift.ts";
import type { SessionMonitor } from "./monitor.ts";
import { SessionSocketServer } from "./socket-server.ts";

export type { MonitorContext };

export function installMonitors(monitor: SessionMonitor, ctx: MonitorContext): void {
  installAlertDispatch(monitor, ctx);
  installAlerts(monitor, ctx);
  installDrift(monitor, ctx);
  // last: it serves the view the others shape, and closes after them so attached clients see their last words
  monitor.use(new SessionSocketServer(monitor, { sessionDir: ctx.sessionDir, journal: ctx.journal, onInfo: ctx.onInfo }));
}
