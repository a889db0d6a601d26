import type { RecorderStatus } from "./recorder.ts";

export function formatRecordStatus(s: RecorderStatus, nowMs = Date.now()): string {
  const durable = s.lastDurableMs ? `, durable ${((nowMs - s.lastDurableMs) / 1000).toFixed(1)} s ago` : "";
  return (
    `${s.synced ? "synced" : "syncing"}: ${s.events} events (${s.eventsPerSec}/s), lag ${s.lagMs} ms, ` +
    `${s.depth.applied} diffs applied, ${s.chainBreaks} chain breaks, ${s.depth.resyncs} resyncs, ${s.reconnects} reconnects, ` +
    `${s.backfilledAggTrades} aggTrades backfilled, ${s.partsWritten} parts${durable}`
  );
}
