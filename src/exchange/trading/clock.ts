// The local exchange's one clock: market time that REST answers, signatures, matching, funding and the
// kline/markPrice streams all read. It runs from a start time at a speed (market ms per wall ms), or in
// manual mode only moves when a test calls advanceTo/step, so trading tests never race the wall clock.
import { BAR_MS } from "../../core/time.ts";

export interface ClockOptions {
  startMs: number;
  /** Market ms per wall ms (1 = real time; 60 × bars per second for a bar replay). */
  speed: number;
  /** Never move with the wall clock: only advanceTo/step move it. */
  manual: boolean;
}

type AdvanceListener = (toMs: number) => void;

export class MarketClock {
  private baseMs: number;
  private wallBaseMs = Date.now();
  private readonly listeners: AdvanceListener[] = [];
  private advancing = false;

  constructor(readonly opts: ClockOptions) {
    this.baseMs = opts.startMs;
  }

  get speed(): number {
    return this.opts.manual ? 0 : this.opts.speed;
  }

  nowMs(): number {
    if (this.opts.manual) return this.baseMs;
    return Math.floor(this.baseMs + (Date.now() - this.wallBaseMs) * this.opts.speed);
  }

  /** Called with the new time whenever the clock is synced forward (bar closes are processed there). */
  onAdvance(listener: AdvanceListener): void {
    this.listeners.push(listener);
  }

  /** Let everything that follows the clock catch up with it (before each request, and on a timer). */
  sync(): number {
    const now = this.nowMs();
    if (this.advancing) return now; // a listener's own reads of the clock must not recurse
    this.advancing = true;
    try {
      for (const l of this.listeners) l(now);
    } finally {
      this.advancing = false;
    }
    return now;
  }

  /** Manual mode: move to a later time and process everything up to it. */
  advanceTo(ms: number): void {
    if (!this.opts.manual) throw new Error("internal: advanceTo on a running clock");
    if (ms < this.baseMs) throw new Error(`internal: the clock cannot go back (${ms} < ${this.baseMs})`);
    this.baseMs = ms;
    this.sync();
  }

  /** Manual mode: move to the next bar boundary (the close of the bar in progress). */
  step(bars = 1): void {
    this.advanceTo((Math.floor(this.baseMs / BAR_MS) + bars) * BAR_MS);
  }
}
