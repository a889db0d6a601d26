import type { RecorderStatus } from "./recorder.ts";

export function formatRecordStatus(s: RecorderStatus): string {
  return (
    `${s.synced ? "synced" : "syncing"}: ${s.events} events (${s.eventsPerSec}/s), lag ${s.lagMs} ms, ` +
    `${s.depth.applied} diffs applied, ${s.depth.breaks} breaks, ${s.depth.resyncs} resyncs, ${s.reconnects} reconnects, ${s.partsWritten} parts`
  );
}
