// The exchange's clock as seen from this machine, so that lag (exchange event time → applied here) is
// read on the exchange's clock rather than on a local clock that may be skewed. Measured like NTP's
// simplest form: offset = serverTime − midpoint of the request's send and receive, keeping the sample
// with the smallest round trip (the one whose midpoint is the tightest bound on when the server read
// its clock). Against the local exchange replaying a capture, the replay clock of its headers is read
// instead of serverTime: it is the clock the replayed event times are on, and it runs at the replay speed.
import { REPLAY_SPEED_HEADER, REPLAY_TIME_HEADER } from "../exchange/types.ts";

/** One reading of the exchange's clock. */
export interface ClockReading {
  serverTimeMs: number;
  /** Exchange ms per local ms: 1 for an exchange, the speed of a replay. */
  speed: number;
  /** True when the reading is a replay clock (the local exchange replaying a capture). */
  replay: boolean;
}

export interface ClockEstimate {
  /** Exchange clock − local clock at `localMs` (for an exchange: constant, the machine's skew). */
  offsetMs: number;
  /** Round trip of the sample kept: the offset is known to ± half of it. */
  roundTripMs: number;
  speed: number;
  replay: boolean;
  /** The local time the estimate is anchored at (the kept sample's midpoint). */
  localMs: number;
}

/** Samples per measurement: a few, since one slow answer (GC, a busy server) is common. */
export const CLOCK_SAMPLES = 5;

/** Take `samples` readings one after the other and keep the one with the smallest round trip. */
export async function estimateClock(read: () => Promise<ClockReading>, samples = CLOCK_SAMPLES, localMs: () => number = Date.now): Promise<ClockEstimate> {
  let best: ClockEstimate | undefined;
  for (let i = 0; i < samples; i++) {
    const sentMs = localMs();
    const r = await read();
    const receivedMs = localMs();
    const roundTripMs = receivedMs - sentMs;
    if (best && roundTripMs >= best.roundTripMs) continue;
    const midMs = (sentMs + receivedMs) / 2;
    best = { offsetMs: r.serverTimeMs - midMs, roundTripMs, speed: r.speed, replay: r.replay, localMs: midMs };
  }
  if (!best) throw new RangeError(`estimateClock: samples must be at least 1 (got ${samples})`);
  return best;
}

/** The exchange's clock now, from an estimate: exact for an exchange, and for a replay at any speed. */
export function exchangeNowMs(est: ClockEstimate, localNowMs = Date.now()): number {
  return est.localMs + est.offsetMs + (localNowMs - est.localMs) * est.speed;
}

/** Reads `GET /fapi/v1/time` (weight 1), or the replay clock the local exchange sends along with it. */
export function timeEndpointReader(restUrl: string, signal?: AbortSignal): () => Promise<ClockReading> {
  const url = `${restUrl.replace(/\/$/, "")}/fapi/v1/time`;
  return async () => {
    let res: Response;
    try {
      res = await fetch(url, { signal });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new Error(`cannot reach GET /fapi/v1/time: ${cause?.code ?? (err as Error).message}`, { cause: err });
    }
    if (!res.ok) throw new Error(`GET /fapi/v1/time answered ${res.status}`);
    const replayTime = res.headers.get(REPLAY_TIME_HEADER);
    if (replayTime !== null) {
      const serverTimeMs = Number(replayTime);
      const speed = Number(res.headers.get(REPLAY_SPEED_HEADER) ?? 1);
      await res.body?.cancel();
      if (!Number.isFinite(serverTimeMs) || !(speed > 0)) throw new Error(`GET /fapi/v1/time: unreadable replay clock headers (${REPLAY_TIME_HEADER}: ${replayTime})`);
      return { serverTimeMs, speed, replay: true };
    }
    const body = (await res.json()) as { serverTime?: unknown };
    if (typeof body.serverTime !== "number") throw new Error(`GET /fapi/v1/time: no serverTime in ${JSON.stringify(body).slice(0, 100)}`);
    return { serverTimeMs: body.serverTime, speed: 1, replay: false };
  };
}

/** "+1.52 s", "-0.03 s"; a replay clock a year away as "-719 d 22:03:15.4". */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const abs = Math.abs(offsetMs);
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(2)} s`;
  const days = Math.floor(abs / 86_400_000);
  const rest = new Date(abs % 86_400_000).toISOString().slice(11, 21);
  return `${sign}${days ? `${days} d ` : ""}${rest}`;
}
