// Connection health of a trading session: the market and user streams, REST calls, the exchange clock
// and reconciliations. The pieces that talk to the exchange report here as things happen (they hold an
// optional Health); the monitor reads the view and the technical alerts react to the events.
export interface StreamHealth {
  /** "/market", "/public" (market streams) or "user" (the user data stream). */
  route: string;
  up: boolean;
  /** Times connected (1 = never reconnected). */
  connections: number;
  /** Wall ms of the last event received (undefined: none yet). */
  lastEventMs?: number;
  /** Why it is down, while it is. */
  downReason?: string;
}

export interface HealthView {
  streams: StreamHealth[];
  rest: { requests: number; errors: number; lastLatencyMs?: number; meanLatencyMs?: number; lastError?: string };
  /** Exchange clock minus local clock (ms), as last measured; undefined in paper sessions that never asked. */
  clockOffsetMs?: number;
  listenKeyExpiries: number;
  /** Reconciliations that found the exchange and the journal apart. */
  reconcileDifferences: number;
}

export type HealthEvent =
  | { kind: "stream-up"; route: string; connections: number }
  | { kind: "stream-down"; route: string; reason: string }
  | { kind: "listen-key-expired" }
  | { kind: "rest-error"; what: string; message: string; code?: number }
  | { kind: "clock-offset"; offsetMs: number }
  | { kind: "reconcile-difference"; trigger: string; differences: string[] };

/** Mean REST latency over this many calls. */
const LATENCY_WINDOW = 50;

export class Health {
  private readonly streams = new Map<string, StreamHealth>();
  private readonly latencies: number[] = [];
  private rest = { requests: 0, errors: 0, lastLatencyMs: undefined as number | undefined, lastError: undefined as string | undefined };
  private clockOffsetMs: number | undefined;
  private listenKeyExpiries = 0;
  private reconcileDifferences = 0;
  private readonly listeners: ((e: HealthEvent) => void)[] = [];

  constructor(private readonly nowMs: () => number = Date.now) {}

  on(listener: (e: HealthEvent) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  /** A stream (re)connected. */
  streamUp(route: string): void {
    const s = this.stream(route);
    s.up = true;
    s.connections++;
    s.downReason = undefined;
    this.emit({ kind: "stream-up", route, connections: s.connections });
  }

  streamDown(route: string, reason: string): void {
    const s = this.stream(route);
    const was = s.up;
    s.up = false;
    s.downReason = reason;
    if (was) this.emit({ kind: "stream-down", route, reason });
  }

  /** An event arrived on a stream (cheap: called per message). */
  streamEvent(route: string): void {
    this.stream(route).lastEventMs = this.nowMs();
  }

  listenKeyExpired(): void {
    this.listenKeyExpiries++;
    this.emit({ kind: "listen-key-expired" });
  }

  /** A REST call answered (or failed) after `latencyMs`. */
  restCall(what: string, latencyMs: number, error?: { message: string; code?: number }): void {
    this.rest.requests++;
    this.rest.lastLatencyMs = latencyMs;
    this.latencies.push(latencyMs);
    if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
    if (error) {
      this.rest.errors++;
      this.rest.lastError = `${what}: ${error.message}`;
      this.emit({ kind: "rest-error", what, message: error.message, code: error.code });
    }
  }

  clockOffset(offsetMs: number): void {
    this.clockOffsetMs = offsetMs;
    this.emit({ kind: "clock-offset", offsetMs });
  }

  reconcileDifference(trigger: string, differences: string[]): void {
    this.reconcileDifferences++;
    this.emit({ kind: "reconcile-difference", trigger, differences });
  }

  view(): HealthView {
    const mean = this.latencies.length ? this.latencies.reduce((a, b) => a + b, 0) / this.latencies.length : undefined;
    return {
      streams: [...this.streams.values()].map((s) => ({ ...s })),
      rest: { ...this.rest, meanLatencyMs: mean },
      clockOffsetMs: this.clockOffsetMs,
      listenKeyExpiries: this.listenKeyExpiries,
      reconcileDifferences: this.reconcileDifferences,
    };
  }

  private stream(route: string): StreamHealth {
    let s = this.streams.get(route);
    if (!s) this.streams.set(route, (s = { route, up: false, connections: 0 }));
    return s;
  }

  private emit(e: HealthEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}
