// Lag of the recorder: the time from an update's exchange event time (E) to the moment the recorder
// applied it to its book, read on the exchange's clock (this machine's clock + the offset measured from
// GET /fapi/v1/time, exchange-clock.ts): against the local exchange replaying a capture, its replay clock.
// Kept as a 1 ms histogram so that a day-long session needs constant memory for its p99.

/** Lags above this are counted in the last bucket (their maximum is kept exactly). */
const MAX_TRACKED_MS = 60_000;

export class LagHistogram {
  private readonly counts = new Uint32Array(MAX_TRACKED_MS + 1);
  count = 0;
  maxMs = 0;
  lastMs = 0;

  add(lagMs: number): void {
    this.lastMs = lagMs;
    this.maxMs = this.count === 0 ? lagMs : Math.max(this.maxMs, lagMs);
    this.counts[Math.min(MAX_TRACKED_MS, Math.max(0, Math.round(lagMs)))]++;
    this.count++;
  }

  /** The q-quantile in whole ms (0 when nothing was measured). */
  quantileMs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.min(this.count - 1, Math.floor(this.count * q));
    let seen = 0;
    for (let ms = 0; ms <= MAX_TRACKED_MS; ms++) {
      seen += this.counts[ms];
      if (seen > rank) return ms === MAX_TRACKED_MS ? this.maxMs : ms;
    }
    return this.maxMs;
  }
}
