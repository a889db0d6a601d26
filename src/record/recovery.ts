// Logs left by a recorder that did not stop cleanly (killed, power loss, full disk), turned into the
// Parquet parts that recorder would have written at its next roll. Run by `rlt record` before it
// connects, while it holds the symbol's recording lock, so no live recorder still writes these logs.
import { rmSync } from "node:fs";
import path from "node:path";
import type { Store } from "../data/store.ts";
import { kindSpec } from "../data/kinds.ts";
import { RECORDED_KINDS, RecordBuffers, type RecordedKind, recordedColumns, writeTaken } from "./buffers.ts";
import { fsyncFiles, logFiles, readLog } from "./record-log.ts";

export interface RecoveredLog {
  file: string;
  part: string;
  /** Process that wrote the log. */
  pid: number;
  rows: number;
  rowsByKind: Record<string, number>;
  /** A last row cut short by the kill was dropped. */
  tornLastLine: boolean;
  /** Latest exchange time among the rows (undefined for an empty log). */
  lastEventMs?: number;
  /** Highest aggregate trade id in the log: the next session backfills from it. */
  lastAggTradeId?: number;
}

const timeIndex = Object.fromEntries(RECORDED_KINDS.map((k) => [k, recordedColumns(k).indexOf(kindSpec(k).timeColumn)])) as Record<RecordedKind, number>;

/** Convert every log of `symbol` except `keep` (the caller's own) into Parquet and delete it. */
export async function recoverLogs(store: Store, symbol: string, keep: ReadonlySet<string> = new Set()): Promise<RecoveredLog[]> {
  const out: RecoveredLog[] = [];
  for (const file of logFiles(store.dir, symbol)) {
    if (keep.has(file)) continue;
    const log = readLog(file); // a damaged log stops here, before anything is written
    const buffers = new RecordBuffers(1, 1);
    let lastAggTradeId: number | undefined;
    let lastEventMs: number | undefined;
    for (const { kind, values } of log.rows) {
      buffers.pushRow(kind, values);
      const t = kind === "record_events" ? undefined : values[timeIndex[kind]];
      if (typeof t === "number") lastEventMs = Math.max(lastEventMs ?? -Infinity, t);
      if (kind === "aggtrades" && typeof values[0] === "number") lastAggTradeId = Math.max(lastAggTradeId ?? -Infinity, values[0]);
    }
    const part = log.header.part;
    const { rowsByKind, days } = await writeTaken(store, symbol, part, buffers.take());
    await fsyncFiles(partFiles(store, symbol, part, Object.keys(rowsByKind), days));
    rmSync(file, { force: true });
    out.push({ file, part, pid: log.header.pid, rows: log.rows.length, rowsByKind, tornLastLine: log.tornLastLine, lastEventMs, lastAggTradeId });
  }
  return out;
}

/** The files a part's rows went to (a part file per kind and day; aggTrades' merged day files). */
export function partFiles(store: Store, symbol: string, part: string, kinds: string[], days: string[]): string[] {
  const files: string[] = [];
  for (const kind of kinds) {
    for (const day of days) {
      const dir = store.dayDir(kind as Parameters<Store["dayDir"]>[0], symbol, day);
      files.push(path.join(dir, kind === "aggtrades" ? "data.parquet" : `${part}.parquet`));
    }
  }
  return files;
}
