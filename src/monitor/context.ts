// What every watcher of a trading session is given when it is installed (install.ts): the run, the
// journal, the session's folder and features, the connection health and rlt.yaml's monitor section.
import type { MonitorConfig } from "../core/monitor-config.ts";
import type { TrainingRun } from "../rl/run-dir.ts";
import type { SessionFeatures } from "../trade/features.ts";
import type { Health } from "../trade/health.ts";
import type { Journal } from "../trade/journal.ts";

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
