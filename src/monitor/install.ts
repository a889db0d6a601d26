// What watches a trading session, installed on its monitor in one place: runTrade calls this once the
// session exists. Each watcher is a MonitorPlugin (monitor.ts) and owns its own configuration.
import type { MonitorConfig } from "../core/monitor-config.ts";
import type { TrainingRun } from "../rl/run-dir.ts";
import type { SessionFeatures } from "../trade/features.ts";
import type { Health } from "../trade/health.ts";
import type { Journal } from "../trade/journal.ts";
import { installAlertDispatch } from "./alert-dispatch.ts";
import { installAlerts } from "./alerts.ts";
import { installDrift } from "./drift.ts";
import type { SessionMonitor } from "./monitor.ts";
import { SessionSocketServer } from "./socket-server.ts";

export interface MonitorContext {
  run: TrainingRun;
  journal: Journal;
  sessionDir: string;
  features: SessionFeatures;
  health: Health;
  /** rlt.yaml's monitor section (thresholds, webhook, drift). */
  config: MonitorConfig;
  onInfo: (message: string) => void;
}

export function installMonitors(monitor: SessionMonitor, ctx: MonitorContext): void {
  // alerts (alerts.ts), drift (drift.ts) and the session socket (socket-server.ts) register here
  installAlertDispatch(monitor, ctx);
  installAlerts(monitor, ctx);
  installDrift(monitor, ctx);
  // last: it serves the view the others shape, and closes after them so attached clients see their last words
  monitor.use(new SessionSocketServer(monitor, { sessionDir: ctx.sessionDir, journal: ctx.journal, onInfo: ctx.onInfo }));
}
