// The session socket's protocol: newline-delimited JSON, one request per line, answers as lines. Every
// request only reads: {"op":"view"} → one view; {"op":"subscribe"} → a view now and after each change,
// and alerts as they fire; {"op":"journal"} → the journal's rows (what a report of a running session
// reads, since the running trader holds the DuckDB file). NaN travels as null (JSON has no NaN).
import type { Socket } from "node:net";
import { DataError } from "../core/errors.ts";
import { JOURNAL_VERSION } from "../trade/journal-schema.ts";
import type { Alert, MonitorView } from "./types.ts";

export type SocketRequest = { op: "view" } | { op: "subscribe" } | { op: "journal" };

export type SocketMessage =
  | { type: "view"; view: MonitorView }
  | { type: "alert"; alert: Alert }
  | { type: "journal"; journal: JournalDump }
  | { type: "error"; message: string };

/** A journal's rows by table (column names as in journal-schema.ts; BIGINT as numbers). */
export interface JournalDump {
  version: number;
  tables: Partial<Record<JournalTable, Record<string, unknown>[]>>;
}

/** What a view or a report of a session reads; alerts and drift only where the journal has those tables. */
export const DUMP_TABLES = ["session", "starts", "bars", "decisions", "risk_events", "fills", "position_adjustments", "positions", "balances", "funding", "reconciliations", "equity", "trades", "alerts", "drift"] as const;
export type JournalTable = (typeof DUMP_TABLES)[number];

/** The oldest journal version this rlt reads (every later table is added with CREATE TABLE IF NOT EXISTS). */
export const MIN_JOURNAL_VERSION = 1;

export type JournalQuery = (sql: string) => Promise<Record<string, unknown>[]>;

/**
 * The journal's rows through a query function (the running trader's Journal.query, or a read-only
 * connection to a finished session's file). `bars: false` leaves out the bars' feature vectors (a
 * view needs only OHLC).
 */
export async function dumpJournal(query: JournalQuery, file: string, opts: { features?: boolean } = {}): Promise<JournalDump> {
  const present = new Set((await query("SELECT table_name FROM information_schema.tables")).map((r) => String(r.table_name)));
  if (!present.has("meta") || !present.has("session")) throw new DataError(`${file} is not an rlt session journal (no meta or session table)`, { hint: "rlt trade writes runs/<run>/sessions/<session>/journal.duckdb" });
  const version = journalVersion(await query("SELECT value FROM meta WHERE key = 'version'"), file);
  const tables: JournalDump["tables"] = {};
  for (const t of DUMP_TABLES) {
    if (!present.has(t)) continue;
    const order = ORDER_BY[t] ? ` ORDER BY ${ORDER_BY[t]}` : "";
    const cols = t === "bars" && opts.features === false ? "open_time_ms, open, high, low, close, volume, ts_ms, spread_bps" : "*";
    tables[t] = await query(`SELECT ${cols} FROM ${t}${order}`);
  }
  return { version, tables };
}

const ORDER_BY: Partial<Record<JournalTable, string>> = {
  starts: "ts_ms",
  bars: "open_time_ms",
  decisions: "bar_open_ms, ts_ms",
  risk_events: "ts_ms",
  fills: "fill_time_ms, trade_id",
  position_adjustments: "ts_ms",
  positions: "ts_ms",
  balances: "ts_ms",
  funding: "ts_ms",
  reconciliations: "ts_ms",
  equity: "bar_open_ms, ts_ms",
  trades: "exit_time_ms, ts_ms",
  alerts: "ts_ms",
  drift: "bar_open_ms, ts_ms",
};

function journalVersion(rows: Record<string, unknown>[], file: string): number {
  const raw = rows[0]?.value;
  const v = Number(raw);
  if (raw === undefined || !Number.isInteger(v) || v < MIN_JOURNAL_VERSION || v > JOURNAL_VERSION) {
    throw new DataError(`${file}: journal version ${raw === undefined ? "(none)" : String(raw)} is not one this rlt reads (${MIN_JOURNAL_VERSION}–${JOURNAL_VERSION})`, {
      hint: raw !== undefined && v > JOURNAL_VERSION ? "the session was written by a newer rlt: read it with that version" : "the file is from an rlt before session journals were versioned, or not a journal: nothing can be shown from it",
    });
  }
  return v;
}

/**
 * One line of the protocol. A view's nulls are its NaNs (a view has no nulls of its own: absent fields are
 * left out), so they become NaN again; a journal's nulls are SQL NULLs and stay null.
 */
export function parseMessage(line: string): SocketMessage {
  const m = JSON.parse(line) as SocketMessage;
  if (m.type === "view") m.view = nanForNull(m.view);
  else if (m.type === "alert") m.alert = nanForNull(m.alert);
  return m;
}

function nanForNull<T>(v: T): T {
  if (v === null) return Number.NaN as T;
  if (Array.isArray(v)) return v.map(nanForNull) as T;
  if (typeof v === "object") return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, nanForNull(x)])) as T;
  return v;
}

/**
 * Each whole line the socket receives, trimmed, empty ones skipped; `tooLong` when what is buffered
 * without a newline passes maxPending characters (a peer that is not speaking this protocol).
 */
export function readLines(c: Socket, onLine: (line: string) => void, opts: { maxPending?: number; tooLong?: () => void } = {}): void {
  c.setEncoding("utf8");
  let buf = "";
  c.on("data", (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) onLine(line);
    }
    if (opts.maxPending !== undefined && buf.length > opts.maxPending) opts.tooLong?.();
  });
  c.on("error", () => c.destroy());
}
