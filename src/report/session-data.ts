// The few journal tables `rlt report --session` reads, typed from the rows dumpJournal gives (the rows
// themselves come through monitor/session-files.ts: the file of a finished session, or a running
// trader's socket).
import { DataError } from "../core/errors.ts";
import type { JournalDump } from "../monitor/socket-protocol.ts";

type Row = Record<string, unknown>;

/** A number from a journal cell: NULL (and the socket's null for NaN) is NaN. */
export function num(v: unknown): number {
  return v === null || v === undefined ? Number.NaN : Number(v);
}

export function rows(dump: JournalDump, table: keyof JournalDump["tables"]): Row[] {
  return dump.tables[table] ?? [];
}

/** The session table's one row, with the config the trader ran under. */
export function sessionInfo(dump: JournalDump): { session: string; run: string; model: string; exchange: string; mode: string; symbol: string; startedMs: number; stoppedMs: number; stopReason: string } {
  const s = rows(dump, "session")[0];
  if (!s) throw new DataError("the journal has no session row: it was never opened by rlt trade");
  return {
    session: String(s.session),
    run: String(s.run),
    model: String(s.model),
    exchange: String(s.exchange),
    mode: String(s.mode),
    symbol: String(s.symbol),
    startedMs: num(s.started_ms),
    stoppedMs: num(s.stopped_ms),
    stopReason: s.stop_reason == null ? "" : String(s.stop_reason),
  };
}
