// What `rlt record` stored about its own recording (the record_events kind): depth-chain breaks,
// resyncs, reconnects and aggTrade backfills over a time range, for `rlt data status`. A chain break
// leaves no time gap in depth_updates, so without these rows a broken book would read as "no gaps".
import { queryRows } from "./duck.ts";
import type { Store } from "./store.ts";

export interface RecordingFacts {
  chainBreaks: number;
  resyncs: number;
  reconnects: number;
  backfills: number;
  recoveries: number;
}

/** Event times (exchange clock) and record_events times (recorder clock) differ by the lag: allow this much. */
const CLOCK_SLACK_MS = 60_000;

/** Counts of record_events of `symbol` within [fromMs, toMs], or undefined when the symbol has none. */
export async function recordingFacts(store: Store, symbol: string, fromMs?: number, toMs?: number): Promise<RecordingFacts | undefined> {
  const rel = store.scan("record_events", symbol);
  if (!rel || fromMs === undefined || toMs === undefined) return undefined;
  const rows = await queryRows<{ type: string; n: number }>(
    store.db,
    `SELECT type, count(*)::BIGINT AS n FROM (SELECT DISTINCT * FROM ${rel})
     WHERE time BETWEEN ${fromMs - CLOCK_SLACK_MS} AND ${toMs + CLOCK_SLACK_MS} GROUP BY type`,
  );
  const n = (type: string) => rows.find((r) => r.type === type)?.n ?? 0;
  return { chainBreaks: n("chain_break"), resyncs: n("resync"), reconnects: n("reconnect"), backfills: n("backfill"), recoveries: n("recovery") };
}

/** "3 depth-chain breaks (3 resyncs), 5 reconnects, 2 aggTrade backfills", or "" when nothing happened. */
export function formatRecordingFacts(f: RecordingFacts | undefined): string {
  if (!f) return "";
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const parts = [
    f.chainBreaks ? `${plural(f.chainBreaks, "depth-chain break")} (${plural(f.resyncs, "resync")})` : "",
    f.reconnects ? plural(f.reconnects, "reconnect") : "",
    f.backfills ? plural(f.backfills, "aggTrade backfill") : "",
    f.recoveries ? `${plural(f.recoveries, "log")} of killed recorders recovered` : "",
  ].filter(Boolean);
  return parts.length ? `  ${parts.join(", ")}` : "";
}
