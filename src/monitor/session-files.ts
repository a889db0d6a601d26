// Where a trading session's record is and how to read it: the journal's rows from the DuckDB file of a
// finished session (read-only), or from the running trader's socket when it holds the file. `rlt trade
// status` and `rlt report --session` both read sessions through here.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { DataError, UsageError } from "../core/errors.ts";
import { queryRows } from "../data/duck.ts";
import { RUN_FILES } from "../rl/run-files.ts";
import { askJournal } from "./socket-client.ts";
import { type JournalDump, dumpJournal } from "./socket-protocol.ts";

export const JOURNAL_FILE = "journal.duckdb";

export interface SessionLocation {
  runDir: string;
  session: string;
  sessionDir: string;
}

export interface SessionRecord extends SessionLocation {
  /** Where the rows came from: the journal file (finished) or the trader's socket (running). */
  source: "journal" | "socket";
  dump: JournalDump;
}

/**
 * `--session` as a name under `--run`, or a path to runs/<name>/sessions/<session>. An unknown name is a
 * UsageError that lists the sessions the run has.
 */
export function locateSession(session: string, runDir?: string): SessionLocation {
  const asPath = path.resolve(session);
  if (path.basename(path.dirname(asPath)) === RUN_FILES.sessions && existsSync(asPath)) {
    return { runDir: path.dirname(path.dirname(asPath)), session: path.basename(asPath), sessionDir: asPath };
  }
  if (!runDir) throw new UsageError(`--session ${session}: which run's session? Give --run runs/<name>, or the session folder runs/<name>/sessions/<session>`);
  const dir = path.join(path.resolve(runDir), RUN_FILES.sessions, session);
  if (!existsSync(dir)) {
    const known = listSessions(path.resolve(runDir));
    throw new UsageError(`no session ${session} in ${runDir}: ${known.length ? `its sessions are ${known.join(", ")}` : "it has no sessions"}`, {
      hint: known.length ? `rlt report --session ${known.at(-1)} --run ${runDir}` : `trade it first: rlt trade --run ${runDir} --paper`,
    });
  }
  return { runDir: path.resolve(runDir), session, sessionDir: dir };
}

export function listSessions(runDir: string): string[] {
  const dir = path.join(runDir, RUN_FILES.sessions);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** The session's rows: its journal file read-only, else (a trader holds the file) its socket. */
export async function loadSession(loc: SessionLocation): Promise<SessionRecord> {
  const file = path.join(loc.sessionDir, JOURNAL_FILE);
  if (!existsSync(file)) throw new DataError(`${loc.sessionDir} has no ${JOURNAL_FILE}: the session never started trading`, { hint: "report a session that traded at least one bar" });
  let openError: unknown;
  try {
    return { ...loc, source: "journal", dump: await readJournalFile(file) };
  } catch (err) {
    if (err instanceof DataError) throw err; // a bad version or not a journal: the socket would say the same
    openError = err;
  }
  const dump = await askJournal(loc.sessionDir);
  if (dump) return { ...loc, source: "socket", dump };
  throw new DataError(`cannot read session ${loc.session}: ${file} does not open (${(openError as Error).message.split("\n")[0]}) and no trader answers on its socket`, {
    cause: openError,
    hint: "if its trader is running, wait for its socket (it opens once the session starts); if it crashed, run rlt trade --session again to recover the journal, then report",
  });
}

/** A finished session's journal, opened read-only (a second reader never blocks or changes it). */
export async function readJournalFile(file: string): Promise<JournalDump> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
  const conn = await instance.connect();
  try {
    return await dumpJournal((sql) => queryRows(conn, sql), file);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
