// `rlt trade status`: the sessions on this machine and what each is doing. A running trader (its session
// lock held by a live process here) answers on its socket; any other session is read from its journal,
// replayed into the same view the running one serves.
import { existsSync, readdirSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { lockHolder } from "../core/lock.ts";
import { isAlive } from "../core/process.ts";
import { RUN_FILES } from "../rl/run-files.ts";
import { sessionLockPath } from "../trade/journal.ts";
import { journalView } from "./journal-view.ts";
import { type SessionLocation, listSessions, loadSession } from "./session-files.ts";
import { askView } from "./socket-client.ts";
import type { MonitorView } from "./types.ts";

export type SessionState = "running" | "stopped" | "ended" | "unreadable";

export interface SessionStatusEntry extends SessionLocation {
  /** running: a live trader holds it; stopped: it ended cleanly; ended: it stopped without saying so (killed, crashed); unreadable: see error. */
  state: SessionState;
  /** The trader's process id while it runs. */
  pid?: number;
  view?: MonitorView;
  /** Why there is no view (an unreadable journal, a running trader whose socket does not answer). */
  error?: string;
}

/** Every session under `root`: a runs folder (each run's sessions), or one run folder. */
export function findSessions(root: string): SessionLocation[] {
  const dir = path.resolve(root);
  if (!existsSync(dir)) return [];
  const runs = existsSync(path.join(dir, RUN_FILES.sessions))
    ? [dir]
    : readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, RUN_FILES.sessions)))
        .map((d) => path.join(dir, d.name))
        .sort();
  return runs.flatMap((runDir) => listSessions(runDir).map((session) => ({ runDir, session, sessionDir: path.join(runDir, RUN_FILES.sessions, session) })));
}

/** The trader's process when one holds the session on this host. */
export function runningPid(sessionDir: string): number | undefined {
  const holder = lockHolder(sessionLockPath(sessionDir));
  return holder && holder.host === hostname() && isAlive(holder.pid) ? holder.pid : undefined;
}

export async function sessionStatus(loc: SessionLocation): Promise<SessionStatusEntry> {
  const pid = runningPid(loc.sessionDir);
  if (pid !== undefined) {
    const view = await askView(loc.sessionDir);
    return view ? { ...loc, state: "running", pid, view } : { ...loc, state: "running", pid, error: `its trader (pid ${pid}) does not answer on its socket yet (it opens once the session has started)` };
  }
  try {
    const { dump } = await loadSession(loc);
    const view = journalView(dump);
    const stopped = dump.tables.session?.[0]?.stopped_ms;
    return { ...loc, state: stopped === null || stopped === undefined ? "ended" : "stopped", view };
  } catch (err) {
    return { ...loc, state: "unreadable", error: (err as Error).message };
  }
}
