import { formatOffset } from "./exchange-clock.ts";
import type { RecorderStatus } from "./recorder.ts";

export function formatRecordStatus(s: RecorderStatus, nowMs = Date.now()): string {
  const durable = s.lastDurableMs ? `, durable ${((nowMs - s.lastDurableMs) / 1000).toFixed(1)} s ago` : "";
  const clock =
    s.clockOffsetMs === undefined
      ? ""
      : ` (${s.replaySpeed !== undefined ? `replay clock at ${s.replaySpeed}×, ` : ""}clock offset ${formatOffset(s.clockOffsetMs)} ± ${Math.ceil((s.clockRoundTripMs ?? 0) / 2)} ms)`;
  return (
    `${s.synced ? "synced" : "syncing"}: ${s.events} events (${s.eventsPerSec}/s), lag ${s.lagMs} ms${clock}, ` +
    `${s.depth.applied} diffs applied, ${s.chainBreaks} chain breaks, ${s.depth.resyncs} resyncs, ${s.reconnects} reconnects, ` +
    `${s.backfilledAggTrades} aggTrades backfilled, ${s.partsWritten} parts${durable}`
  );
}
