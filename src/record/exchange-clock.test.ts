// The exchange's clock from GET /fapi/v1/time: the sample with the smallest round trip wins, a replay
// clock is extrapolated at its speed, and the local exchange's replay headers take precedence.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type ClockReading, estimateClock, exchangeNowMs, formatOffset, timeEndpointReader } from "./exchange-clock.ts";
import { formatRecordStatus } from "./format.ts";

describe("estimateClock", () => {
  it("keeps the sample with the smallest round trip and anchors it at that sample's midpoint", async () => {
    // the exchange is 1520 ms ahead; each sample: its round trip and when, after sending, the server read its clock
    const TRUE_OFFSET_MS = 1520;
    const samples = [
      { roundTripMs: 40, serverReadAfterMs: 10 }, // slow and asymmetric: alone it would say 1510
      { roundTripMs: 6, serverReadAfterMs: 3 },
      { roundTripMs: 25, serverReadAfterMs: 24 }, // would say 1531.5
    ];
    let localMs = 1_000_000;
    let i = 0;
    let sentMs = 0;
    const clock = () => localMs;
    const read = async (): Promise<ClockReading> => {
      const s = samples[i++];
      sentMs = localMs;
      localMs += s.roundTripMs; // the answer arrives after the round trip
      return { serverTimeMs: sentMs + s.serverReadAfterMs + TRUE_OFFSET_MS, speed: 1, replay: false };
    };
    const est = await estimateClock(read, samples.length, clock);
    expect(est).toEqual({ offsetMs: 1520, roundTripMs: 6, speed: 1, replay: false, localMs: 1_000_040 + 3 });
    expect(exchangeNowMs(est, 2_000_000)).toBe(2_000_000 + 1520);
  });

  it("extrapolates a replay clock at its speed", () => {
    const est = { offsetMs: -5000, roundTripMs: 1, speed: 4, replay: true, localMs: 10_000 };
    expect(exchangeNowMs(est, 10_000)).toBe(5000);
    expect(exchangeNowMs(est, 10_100)).toBe(5400);
  });
});

describe("timeEndpointReader against a fake time endpoint", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function endpoint(answer: (n: number) => { status?: number; headers?: Record<string, string>; body: unknown; delayAfterReadMs?: number }): Promise<string> {
    let n = 0;
    server = createServer((req, res) => {
      const a = answer(n++);
      const send = () => {
        res.writeHead(a.status ?? 200, { "Content-Type": "application/json", ...a.headers });
        res.end(JSON.stringify(a.body));
      };
      if (req.url !== "/fapi/v1/time") return void res.writeHead(404).end();
      if (a.delayAfterReadMs) setTimeout(send, a.delayAfterReadMs);
      else send();
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  it("measures a server 7 s ahead to within half the round trip, passing over answers held back after the clock was read", async () => {
    // the first two answers are held 150 ms after the server read its clock: their midpoints are 75 ms off
    const url = await endpoint((n) => ({ body: { serverTime: Date.now() + 7000 }, delayAfterReadMs: n < 2 ? 150 : 0 }));
    const est = await estimateClock(timeEndpointReader(url), 5);
    expect(est.replay).toBe(false);
    expect(est.speed).toBe(1);
    expect(est.roundTripMs).toBeLessThan(150);
    // the server read its clock between send and receive; Date.now() is whole ms on both sides
    expect(Math.abs(est.offsetMs - 7000)).toBeLessThanOrEqual(est.roundTripMs / 2 + 1);
  });

  it("reads the local exchange's replay clock and speed from its headers rather than serverTime", async () => {
    const url = await endpoint(() => ({ headers: { "X-RLT-Replay-Time": "1721347021000.5", "X-RLT-Replay-Speed": "4" }, body: { serverTime: 1692273600000 } }));
    expect(await timeEndpointReader(url)()).toEqual({ serverTimeMs: 1721347021000.5, speed: 4, replay: true });
  });

  it("says what went wrong: an error status, a body without serverTime, no server", async () => {
    const url = await endpoint((n) => (n === 0 ? { status: 503, body: {} } : { body: { time: 1 } }));
    const read = timeEndpointReader(url);
    await expect(read()).rejects.toThrow("GET /fapi/v1/time answered 503");
    await expect(read()).rejects.toThrow('GET /fapi/v1/time: no serverTime in {"time":1}');
    // a port nothing listens on any more (a fresh one: the first server's keep-alive socket would be reused)
    await new Promise<void>((r) => server!.close(() => r()));
    const gone = await endpoint(() => ({ body: {} }));
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    await expect(timeEndpointReader(gone)()).rejects.toThrow("cannot reach GET /fapi/v1/time: ECONNREFUSED");
  });
});

describe("the offset as printed", () => {
  it("in seconds for a machine's skew, in days for a replay clock", () => {
    expect(formatOffset(1520)).toBe("+1.52 s");
    expect(formatOffset(-30)).toBe("-0.03 s");
    expect(formatOffset(-(866 * 86_400_000 + 8 * 3_600_000 + 7 * 60_000 + 27_040))).toBe("-866 d 08:07:27.0");
  });

  it("on the recorder's status line", () => {
    const base = { events: 10, eventsPerSec: 5, lagMs: 12, synced: true, depth: { applied: 3, droppedStale: 0, puVerified: 3, breaks: 0, resyncs: 0, snapshots: 1 }, partsWritten: 0, reconnects: 0, chainBreaks: 0, backfilledAggTrades: 0, rowsInLog: 0, lastDurableMs: 0 };
    expect(formatRecordStatus({ ...base, clockOffsetMs: 1520, clockRoundTripMs: 41 })).toMatch(/^synced: 10 events \(5\/s\), lag 12 ms \(clock offset \+1\.52 s ± 21 ms\), 3 diffs applied/);
    expect(formatRecordStatus({ ...base, clockOffsetMs: -86_400_000, clockRoundTripMs: 0.4, replaySpeed: 4 })).toContain("lag 12 ms (replay clock at 4×, clock offset -1 d 00:00:00.0 ± 1 ms), ");
    expect(formatRecordStatus(base)).toContain("lag 12 ms, 3 diffs applied");
  });
});
